"""L6: a coordinator's export of a person holds what the coordinator's role reads; the
complete export (the person's right of access) is given by an admin."""

from __future__ import annotations

from tests.attacks.conftest import County, event, organization, person, registration


def test_a_coordinator_exports_only_their_towns_part_of_a_person(county: County) -> None:
    tag = county.tag()
    home, away = organization(tag, "Baunatal"), organization(tag, "Vellmar")
    here, there = event(tag, "Baunatal", home["_id"], []), event(tag, "Vellmar", away["_id"], [])
    guest = person(tag, "Baunatal", "Hamid Noori")
    county.seed(home, away, here, there, guest, registration(here, guest), registration(there, guest))

    mine = county.baunatal.api("GET", f"/api/people/{guest['_id']}/export").json()
    everything = county.admin.api("GET", f"/api/people/{guest['_id']}/export").json()

    assert [doc["event_id"] for doc in mine["registrations"]] == [here["_id"]] and mine["complete"] is False
    assert {doc["event_id"] for doc in everything["registrations"]} == {here["_id"], there["_id"]}
    assert everything["complete"] is True
