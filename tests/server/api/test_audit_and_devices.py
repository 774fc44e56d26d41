"""The audit log and device revocation over the live server's REST API."""

from __future__ import annotations

import hashlib

import pytest
import requests

from tests.conftest import LiveServer
from tests.factories import NOW, device, tag
from tests.server.api import Team, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def test_audit_lists_rest_writes_newest_first_without_contents(people: Team) -> None:
    created = people.coordinator.post("/events", json={
        "title": {"de": "Runder Tisch der Religionen"}, "kind": "information", "municipality": "Baunatal",
        "place": "Rathaus", "start": NOW, "end": NOW, "organization_id": "org:integrationsbuero"}).json()
    edited = people.coordinator.patch(f"/events/{created['id']}", json={"place": "Stadtbibliothek"}).json()

    log = people.coordinator.get("/audit", params={"doc_id": created["id"]})
    assert log.status_code == 200, log.text
    entries = log.json()
    assert [entry["changes"] for entry in entries] == [[[created["id"], edited["rev"]]],
                                                       [[created["id"], created["rev"]]]]
    assert all(entry["by"] == people.coordinator.user_id and entry["via"] == "api" for entry in entries)
    assert entries[0]["at"] >= entries[1]["at"]
    assert "Stadtbibliothek" not in log.text and "Religionen" not in log.text, "ids only, never contents"

    newest = people.admin.get("/audit", params={"limit": 5}).json()
    assert len(newest) <= 5 and [e["at"] for e in newest] == sorted((e["at"] for e in newest), reverse=True)
    assert people.volunteer.get("/audit").status_code == 403
    assert people.coordinator.get("/audit", params={"limit": 0}).status_code == 422


def test_revoking_a_device_ends_its_sessions(server: LiveServer, people: Team) -> None:
    device_id = f"device:{tag()}"
    seed(server, device(device_id, people.volunteer.user_id, name="Tablet Bürgerhaus Söhrewald"))
    login = requests.post(server.url + "/api/auth/token", json={
        "email": people.volunteer.email, "password": people.volunteer.password, "device_id": device_id}, timeout=30)
    assert login.status_code == 201, login.text
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    assert requests.get(server.url + "/api/events", headers=bearer, timeout=10).status_code == 200

    listed = people.admin.get("/devices")
    assert listed.status_code == 200 and device_id in {d["id"] for d in listed.json()}
    assert people.coordinator.get("/devices").status_code == 403
    assert people.coordinator.post(f"/devices/{device_id}/revoke").status_code == 403

    revoked = people.admin.post(f"/devices/{device_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["sessions_ended"] == 1 and revoked.json()["device"]["revoked"] is True
    assert requests.get(server.url + "/api/events", headers=bearer, timeout=10).status_code == 401
    assert people.admin.post(f"/devices/device:{tag()}/revoke").status_code == 404
    assert people.admin.get("/audit", params={"doc_id": device_id}).json()[0]["changes"][0][0] == device_id


def test_admins_see_every_session_by_name_and_end_one_at_once(server: LiveServer, people: Team) -> None:
    device_id = f"device-{tag()}"
    login = requests.post(server.url + "/api/auth/token", json={
        "email": people.other_volunteer.email, "password": people.other_volunteer.password,
        "device_id": device_id, "device_name": "Chrome · Android"}, timeout=30)
    assert login.status_code == 201, login.text
    token = login.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(server.url + "/api/events", headers=bearer, timeout=10).status_code == 200

    listed = people.admin.get("/devices/sessions")
    assert listed.status_code == 200, listed.text
    [session] = [s for s in listed.json() if s["device_id"] == device_id]
    assert session["email"] == people.other_volunteer.email and session["role"] == "volunteer"
    assert session["user_id"] == people.other_volunteer.user_id and session["device_name"] == "Chrome · Android"
    assert session["issued_at"] and session["last_seen"] >= session["issued_at"] and session["expires_at"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert token not in listed.text and digest not in listed.text, "never a token or its stored hash"
    for someone in (people.coordinator, people.volunteer, people.resident):
        assert someone.get("/devices/sessions").status_code == 403
        assert someone.post(f"/devices/sessions/{session['id']}/revoke").status_code == 403

    ended = people.admin.post(f"/devices/sessions/{session['id']}/revoke")
    assert ended.status_code == 200 and ended.json()["sessions_ended"] == 1, ended.text
    assert requests.get(server.url + "/api/events", headers=bearer, timeout=10).status_code == 401
    assert session["id"] not in {s["id"] for s in people.admin.get("/devices/sessions").json()}
    assert people.admin.post(f"/devices/sessions/{session['id']}/revoke").status_code == 404
