"""Events, volunteers and attendance over the live server's REST API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.factories import NOW, checkin, person, registration, tag
from tests.server.api import Team, changes_ids, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def new_event(people: Team, **fields: Any) -> dict[str, Any]:
    body = {"title": {"de": "Begegnungscafé", "ar": "مقهى اللقاء"}, "kind": "encounter", "municipality": "Baunatal",
            "place": "Stadthalle Baunatal", "start": "2026-11-21T15:00:00+01:00", "end": "2026-11-21T17:00:00+01:00",
            "organization_id": "org:vips-baunatal", "programme": "VIPs", "capacity": 30, **fields}
    response = people.coordinator.post("/events", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_show_edit_and_list(people: Team) -> None:
    created = new_event(people)
    assert created["id"].startswith("event:") and created["rev"].startswith("1-")
    assert created["title"]["ar"] == "مقهى اللقاء" and created["assigned_volunteers"] == []
    event_id = created["id"]

    shown = people.coordinator.get(f"/events/{event_id}").json()
    assert shown == created

    edited = people.coordinator.patch(f"/events/{event_id}", json={
        "rev": created["rev"], "place": "Bürgerhaus Altenritte", "capacity": None, "kind": "culture"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["place"] == "Bürgerhaus Altenritte" and edited.json()["kind"] == "culture"
    assert "capacity" not in edited.json() and edited.json()["updated_at"]

    stale = people.coordinator.patch(f"/events/{event_id}", json={"rev": created["rev"], "place": "x"})
    assert stale.status_code == 409, stale.text

    listed = people.coordinator.get("/events", params={"municipality": "Baunatal", "from": "2026-11-21",
                                                       "to": "2026-11-21", "kind": "culture"})
    assert listed.status_code == 200 and event_id in {e["id"] for e in listed.json()}
    for params in ({"from": "2026-11-22"}, {"to": "2026-11-20"}, {"kind": "sports"}, {"municipality": "Calden"}):
        assert event_id not in {e["id"] for e in people.coordinator.get("/events", params=params).json()}


def test_bad_input_is_a_422_not_a_500(people: Team) -> None:
    created = new_event(people)
    cases = [
        ("post", "/events", {"json": {"title": {"en": "no German"}}}),
        ("post", "/events", {"json": {"title": {"de": "x"}, "kind": "encounter", "municipality": "Paris",
                                      "place": "x", "start": NOW, "end": NOW, "organization_id": "org:x"}}),
        ("post", "/events", {"json": {"title": {"de": "x"}, "kind": "encounter", "municipality": "Baunatal",
                                      "place": "x", "start": NOW, "end": "2026-11-20T10:00:00Z",
                                      "organization_id": "org:x"}}),
        ("patch", f"/events/{created['id']}", {"json": {"end": "2020-01-01T00:00:00Z"}}),
        ("patch", f"/events/{created['id']}", {"json": {}}),
        ("patch", f"/events/{created['id']}", {"json": {"municipality": "Vellmar"}}),
        ("patch", f"/events/{created['id']}", {"data": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("get", "/events", {"params": {"from": "yesterday"}}),
        ("post", f"/events/{created['id']}/volunteers", {"json": {"user_id": "nobody"}}),
        ("post", f"/events/{created['id']}/volunteers", {"json": {"user_id": "user:doesnotexist"}}),
        ("post", f"/events/{created['id']}/volunteers", {"json": {"user_id": people.resident.user_id}}),
    ]
    for method, path, kwargs in cases:
        response = people.coordinator.api(method, path, **kwargs)
        assert response.status_code in (400, 422), (method, path, kwargs, response.status_code, response.text)
        assert set(response.json()) >= {"code", "status"}


def test_scope_other_towns_events_are_not_theirs(people: Team) -> None:
    created = new_event(people)
    event_id = created["id"]
    assert people.vellmar.get(f"/events/{event_id}").status_code == 404
    assert people.vellmar.patch(f"/events/{event_id}", json={"place": "x"}).status_code == 404
    assert people.vellmar.get(f"/events/{event_id}/attendance").status_code == 404
    assert people.vellmar.post(f"/events/{event_id}/volunteers",
                               json={"user_id": people.volunteer.user_id}).status_code == 404
    assert event_id not in {e["id"] for e in people.vellmar.get("/events").json()}
    outside = people.coordinator.post("/events", json={
        "title": {"de": "Fest"}, "kind": "culture", "municipality": "Vellmar", "place": "Rathaus",
        "start": NOW, "end": NOW, "organization_id": "org:vellmar"})
    assert outside.status_code == 403, outside.text
    volunteer = people.volunteer.post("/events", json={
        "title": {"de": "Fest"}, "kind": "culture", "municipality": "Baunatal", "place": "Rathaus",
        "start": NOW, "end": NOW, "organization_id": "org:x"})
    assert volunteer.status_code == 403
    assert people.volunteer.get(f"/events/{event_id}").status_code == 404, "not assigned, not theirs"
    assert people.resident.get("/events").json() == []


def test_assigning_and_unassigning_a_volunteer_moves_access(server: LiveServer, people: Team) -> None:
    created = new_event(people)
    event_id = created["id"]
    person_id = f"person:{tag()}"
    reg = registration(event_id, person_id, "Mariam Haidari", "Baunatal")
    seed(server, person(person_id, "Mariam Haidari", "Baunatal"), reg)
    assert reg["_id"] not in changes_ids(people.volunteer)

    assigned = people.coordinator.post(f"/events/{event_id}/volunteers", json={"user_id": people.volunteer.user_id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assigned_volunteers"] == [people.volunteer.user_id]
    again = people.coordinator.post(f"/events/{event_id}/volunteers", json={"user_id": people.volunteer.user_id})
    assert again.json()["rev"] == assigned.json()["rev"], "assigning twice changes nothing"
    assert reg["_id"] in changes_ids(people.volunteer)
    assert event_id in {e["id"] for e in people.volunteer.get("/events").json()}
    assert people.volunteer.get(f"/events/{event_id}/attendance").status_code == 200
    assert people.volunteer.patch(f"/events/{event_id}", json={"place": "x"}).status_code == 403

    removed = people.coordinator.delete(f"/events/{event_id}/volunteers/{people.volunteer.user_id}")
    assert removed.status_code == 200, removed.text
    assert removed.json()["assigned_volunteers"] == []
    assert reg["_id"] not in changes_ids(people.volunteer)
    assert people.volunteer.get(f"/events/{event_id}/attendance").status_code == 404


def test_attendance_counts_registrations_checkins_and_walk_ins(server: LiveServer, people: Team) -> None:
    created = new_event(people)
    event_id, by = created["id"], people.volunteer.user_id
    anna, bilal, chen, dana = (f"person:{tag()}" for _ in range(4))
    seed(server,
         person(chen, "Chen Li", "Baunatal"),
         registration(event_id, anna, "Anna Schmidt", "Baunatal"),
         registration(event_id, bilal, "Bilal Ahmadi", "Baunatal", status="cancelled"),
         registration(event_id, dana, "Dana Nowak", "Baunatal"),
         checkin(event_id, by, "Baunatal", person_id=anna, at="2026-11-21T15:05:00+01:00"),
         checkin(event_id, by, "Baunatal", person_id=chen),
         checkin(event_id, by, "Baunatal", walk_in="Jürgen Müller"))
    response = people.coordinator.get(f"/events/{event_id}/attendance")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {"registered": 2, "cancelled": 1, "checked_in": 3, "walk_ins": 1}
    rows = {row["display_name"]: row for row in body["participants"]}
    assert set(rows) == {"Anna Schmidt", "Bilal Ahmadi", "Chen Li", "Dana Nowak", "Jürgen Müller"}
    assert rows["Anna Schmidt"]["checked_in_at"] == "2026-11-21T15:05:00+01:00"
    assert rows["Dana Nowak"]["checked_in_at"] is None and rows["Dana Nowak"]["registration_status"] == "registered"
    assert rows["Chen Li"]["registration_status"] is None and rows["Chen Li"]["checked_in_at"] == NOW
    assert rows["Jürgen Müller"]["walk_in"] is True and rows["Jürgen Müller"]["person_id"] is None
    assert people.coordinator.get("/events/event:nothing-here/attendance").status_code == 404
