"""The real PouchDB 9 client using documents by id over HTTP: ids with ``/`` and attachments."""

from __future__ import annotations

from typing import Any

import requests

from tests.conftest import LiveServer


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


def test_replicates_to_and_from_a_database_whose_name_holds_a_slash(pouch: Any, server: LiveServer,
                                                                    db_name: str) -> None:
    """PouchDB addresses database ``a/b`` as ``.../a%2Fb``; as admin it creates it on the first push."""
    name = f"{db_name}/sub/db"
    url = server.db_url(f"{db_name}%2Fsub%2Fdb")
    report = pouch("slash_db", url=url)

    assert report["push"] == {"status": "complete", "written": 2, "failures": 0}
    assert report["pull"] == {"status": "complete", "written": 2, "failures": 0}
    assert report["back"] == {"status": "complete", "written": 1, "failures": 0}
    assert report["again"] == {"status": "complete", "written": 1, "failures": 0}
    assert report["pulled_ids"] == ["one", "two/with/slash"]
    assert report["edited"] == 3
    assert report["remote_info"] == {"db_name": name, "doc_count": 2}
    assert name in requests.get(server.admin_url + "/sync/_all_dbs", timeout=10).json()
    assert requests.get(url + "/two%2Fwith%2Fslash", timeout=10).json()["n"] == 3
    assert requests.delete(url, timeout=10).json() == {"ok": True}
    assert name not in requests.get(server.admin_url + "/sync/_all_dbs", timeout=10).json()
