"""Per-reader scope on the CouchDB store (against pouchdb-server, which runs CouchDB-style
JavaScript views): the view's port of the channel rules says exactly what the Python rules
say, and a replica kept in sync through the scoped feed holds exactly its reader's scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.channels import DomainRules, channels_of, grants_of
from sync.access import Scope
from sync.storage import Limits, open_store
from sync.storage.base import AllDocsQuery, ChangesQuery, ReadOptions
from sync.storage.couchdb import CouchStore
from sync.storage.couchdb.access import ACCESS_DDOC, Token, access_views
from tests.conftest import PouchDBServer
from tests.sync.test_scope_properties import READERS, Replica, _event, apply, delete, readable, write

# -- the JavaScript port equals the Python rules -----------------------------------------------------

TYPES = ["organization", "event", "person", "registration", "checkin", "hours", "contact_request", "device",
         "other", None, 7]
odd = st.one_of(st.none(), st.booleans(), st.integers(-1, 2), st.sampled_from(["", "x", "Vellmar", "user:v0"]),
                st.just([]), st.just({}), st.lists(st.sampled_from(["user:v0", "", "user:v1"]), max_size=2))
consent = st.one_of(odd, st.fixed_dictionaries({}, optional={"given_at": odd, "withdrawn_at": odd}))
document = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={
        "municipality": odd, "organization_id": odd, "event_id": odd, "person_id": odd, "volunteer_id": odd,
        "assignee": odd, "user_id": odd, "account_id": odd, "assigned_volunteers": odd,
        "consents": st.one_of(odd, st.lists(consent, max_size=3)),
    })


@pytest.fixture(scope="module")
def couch_store(pouchdb_server: PouchDBServer) -> Iterator[CouchStore]:
    store = open_store("couchdb", Limits(), url=pouchdb_server.url, rules=DomainRules())
    assert isinstance(store, CouchStore)
    yield store
    store.close()


@pytest.fixture
def fresh_db(couch_store: CouchStore) -> Iterator[str]:
    name = "access-" + uuid.uuid4().hex[:10]
    couch_store.create_db(name)
    yield name
    couch_store.delete_db(name)


def view_rows(store: CouchStore, db: str, view: str) -> set[tuple[str, str]]:
    rows = store.client.json("GET", db, ACCESS_DDOC, "_view", view)["rows"]
    return {(row["key"][0], row["key"][1]) for row in rows}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(document, min_size=1, max_size=40))
@example(docs=[{"type": "person", "municipality": "Calden", "consents": [{"given_at": "2026", "withdrawn_at": []}]},
               {"type": "person", "municipality": "Calden", "consents": [{"given_at": {}}]},
               {"type": "event", "assigned_volunteers": ["user:v0", "", 3], "municipality": ""},
               {"type": "person", "account_id": ["user:v0"]}, {"type": "person", "account_id": ""},
               {"type": ["event"], "municipality": "Calden"}])
def test_the_views_emit_what_the_python_rules_say(couch_store: CouchStore, docs: list[dict[str, Any]]) -> None:
    name = "rules-" + uuid.uuid4().hex[:10]
    couch_store.create_db(name)
    try:
        couch_store.ensure_design(name, ACCESS_DDOC, access_views(DomainRules.table()))
        stored = [{"_id": f"doc:{index}", **doc} for index, doc in enumerate(docs)]
        assert all(row.get("ok") for row in couch_store.client.json("POST", name, "_bulk_docs",
                                                                     body={"docs": stored}))
        assert view_rows(couch_store, name, "by_channel") == {
            (channel, doc["_id"]) for doc in stored for channel in channels_of(doc)}
        assert view_rows(couch_store, name, "grants") == {
            (user, channel) for doc in stored for user, channels in grants_of(doc).items() for channel in channels}
    finally:
        couch_store.delete_db(name)


# -- a replica kept through the scoped feed holds exactly its reader's scope ----------------------------

# pouchdb-server cannot purge, so erasures are left out here (tested on a real CouchDB only).
operation = st.one_of(write, write, write, delete)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(operation, max_size=10), after=st.lists(operation, max_size=10))
@example(before=[_event([]), ("put", {"_id": "registration:event:e0:person:0", "type": "registration",
                                      "event_id": "event:e0", "person_id": "person:0", "municipality": "Calden"})],
         after=[_event(["user:v0"])])  # a grant brings older documents
@example(before=[_event(["user:v0"]), ("put", {"_id": "registration:event:e0:person:0", "type": "registration",
                                               "event_id": "event:e0", "person_id": "person:0",
                                               "municipality": "Calden"})],
         after=[_event([])])  # an ended grant takes them away
@example(before=[("put", {"_id": "person:0", "type": "person", "municipality": "Calden",
                          "consents": [{"given_at": "2026-01-01T00:00:00Z"}]})],
         after=[("delete", "person:0")])  # a deletion reaches the readers who held the document
@example(before=[("put", {"_id": "registration:event:e0:person:0", "type": "registration", "event_id": "event:e0",
                          "person_id": "person:0", "municipality": "Vellmar"})],
         after=[("delete", "registration:event:e0:person:0"),
                ("put", {"_id": "registration:event:e0:person:0", "type": "registration", "event_id": "event:e0",
                         "person_id": "person:0", "municipality": "Baunatal"})])  # recreated elsewhere: it left
def test_a_synced_replica_holds_exactly_the_readers_scope(couch_store: CouchStore, before: list[Any],
                                                          after: list[Any]) -> None:
    name = "scope-" + uuid.uuid4().hex[:10]
    couch_store.create_db(name)
    admin = couch_store.database(name)
    readers = {reader: couch_store.database(name, scope) for reader, scope in READERS.items()}
    replicas = {reader: Replica() for reader in READERS}
    docs: dict[str, dict[str, Any]] = {}
    try:
        for op in before:
            apply(admin, docs, op)
        for reader, replica in replicas.items():
            replica.sync(fresh_view(couch_store, name, READERS[reader]))
            assert replica.live == readable(docs, READERS[reader]), reader
        for op in after:
            apply(admin, docs, op)
        for reader, replica in replicas.items():
            replica.sync(fresh_view(couch_store, name, READERS[reader]))
            assert replica.live == readable(docs, READERS[reader]), reader
    finally:
        for database in (admin, *readers.values()):
            database.close()
        couch_store.delete_db(name)


def fresh_view(store: CouchStore, name: str, scope: Scope) -> Any:
    """A handle per sync, as each request opens one (a reader's channels are read per handle)."""
    return store.database(name, scope)


# -- scoped reads ---------------------------------------------------------------------------------------

VOLUNTEER = Scope("user:v0", frozenset({"public", "user:v0"}))


def seed(store: CouchStore, name: str) -> dict[str, str]:
    admin = store.database(name)
    docs = [
        {"_id": "event:e1", "type": "event", "municipality": "Calden", "assigned_volunteers": ["user:v0"]},
        {"_id": "registration:e1:p1", "type": "registration", "event_id": "event:e1", "person_id": "person:p1"},
        {"_id": "person:p1", "type": "person", "municipality": "Calden"},
        {"_id": "hours:v1:1", "type": "hours", "volunteer_id": "user:v1"},
    ]
    return {row["id"]: row["rev"] for row in admin.bulk_docs(docs)}


def test_a_reader_sees_only_their_documents_on_every_read(couch_store: CouchStore, fresh_db: str) -> None:
    revs = seed(couch_store, fresh_db)
    reader = couch_store.database(fresh_db, VOLUNTEER)
    assert reader.reader_channels() == {"public", "user:v0", "event:e1"}
    assert [row["id"] for row in reader.all_docs(AllDocsQuery())["rows"]] == ["event:e1", "registration:e1:p1"]
    keys = reader.all_docs(AllDocsQuery(keys=("person:p1", "event:e1")))["rows"]
    assert keys[0] == {"key": "person:p1", "error": "not_found"} and keys[1]["id"] == "event:e1"
    for doc_id in ("person:p1", "hours:v1:1", ACCESS_DDOC):
        with pytest.raises(Exception) as caught:
            reader.get(doc_id)
        assert getattr(caught.value, "status", None) == 404
    assert reader.open_revs("person:p1", [revs["person:p1"]]) == [{"missing": revs["person:p1"]}]
    assert reader.revs_diff({"person:p1": [revs["person:p1"]]}) == {"person:p1": {"missing": [revs["person:p1"]]}}
    [hidden] = reader.bulk_get([{"id": "person:p1", "rev": revs["person:p1"]}], ReadOptions(revs=True))
    assert hidden["docs"][0]["error"]["error"] == "not_found"
    page = reader.changes(ChangesQuery())
    assert {change.id for change in page.results} == {"event:e1", "registration:e1:p1"}
    assert isinstance(page.last_seq, str) and Token.decode(page.last_seq).known


def test_the_gateways_design_document_stays_out_of_sight(couch_store: CouchStore, fresh_db: str) -> None:
    seed(couch_store, fresh_db)
    couch_store.database(fresh_db, VOLUNTEER).changes(ChangesQuery())  # installs the views
    admin = couch_store.database(fresh_db)
    assert ACCESS_DDOC not in {row["id"] for row in admin.all_docs(AllDocsQuery())["rows"]}
    assert admin.all_docs(AllDocsQuery())["total_rows"] == 4 == admin.info()["doc_count"]
    assert ACCESS_DDOC not in {change.id for change in admin.changes(ChangesQuery()).results}
    assert len(admin.changes(ChangesQuery(limit=4)).results) == 4
    [row] = admin.bulk_docs([{"_id": ACCESS_DDOC, "views": {}}])
    assert row["error"] == "forbidden"
    assert not any(name.endswith("$access") for name in couch_store.all_dbs())
