"""``flask --app wsgi store migrate-to-couchdb URL``: everything of the embedded store arrives
in CouchDB (pouchdb-server here), leaf by leaf, attachment by attachment, checkpoint by
checkpoint, and running it again changes nothing."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.storage import Limits, open_store
from sync.storage.base import ChangesQuery, ReadOptions
from sync.storage.couchdb.access import ACCESS_DDOC
from tests.conftest import BIN, ROOT, PouchDBServer
from tests.factories import replicated

PHOTO = bytes(range(256)) * 40
SCAN = b"%PDF-1.4 consent form " * 100


def seed(directory: Path) -> None:
    """Two databases with what replication must carry: conflicts, deletions, attachments,
    long histories, ``_local`` checkpoints."""
    store = open_store("sqlite", Limits(), directory=directory)
    for name in ("miteinander", "scratch"):
        store.create_db(name)
        db = store.database(name)
        revs = {row["id"]: row["rev"] for row in db.bulk_docs(
            [{"_id": f"event:{n}", "type": "event", "title": f"Sprachcafé {n}"} for n in range(30)])}
        db.put({"_id": "event:0", "_rev": revs["event:0"], "type": "event", "title": "Sprachcafé (Raum 2)"})
        db.put({"_id": "event:1", "_rev": revs["event:1"], "_deleted": True})
        db.put({"_id": "consent:p1", "_attachments": {
            "photo.bin": {"content_type": "application/octet-stream", "data": base64.b64encode(PHOTO).decode()},
            "scan.pdf": {"content_type": "application/pdf", "data": base64.b64encode(SCAN).decode()}}})
        assert db.bulk_docs([
            replicated("hours:v1", ["3-c", "2-b", "1-a"], minutes=90),
            replicated("hours:v1", ["2-x", "1-a"], minutes=120),          # a live conflict
            replicated("hours:v1", ["3-y", "2-w", "1-a"], deleted=True),  # a deleted branch
            replicated("gone:1", ["2-t", "1-s"], deleted=True),           # wholly deleted
            replicated("person:9", [f"{n}-h{n}" for n in range(12, 0, -1)], display_name="Олена"),
        ], new_edits=False) == []
        db.put_local("checkpoint-a", {"last_seq": 17, "session_id": "s1", "history": [{"last_seq": 17}]})
        db.put_local("checkpoint-a", {"_rev": "0-1", "last_seq": 31, "session_id": "s2"})
        db.put_local("miteinander-removals", {"since": "4", "forgotten": ["x"]})
        db.close()
    store.close()


def leaves(url: str) -> dict[str, Any]:
    """Every document of a CouchDB database with all leaves and histories, attachments as
    (digest, length, content_type): what open_revs=all&revs=true answers. The gateway's own
    design document (its access views, built by the migration) is not a copied document."""
    found = {}
    for row in requests.get(url + "/_changes", params={"style": "all_docs"}, timeout=30).json()["results"]:
        if row["id"] == ACCESS_DDOC:
            continue
        answer = requests.get(f"{url}/{row['id']}", params={"open_revs": "all", "revs": "true"},
                              headers={"Accept": "application/json"}, timeout=30).json()
        found[row["id"]] = sorted((normalised(entry["ok"]) for entry in answer), key=lambda leaf: leaf["_rev"])
    return found


def normalised(leaf: dict[str, Any]) -> dict[str, Any]:
    doc = {key: value for key, value in leaf.items() if key != "_attachments"}
    doc["_attachments"] = {name: (att["digest"], att.get("length"), att["content_type"])
                           for name, att in leaf.get("_attachments", {}).items()}
    return doc


def source_leaves(directory: Path, name: str) -> dict[str, Any]:
    store = open_store("sqlite", Limits(), directory=directory)
    db = store.database(name)
    try:
        found = {}
        for change in db.changes(ChangesQuery(all_leaves=True)).results:
            found[change.id] = sorted((normalised(entry["ok"]) for entry in
                                       db.open_revs(change.id, None, ReadOptions(revs=True))),
                                      key=lambda leaf: leaf["_rev"])
        locals_ = {local_id: db.get_local(local_id) for local_id in ("checkpoint-a", "miteinander-removals")}
        return {"docs": found, "local": locals_}
    finally:
        db.close()
        store.close()


@pytest.fixture
def couch(tmp_path: Path) -> Iterator[PouchDBServer]:
    peer = PouchDBServer().start(tmp_path)
    yield peer
    peer.stop()


def migrate(data_dir: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MITEINANDER_DATA_DIR": str(data_dir), "DEMO": "0"}
    env.pop("COUCHDB_URL", None)
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", "store", "migrate-to-couchdb", url],  # noqa: S603
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_migration_copies_every_leaf_attachment_and_checkpoint(tmp_path: Path, couch: PouchDBServer) -> None:
    data_dir = tmp_path / "var"
    seed(data_dir / "sync")

    first = migrate(data_dir, couch.url)
    assert first.returncode == 0, first.stderr
    assert "miteinander: 34 documents, 36 leaves, 2 local documents" in first.stdout
    assert {"accounts", "miteinander", "scratch"} <= set(requests.get(couch.url + "/_all_dbs", timeout=10).json())

    for name in ("miteinander", "scratch"):
        url = f"{couch.url}/{name}"
        expected = source_leaves(data_dir / "sync", name)
        assert leaves(url) == expected["docs"], name
        assert [leaf["_rev"] for leaf in expected["docs"]["hours:v1"]] == ["2-x", "3-c", "3-y"]
        served = requests.get(f"{url}/consent:p1/photo.bin", timeout=10).content
        assert hashlib.sha256(served).digest() == hashlib.sha256(PHOTO).digest()
        for local_id, doc in expected["local"].items():
            copied = requests.get(f"{url}/_local/{local_id}", timeout=10).json()
            assert {k: v for k, v in copied.items() if k != "_rev"} == {k: v for k, v in doc.items() if k != "_rev"}

    seq = requests.get(f"{couch.url}/miteinander", timeout=10).json()["update_seq"]
    again = migrate(data_dir, couch.url)
    assert again.returncode == 0, again.stderr
    assert "miteinander: 34 documents, 36 leaves, 0 local documents" in again.stdout
    assert requests.get(f"{couch.url}/miteinander", timeout=10).json()["update_seq"] == seq, "nothing written twice"


def test_migration_refuses_an_unreachable_couchdb(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    seed(data_dir / "sync")
    result = migrate(data_dir, "http://admin:secret@127.0.0.1:9")
    assert result.returncode != 0
    assert "CouchDB is unreachable" in result.stderr and "secret" not in result.stderr + result.stdout
