"""The real PouchDB 9 client using documents by id over HTTP: ids with ``/`` and attachments."""

from __future__ import annotations

from typing import Any

import requests


def test_ids_and_attachment_names_with_a_slash_replicate_and_read(pouch: Any, db_url: str) -> None:
    report = pouch("slash_ids", url=db_url)

    assert report["push"] == {"status": "complete", "written": 2, "failures": 0}
    assert report["pull"] == {"status": "complete", "written": 2, "failures": 0}
    assert report["pulled_ids"] == ["bin_doc/with/slash", "plain"]
    assert report["pulled_attachment"] == report["remote_attachment"] == "mit Schrägstrich"
    assert report["remote_id"] == "bin_doc/with/slash"
    assert report["read"] == {"id": "x/y", "n": 2}
    assert report["removed"] is True
    assert requests.get(db_url + "/bin_doc%2Fwith%2Fslash", timeout=10).json()["_id"] == "bin_doc/with/slash"


def test_put_get_and_remove_attachment_over_http(pouch: Any, db_url: str) -> None:
    report = pouch("put_attachment", url=db_url)

    assert report["created"]["ok"] is True and report["created"]["id"] == "att/doc"
    assert report["created"]["rev"].startswith("1-")
    assert report["second"]["ok"] is True and report["second"]["rev"].startswith("2-")
    assert report["same_bytes"] is True
    assert report["names_with_both"] == ["note.txt", "scans/p1.bin"]
    assert report["removed"]["ok"] is True and report["removed"]["rev"].startswith("3-")
    assert report["names_after"] == ["note.txt"] and report["after_rev"] == report["removed"]["rev"]
    assert report["pull"] == {"status": "complete", "failures": 0}
    assert report["pulled_note"] == "hallo"
