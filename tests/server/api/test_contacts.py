"""Handling contact requests over the live server's REST API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.factories import contact_request
from tests.server.api import Team, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def contact(municipality: str, **fields: Any) -> dict[str, Any]:
    values = {"callback": {"name": "Verein Miteinander e.V.", "email": "vorstand@verein.example"},
              "topic": "club_partner", "message": "Wir suchen einen Partnerverein.", **fields}
    return contact_request(municipality, **values)


def test_list_assign_and_close_with_history(server: LiveServer, people: Team) -> None:
    request, elsewhere = seed(server, contact("Baunatal"), contact("Vellmar", topic="interpreter", language="prs"))
    listed = {r["id"]: r for r in people.coordinator.get("/contact-requests", params={"status": "new"}).json()}
    assert request["_id"] in listed and elsewhere["_id"] not in listed
    assert listed[request["_id"]]["callback"]["email"] == "vorstand@verein.example"

    assigned = people.coordinator.post(f"/contact-requests/{request['_id']}/assign", json={
        "assignee": people.volunteer.user_id, "note": "Bitte bis Freitag melden"})
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert body["status"] == "assigned" and body["assignee"] == people.volunteer.user_id
    assert [(step["status"], step["by"], step.get("note")) for step in body["history"]] == [
        ("assigned", people.coordinator.user_id, "Bitte bis Freitag melden")]

    done = people.coordinator.post(f"/contact-requests/{request['_id']}/status", json={
        "status": "done", "note": "Partnerverein gefunden", "rev": body["rev"]})
    assert done.status_code == 200, done.text
    assert [step["status"] for step in done.json()["history"]] == ["assigned", "done"]
    assert all(step["at"] for step in done.json()["history"])
    stale = people.coordinator.post(f"/contact-requests/{request['_id']}/status",
                                    json={"status": "closed", "rev": body["rev"]})
    assert stale.status_code == 409
    assert request["_id"] in {r["id"] for r in people.coordinator.get(
        "/contact-requests", params={"status": "done"}).json()}
    assert request["_id"] not in {r["id"] for r in people.coordinator.get(
        "/contact-requests", params={"status": "new"}).json()}


def test_scope_and_bad_input(server: LiveServer, people: Team) -> None:
    request, unassigned = seed(server, contact("Baunatal"), contact("Baunatal"))
    path = f"/contact-requests/{request['_id']}"
    assert people.vellmar.post(path + "/status", json={"status": "closed"}).status_code == 404
    assert people.vellmar.post(path + "/assign", json={"assignee": people.vellmar.user_id}).status_code == 404
    assert request["_id"] not in {r["id"] for r in people.vellmar.get("/contact-requests").json()}
    assert people.coordinator.post("/contact-requests/contact:nothing/status",
                                   json={"status": "done"}).status_code == 404
    for body in ({"status": "lost"}, {"status": "done", "note": "x" * 1001}, {}):
        assert people.coordinator.post(path + "/status", json=body).status_code == 422, body
    for assignee in ("someone", people.resident.user_id, "user:nobody-at-all"):
        assert people.coordinator.post(path + "/assign", json={"assignee": assignee}).status_code == 422, assignee
    no_assignee = people.coordinator.post(f"/contact-requests/{unassigned['_id']}/status",
                                          json={"status": "assigned"})
    assert no_assignee.status_code == 422 and "assignee" in no_assignee.json()["message"]
    assert people.volunteer.get("/contact-requests").status_code == 403
    assert people.coordinator.get("/contact-requests", params={"status": "lost"}).status_code == 422
