"""Purging more than CouchDB takes in one request: retention and erasure of more than 100
documents, on both stores.

CouchDB 3.5 answers ``_purge`` with 400 above ``[purge] max_document_id_number`` (100 ids)
or ``max_revisions_number`` (1000 revisions) per request (``couchdb-3.5-behaviour.md``
section 10: "POST /pg/_purge {101 ids, one rev each} -> 400 ... Exceeded maximum number of
documents."). pouchdb-server cannot purge at all (it answers 400 only_multipart_accepted), so
the CouchDB store runs here against pouchdb-server with its ``_purge`` requests answered by a
small recording stand-in that applies CouchDB's limits; the SQLite store purges for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server import create_app
from server.config import Settings
from server.services import maintenance
from sync import errors
from sync.storage import Limits, Store, open_store
from sync.storage.base import AllDocsQuery
from sync.storage.couchdb import CouchStore
from tests.conftest import PouchDBServer

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
OLD = "2020-01-01T00:00:00+00:00"
MAX_IDS, MAX_REVS = 100, 1000  # CouchDB's defaults


class RecordingPurge:
    """CouchDB's ``_purge`` as far as its limits go: each request is recorded, one above the
    limits is CouchDB's 400, and every requested revision is reported purged."""

    def __init__(self, store: CouchStore) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self._json = store.client.json
        store.client.json = self  # type: ignore[method-assign]

    def __call__(self, method: str, *segments: str, **kwargs: Any) -> Any:
        if method == "POST" and segments[-1:] == ("_purge",):
            body: dict[str, list[str]] = kwargs["body"]
            self.requests.append(body)
            if len(body) > MAX_IDS:
                raise errors.bad_request("Exceeded maximum number of documents.")
            if sum(len(revs) for revs in body.values()) > MAX_REVS:
                raise errors.bad_request("Exceeded maximum number of revisions.")
            return {"purge_seq": None, "purged": body}
        return self._json(method, *segments, **kwargs)


@pytest.fixture
def couch(pouchdb_server: PouchDBServer) -> Iterator[tuple[CouchStore, RecordingPurge]]:
    store = open_store("couchdb", Limits(), url=pouchdb_server.url)
    assert isinstance(store, CouchStore)
    store.create_db("purging")
    recorder = RecordingPurge(store)
    yield store, recorder
    store.delete_db("purging")
    store.close()


def _write(store: Store, name: str, docs: list[dict[str, Any]]) -> None:
    database = store.database(name)
    try:
        assert all(row.get("ok") for row in database.bulk_docs(docs))
    finally:
        database.close()


def test_couch_store_purges_250_documents_in_batches_of_100(couch: tuple[CouchStore, RecordingPurge]) -> None:
    store, recorder = couch
    ids = [f"d{index:03}" for index in range(250)]
    _write(store, "purging", [{"_id": doc_id} for doc_id in ids])
    database = store.database("purging")
    purged = database.purge(ids)
    assert sorted(purged) == ids and all(len(revs) == 1 for revs in purged.values())
    assert [len(body) for body in recorder.requests] == [100, 100, 50]
    assert sorted(doc_id for body in recorder.requests for doc_id in body) == ids


def test_couch_store_keeps_each_request_under_1000_revisions(couch: tuple[CouchStore, RecordingPurge]) -> None:
    """60 documents with 30 conflicting leaves each: 1,800 revisions, at most 1,000 a request."""
    store, recorder = couch
    database = store.database("purging")
    docs = [{"_id": f"c{index:02}", "_rev": f"1-{leaf:02x}", "_revisions": {"start": 1, "ids": [f"{leaf:02x}"]}}
            for index in range(60) for leaf in range(30)]
    assert database.bulk_docs(docs, new_edits=False) == []
    purged = database.purge([f"c{index:02}" for index in range(60)])
    assert sum(len(revs) for revs in purged.values()) == 1800
    assert all(sum(len(revs) for revs in body.values()) <= MAX_REVS for body in recorder.requests)
    assert sum(len(revs) for body in recorder.requests for revs in body.values()) == 1800


def _contact_requests(count: int) -> list[dict[str, Any]]:
    return [{"_id": f"contact:{index:03}", "type": "contact_request", "status": "closed", "created_at": OLD,
             "municipality": "Söhrewald", "name": "Old request"} for index in range(count)]


def test_retention_of_120_contact_requests_on_the_couch_store(pouchdb_server: PouchDBServer, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, demo=False, storage="couchdb", couchdb_url=pouchdb_server.url))
    store = app.extensions["store"]
    assert isinstance(store, CouchStore)
    recorder = RecordingPurge(store)
    _write(store, "miteinander", _contact_requests(120))
    result = maintenance.apply_retention(store, "miteinander", NOW, contact_days=180, person_days=730)
    assert result == {"purged": 120, "people": 0}
    assert [len(body) for body in recorder.requests] == [100, 20]


def test_retention_of_120_contact_requests_on_the_sqlite_store(tmp_path: Path) -> None:
    store = create_app(Settings(data_dir=tmp_path, demo=False)).extensions["store"]
    _write(store, "miteinander", _contact_requests(120))
    result = maintenance.apply_retention(store, "miteinander", NOW, contact_days=180, person_days=730)
    assert result == {"purged": 120, "people": 0}
    database = store.database("miteinander")
    try:
        query = AllDocsQuery(startkey="contact:", endkey="contact:\uffff")
        assert database.all_docs(query)["rows"] == []
    finally:
        database.close()
