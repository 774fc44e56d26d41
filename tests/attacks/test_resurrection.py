"""H1: re-creating a deleted document must not take it over. A tombstone keeps whose the
document was, and the write rules judge a re-creation against it."""

from __future__ import annotations

import requests

from tests.attacks.conftest import County, checkin, person, registration


def test_a_resident_cannot_take_over_a_deleted_person_record(county: County) -> None:
    tag = county.tag()
    ev, victim = county.event_with_guest(tag, "Baunatal", [county.volunteer.user_id], "Samira Ahmadi")
    county.seed(registration(ev, victim), checkin(ev, victim, county.volunteer.user_id))
    deleted = county.baunatal.delete(victim["_id"], victim["_rev"])
    assert deleted.status_code == 200, deleted.text

    taken = {key: value for key, value in victim.items() if key != "_rev"} | {
        "account_id": county.olena.user_id, "municipality": "Kaufungen"}
    answer = county.olena.put(taken)

    assert answer.status_code == 403, answer.text
    assert county.winner(victim["_id"]).status_code == 404
    seen = county.olena.changed_ids()
    assert not {doc_id for doc_id in seen if victim["_id"] in doc_id}, "nothing naming the person is readable"


def test_a_coordinator_cannot_re_create_another_towns_deleted_event_as_their_own(county: County) -> None:
    tag = county.tag()
    ev, victim = county.event_with_guest(tag, "Vellmar", [], "Reza Karimi")
    county.seed(registration(ev, victim))
    assert county.vellmar.delete(ev["_id"], ev["_rev"]).status_code == 200

    hijacked = {key: value for key, value in ev.items() if key != "_rev"} | {
        "municipality": "Baunatal", "assigned_volunteers": [county.baunatal.user_id]}
    answer = county.baunatal.put(hijacked)

    assert answer.status_code == 403, answer.text
    assert county.winner(ev["_id"]).status_code == 404
    assert not {doc_id for doc_id in county.baunatal.changed_ids() if doc_id.startswith("registration:" + ev["_id"])}


def test_a_tombstone_keeps_whose_it_was_and_nothing_personal(county: County) -> None:
    tag = county.tag()
    victim, = county.seed(person(tag, "Baunatal", "Samira Ahmadi"))
    full_body_delete = {**victim, "_deleted": True}
    assert county.baunatal.put(full_body_delete).status_code == 201

    tombstone = county.admin.get(victim["_id"], open_revs="all").json()
    kept = next(entry["ok"] for entry in tombstone if entry["ok"].get("_deleted"))
    assert kept["type"] == "person" and kept["municipality"] == "Baunatal"
    assert "Samira" not in str(kept), kept


def test_a_volunteer_may_check_a_person_in_again_after_an_undo(county: County) -> None:
    tag = county.tag()
    ev, who = county.event_with_guest(tag, "Baunatal", [county.volunteer.user_id], "Amina Yusuf")
    first = checkin(ev, who, county.volunteer.user_id)
    put = county.volunteer.put(first)
    assert put.status_code == 201, put.text
    assert county.volunteer.delete(first["_id"], put.json()["rev"]).status_code == 200

    again = county.volunteer.put(first)

    assert again.status_code == 201, again.text
    assert county.winner(first["_id"]).json()["by"] == county.volunteer.user_id


def test_an_event_is_never_purged_leaving_its_registrations_for_whoever_recreates_it(county: County) -> None:
    """A purge frees an id for good (no tombstone guards it): registrations and check-ins left
    behind would be read by whoever creates an event with that id again, in their own town."""
    tag = county.tag()
    ev, victim = county.event_with_guest(tag, "Vellmar", [], "Reza Karimi")
    reg, came = county.seed(registration(ev, victim), checkin(ev, victim, county.volunteer.user_id))
    purge = f"{county.admin.db}/_purge"

    alone = requests.post(purge, json={ev["_id"]: [ev["_rev"]]}, timeout=30)

    assert alone.status_code == 400 and alone.json()["error"] == "bad_request", alone.text
    assert reg["_id"] in alone.json()["reason"] or came["_id"] in alone.json()["reason"]
    assert county.winner(ev["_id"]).status_code == 200, "nothing was purged"
    together = requests.post(purge, json={ev["_id"]: [ev["_rev"]], reg["_id"]: [reg["_rev"]],
                                          came["_id"]: [came["_rev"]]}, timeout=30)
    if county.store == "couchdb":  # pouchdb-server, our stand-in, has no _purge; CouchDB 3.5 has
        assert together.status_code == 501
        return
    assert together.status_code == 201, together.text
    hijacked = {key: value for key, value in ev.items() if key != "_rev"} | {
        "municipality": "Baunatal", "assigned_volunteers": [county.baunatal.user_id]}
    assert county.baunatal.put(hijacked).status_code == 201, "the id is free again, and empty"
    assert not {doc_id for doc_id in county.baunatal.changed_ids() if ev["_id"] in doc_id and doc_id != ev["_id"]}
