"""Volunteer hours: valid entries pass; each broken rule, including the decision rules, is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for

MINUTES_RANGE = "hours.minutes: Must be greater than or equal to 1 and less than or equal to 1440."
NOT_A_DATE = "hours.date: Not a date like 2026-11-21."
ID_RULE = "hours._id: Must be 'hours:<volunteer_id>:<id>'."


@pytest.mark.parametrize("name", ["hours_pending", "hours_approved", "hours_rejected"])
def test_valid_hours_pass(name: str) -> None:
    validate_document(example(name))


def test_hours_without_optional_fields_pass() -> None:
    validate_document(changed("hours_pending", dict.fromkeys(("event_id", "organization_id", "note"), DROP)))


@pytest.mark.parametrize(("name", "changes", "expected"), [
    pytest.param("hours_pending", {"minutes": 0}, MINUTES_RANGE, id="minutes-zero"),
    pytest.param("hours_pending", {"minutes": 1441}, MINUTES_RANGE, id="minutes-over-a-day"),
    pytest.param("hours_pending", {"minutes": 90.0}, "hours.minutes: Not a valid integer.", id="minutes-float"),
    pytest.param("hours_pending", {"minutes": "90"}, "hours.minutes: Not a valid integer.", id="minutes-string"),
    pytest.param("hours_pending", {"minutes": True}, "hours.minutes: Not a valid integer.", id="minutes-bool"),
    pytest.param("hours_pending", {"minutes": DROP}, "hours.minutes: Missing data for required field.",
                 id="minutes-missing"),
    pytest.param("hours_pending", {"date": "21.11.2026"}, NOT_A_DATE, id="date-german"),
    pytest.param("hours_pending", {"date": "2026-11-31"}, NOT_A_DATE, id="date-no-such-day"),
    pytest.param("hours_pending", {"date": "2026-W47-6"}, NOT_A_DATE, id="date-week"),
    pytest.param("hours_pending", {"date": "20261121"}, NOT_A_DATE, id="date-basic"),
    pytest.param("hours_pending", {"date": "2026-11-21T10:00:00Z"}, NOT_A_DATE, id="date-with-time"),
    pytest.param("hours_pending", {"activity": "cooking"}, "hours.activity: Must be one of: event_support,",
                 id="activity"),
    pytest.param("hours_pending", {"volunteer_id": "anna"}, "hours.volunteer_id: Must be an id starting with 'user:'.",
                 id="volunteer-prefix"),
    pytest.param("hours_pending", {"volunteer_id": "user:omid"}, ID_RULE, id="id-other-volunteer"),
    pytest.param("hours_pending", {"_id": "hours:user:anna:"}, ID_RULE, id="id-empty-suffix"),
    pytest.param("hours_pending", {"_id": "hours:user:annabel:1"}, ID_RULE, id="id-volunteer-prefix-only"),
    pytest.param("hours_pending", {"event_id": "e1"}, "hours.event_id: Must be an id starting with 'event:'.",
                 id="event-prefix"),
    pytest.param("hours_pending", {"organization_id": "vips"}, "hours.organization_id: Must be an id starting",
                 id="organization-prefix"),
    pytest.param("hours_pending", {"municipality": DROP}, "hours.municipality: Missing data", id="municipality"),
    pytest.param("hours_pending", {"note": "x" * 1001}, "hours.note: Longer than maximum length 1000.", id="note"),
    pytest.param("hours_pending", {"status": "done"}, "hours.status: Must be one of: pending, approved, rejected.",
                 id="status"),
    pytest.param("hours_pending", {"decided_by": "user:coordinator"},
                 "hours.decided_by: Must be absent while status is pending.", id="pending-decided-by"),
    pytest.param("hours_pending", {"decided_at": "2026-11-22T10:00:00Z"},
                 "hours.decided_at: Must be absent while status is pending.", id="pending-decided-at"),
    pytest.param("hours_approved", {"decided_by": DROP}, "hours.decided_by: Required when status is approved.",
                 id="approved-without-decided-by"),
    pytest.param("hours_approved", {"decided_at": DROP}, "hours.decided_at: Required when status is approved.",
                 id="approved-without-decided-at"),
    pytest.param("hours_rejected", {"decided_at": DROP}, "hours.decided_at: Required when status is rejected.",
                 id="rejected-without-decided-at"),
    pytest.param("hours_rejected", {"reason": DROP}, "hours.reason: Required when status is rejected.",
                 id="rejected-without-reason"),
    pytest.param("hours_rejected", {"reason": ""}, "hours.reason: Length must be between 1 and 1000.",
                 id="rejected-empty-reason"),
    pytest.param("hours_approved", {"decided_by": "coordinator"},
                 "hours.decided_by: Must be an id starting with 'user:'.", id="decided-by-prefix"),
    pytest.param("hours_approved", {"decided_at": "2026-11-22"}, "hours.decided_at: Not a date and time",
                 id="decided-at-date-only"),
])
def test_invalid_hours_are_rejected_naming_the_field(name: str, changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed(name, changes))


def test_all_missing_decision_fields_are_named() -> None:
    reason = reason_for(changed("hours_rejected", dict.fromkeys(("decided_by", "decided_at", "reason"), DROP)))
    assert reason == (
        "hours.decided_at: Required when status is rejected.; "
        "hours.decided_by: Required when status is rejected.; "
        "hours.reason: Required when status is rejected."
    )
