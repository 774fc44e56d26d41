"""M1: editing or deleting a losing branch is judged against that branch, not the winner."""

from __future__ import annotations

from typing import Any

from tests.attacks.conftest import Actor, County, contact, hours


def _branch(actor: Actor, doc: dict[str, Any], rev: str, **changes: Any) -> str:
    """Store a losing revision of ``doc`` that extends ``rev``, as a replicator does."""
    start, digest = rev.split("-", 1)
    new = f"{int(start) + 1}-{'0' * 32}"  # the lowest id of its generation: this branch loses
    body = {**doc, **changes, "_rev": new, "_revisions": {"start": int(start) + 1, "ids": [new.split("-")[1], digest]}}
    answer = actor.bulk([body], new_edits=False)
    assert answer.status_code == 201 and answer.json() == [], answer.text
    return new


def test_a_volunteer_cannot_delete_the_coordinators_rejection_on_a_losing_branch(county: County) -> None:
    tag = county.tag()
    entry = hours(tag, county.volunteer.user_id, "Baunatal")
    put = county.volunteer.put(entry)
    assert put.status_code == 201, put.text
    first = put.json()["rev"]
    edited = county.volunteer.put({**entry, "_rev": first, "minutes": 180})
    assert edited.status_code == 201, edited.text
    # The coordinator's tablet rejected the entry offline; its version arrives later and loses.
    rejection = _branch(county.baunatal, entry, first, status="rejected", decided_by=county.baunatal.user_id,
                        decided_at="2026-11-22T09:00:00Z", reason="kein Einsatz an diesem Tag")

    attack = county.volunteer.delete(entry["_id"], rejection)

    assert attack.status_code == 403, attack.text
    leaves = county.admin.get(entry["_id"], open_revs="all").json()
    assert any(leaf["ok"]["_rev"] == rejection and leaf["ok"]["status"] == "rejected" for leaf in leaves)


def test_a_resident_cannot_edit_the_coordinators_branch_of_their_contact_request(county: County) -> None:
    tag = county.tag()
    request = contact(tag, county.mariam.person_id or "", "Baunatal")
    put = county.mariam.put(request)
    assert put.status_code == 201, put.text
    first = put.json()["rev"]
    assert county.mariam.put({**request, "_rev": first, "message": "Es eilt."}).status_code == 201
    handled = _branch(county.baunatal, request, first, status="assigned", assignee=county.baunatal.user_id,
                      history=[{"at": "2026-11-22T09:00:00Z", "by": county.baunatal.user_id, "status": "assigned"}])

    reopened = county.mariam.put({**request, "_rev": handled, "status": "new"})
    deleted = county.mariam.delete(request["_id"], handled)

    assert reopened.status_code == 403, reopened.text
    assert deleted.status_code == 403, deleted.text
    leaves = county.admin.get(request["_id"], open_revs="all").json()
    assert any(leaf["ok"]["_rev"] == handled and leaf["ok"]["assignee"] == county.baunatal.user_id for leaf in leaves)
