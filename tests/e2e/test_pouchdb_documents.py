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

