"""The write rules as a table: role × document type × operation, with tombstones and branches.

Pure functions, no server: each row names a writer, the revision written, the revision it
replaces, and whether the write is allowed (and if not, a word of the refusal).
"""

from __future__ import annotations

from typing import Any

import pytest

from schemas.channels import PUBLIC, grants_of
from server.access.policy import (
    Principal,
    StaticDirectory,
    WriteContext,
    document_validator,
    scope_for,
    tombstone,
    write_refusal,
)
from sync import errors
from tests import factories as f

COORD = Principal("user:coord", "coordinator", municipalities=frozenset({"Baunatal"}))
OTHER_COORD = Principal("user:coord2", "coordinator", municipalities=frozenset({"Vellmar"}))
VOL = Principal("user:vol", "volunteer")
VOL2 = Principal("user:vol2", "volunteer")
RES = Principal("user:res", "resident", person_id="person:res")
RES2 = Principal("user:res2", "resident", person_id="person:res2")
ADMIN = Principal("user:admin", "admin")

EVENT = f.event("event:b", "Baunatal", assigned_volunteers=[VOL.user_id])
EVENT_V = f.event("event:v", "Vellmar")
PERSON = f.person("person:p", "Samira Ahmadi", "Baunatal")
OWN_PERSON = f.person("person:res", "Mariam Haidari", "Baunatal", account_id=RES.user_id)
DIRECTORY = StaticDirectory(
    {doc["_id"]: doc for doc in (EVENT, EVENT_V, PERSON, OWN_PERSON)},
    {p.user_id: p for p in (COORD, OTHER_COORD, VOL, VOL2, RES, RES2)})


def deleted(doc: dict[str, Any]) -> dict[str, Any]:
    """The tombstone a store keeps after ``doc`` is deleted."""
    return {"_id": doc["_id"], **tombstone({"_deleted": True}, doc), "_deleted": True}


def removal(doc: dict[str, Any]) -> dict[str, Any]:
    return {"_id": doc["_id"], "_deleted": True}


def refusal(principal: Principal, new: dict[str, Any], old: dict[str, Any] | None) -> str | None:
    grants = frozenset().union(*(grants_of(doc).get(principal.user_id, frozenset())
                                 for doc in DIRECTORY.documents.values()))
    scope = scope_for(principal)
    return write_refusal(principal, new, old, WriteContext(scope.channels | grants | {PUBLIC}, DIRECTORY))


REG = f.registration("event:b", "person:p", "Samira Ahmadi", "Baunatal")
OWN_REG = f.registration("event:b", "person:res", "Mariam Haidari", "Baunatal")
CHECKIN = f.checkin("event:b", VOL.user_id, "Baunatal", person_id="person:p")
HOURS = f.hours(VOL.user_id, "Baunatal", doc_id="hours:user:vol:1")
DECIDED = {**HOURS, "status": "rejected", "decided_by": COORD.user_id, "decided_at": f.NOW, "reason": "nein"}
CONTACT = f.contact_request("Baunatal", doc_id="contact:1", person_id="person:res")
ASSIGNED = {**CONTACT, "status": "assigned", "assignee": COORD.user_id,
            "history": [{"at": f.NOW, "by": COORD.user_id, "status": "assigned"}]}

# writer, new, old, allowed (None) or a word of the refusal
RULES: list[tuple[str, Principal, dict[str, Any], dict[str, Any] | None, str | None]] = [
    ("admin writes anything", ADMIN, {**PERSON, "account_id": RES2.user_id}, PERSON, None),
    # coordinators
    ("coordinator registers a visible person", COORD, REG, None, None),
    ("coordinator edits an event of their town", COORD, {**EVENT, "place": "Halle"}, EVENT, None),
    ("coordinator writes in another town", COORD, {**EVENT_V, "place": "Halle"}, EVENT_V, "outside"),
    ("coordinator labels a registration with another town", COORD,
     f.registration("event:v", "person:p", "Samira Ahmadi", "Baunatal"), None, "event's"),
    ("coordinator re-creates another town's deleted event as theirs", COORD,
     {**EVENT_V, "municipality": "Baunatal"}, deleted(EVENT_V), "outside"),
    ("coordinator re-creates their own town's deleted event", COORD, EVENT, deleted(EVENT), None),
    ("coordinator assigns a resident", COORD, {**EVENT, "assigned_volunteers": [VOL.user_id, RES.user_id]},
     EVENT, "assigned_volunteers"),
    ("coordinator assigns another town's coordinator", COORD,
     {**EVENT, "assigned_volunteers": [VOL.user_id, OTHER_COORD.user_id]}, EVENT, "own towns"),
    ("coordinator assigns a volunteer", COORD, {**EVENT, "assigned_volunteers": [VOL.user_id, VOL2.user_id]},
     EVENT, None),
    ("coordinator decides in their own name", COORD, {**DECIDED}, HOURS, None),
    ("coordinator forges another's decision", COORD, {**DECIDED, "decided_by": OTHER_COORD.user_id}, HOURS,
     "decided_by"),
    ("coordinator approves another coordinator's hours", COORD,
     f.hours(OTHER_COORD.user_id, "Baunatal", status="approved", decided_by=COORD.user_id, decided_at=f.NOW),
     None, "active volunteer"),
    ("coordinator approves their own hours", COORD,
     f.hours(COORD.user_id, "Baunatal", status="approved", decided_by=COORD.user_id, decided_at=f.NOW),
     None, "own hours"),
    ("coordinator appends a history entry in their name", COORD, ASSIGNED, CONTACT, None),
    ("coordinator rewrites the history", COORD, {**ASSIGNED, "history": []},
     {**ASSIGNED, "status": "assigned"}, "history"),
    ("coordinator deletes a device", COORD, removal(f.device("device:1", VOL.user_id)),
     f.device("device:1", VOL.user_id), "may not write"),
    # volunteers
    ("volunteer checks in at their event", VOL, CHECKIN, None, None),
    ("volunteer checks in again after an undo", VOL, CHECKIN, deleted(CHECKIN), None),
    ("volunteer checks in under another's name", VOL, {**CHECKIN, "by": VOL2.user_id}, None, "'by'"),
    ("volunteer checks in at another event", VOL, f.checkin("event:v", VOL.user_id, "Vellmar", person_id="person:p"),
     None, "may not write"),
    ("volunteer logs own hours", VOL, HOURS, None, None),
    ("volunteer approves own hours", VOL, {**DECIDED, "status": "approved"}, HOURS, "own hours"),
    ("volunteer deletes a rejection on a losing branch", VOL, removal(HOURS), DECIDED, "own hours"),
    ("volunteer edits over a rejection branch", VOL, {**HOURS, "minutes": 200}, DECIDED, "own hours"),
    ("volunteer deletes own pending hours", VOL, removal(HOURS), HOURS, None),
    ("volunteer deletes what was deleted", VOL, removal(HOURS), deleted(HOURS), "nothing to delete"),
    ("volunteer writes a person", VOL, PERSON, None, "may not write"),
    # residents
    ("resident registers", RES, OWN_REG, None, None),
    ("resident registers someone else", RES, REG, None, "may not write"),
    ("resident edits own record", RES, {**OWN_PERSON, "languages": ["de"]}, OWN_PERSON, None),
    ("resident takes over a deleted person", RES2, {**PERSON, "account_id": RES2.user_id}, deleted(PERSON),
     "may not write"),
    ("resident creates a second person record", RES, f.person("person:x", "Zweit", "Kassel", account_id=RES.user_id),
     None, "one person record"),
    ("resident asks for contact", RES, CONTACT, None, None),
    ("resident asks for contact with their own history entry", RES,
     {**CONTACT, "history": [{"at": f.NOW, "by": RES.user_id, "status": "new"}]}, None, None),
    ("resident reopens the coordinator's branch", RES, {**ASSIGNED, "status": "new"}, ASSIGNED, "coordinators"),
    ("resident deletes the coordinator's branch", RES, removal(CONTACT), ASSIGNED, "coordinators"),
    ("resident invents coordinator history", RES,
     {**CONTACT, "history": [{"at": f.NOW, "by": COORD.user_id, "status": "new"}]}, None, "history"),
]


@pytest.mark.parametrize(("writer", "new", "old", "expected"), [row[1:] for row in RULES],
                         ids=[row[0] for row in RULES])
def test_write_rules(writer: Principal, new: dict[str, Any], old: dict[str, Any] | None, expected: str | None) -> None:
    reason = refusal(writer, new, old)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_the_validator_keeps_only_access_fields_in_a_tombstone() -> None:
    validate = document_validator(VOL, lambda: frozenset({PUBLIC, VOL.user_id, "event:b"}), DIRECTORY)
    kept = validate({**CHECKIN, "_deleted": True}, CHECKIN)
    assert kept == {"type": "checkin", "event_id": "event:b", "person_id": "person:p",
                    "organization_id": f.ORG, "municipality": "Baunatal", "by": VOL.user_id}


def test_the_validator_answers_schema_errors_and_refusals_as_forbidden() -> None:
    validate = document_validator(RES, lambda: frozenset({PUBLIC, RES.user_id, "person:res"}), DIRECTORY)
    with pytest.raises(errors.CouchError) as invalid:
        validate({**OWN_REG, "status": "maybe"}, None)
    with pytest.raises(errors.CouchError) as refused:
        validate(REG, None)
    assert invalid.value.status == refused.value.status == 403
