"""The real PouchDB 9 client against the gateway with CouchDB as its store (pouchdb-server
standing in for CouchDB): the sync core's scenarios, unchanged, through ``CouchStore``.

The scenarios are imported from ``test_pouchdb.py``, so they run here with this module's
``server`` fixture: a gateway whose ``COUCHDB_URL`` points at a pouchdb-server of its own.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import NODE_MODULES, LiveServer, PouchDBServer, wait_until_up
from tests.e2e.test_pouchdb import (  # noqa: F401  (collected here, against this module's server)
    all_docs,
    test_attachments_arrive_byte_identical,
    test_conflicting_edits_converge_to_the_same_winner_everywhere,
    test_deletions_reach_a_replica_that_held_the_documents,
    test_interrupted_pull_resumes_from_its_checkpoint,
    test_interrupted_push_resumes_from_its_checkpoint,
    test_live_sync_carries_a_change_from_one_client_to_another,
)


@dataclass
class DiskPouchDBServer(PouchDBServer):
    """pouchdb-server keeping its databases in a directory, so they outlive a restart."""

    directory: Path | None = None

    def start(self, workdir: Path) -> DiskPouchDBServer:
        binary = NODE_MODULES / ".bin" / "pouchdb-server"
        if not binary.exists():
            raise RuntimeError("pouchdb-server is not installed: run `make test`, which runs npm ci")
        self.directory = self.directory or workdir / "data"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603
            [str(binary), "--dir", str(self.directory), "--host", "127.0.0.1", "--port", str(self.port),
             "--no-stdout-logs"],
            cwd=workdir, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.url + "/", self.process)
        return self


def couch_gateway(data_dir: Path, couch: PouchDBServer, **env: str) -> LiveServer:
    """A gateway whose store is the given CouchDB-compatible server."""
    return LiveServer(data_dir, env={"COUCHDB_URL": couch.url, **env}).start()


@pytest.fixture(scope="module")
def couch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiskPouchDBServer]:
    peer = DiskPouchDBServer().start(tmp_path_factory.mktemp("couch"))
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, couch: DiskPouchDBServer) -> Iterator[LiveServer]:
    """This module's gateway, on CouchDB (overrides the session's SQLite one)."""
    live = couch_gateway(tmp_path_factory.mktemp("gateway"), couch)
    yield live
    live.stop()


def test_the_gateway_stores_in_couchdb(server: LiveServer, couch: DiskPouchDBServer, db_url: str) -> None:
    name = db_url.rsplit("/", 1)[1]
    put = requests.put(db_url + "/hello", json={"n": 1}, timeout=10)
    assert put.status_code == 201, put.text
    stored = requests.get(f"{couch.url}/{name}/hello", timeout=10).json()
    assert stored == {"_id": "hello", "_rev": put.json()["rev"], "n": 1}
    assert "accounts" in requests.get(couch.url + "/_all_dbs", timeout=10).json(), "accounts live in CouchDB too"


def test_push_and_pull_two_thousand_documents(pouch: Any, db_url: str) -> None:
    report = pouch("push_pull", url=db_url, count=2_000)

    assert report["push"] == {**report["push"], "status": "complete", "docs_written": 2_000, "failures": 0}
    assert report["pull"] == {**report["pull"], "status": "complete", "docs_written": 2_000, "failures": 0}
    assert report["target_count"] == 2_000
    assert report["source"] == report["target"], "pulled replica differs from the one that pushed"
    assert report["second_push_docs_read"] == 0, "a finished replication must not send anything again"
    assert len(all_docs(db_url)) == 2_000


def test_pushed_documents_are_readable_with_their_history(pouch: Any, db_url: str) -> None:
    """As on the embedded store, except that CouchDB keeps older bodies until it compacts."""
    pouch("conflict", url=db_url)

    doc = requests.get(db_url + "/hours:v1:2026-11-20", params={"revs": "true", "revs_info": "true"}, timeout=10).json()
    assert doc["_revisions"]["start"] == 2 and len(doc["_revisions"]["ids"]) == 2
    assert doc["_revs_info"][0]["status"] == "available"
    assert doc["_revs_info"][1]["status"] in ("available", "missing")
