"""Property: whatever the documents and however they change, a replica that a user keeps in
sync (pull the feed since its checkpoint, then drop what ``removed`` lists) holds exactly
the documents that user may read, never one more."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.channels import DomainRules, channels_of, grants_of
from server.access.policy import Principal, StaticDirectory, WriteContext, scope_for, tombstone, write_refusal
from sync import errors
from sync.access import Scope
from sync.storage import Limits, open_store
from sync.storage.base import ChangesQuery

TOWNS = ["Baunatal", "Vellmar", "Calden"]
VOLUNTEERS = ["user:v0", "user:v1"]
EVENTS = ["event:e0", "event:e1"]
READERS = {
    "v0": Scope("user:v0", frozenset({"public", "user:v0"})),
    "v1": Scope("user:v1", frozenset({"public", "user:v1"})),
    "baunatal": Scope("user:c0", frozenset({"public", "municipality:Baunatal"})),
    "calden+vellmar": Scope("user:c1", frozenset({"public", "municipality:Calden", "municipality:Vellmar"})),
}

event_doc = st.builds(
    lambda event, town, volunteers: {"_id": event, "type": "event", "municipality": town,
                                     "assigned_volunteers": sorted(volunteers)},
    st.sampled_from(EVENTS), st.sampled_from(TOWNS), st.sets(st.sampled_from(VOLUNTEERS)))
registration_doc = st.builds(
    lambda event, person, town: {"_id": f"registration:{event}:person:{person}", "type": "registration",
                                 "event_id": event, "person_id": f"person:{person}", "municipality": town},
    st.sampled_from(EVENTS), st.integers(0, 3), st.sampled_from(TOWNS))
hours_doc = st.builds(
    lambda volunteer, n, town: {"_id": f"hours:{volunteer}:{n}", "type": "hours", "volunteer_id": volunteer,
                                "municipality": town},
    st.sampled_from(VOLUNTEERS), st.integers(0, 2), st.sampled_from(TOWNS))
person_doc = st.builds(
    lambda n, town, consent: {"_id": f"person:{n}", "type": "person", "municipality": town,
                              "consents": [{"given_at": "2026-01-01T00:00:00Z"}] if consent else []},
    st.integers(0, 3), st.sampled_from(TOWNS), st.booleans())
write = st.tuples(st.just("put"), st.one_of(event_doc, registration_doc, hours_doc, person_doc))
delete = st.tuples(st.just("delete"), st.sampled_from(
    EVENTS + [f"registration:{e}:person:{p}" for e in EVENTS for p in range(2)] + ["hours:user:v0:0", "person:0"]))
purge = st.tuples(st.just("purge"), st.sampled_from(["person:0", "person:1", "registration:event:e0:person:0"]))
operation = st.one_of(write, write, write, delete, purge)


def readable(docs: dict[str, dict[str, Any]], scope: Scope) -> set[str]:
    """The oracle, straight from the pure rules: live documents in a channel the reader holds."""
    granted = set(scope.channels)
    for doc in docs.values():
        granted |= grants_of(doc).get(scope.user_id or "", frozenset())
    return {doc_id for doc_id, doc in docs.items() if channels_of(doc) & granted}


def apply(database: Any, docs: dict[str, dict[str, Any]], op: tuple[str, Any]) -> None:
    kind, subject = op
    if kind == "put":
        current = docs.get(subject["_id"])
        body = {**subject, "_rev": current["_rev"]} if current else subject
        rev = database.put(body)["rev"]
        docs[subject["_id"]] = {**subject, "_rev": rev}
    elif kind == "delete" and subject in docs:
        database.put({"_id": subject, "_rev": docs.pop(subject)["_rev"], "_deleted": True})
    elif kind == "purge" and subject in docs:
        database.purge([subject])
        docs.pop(subject)


class Replica:
    """What a device holds: ids, kept up to date the way the web app does it."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.since = 0
        self.removed_since = 0

    def sync(self, database: Any) -> None:
        page = database.changes(ChangesQuery(since=self.since, limit=3))
        while True:
            for change in page.results:
                (self.live.discard if change.deleted else self.live.add)(change.id)
            self.since = page.last_seq
            if len(page.results) < 3:
                break
            page = database.changes(ChangesQuery(since=self.since, limit=3))
        gone = database.removed(self.removed_since)
        self.live -= {row["id"] for row in gone["results"]}
        self.removed_since = gone["last_seq"]


def _event(volunteers: list[str]) -> tuple[str, dict[str, Any]]:
    return ("put", {"_id": "event:e0", "type": "event", "municipality": "Calden", "assigned_volunteers": volunteers})


_REGISTRATION = ("put", {"_id": "registration:event:e0:person:0", "type": "registration", "event_id": "event:e0",
                         "person_id": "person:0", "municipality": "Calden"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(operation, max_size=12), after=st.lists(operation, max_size=12))
@example(before=[_event([]), _REGISTRATION], after=[_event(["user:v0"])])  # a grant brings older documents
@example(before=[_event(["user:v0"]), _REGISTRATION], after=[_event([])])  # an ended grant takes them away
@example(before=[_REGISTRATION], after=[("purge", "registration:event:e0:person:0")])  # erasure reaches devices
@example(before=[_event(["user:v0"]), _REGISTRATION],  # a grant ended, then what it showed was erased
         after=[_event([]), ("purge", "registration:event:e0:person:0")])
def test_a_synced_replica_holds_exactly_the_readers_scope(tmp_path: Path, before: list[Any], after: list[Any]) -> None:
    directory = tmp_path / uuid.uuid4().hex  # hypothesis runs many examples in one tmp_path
    store = open_store("sqlite", Limits(), directory=directory, rules=DomainRules())
    store.create_db("m")
    admin = store.database("m")
    docs: dict[str, dict[str, Any]] = {}
    readers = {name: store.database("m", scope) for name, scope in READERS.items()}
    replicas = {name: Replica() for name in READERS}
    try:
        for op in before:
            apply(admin, docs, op)
        for name, replica in replicas.items():
            replica.sync(readers[name])
            assert replica.live == readable(docs, READERS[name]), name
        for op in after:
            apply(admin, docs, op)
        for name, replica in replicas.items():
            replica.sync(readers[name])
            assert replica.live == readable(docs, READERS[name]), name
    finally:
        for database in (admin, *readers.values()):
            database.close()


# -- hostile writers ------------------------------------------------------------------------------
# The same documents, now also written by accounts that try to reach what is not theirs: a
# resident, a volunteer and a coordinator whose writes go through the write rules. Whatever
# they try, no write widens what its writer reads beyond the document written, and every
# replica still holds exactly its reader's scope. The documents they meet are consistent, as
# the rules keep them (a registration carries its event's town): each event has its town.

HOSTILE = {
    "resident": Principal("user:r0", "resident", person_id="person:0"),
    "volunteer": Principal("user:v0", "volunteer"),
    "coordinator": Principal("user:c0", "coordinator", municipalities=frozenset({"Baunatal"})),
}

def _taken(doc: dict[str, Any], who: str) -> dict[str, Any]:
    """``doc`` claimed by ``who``: their account on a person, themselves on an event's team."""
    if doc["type"] == "person":
        return {**doc, "account_id": who}
    return {**doc, "assigned_volunteers": [*doc["assigned_volunteers"], who]}


takeover = st.builds(_taken, st.one_of(event_doc, person_doc), st.sampled_from([p.user_id for p in HOSTILE.values()]))
TOWN_OF = {"event:e0": "Baunatal", "event:e1": "Calden"}
consistent_operation = st.one_of(
    st.tuples(st.just("put"), st.builds(
        lambda event, volunteers: {"_id": event, "type": "event", "municipality": TOWN_OF[event],
                                   "assigned_volunteers": sorted(volunteers)},
        st.sampled_from(EVENTS), st.sets(st.sampled_from(VOLUNTEERS)))),
    st.tuples(st.just("put"), st.builds(
        lambda event, person: {"_id": f"registration:{event}:person:{person}", "type": "registration",
                               "event_id": event, "person_id": f"person:{person}", "municipality": TOWN_OF[event]},
        st.sampled_from(EVENTS), st.integers(0, 3))),
    st.tuples(st.just("put"), st.one_of(hours_doc, person_doc)), delete, purge)
hostile_operation = st.tuples(st.sampled_from(sorted(HOSTILE)), st.one_of(
    write, write, delete, st.tuples(st.just("put"), takeover)))


def rules_only(principal: Principal, database: Any, docs: dict[str, dict[str, Any]]) -> Any:
    """The write rules without the schemas (these documents carry only what access reads)."""
    accounts = {p.user_id: p for p in HOSTILE.values()}

    def validate(new: Any, old: Any) -> Any:
        context = WriteContext(database.reader_channels(), StaticDirectory(dict(docs), accounts))
        reason = write_refusal(principal, new, old, context)
        if reason is not None:
            raise errors.forbidden(reason)
        return tombstone(new, old) if new.get("_deleted") else None

    return validate


def attempt(database: Any, docs: dict[str, dict[str, Any]], op: tuple[str, Any]) -> str | None:
    """A hostile write; the id written, or None if it was refused or had nothing to do."""
    kept = dict(docs)
    try:
        apply(database, docs, op)
    except errors.CouchError as error:
        assert error.status in (403, 409), error
        docs.clear()
        docs.update(kept)
        return None
    kind, subject = op
    return subject["_id"] if kind == "put" else subject if kind == "delete" else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(consistent_operation, max_size=10), attacks=st.lists(hostile_operation, max_size=12))
@example(before=[("put", {"_id": "event:e1", "type": "event", "municipality": "Calden", "assigned_volunteers": []}),
                 ("put", {"_id": "registration:event:e1:person:1", "type": "registration", "event_id": "event:e1",
                          "person_id": "person:1", "municipality": "Calden"}), ("delete", "event:e1")],
         attacks=[("coordinator", ("put", {"_id": "event:e1", "type": "event", "municipality": "Baunatal",
                                           "assigned_volunteers": ["user:c0"]}))])  # H1: take a deleted event
def test_hostile_writes_open_nothing(tmp_path: Path, before: list[Any], attacks: list[Any]) -> None:
    directory = tmp_path / uuid.uuid4().hex
    store = open_store("sqlite", Limits(), directory=directory, rules=DomainRules())
    store.create_db("m")
    docs: dict[str, dict[str, Any]] = {}
    with store.database("m") as admin:
        for kind, subject in before:
            if kind == "put" and subject["type"] == "registration" and subject["event_id"] not in docs:
                continue  # the rules let nobody register for an event that does not exist
            apply(admin, docs, (kind, subject))
    scopes = {name: scope_for(principal) for name, principal in HOSTILE.items()}
    for name, op in attacks:
        before_reach = readable(docs, scopes[name])
        with store.database("m", scopes[name]) as database:
            database.validate = rules_only(HOSTILE[name], database, docs)
            written = attempt(database, docs, op)
        own = HOSTILE[name].person_id  # what names a resident's own person record is theirs
        gained = {doc_id for doc_id in readable(docs, scopes[name]) - before_reach - {written}
                  if own is None or own not in channels_of(docs[doc_id])}
        assert not gained, (name, op, gained)
    for name, scope in {**READERS, **scopes}.items():
        with store.database("m", scope) as database:
            replica = Replica()
            replica.sync(database)
        assert replica.live == readable(docs, scope), name
