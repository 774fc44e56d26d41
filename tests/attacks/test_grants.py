"""M3: a grant opens other people's records, so only the right accounts receive one."""

from __future__ import annotations

from tests.attacks.conftest import County, event, organization, registration


def test_a_coordinator_cannot_make_a_resident_an_event_helper_through_sync(county: County) -> None:
    tag = county.tag()
    ev, guest = county.event_with_guest(tag, "Baunatal", [], "Hamid Noori")
    county.seed(registration(ev, guest))

    answer = county.baunatal.put({**ev, "assigned_volunteers": [county.olena.user_id]})

    assert answer.status_code == 403, answer.text
    assert county.winner(ev["_id"]).json()["assigned_volunteers"] == []
    assert not {doc_id for doc_id in county.olena.changed_ids() if doc_id.startswith("registration:" + ev["_id"])}


def test_a_coordinator_cannot_put_another_towns_coordinator_on_their_team(county: County) -> None:
    tag = county.tag()
    org = organization(tag, "Baunatal")
    _, ev = county.seed(org, event(tag, "Baunatal", org["_id"], []))

    answer = county.baunatal.put({**ev, "assigned_volunteers": [county.vellmar.user_id]})

    assert answer.status_code == 403, answer.text


def test_a_coordinator_may_assign_a_volunteer_through_sync(county: County) -> None:
    tag = county.tag()
    org = organization(tag, "Baunatal")
    _, ev = county.seed(org, event(tag, "Baunatal", org["_id"], []))

    answer = county.baunatal.put({**ev, "assigned_volunteers": [county.volunteer.user_id]})

    assert answer.status_code == 201, answer.text
    assert ev["_id"] in county.volunteer.changed_ids()
