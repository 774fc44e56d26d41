"""Who reads and writes what, on every sync path, for every role (the live server over HTTP)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests import factories
from tests.conftest import ADMIN, LiveServer, User
from tests.factories import (
    NOW,
    checkin,
    contact_request,
    device,
    event,
    hours,
    organization,
    person,
    registration,
)

MAIN = "miteinander"


@dataclass
class World:
    tag: str
    admin: User
    coordinator: User
    volunteer: User
    resident: User
    resident_person: str
    docs: dict[str, dict[str, Any]]

    def ids(self, *names: str) -> set[str]:
        return {self.docs[name]["_id"] for name in names}

    def user(self, role: str) -> User:
        return {"admin": self.admin, "coordinator": self.coordinator, "volunteer": self.volunteer,
                "resident": self.resident}[role]


def build_docs(tag: str, volunteer: str, coordinator: str, resident_person: str) -> dict[str, dict[str, Any]]:
    org_a, org_b, ev1, ev2 = f"org:{tag}-a", f"org:{tag}-b", f"event:{tag}-1", f"event:{tag}-2"
    p1, p2 = f"person:{tag}-p1", f"person:{tag}-p2"
    return {
        "org_a": organization(org_a, "Sportverein Baunatal", "Baunatal"),
        "org_b": organization(org_b, "Migrantenverein Vellmar", "Vellmar", kind="migrant_organization"),
        "event1": event(ev1, "Baunatal", organization_id=org_a, assigned_volunteers=[volunteer]),
        "event2": event(ev2, "Vellmar", title={"de": "Begegnungsfest"}, organization_id=org_b),
        "person1": person(p1, "Mariam Haidari", "Baunatal", languages=["prs"]),
        "person2": person(p2, "Olena Kovalenko", "Vellmar", languages=["uk"]),
        "reg1": registration(ev1, p1, "Mariam Haidari", "Baunatal", organization_id=org_a),
        "reg2": registration(ev2, p2, "Olena Kovalenko", "Vellmar", organization_id=org_b),
        "checkin1": checkin(ev1, volunteer, "Baunatal", person_id=p1, organization_id=org_a),
        "checkin2": checkin(ev2, volunteer, "Vellmar", person_id=p2, device_id="tablet-2", organization_id=org_b),
        "hours_vol": hours(volunteer, "Baunatal", 120, doc_id=f"hours:{volunteer}:{tag}"),
        "hours_coord": hours(coordinator, "Baunatal", 60, doc_id=f"hours:{coordinator}:{tag}", activity="training"),
        "contact_res": contact_request("Vellmar", doc_id=f"contact:{tag}-r", person_id=resident_person,
                                       language="prs"),
        "contact1": contact_request("Baunatal", doc_id=f"contact:{tag}-1", person_id=p1, topic="club_partner"),
        "device": device(f"device:{tag}", volunteer),
    }


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    tag = uuid.uuid4().hex[:8]
    admin = User(*ADMIN, "admin", server)
    coordinator = server.create_user("coordinator", "municipality:Baunatal")
    volunteer = server.create_user("volunteer")
    email = f"resident-{tag}@test.example"
    registered = factories.register_resident(server, email, display_name="Ahmad Rahimi", municipality="Vellmar",
                                             languages=["prs", "de"])
    resident = User(email, "resident-pw-1", registered.json()["user_id"], server)
    own = requests.get(resident.db_url() + "/_changes", params={"include_docs": "true"}, timeout=10).json()
    resident_person = next(row["id"] for row in own["results"] if row["id"].startswith("person:"))
    docs = build_docs(tag, volunteer.user_id, coordinator.user_id, resident_person)
    stored = requests.post(admin.db_url() + "/_bulk_docs", json={"docs": list(docs.values())}, timeout=30).json()
    assert all(result.get("ok") for result in stored), stored
    for name, result in zip(docs, stored, strict=True):
        docs[name]["_rev"] = result["rev"]
    return World(tag, admin, coordinator, volunteer, resident, resident_person, docs)


VISIBLE = {
    "admin": {"org_a", "org_b", "event1", "event2", "person1", "person2", "reg1", "reg2", "checkin1", "checkin2",
              "hours_vol", "hours_coord", "contact_res", "contact1", "device"},
    "coordinator": {"org_a", "org_b", "event1", "event2", "person1", "reg1", "checkin1", "hours_vol", "hours_coord",
                    "contact1"},
    "volunteer": {"org_a", "org_b", "event1", "event2", "reg1", "checkin1", "hours_vol", "device"},
    "resident": {"org_a", "org_b", "event1", "event2", "contact_res"},
}
ROLES = list(VISIBLE)


def mine(world: World, ids: Any) -> set[str]:
    """The ids among ``ids`` that this test module created (the server is shared)."""
    ours = {doc["_id"] for doc in world.docs.values()} | {world.resident_person}
    return {doc_id for doc_id in ids if doc_id in ours}


def expected(world: World, role: str) -> set[str]:
    own = {world.resident_person} if role in ("resident", "admin") else set()
    return world.ids(*VISIBLE[role]) | own


@pytest.mark.parametrize("role", ROLES)
def test_changes_feed_holds_exactly_the_scope(world: World, role: str) -> None:
    feed = requests.get(world.user(role).db_url() + "/_changes", params={"style": "all_docs"}, timeout=30).json()
    assert mine(world, (row["id"] for row in feed["results"])) == expected(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_longpoll_feed_holds_exactly_the_scope(world: World, role: str) -> None:
    feed = requests.get(world.user(role).db_url() + "/_changes", params={"feed": "longpoll", "timeout": 1000},
                        timeout=30).json()
    assert mine(world, (row["id"] for row in feed["results"])) == expected(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_all_docs_holds_exactly_the_scope(world: World, role: str) -> None:
    rows = requests.get(world.user(role).db_url() + "/_all_docs", timeout=30).json()["rows"]
    assert mine(world, (row["id"] for row in rows)) == expected(world, role)
    every_id = sorted({doc["_id"] for doc in world.docs.values()})
    keyed = requests.post(world.user(role).db_url() + "/_all_docs", json={"keys": every_id}, timeout=30).json()
    assert {row["id"] for row in keyed["rows"] if "id" in row} == expected(world, role) - {world.resident_person}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(VISIBLE["admin"]))
def test_document_reads_follow_the_scope(world: World, role: str, name: str) -> None:
    user, doc = world.user(role), world.docs[name]
    visible = name in VISIBLE[role]
    url = f"{user.db_url()}/{doc['_id']}"

    single = requests.get(url, timeout=10)
    assert single.status_code == (200 if visible else 404), single.text
    leaves = requests.get(url, params={"open_revs": "all"}, timeout=10)
    assert leaves.status_code == (200 if visible else 404)
    bulk = requests.post(user.db_url() + "/_bulk_get", json={"docs": [{"id": doc["_id"], "rev": doc["_rev"]}]},
                         timeout=10).json()["results"][0]["docs"][0]
    assert ("ok" in bulk) is visible
    diff = requests.post(user.db_url() + "/_revs_diff", json={doc["_id"]: [doc["_rev"]]}, timeout=10).json()
    assert (doc["_id"] in diff) is not visible, "revs_diff must not reveal documents outside the scope"


def test_attachments_follow_the_scope(world: World) -> None:
    doc = world.docs["checkin2"]
    data = base64.b64encode(b"Unterschrift").decode()
    stored = requests.put(f"{world.admin.db_url()}/{doc['_id']}", json={
        **doc, "_attachments": {"sig.txt": {"content_type": "text/plain", "data": data}}}, timeout=10)
    assert stored.status_code == 201, stored.text
    doc["_rev"] = stored.json()["rev"]
    assert requests.get(f"{world.admin.db_url()}/{doc['_id']}/sig.txt", timeout=10).content == b"Unterschrift"
    for role in ("coordinator", "volunteer", "resident"):
        assert requests.get(f"{world.user(role).db_url()}/{doc['_id']}/sig.txt", timeout=10).status_code == 404


def test_anonymous_requests_are_refused_on_every_sync_path(world: World) -> None:
    url = f"{world.admin.server.url}/sync/{MAIN}"
    doc_id = world.docs["person1"]["_id"]
    for method, path, body in [("get", "", None), ("get", "/_changes", None), ("get", "/_all_docs", None),
                               ("post", "/_bulk_docs", {"docs": []}), ("post", "/_bulk_get", {"docs": []}),
                               ("post", "/_revs_diff", {}), ("get", f"/{doc_id}", None),
                               ("put", f"/{doc_id}", {}), ("get", "/_local/x", None), ("get", "/_removed", None),
                               ("get", "/_changes?feed=longpoll&timeout=100", None)]:
        response = requests.request(method, url + path, json=body, timeout=10)
        assert response.status_code == 401, (method, path)
        assert response.json() == {"error": "unauthorized", "reason": "Name or password is incorrect."}
    wrong = requests.get(world.admin.server.db_url(MAIN, (world.admin.email, "wrong password")), timeout=10)
    assert wrong.status_code == 401
    bearer = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert bearer.status_code == 401 and bearer.json() == wrong.json(), "every failure looks the same"


def test_only_admins_manage_databases(world: World) -> None:
    name = "adm" + world.tag
    for role in ("coordinator", "volunteer", "resident"):
        assert requests.put(world.user(role).db_url(name), timeout=10).status_code == 403
        assert requests.get(world.user(role).db_url(name), timeout=10).status_code == 403
        assert requests.delete(world.user(role).db_url(MAIN), timeout=10).status_code == 403
        assert requests.get(world.user(role).server.credentials_url(*world.user(role).auth) + "/sync/_all_dbs",
                            timeout=10).json() == [MAIN]
    assert requests.put(world.admin.db_url(name), timeout=10).status_code == 201
    assert requests.get(world.admin.db_url("accounts"), timeout=10).status_code == 404, "accounts are never served"


def edit(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**doc, **changes}


def walk_in(world: World, event_name: str, by: str, suffix: str = "") -> dict[str, Any]:
    """A walk-in's check-in at one of the world's events, made by ``by`` on tablet t1."""
    event = world.docs[event_name]
    return checkin(event["_id"], by, event["municipality"], walk_in="Gast", device_id="t1",
                   organization_id=event["organization_id"],
                   doc_id=f"checkin:{event['_id']}:walkin:{world.tag}{suffix}")


# (role, what, build the document from the world) -> allowed?
WRITES = [
    ("volunteer", "check in at an assigned event",
     lambda w: walk_in(w, "event1", w.volunteer.user_id), True),
    ("volunteer", "check in at another event",
     lambda w: walk_in(w, "event2", w.volunteer.user_id), False),
    ("volunteer", "check in under another volunteer's name",
     lambda w: walk_in(w, "event1", w.coordinator.user_id, "x"), False),
    ("volunteer", "undo a check-in", lambda w: {**w.docs["checkin1"], "_deleted": True}, True),
    ("volunteer", "edit own pending hours", lambda w: edit(w.docs["hours_vol"], minutes=150), True),
    ("volunteer", "approve own hours", lambda w: edit(w.docs["hours_vol"], status="approved",
                                                      decided_by=w.volunteer.user_id, decided_at=NOW), False),
    ("volunteer", "log hours for someone else", lambda w: hours(
        w.coordinator.user_id, "Baunatal", 30, doc_id=f"hours:{w.coordinator.user_id}:{w.tag}v", activity="other"),
     False),
    ("volunteer", "edit an event", lambda w: edit(w.docs["event1"], place="Sporthalle"), False),
    ("coordinator", "approve a volunteer's hours", lambda w: edit(
        w.docs["hours_vol"], status="approved", decided_by=w.coordinator.user_id, decided_at=NOW), True),
    ("coordinator", "approve own hours", lambda w: edit(
        w.docs["hours_coord"], status="approved", decided_by=w.coordinator.user_id, decided_at=NOW), False),
    ("coordinator", "edit an event in scope", lambda w: edit(w.docs["event1"], place="Stadthalle"), True),
    ("coordinator", "edit an event outside scope", lambda w: edit(w.docs["event2"], place="Stadthalle"), False),
    ("coordinator", "move an event out of scope", lambda w: edit(w.docs["event1"], municipality="Vellmar"), False),
    ("coordinator", "hand hours to another volunteer", lambda w: edit(
        w.docs["hours_vol"], volunteer_id=w.coordinator.user_id), False),
    ("coordinator", "change a document's type", lambda w: {**w.docs["person1"], "type": "device"}, False),
    ("coordinator", "create a person outside scope", lambda w: person(f"person:{w.tag}-x", "X", "Vellmar"), False),
    ("coordinator", "write an invalid document", lambda w: edit(w.docs["hours_vol"], minutes=-5), False),
    ("resident", "register for an event", lambda w: registration(
        w.docs["event2"]["_id"], w.resident_person, "Ahmad Rahimi", "Vellmar", organization_id=w.docs["org_b"]["_id"]),
     True),
    ("resident", "register someone else", lambda w: registration(
        w.docs["event2"]["_id"], w.docs["person1"]["_id"], "M", "Vellmar", organization_id=w.docs["org_b"]["_id"]),
     False),
    ("resident", "ask for contact", lambda w: contact_request(
        "Vellmar", doc_id=f"contact:{w.tag}-new", person_id=w.resident_person, topic="course", language="fa"), True),
    ("resident", "assign their own contact request", lambda w: edit(
        w.docs["contact_res"], status="assigned", assignee=w.resident.user_id), False),
    ("resident", "edit someone else's record", lambda w: edit(w.docs["person1"], display_name="X"), False),
]


@pytest.mark.parametrize("path", ["bulk_docs", "put"])
@pytest.mark.parametrize(("role", "what", "build", "allowed"), WRITES, ids=[f"{w[0]}: {w[1]}" for w in WRITES])
def test_write_rules(world: World, path: str, role: str, what: str, build: Any, allowed: bool) -> None:
    user = world.user(role)
    doc = build(world)
    if path == "bulk_docs":
        filler = hours(user.user_id, "Baunatal", 15, activity="other")
        results = requests.post(user.db_url() + "/_bulk_docs", json={"docs": [doc, filler]}, timeout=10).json()
        outcome = results[0]
        assert outcome.get("ok") is True if allowed else outcome["error"] == "forbidden", outcome
        if role == "volunteer":
            assert results[1].get("ok") is True, "the rest of the batch is stored"
        if outcome.get("ok"):
            _undo(world, doc, outcome["rev"])
    else:
        response = requests.put(f"{user.db_url()}/{doc['_id']}", json=doc, timeout=10)
        assert response.status_code == (201 if allowed else 403), response.text
        if allowed:
            _undo(world, doc, response.json()["rev"])
        else:
            assert response.json()["error"] == "forbidden" and response.json()["reason"]


def _undo(world: World, doc: dict[str, Any], rev: str) -> None:
    """Put the world back as the admin, so every case starts from the same documents."""
    for original in world.docs.values():
        if original["_id"] == doc["_id"]:
            # A deleted document comes back by a write without _rev, which extends its tombstone
            # (CouchDB 3.5 refuses an edit by the tombstone's rev: couchdb-3.5-behaviour.md section 8).
            url = f"{world.admin.db_url()}/{doc['_id']}"
            live = requests.get(url, timeout=10).status_code == 200
            body = {key: value for key, value in original.items() if key != "_rev"}
            restored = requests.put(url, json={**body, "_rev": rev} if live else body, timeout=10)
            assert restored.status_code == 201, restored.text
            original["_rev"] = restored.json()["rev"]
            return
    requests.delete(f"{world.admin.db_url()}/{doc['_id']}", params={"rev": rev}, timeout=10)


def test_writes_through_sync_are_audited(world: World) -> None:
    """Both doors leave the same trace: who wrote which revision, ids only."""
    volunteer = world.volunteer
    logged = hours(volunteer.user_id, "Baunatal", 45, doc_id=f"hours:{volunteer.user_id}:{world.tag}-audit",
                   activity="accompaniment")
    written = requests.post(volunteer.db_url() + "/_bulk_docs", json={"docs": [logged]}, timeout=10).json()[0]
    replicated = {**logged, "_id": logged["_id"] + "-r", "_rev": "1-" + "a" * 32}
    assert requests.post(volunteer.db_url() + "/_bulk_docs", json={"docs": [replicated], "new_edits": False},
                         timeout=10).json() == []
    audit_url = world.admin.server.admin_url + "/api/audit"
    for doc_id, rev in ((logged["_id"], written["rev"]), (replicated["_id"], replicated["_rev"])):
        entries = requests.get(audit_url, params={"doc_id": doc_id}, timeout=10).json()
        assert [(e["by"], e["via"], e["changes"]) for e in entries] == [(volunteer.user_id, "sync", [[doc_id, rev]])]
