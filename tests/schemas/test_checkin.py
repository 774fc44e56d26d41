"""Check-ins of registered people and walk-ins: valid ones pass; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import CONSENT, DROP, changed, example, reason_for

ONE_PARTICIPANT = "checkin: Exactly one of person_id and walk_in is required."
WALK_IN = {"display_name": "Olena K.", "consent": CONSENT}


@pytest.mark.parametrize("name", ["checkin", "checkin_walk_in"])
def test_valid_checkin_passes(name: str) -> None:
    validate_document(example(name))


def test_checkin_without_optional_fields_passes() -> None:
    validate_document(changed("checkin", {"devices": DROP}))
    validate_document(changed("checkin_walk_in", {"walk_in.municipality": DROP}))


@pytest.mark.parametrize(("name", "changes", "expected"), [
    pytest.param("checkin", {"walk_in": WALK_IN}, ONE_PARTICIPANT, id="person-and-walk-in"),
    pytest.param("checkin", {"person_id": DROP}, ONE_PARTICIPANT, id="neither"),
    pytest.param("checkin", {"_id": "checkin:event:e1:person:other"},
                 "checkin._id: Must be 'checkin:<event_id>:<person_id>'.", id="id-other-person"),
    pytest.param("checkin", {"_id": "checkin:event:e2:person:7f3a"},
                 "checkin._id: Must be 'checkin:<event_id>:<person_id>'.", id="id-other-event"),
    pytest.param("checkin", {"_id": "check-in:event:e1:person:7f3a"}, "checkin._id: Must start with 'checkin:'",
                 id="id-prefix"),
    pytest.param("checkin_walk_in", {"_id": "checkin:event:e1:9c1d"},
                 "checkin._id: Must be 'checkin:<event_id>:walkin:<id>' for a walk-in.", id="walk-in-id-marker"),
    pytest.param("checkin_walk_in", {"_id": "checkin:event:e2:walkin:9c1d"},
                 "checkin._id: Must be 'checkin:<event_id>:walkin:<id>' for a walk-in.", id="walk-in-id-event"),
    pytest.param("checkin_walk_in", {"_id": "checkin:event:e1:walkin:"},
                 "checkin._id: Must be 'checkin:<event_id>:walkin:<id>' for a walk-in.", id="walk-in-id-empty"),
    pytest.param("checkin_walk_in", {"walk_in.display_name": DROP},
                 "checkin.walk_in.display_name: Missing data for required field.", id="walk-in-name-missing"),
    pytest.param("checkin_walk_in", {"walk_in.display_name": "x" * 121},
                 "checkin.walk_in.display_name: Length must be between 1 and 120.", id="walk-in-name-long"),
    pytest.param("checkin_walk_in", {"walk_in.municipality": "Paris"},
                 "checkin.walk_in.municipality: Must be a municipality", id="walk-in-municipality"),
    pytest.param("checkin_walk_in", {"walk_in.consent": DROP},
                 "checkin.walk_in.consent: Missing data for required field.", id="walk-in-consent-missing"),
    pytest.param("checkin_walk_in", {"walk_in.consent.purpose": "sports"},
                 "checkin.walk_in.consent.purpose: Must be one of:", id="walk-in-consent-purpose"),
    pytest.param("checkin_walk_in", {"walk_in.consent.withdrawn_at": "2026-11-22T10:00:00Z"},
                 "checkin.walk_in.consent.withdrawn_at: Unknown field.", id="walk-in-consent-unknown"),
    pytest.param("checkin_walk_in", {"walk_in.age": 30}, "checkin.walk_in.age: Unknown field.",
                 id="walk-in-unknown"),
    pytest.param("checkin_walk_in", {"walk_in": "Olena"}, "checkin.walk_in: Invalid input type.",
                 id="walk-in-not-object"),
    pytest.param("checkin", {"event_id": DROP}, "checkin.event_id: Missing data for required field.",
                 id="event-missing"),
    pytest.param("checkin", {"person_id": "user:7f3a"}, "checkin.person_id: Must be an id starting with 'person:'.",
                 id="person-prefix"),
    pytest.param("checkin", {"checked_in_at": DROP}, "checkin.checked_in_at: Missing data for required field.",
                 id="checked-in-at-missing"),
    pytest.param("checkin", {"by": "anna"}, "checkin.by: Must be an id starting with 'user:'.", id="by-prefix"),
    pytest.param("checkin", {"device_id": DROP}, "checkin.device_id: Missing data for required field.",
                 id="device-missing"),
    pytest.param("checkin", {"device_id": ""}, "checkin.device_id: Shorter than minimum length 1.",
                 id="device-empty"),
    pytest.param("checkin", {"devices": "device:tablet-3"}, "checkin.devices: Not a valid list.",
                 id="devices-not-list"),
    pytest.param("checkin", {"devices.0": 3}, "checkin.devices.0: Not a valid string.", id="devices-item"),
    pytest.param("checkin", {"municipality": DROP}, "checkin.municipality: Missing data", id="municipality-missing"),
    pytest.param("checkin", {"organization_id": DROP}, "checkin.organization_id: Missing data",
                 id="organization-missing"),
])
def test_invalid_checkin_is_rejected_naming_the_field(name: str, changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed(name, changes))
