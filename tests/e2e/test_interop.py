"""Replication between our gateway and pouchdb-server, both ways: a third party checks our answers."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, PouchDBServer


def rev_hash(*parts: object) -> str:
    return hashlib.md5(repr(parts).encode()).hexdigest()


def seeded_history(count: int) -> list[dict[str, Any]]:
    """Documents as a replicator writes them: long histories, conflicts, deletions, attachments."""
    docs: list[dict[str, Any]] = []
    for i in range(count):
        ids = [rev_hash(i, depth) for depth in range(3, 0, -1)]
        doc: dict[str, Any] = {
            "_id": f"person:{i:04d}", "_rev": f"3-{ids[0]}", "_revisions": {"start": 3, "ids": ids},
            "display_name": ["Ayşe Yılmaz", "Олена Коваль", "فاطمة أحمد", "Jonas Müller"][i % 4], "n": i,
        }
        if i % 5 == 0:
            doc["_attachments"] = {"photo.bin": {"content_type": "application/octet-stream",
                                                 "data": base64.b64encode(bytes([i % 256]) * (100 + i)).decode()}}
        docs.append(doc)
        if i % 3 == 0:  # a conflicting branch from revision 2
            branch = [rev_hash(i, "branch"), ids[1], ids[2]]
            docs.append({"_id": doc["_id"], "_rev": f"3-{branch[0]}", "_revisions": {"start": 3, "ids": branch},
                         "display_name": "edited on tablet 2", "n": i})
        if i % 7 == 0:  # deleted on one branch
            gone = [rev_hash(i, "deleted"), *ids]
            docs.append({"_id": doc["_id"], "_rev": f"4-{gone[0]}", "_revisions": {"start": 4, "ids": gone},
                         "_deleted": True})
        if i % 11 == 0:  # a wholly deleted document
            tomb = [rev_hash(i, "tomb"), rev_hash(i, "tomb-parent")]
            docs.append({"_id": f"gone:{i:04d}", "_rev": f"2-{tomb[0]}", "_revisions": {"start": 2, "ids": tomb},
                         "_deleted": True})
    return docs


def replica_state(db_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every document, deleted ones too, with every leaf, its history and attachment digests."""
    changes = requests.get(db_url + "/_changes", params={"style": "all_docs"}, timeout=60).json()
    state = {}
    for row in changes["results"]:
        leaves = requests.get(f"{db_url}/{row['id']}", params={"open_revs": "all", "revs": "true"},
                              headers={"Accept": "application/json"}, timeout=30).json()
        normalised = []
        for leaf in leaves:
            doc = dict(leaf["ok"])
            atts = doc.pop("_attachments", {})
            doc["_attachments"] = {name: (att["digest"], att["length"], att["content_type"])
                                   for name, att in atts.items()}
            normalised.append(doc)
        state[row["id"]] = sorted(normalised, key=lambda doc: doc["_rev"])
    return state


def put_history(db_url: str, docs: list[dict[str, Any]]) -> None:
    assert requests.put(db_url, timeout=10).status_code == 201
    response = requests.post(db_url + "/_bulk_docs", json={"docs": docs, "new_edits": False}, timeout=60)
    assert response.status_code == 201 and response.json() == [], response.text


@pytest.mark.parametrize("direction", ["ours_to_pouchdb_server", "pouchdb_server_to_ours"])
def test_replication_with_pouchdb_server_keeps_every_revision(
    direction: str, pouch: Any, server: LiveServer, pouchdb_server: PouchDBServer
) -> None:
    name = "interop" + uuid.uuid4().hex[:8]
    ours, theirs = server.db_url(name), f"{pouchdb_server.url}/{name}"
    source, target = (ours, theirs) if direction == "ours_to_pouchdb_server" else (theirs, ours)
    put_history(source, seeded_history(60))

    report = pouch("replicate", source=source, target=target)

    assert report["status"] == "complete" and report["failures"] == 0
    expected = replica_state(source)
    assert len(expected) == 66  # 60 people and 6 wholly deleted documents
    assert replica_state(target) == expected
    for url in (source, target):
        winners = requests.get(url + "/_all_docs", params={"conflicts": "true", "include_docs": "true"}, timeout=30)
        assert winners.status_code == 200
    ours_rows = requests.get(ours + "/_all_docs", params={"include_docs": "true", "conflicts": "true"}, timeout=30)
    theirs_rows = requests.get(theirs + "/_all_docs", params={"include_docs": "true", "conflicts": "true"}, timeout=30)
    winners_ours = {r["id"]: (r["value"]["rev"], r["doc"].get("_conflicts")) for r in ours_rows.json()["rows"]}
    winners_theirs = {r["id"]: (r["value"]["rev"], r["doc"].get("_conflicts")) for r in theirs_rows.json()["rows"]}
    assert winners_ours == winners_theirs, "both servers must pick the same winners and conflicts"
