"""Registrations: a valid one passes; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for

ID_RULE = "registration._id: Must be 'registration:<event_id>:<person_id>'."


def test_valid_registration_passes() -> None:
    validate_document(example("registration"))


def test_cancelled_registration_passes() -> None:
    validate_document(changed("registration", {"status": "cancelled"}))


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": "registration:event:e1:person:other"}, ID_RULE, id="id-other-person"),
    pytest.param({"_id": "registration:event:e2:person:7f3a"}, ID_RULE, id="id-other-event"),
    pytest.param({"_id": "registration:e1:7f3a"}, ID_RULE, id="id-without-prefixes"),
    pytest.param({"_id": "registration:event:e1:person:7f3a:x"}, ID_RULE, id="id-trailing"),
    pytest.param({"_id": "registration:"}, "registration._id: Must start with 'registration:'", id="id-empty"),
    pytest.param({"event_id": "e1"}, "registration.event_id: Must be an id starting with 'event:'.", id="event-prefix"),
    pytest.param({"person_id": "user:7f3a"}, "registration.person_id: Must be an id starting with 'person:'.",
                 id="person-prefix"),
    pytest.param({"person_id": DROP}, "registration.person_id: Missing data for required field.",
                 id="person-missing"),
    pytest.param({"display_name": ""}, "registration.display_name: Length must be between 1 and 120.",
                 id="name-empty"),
    pytest.param({"municipality": DROP}, "registration.municipality: Missing data", id="municipality-missing"),
    pytest.param({"organization_id": DROP}, "registration.organization_id: Missing data", id="organization-missing"),
    pytest.param({"registered_at": "2026-11-03"}, "registration.registered_at: Not a date and time",
                 id="registered-at-date-only"),
    pytest.param({"status": "waiting"}, "registration.status: Must be one of: registered, cancelled.", id="status"),
])
def test_invalid_registration_is_rejected_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed("registration", changes))
