"""What the CouchDB store does where pouchdb-server differs from Apache CouchDB and the contract
suite leaves pouchdb-server out (``POUCHDB_SERVER_LACKS`` in ``test_contract.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from sync.storage import Limits, open_store
from sync.storage.couchdb import CouchStore
from tests.conftest import PouchDBServer
from tests.sync.storage.test_contract import couch_error


@pytest.fixture
def couch_store(pouchdb_server: PouchDBServer) -> Iterator[CouchStore]:
    store = open_store("couchdb", Limits(), url=pouchdb_server.url)
    assert isinstance(store, CouchStore)
    yield store
    store.close()


def test_names_with_a_slash_are_refused_since_pouchdb_server_would_drop_it(
        couch_store: CouchStore, pouchdb_server: PouchDBServer) -> None:
    """pouchdb-server would keep ``a/b`` as ``ab``, another database's name: the store
    refuses the name rather than mix the two."""
    plain = "q" + uuid.uuid4().hex[:10]
    couch_store.create_db(plain + "ab")
    try:
        for call in (lambda: couch_store.create_db(plain + "a/b"), lambda: couch_store.database(plain + "a/b"),
                     lambda: couch_store.delete_db(plain + "a/b")):
            error = couch_error(call)
            assert (error.status, error.error) == (501, "not_implemented")
        assert plain + "ab" in couch_store.all_dbs()
        assert requests.get(f"{pouchdb_server.url}/{plain}ab", timeout=10).status_code == 200, "left alone"
    finally:
        couch_store.delete_db(plain + "ab")
