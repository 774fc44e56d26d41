"""Reviewing volunteer hours over the live server's REST API."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import LiveServer
from tests.factories import hours
from tests.server.api import Team, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def test_list_is_scoped_and_filtered(server: LiveServer, people: Team) -> None:
    mine, approved, other_town = seed(
        server,
        hours(people.volunteer.user_id, "Baunatal"),
        hours(people.volunteer.user_id, "Baunatal", status="approved", decided_by=people.coordinator.user_id,
              decided_at="2026-11-21T09:00:00Z"),
        hours(people.other_volunteer.user_id, "Vellmar"))
    pending = {entry["id"]: entry for entry in people.coordinator.get("/hours").json()}
    assert mine["_id"] in pending and approved["_id"] not in pending and other_town["_id"] not in pending
    assert pending[mine["_id"]]["minutes"] == 90 and pending[mine["_id"]]["rev"] == mine["_rev"]
    assert approved["_id"] in {e["id"] for e in people.coordinator.get("/hours", params={"status": "approved"}).json()}
    every = {e["id"] for e in people.coordinator.get("/hours", params={"status": "all"}).json()}
    assert {mine["_id"], approved["_id"]} <= every
    assert mine["_id"] not in {e["id"] for e in people.coordinator.get(
        "/hours", params={"municipality": "Söhrewald"}).json()}
    theirs = {e["id"] for e in people.vellmar.get("/hours").json()}
    assert other_town["_id"] in theirs and mine["_id"] not in theirs
    assert people.coordinator.get("/hours", params={"status": "maybe"}).status_code == 422


def test_bulk_decision_reports_per_entry(server: LiveServer, people: Team) -> None:
    first, own, other_town, second = seed(
        server,
        hours(people.volunteer.user_id, "Baunatal", minutes=120),
        hours(people.coordinator.user_id, "Baunatal", activity="training"),
        hours(people.other_volunteer.user_id, "Vellmar"),
        hours(people.other_volunteer.user_id, "Baunatal", activity="interpreting"))
    ids = [first["_id"], own["_id"], other_town["_id"], "hours:user:nobody:1", "event:not-hours", second["_id"]]
    response = people.coordinator.post("/hours/decisions", json={"ids": ids, "decision": "approve"})
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["id"] for r in results] == ids
    assert [r["ok"] for r in results] == [True, False, False, False, False, True]
    assert results[1]["status"] == 403 and results[1]["error"] == "forbidden", "nobody approves their own hours"
    assert results[2]["status"] == 404, "another town's hours do not exist for this coordinator"
    assert results[3]["status"] == 404 and results[4]["status"] == 404

    stored = requests.get(f"{server.db_url('miteinander')}/{first['_id']}", timeout=10).json()
    assert stored["status"] == "approved" and stored["decided_by"] == people.coordinator.user_id
    assert stored["decided_at"] and stored["_rev"] == results[0]["rev"]
    untouched = requests.get(f"{server.db_url('miteinander')}/{own['_id']}", timeout=10).json()
    assert untouched["status"] == "pending" and "decided_by" not in untouched

    log = people.coordinator.get("/audit", params={"doc_id": first["_id"]}).json()
    assert log[0]["by"] == people.coordinator.user_id and log[0]["via"] == "api"
    assert sorted(log[0]["changes"]) == sorted([[first["_id"], results[0]["rev"]],
                                                [second["_id"], results[5]["rev"]]])


def test_reject_needs_a_reason_and_records_it(server: LiveServer, people: Team) -> None:
    (entry,) = seed(server, hours(people.volunteer.user_id, "Baunatal"))
    bare = people.coordinator.post("/hours/decisions", json={"ids": [entry["_id"]], "decision": "reject"})
    assert bare.status_code == 422
    for body in ({"ids": [], "decision": "approve"}, {"ids": entry["_id"], "decision": "approve"},
                 {"ids": [entry["_id"]], "decision": "maybe"}):
        assert people.coordinator.post("/hours/decisions", json=body).status_code == 422, body
    rejected = people.coordinator.post("/hours/decisions", json={
        "ids": [entry["_id"]], "decision": "reject", "reason": "Doppelt eingetragen"}).json()
    assert rejected[0]["ok"], rejected
    shown = {e["id"]: e for e in people.coordinator.get("/hours", params={"status": "rejected"}).json()}
    assert shown[entry["_id"]]["reason"] == "Doppelt eingetragen"
    assert shown[entry["_id"]]["decided_by"] == people.coordinator.user_id


def test_only_coordinators_and_admins_review_hours(server: LiveServer, people: Team) -> None:
    (entry,) = seed(server, hours(people.volunteer.user_id, "Baunatal"))
    assert people.volunteer.get("/hours").status_code == 403
    refused = people.volunteer.post("/hours/decisions", json={"ids": [entry["_id"]], "decision": "approve"})
    assert refused.status_code == 403
    assert people.resident.get("/hours").status_code == 403
    by_admin = people.admin.post("/hours/decisions", json={"ids": [entry["_id"]], "decision": "approve"}).json()
    assert by_admin[0]["ok"], by_admin
