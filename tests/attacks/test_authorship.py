"""M6: what a coordinator writes is tied to the writer: decisions name their own maker, and
references to events carry the event's town."""

from __future__ import annotations

from tests.attacks.conftest import County, checkin, hours, registration

DECISION = {"decided_at": "2026-11-22T09:00:00Z"}


def test_a_coordinator_cannot_forge_another_coordinators_decision(county: County) -> None:
    tag = county.tag()
    entry, = county.seed(hours(tag, county.volunteer.user_id, "Baunatal"))

    forged = county.baunatal.put({**entry, "status": "approved", "decided_by": county.vellmar.user_id, **DECISION})

    assert forged.status_code == 403, forged.text
    assert county.winner(entry["_id"]).json()["status"] == "pending"


def test_a_coordinator_may_decide_in_their_own_name(county: County) -> None:
    tag = county.tag()
    entry, = county.seed(hours(tag, county.volunteer.user_id, "Baunatal"))

    decided = county.baunatal.put({**entry, "status": "approved", "decided_by": county.baunatal.user_id, **DECISION})

    assert decided.status_code == 201, decided.text


def test_a_coordinator_cannot_approve_hours_for_another_coordinator(county: County) -> None:
    tag = county.tag()
    gift = hours(tag, county.vellmar.user_id, "Baunatal", status="approved", decided_by=county.baunatal.user_id,
                 **DECISION)

    answer = county.baunatal.put(gift)

    assert answer.status_code == 403, answer.text
    assert county.winner(gift["_id"]).status_code == 404


def test_a_registration_cannot_carry_another_town_than_its_event(county: County) -> None:
    tag = county.tag()
    ev, guest = county.event_with_guest(tag, "Vellmar", [], "Leyla Hosseini", guest_town="Baunatal")
    labelled = {**registration(ev, guest), "municipality": "Baunatal"}

    answer = county.baunatal.put(labelled)

    assert answer.status_code == 403, answer.text
    assert county.winner(labelled["_id"]).status_code == 404


def test_a_volunteer_cannot_check_in_in_someone_elses_name(county: County) -> None:
    tag = county.tag()
    ev, guest = county.event_with_guest(tag, "Baunatal", [county.volunteer.user_id], "Yusuf Demir")

    answer = county.volunteer.put(checkin(ev, guest, county.other_volunteer.user_id))

    assert answer.status_code == 403, answer.text


def test_a_resident_cannot_invent_coordinator_entries_in_a_contact_history(county: County) -> None:
    from tests.attacks.conftest import contact

    tag = county.tag()
    forged = contact(tag, county.mariam.person_id or "", "Baunatal",
                     history=[{"at": "2026-11-22T09:00:00Z", "by": county.baunatal.user_id, "status": "new",
                               "note": "Rückruf zugesagt"}])

    answer = county.mariam.put(forged)

    assert answer.status_code == 403, answer.text
