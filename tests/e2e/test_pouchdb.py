"""The real PouchDB 9 client syncing against the live gateway, as tablets do."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import requests

from tests.conftest import LiveServer


def all_docs(url: str) -> dict[str, Any]:
    response = requests.get(url + "/_all_docs", timeout=30)
    assert response.status_code == 200, response.text
    return {row["id"]: row["value"]["rev"] for row in response.json()["rows"]}


def test_push_and_pull_ten_thousand_documents(pouch: Any, db_url: str) -> None:
    report = pouch("push_pull", url=db_url, count=10_000)

    assert report["push"] == {**report["push"], "status": "complete", "docs_written": 10_000, "failures": 0}
    assert report["pull"] == {**report["pull"], "status": "complete", "docs_written": 10_000, "failures": 0}
    assert report["target_count"] == 10_000
    assert report["source"] == report["target"], "pulled replica differs from the one that pushed"
    assert report["second_push_docs_read"] == 0, "a finished replication must not send anything again"
    assert len(all_docs(db_url)) == 10_000
    assert requests.get(db_url, timeout=10).json()["update_seq"] == 10_000


def test_interrupted_push_resumes_from_its_checkpoint(pouch: Any, db_url: str) -> None:
    report = pouch("resume", url=db_url, count=2_000, direction="push")

    assert 0 < report["first_written"] < 2_000
    assert report["first_written"] + report["second_written"] == 2_000
    # The second run starts from the checkpoint: it reads at most one batch it had already sent.
    assert report["second_read"] <= 2_000 - report["first_written"] + 100
    assert len(all_docs(db_url)) == 2_000


def test_interrupted_pull_resumes_from_its_checkpoint(pouch: Any, db_url: str) -> None:
    pouch("push_pull", url=db_url, count=2_000)

    report = pouch("resume", url=db_url, count=2_000, direction="pull")

    assert 0 < report["first_written"] < 2_000
    assert report["first_written"] + report["second_written"] == 2_000
    assert report["second_read"] <= 2_000 - report["first_written"] + 100
    assert report["target_count"] == 2_000


def test_conflicting_edits_converge_to_the_same_winner_everywhere(pouch: Any, db_url: str) -> None:
    report = pouch("conflict", url=db_url)

    a, b = report["a"], report["b"]
    assert a["rev"] == b["rev"]
    assert a["conflicts"] == b["conflicts"] and len(a["conflicts"]) == 1
    server = requests.get(db_url + "/hours:v1:2026-11-20", params={"conflicts": "true"}, timeout=10).json()
    assert server["_rev"] == a["rev"]
    assert server["_conflicts"] == a["conflicts"]
    # The winner is the CouchDB winner: same depth, so the higher rev hash wins.
    assert a["rev"] > a["conflicts"][0]
    leaves = requests.get(db_url + "/hours:v1:2026-11-20", params={"open_revs": "all"}, timeout=10).json()
    bodies = sorted((leaf["ok"]["minutes"], leaf["ok"]["status"]) for leaf in leaves)
    assert bodies == [(90, "approved"), (120, "pending")], "both edits are kept, neither is lost"


def test_deletions_reach_a_replica_that_held_the_documents(pouch: Any, db_url: str) -> None:
    report = pouch("deletions", url=db_url)

    assert len(report["deleted_ids"]) == 5
    assert sorted(report["gone_on_b"]) == sorted(report["deleted_ids"])
    assert report["b_count"] == 15
    for doc_id in report["deleted_ids"]:
        response = requests.get(f"{db_url}/{doc_id}", timeout=10)
        assert response.status_code == 404 and response.json() == {"error": "not_found", "reason": "deleted"}


def test_live_sync_carries_a_change_from_one_client_to_another(pouch: Any, db_url: str) -> None:
    report = pouch("live", url=db_url)

    assert report["a"]["_rev"] == report["b"]["_rev"]
    assert report["a"]["title"] == "Sprachcafé Vellmar (Raum 2)"
    assert report["a_to_b_ms"] < 20_000 and report["b_to_a_ms"] < 20_000


def test_attachments_arrive_byte_identical(pouch: Any, db_url: str) -> None:
    report = pouch("attachments", url=db_url, size=300_000)

    assert report["received"] == report["sent"]
    stub = report["stubs"]["scan.bin"]
    assert stub["length"] == 300_000 and stub["stub"] is True and stub["digest"].startswith("md5-")
    served = requests.get(db_url + "/consent:p1/scan.bin", timeout=10)
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == report["sent"]["bin"]


def test_attachments_with_any_revpos_replicate(pouch: Any, server: LiveServer, db_url: str) -> None:
    """couchdb-3.5-behaviour.md section 9 (row 10): CouchDB stores any replicated ``revpos`` as
    given, and "PouchDB replicates CouchDB -> gateway, 10 of 86 documents fail ("Attachment
    photo.bin: revpos must be a positive integer") and the replication aborts". Documents
    holding such revpos values now reach a PouchDB device ("A PouchDB device is not affected: it
    rewrites `revpos` to the position") and pass through PouchDB's http -> http replicator."""
    data = base64.b64encode(b"hello").decode()
    given: list[Any] = [0, -1, "x", 7, 2.5]
    docs = [{"_id": f"p{index}", "_rev": "3-c", "_revisions": {"start": 3, "ids": ["c", "b", "a"]},
             "_attachments": {"photo.bin": {"content_type": "application/octet-stream", "revpos": revpos,
                                            "data": data}}}
            for index, revpos in enumerate(given)]
    written = requests.post(db_url + "/_bulk_docs", json={"docs": docs, "new_edits": False}, timeout=10)
    assert (written.status_code, written.json()) == (201, []), written.text

    pulled = pouch("pull_attachments", url=db_url)
    assert (pulled["status"], pulled["failures"]) == ("complete", 0)
    assert {doc_id: att["photo.bin"]["data"] for doc_id, att in pulled["attachments"].items()} == {
        doc["_id"]: data for doc in docs}

    copy = db_url + "-copy"
    assert requests.put(copy, timeout=10).status_code == 201
    replicated = pouch("replicate", source=db_url, target=copy)
    assert replicated == {"status": "complete", "docs_written": len(docs), "failures": 0}
    for doc in docs:
        att = requests.get(f"{copy}/{doc['_id']}", timeout=10).json()["_attachments"]["photo.bin"]
        assert att["digest"] == "md5-XUFAKrxLKna5cZ2REBfFkg==", att
        assert att["revpos"] == doc["_attachments"]["photo.bin"]["revpos"], "carried as given"
        assert requests.get(f"{copy}/{doc['_id']}/photo.bin", timeout=10).content == b"hello"


def test_pushed_documents_are_readable_with_their_history(pouch: Any, server: LiveServer, db_url: str) -> None:
    """couchdb-3.5-behaviour.md section 13 (row 14): "CouchDB keeps the body of a replaced
    revision until the database is compacted: ... `revs_info` shows older revisions
    `available`"; the SQLite store drops them at once (`missing`). Either is accepted."""
    pouch("conflict", url=db_url)

    doc = requests.get(db_url + "/hours:v1:2026-11-20", params={"revs": "true", "revs_info": "true"}, timeout=10).json()
    assert doc["_revisions"]["start"] == 2 and len(doc["_revisions"]["ids"]) == 2
    assert [info["status"] for info in doc["_revs_info"]] in (["available", "missing"], ["available", "available"])


def test_selector_replication_pulls_exactly_the_matching_documents(pouch: Any, db_url: str) -> None:
    """PouchDB's ``selector`` option (POST ``_changes?filter=_selector``), in pages and live."""
    docs = [{"_id": f"doc{i:03}", "type": "checkin" if i % 3 == 0 else "hours", "minutes": i} for i in range(250)]
    response = requests.post(db_url + "/_bulk_docs", json={"docs": docs}, timeout=30)
    assert response.status_code == 201
    selector = {"type": "checkin", "minutes": {"$gte": 30}}
    expected = sorted(doc["_id"] for doc in docs if doc["type"] == "checkin" and doc["minutes"] >= 30)

    report = pouch("selector_pull", url=db_url, selector=selector, batch_size=20,
                   later_match={"_id": "later-match", "type": "checkin", "minutes": 99},
                   later_other={"_id": "later-other", "type": "hours", "minutes": 99})

    assert report["status"] == "complete"
    assert report["pulled"] == expected and report["docs_read"] == len(expected)
    assert report["live_pulled"] == sorted([*expected, "later-match"])
