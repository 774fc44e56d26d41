"""Searching people, and a person's data export and erasure, over the live server's REST API."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import LiveServer
from tests.factories import checkin, contact_request, event, person, registration, tag
from tests.server.api import MAIN, Team, changes_ids, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def test_search_within_scope_without_contact_data(server: LiveServer, people: Team) -> None:
    unique = tag()
    here, there = seed(server,
                       person(f"person:{tag()}", f"Mariam Haidari-{unique}", "Baunatal",
                              contact={"phone": "+49 561 123456"}),
                       person(f"person:{tag()}", f"Olena Haidari-{unique}", "Vellmar"))
    found = people.coordinator.get("/people", params={"q": f"HAIDARI-{unique}"})
    assert found.status_code == 200, found.text
    assert found.json() == [{"id": here["_id"], "display_name": f"Mariam Haidari-{unique}",
                             "languages": ["prs", "de"], "municipality": "Baunatal"}]
    assert [p["id"] for p in people.vellmar.get("/people", params={"q": unique}).json()] == [there["_id"]]
    assert people.coordinator.get("/people", params={"q": unique, "municipality": "Söhrewald"}).json() == []
    assert [p["id"] for p in people.admin.get("/people", params={"q": unique}).json()] == [here["_id"], there["_id"]]
    assert people.volunteer.get("/people", params={"q": unique}).status_code == 403
    assert people.coordinator.get("/people", params={"limit": 0}).status_code == 422


def test_export_then_erase(server: LiveServer, people: Team) -> None:
    person_id, other_id, event_id = f"person:{tag()}", f"person:{tag()}", f"event:{tag()}"
    stored = seed(
        server,
        person(person_id, "Ahmad Rahimi", "Baunatal", contact={"email": "ahmad@example.org"}),
        person(other_id, "Anna Schmidt", "Baunatal"),
        event(event_id, "Vellmar", assigned_volunteers=[people.volunteer.user_id]),
        registration(event_id, person_id, "Ahmad Rahimi", "Vellmar"),
        registration(event_id, other_id, "Anna Schmidt", "Vellmar"),
        checkin(event_id, people.volunteer.user_id, "Vellmar", person_id=person_id),
        contact_request("Baunatal", person_id=person_id, language="prs"),
    )
    reg_id, other_reg_id, checkin_id, contact_id = (stored[i]["_id"] for i in (3, 4, 5, 6))
    edited = people.coordinator.post(f"/contact-requests/{contact_id}/status", json={"status": "done"})
    assert edited.status_code == 200, edited.text

    assert people.vellmar.get(f"/people/{person_id}/export").status_code == 404, "not in their towns"
    exported = people.coordinator.get(f"/people/{person_id}/export")
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["person"]["_id"] == person_id and body["person"]["contact"]["email"] == "ahmad@example.org"
    assert body["registrations"] == [] and body["checkins"] == [], "not at an event outside the coordinator's town"
    assert body["complete"] is False
    complete = people.admin.get(f"/people/{person_id}/export").json()
    assert complete["complete"] is True and [d["_id"] for d in complete["registrations"]] == [reg_id]
    assert [d["_id"] for d in complete["checkins"]] == [checkin_id]
    assert [d["_id"] for d in body["contact_requests"]] == [contact_id]
    assert any([contact_id, edited.json()["rev"]] in entry["changes"] for entry in body["audit"])

    assert reg_id in changes_ids(people.volunteer)
    assert people.vellmar.post(f"/people/{person_id}/erase").status_code == 404
    assert people.volunteer.post(f"/people/{person_id}/erase").status_code == 403
    erased = people.coordinator.post(f"/people/{person_id}/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json() == {"person_id": person_id, "purged": sorted([person_id, reg_id, checkin_id, contact_id])}

    admin_db = server.db_url(MAIN)
    for doc_id in (person_id, reg_id, checkin_id, contact_id):
        assert requests.get(f"{admin_db}/{doc_id}", timeout=10).status_code == 404, doc_id
    assert requests.get(f"{admin_db}/{other_reg_id}", timeout=10).status_code == 200, "others stay"
    assert people.coordinator.get(f"/people/{person_id}/export").status_code == 404
    assert people.coordinator.post(f"/people/{person_id}/erase").status_code == 404
    assert reg_id not in changes_ids(people.volunteer)

    log = people.admin.get("/audit", params={"doc_id": person_id}).json()
    assert log[0]["action"] == "purge" and log[0]["by"] == people.coordinator.user_id
    assert {change[0] for change in log[0]["changes"]} == {person_id, reg_id, checkin_id, contact_id}
