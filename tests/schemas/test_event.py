"""Events: a valid one passes; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for

SEATS = "Must be greater than or equal to 0 and less than or equal to 100000."
OPTIONAL = ("updated_at", "description", "capacity", "programme", "assigned_volunteers")


def test_valid_event_passes() -> None:
    validate_document(example("event"))


def test_event_without_optional_fields_passes() -> None:
    validate_document(changed("event", dict.fromkeys(OPTIONAL, DROP)))


@pytest.mark.parametrize(("start", "end"), [
    pytest.param("2026-11-21T15:00:00+01:00", "2026-11-21T15:00:00+01:00", id="same-instant"),
    pytest.param("2026-11-21T15:00:00+01:00", "2026-11-21T14:30:00Z", id="later-in-another-offset"),
])
def test_event_may_end_when_or_after_it_starts(start: str, end: str) -> None:
    validate_document(changed("event", {"start": start, "end": end}))


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": "events:e1"}, "event._id: Must start with 'event:' followed by an id.", id="id-prefix"),
    pytest.param({"_id": "event:"}, "event._id: Must start with 'event:' followed by an id.", id="id-empty"),
    pytest.param({"title": DROP}, "event.title: Missing data for required field.", id="title-missing"),
    pytest.param({"title": "Sprachcafé"}, "event.title: Not a valid mapping type.", id="title-string"),
    pytest.param({"title": {}}, 'event.title: Must have a German ("de") text.', id="title-empty"),
    pytest.param({"title": {"en": "Language café"}}, 'event.title: Must have a German ("de") text.',
                 id="title-without-german"),
    pytest.param({"title.de": ""}, "event.title.de: Length must be between 1 and 200.", id="title-de-empty"),
    pytest.param({"title.ar": "x" * 201}, "event.title.ar: Length must be between 1 and 200.", id="title-long"),
    pytest.param({"title.de": 5}, "event.title.de: Not a valid string.", id="title-not-string"),
    pytest.param({"title.xx": "?"}, "event.title.xx: Must be one of: de, en, ar, fa, prs,", id="title-language"),
    pytest.param({"description.de": "x" * 5001}, "event.description.de: Length must be between 1 and 5000.",
                 id="description-long"),
    pytest.param({"description.de-AT": "Servus"}, "event.description.de-AT: Must be one of:",
                 id="description-language"),
    pytest.param({"kind": "party"}, "event.kind: Must be one of: encounter, course,", id="kind"),
    pytest.param({"municipality": DROP}, "event.municipality: Missing data for required field.",
                 id="municipality-missing"),
    pytest.param({"municipality": "wolfhagen"}, "event.municipality: Must be a municipality", id="municipality-case"),
    pytest.param({"place": ""}, "event.place: Length must be between 1 and 200.", id="place-empty"),
    pytest.param({"start": DROP}, "event.start: Missing data for required field.", id="start-missing"),
    pytest.param({"start": "2026-11-21T15:00:00"}, "event.start: Not a date and time with offset", id="start-naive"),
    pytest.param({"end": "2026-11-21T14:59:59+01:00"}, "event.end: Must not be before start.", id="end-before-start"),
    pytest.param({"end": "2026-11-21T13:30:00Z"}, "event.end: Must not be before start.",
                 id="end-before-start-in-another-offset"),
    pytest.param({"capacity": -1}, f"event.capacity: {SEATS}", id="capacity-negative"),
    pytest.param({"capacity": 100_001}, f"event.capacity: {SEATS}", id="capacity-beyond-any-hall"),
    pytest.param({"capacity": 2.5}, "event.capacity: Not a valid integer.", id="capacity-float"),
    pytest.param({"capacity": "30"}, "event.capacity: Not a valid integer.", id="capacity-string"),
    pytest.param({"organization_id": "vips"}, "event.organization_id: Must be an id starting with 'org:'.",
                 id="organization-prefix"),
    pytest.param({"organization_id": DROP}, "event.organization_id: Missing data for required field.",
                 id="organization-missing"),
    pytest.param({"programme": "vips"}, "event.programme: Must be one of:", id="programme"),
    pytest.param({"assigned_volunteers": "user:anna"}, "event.assigned_volunteers: Not a valid list.",
                 id="volunteers-not-list"),
    pytest.param({"assigned_volunteers.1": "omid"}, "event.assigned_volunteers.1: Must be an id starting with 'user:'.",
                 id="volunteer-prefix"),
])
def test_invalid_event_is_rejected_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed("event", changes))
