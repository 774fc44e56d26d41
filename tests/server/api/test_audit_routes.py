"""Every write route, through either door, leaves an audit entry naming what it wrote.

The route table is read from the app: a new write route fails this test until it has a case
here (or is listed, with its reason, among the routes that write no synced document).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from server import create_app
from server.config import Settings
from tests import factories as f
from tests.conftest import LiveServer
from tests.server.api import Team, seed, team

WRITE_METHODS = {"PUT", "POST", "PATCH", "DELETE"}

# Routes that take a write method but store no document of the synced database.
NOT_DOCUMENT_WRITES = {
    ("/api/auth/token", "POST"): "a session, in the accounts database",
    ("/api/auth/token", "DELETE"): "ends a session",
    ("/api/auth/register", "POST"): "a registration waiting for confirmation, in the accounts database",
    ("/api/devices/sessions/<session_id>/revoke", "POST"): "ends a session, in the accounts database",
    ("/sync/<db>/", "PUT"): "creates a database (admins)",
    ("/sync/<db>/", "DELETE"): "deletes a database (admins; never the synced one's audit)",
    ("/sync/<db>/_all_docs", "POST"): "a read with keys in the body",
    ("/sync/<db>/_bulk_get", "POST"): "a read",
    ("/sync/<db>/_changes", "POST"): "a read",
    ("/sync/<db>/_revs_diff", "POST"): "a read",
    ("/sync/<db>/_ensure_full_commit", "POST"): "writes nothing",
    ("/sync/<db>/_compact", "POST"): "refused (501), writes nothing",
    ("/sync/<db>/_compact/<ddoc>", "POST"): "refused (501), writes nothing",
    ("/sync/<db>/_view_cleanup", "POST"): "refused (501), writes nothing",
    ("/sync/<db>/_design/<ddoc>/_view/<view>", "POST"): "refused (501), a view read",
    ("/sync/<db>/_design/<docid>", "PUT"): "the synced database holds no design documents (refused)",
    ("/sync/<db>/_design/<docid>", "DELETE"): "the synced database holds no design documents",
    ("/sync/<db>/_design/<docid>/<path:name>", "PUT"): "the synced database holds no design documents",
    ("/sync/<db>/_design/<docid>/<path:name>", "DELETE"): "the synced database holds no design documents",
    ("/sync/<db>/_local/<local_id>", "PUT"): "a replication checkpoint, never replicated",
    ("/sync/<db>/_local/<local_id>", "DELETE"): "a replication checkpoint",
    ("/sync/<db>/_local/<local_id>/<path:name>", "PUT"): "refused: _local documents take no attachments",
    ("/sync/<db>/_local/<local_id>/<path:name>", "DELETE"): "refused: _local documents take no attachments",
}

# A case writes through the route as someone and returns (who, via, action, document id).
Case = Callable[[LiveServer, Team], tuple[str, str, str, str]]


def _sync(server: LiveServer, people: Team, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{people.admin.db_url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def put_document(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc = f.hours(people.volunteer.user_id, "Baunatal")
    assert requests.put(f"{people.volunteer.db_url}/{doc['_id']}", json=doc, timeout=30).status_code == 201
    return people.volunteer.user_id, "sync", "write", doc["_id"]


def delete_document(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc, = seed(server, f.hours(people.volunteer.user_id, "Baunatal"))
    gone = requests.delete(f"{people.volunteer.db_url}/{doc['_id']}", params={"rev": doc["_rev"]}, timeout=30)
    assert gone.status_code == 200, gone.text
    return people.volunteer.user_id, "sync", "write", doc["_id"]


def post_document(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc = f.hours(people.volunteer.user_id, "Baunatal")
    answer = requests.post(f"{people.volunteer.db_url}/", json=doc, timeout=30)
    assert answer.status_code == 201, answer.text
    return people.volunteer.user_id, "sync", "write", doc["_id"]


def bulk_docs(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc = f.hours(people.volunteer.user_id, "Baunatal")
    answer = requests.post(f"{people.volunteer.db_url}/_bulk_docs", json={"docs": [doc]}, timeout=30)
    assert answer.status_code == 201 and answer.json()[0]["ok"], answer.text
    return people.volunteer.user_id, "sync", "write", doc["_id"]


def purge(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc, = seed(server, f.hours(people.volunteer.user_id, "Baunatal"))
    answer = _sync(server, people, "POST", "/_purge", json={doc["_id"]: [doc["_rev"]]})
    assert answer.status_code == 201, answer.text
    return "admin", "sync", "purge", doc["_id"]


def confirm_registration(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    answer = f.register_resident(server, f"audit-{uuid.uuid4().hex[:8]}@test.example", display_name="Nadia Audit")
    user_id = answer.json()["user_id"]
    own = requests.get(f"{people.admin.db_url}/_all_docs", params={
        "startkey": '"person:"', "endkey": '"person:\uffff"', "include_docs": "true"}, timeout=30).json()["rows"]
    person_id = next(row["id"] for row in own if row["doc"].get("account_id") == user_id)
    return user_id, "api", "write", person_id


def create_event(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    answer = people.coordinator.post("/events", json={
        "title": {"de": "Audit"}, "kind": "encounter", "municipality": "Baunatal", "place": "Halle",
        "start": "2026-11-21T15:00:00+01:00", "end": "2026-11-21T17:00:00+01:00", "organization_id": f.ORG})
    assert answer.status_code == 201, answer.text
    return people.coordinator.user_id, "api", "write", answer.json()["id"]


def edit_event(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    event, = seed(server, f.event(f"event:{f.tag()}", "Baunatal"))
    answer = people.coordinator.patch(f"/events/{event['_id']}", json={"place": "Rathaus"})
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "write", event["_id"]


def assign_volunteer(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    event, = seed(server, f.event(f"event:{f.tag()}", "Baunatal"))
    answer = people.coordinator.post(f"/events/{event['_id']}/volunteers", json={"user_id": people.volunteer.user_id})
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "write", event["_id"]


def unassign_volunteer(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    event, = seed(server, f.event(f"event:{f.tag()}", "Baunatal", assigned_volunteers=[people.volunteer.user_id]))
    answer = people.coordinator.delete(f"/events/{event['_id']}/volunteers/{people.volunteer.user_id}")
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "write", event["_id"]


def decide_hours(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    entry, = seed(server, f.hours(people.volunteer.user_id, "Baunatal"))
    answer = people.coordinator.post("/hours/decisions", json={"ids": [entry["_id"]], "decision": "approve"})
    assert answer.status_code == 200 and answer.json()[0]["ok"], answer.text
    return people.coordinator.user_id, "api", "write", entry["_id"]


def assign_contact(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    request, = seed(server, f.contact_request("Baunatal", callback={"name": "Audit", "phone": "0561 1"}))
    answer = people.coordinator.post(f"/contact-requests/{request['_id']}/assign",
                                     json={"assignee": people.coordinator.user_id})
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "write", request["_id"]


def contact_status(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    request, = seed(server, f.contact_request("Baunatal", callback={"name": "Audit", "phone": "0561 1"}))
    answer = people.coordinator.post(f"/contact-requests/{request['_id']}/status", json={"status": "closed"})
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "write", request["_id"]


def revoke_device(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    device, = seed(server, f.device(f"device:{f.tag()}", people.volunteer.user_id))
    answer = people.admin.post(f"/devices/{device['_id']}/revoke")
    assert answer.status_code == 200, answer.text
    return "admin", "api", "write", device["_id"]


def erase_person(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    person, = seed(server, f.person(f"person:{f.tag()}", "Audit Person", "Baunatal"))
    answer = people.coordinator.post(f"/people/{person['_id']}/erase")
    assert answer.status_code == 200, answer.text
    return people.coordinator.user_id, "api", "purge", person["_id"]


def put_attachment(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc, = seed(server, f.hours(people.volunteer.user_id, "Baunatal"))
    added = requests.put(f"{people.volunteer.db_url}/{doc['_id']}/note.txt", params={"rev": doc["_rev"]},
                         data=b"hi", headers={"Content-Type": "text/plain"}, timeout=30)
    assert added.status_code == 201, added.text
    return people.volunteer.user_id, "sync", "write", doc["_id"]


def delete_attachment(server: LiveServer, people: Team) -> tuple[str, str, str, str]:
    doc, = seed(server, {**f.hours(people.volunteer.user_id, "Baunatal"),
                         "_attachments": {"note.txt": {"content_type": "text/plain", "data": "aGk="}}})
    gone = requests.delete(f"{people.volunteer.db_url}/{doc['_id']}/note.txt", params={"rev": doc["_rev"]},
                           timeout=30)
    assert gone.status_code == 200, gone.text
    return people.volunteer.user_id, "sync", "write", doc["_id"]


CASES: dict[tuple[str, str], Case] = {
    ("/sync/<db>/<docid>", "PUT"): put_document,
    ("/sync/<db>/<docid>", "DELETE"): delete_document,
    ("/sync/<db>/<docid>/<path:name>", "PUT"): put_attachment,
    ("/sync/<db>/<docid>/<path:name>", "DELETE"): delete_attachment,
    ("/sync/<db>/", "POST"): post_document,
    ("/sync/<db>/_bulk_docs", "POST"): bulk_docs,
    ("/sync/<db>/_purge", "POST"): purge,
    ("/api/auth/register/confirm", "POST"): confirm_registration,
    ("/api/events", "POST"): create_event,
    ("/api/events/<event_id>", "PATCH"): edit_event,
    ("/api/events/<event_id>/volunteers", "POST"): assign_volunteer,
    ("/api/events/<event_id>/volunteers/<user_id>", "DELETE"): unassign_volunteer,
    ("/api/hours/decisions", "POST"): decide_hours,
    ("/api/contact-requests/<request_id>/assign", "POST"): assign_contact,
    ("/api/contact-requests/<request_id>/status", "POST"): contact_status,
    ("/api/devices/<device_id>/revoke", "POST"): revoke_device,
    ("/api/people/<person_id>/erase", "POST"): erase_person,
}


def test_every_write_route_has_a_case(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              for method in (rule.methods or set()) & WRITE_METHODS}
    assert routes == set(CASES) | set(NOT_DOCUMENT_WRITES)


@pytest.mark.parametrize("route", sorted(CASES), ids=[f"{method} {path}" for path, method in sorted(CASES)])
def test_a_write_route_is_audited(server: LiveServer, route: tuple[str, str]) -> None:
    people = team(server)
    who, via, action, doc_id = CASES[route](server, people)
    if who == "admin":
        who = requests.post(server.url + "/api/auth/token", json={"email": people.admin.email,
                                                                  "password": people.admin.password},
                            timeout=30).json()["user_id"]
    entries = people.admin.get("/audit", params={"doc_id": doc_id}).json()
    assert any(entry["by"] == who and entry["via"] == via and entry["action"] == action
               and any(change[0] == doc_id for change in entry["changes"]) for entry in entries), entries
