"""validate_document and the registry: what every document type shares, and the shape of the reason."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from marshmallow import Schema

from schemas import DOC_TYPES, TYPES, DocumentInvalid, validate_document
from schemas.hours import HoursSchema
from tests.conftest import ROOT
from tests.schemas.examples import DROP, EXAMPLES, changed, example, reason_for


def test_doc_types_name_every_type() -> None:
    assert set(DOC_TYPES) == {
        "organization", "event", "person", "registration", "checkin", "hours", "contact_request", "device",
    }
    assert all(issubclass(schema, Schema) for schema in DOC_TYPES.values())


@pytest.mark.parametrize(("doc_type", "prefix"), [
    ("organization", "org:"), ("event", "event:"), ("person", "person:"), ("registration", "registration:"),
    ("checkin", "checkin:"), ("hours", "hours:"), ("contact_request", "contact:"), ("device", "device:"),
])
def test_id_prefix_and_range(doc_type: str, prefix: str) -> None:
    assert TYPES[doc_type].id_prefix == prefix
    start, end = TYPES[doc_type].id_range
    assert start == prefix and end > prefix + "zzzz" and not end.startswith(prefix + ":")


@pytest.mark.parametrize("name", ["registration", "checkin", "checkin_walk_in"])
def test_a_nested_type_lives_in_its_parents_range(name: str) -> None:
    """Registrations and check-ins belong to their event: their ids extend its id (the schema
    refuses any other), so the event's range finds every one of them."""
    doc = example(name)
    doc_type = TYPES[doc["type"]]
    assert doc_type.nested_under == "event"
    start, end = doc_type.nested_range(doc["event_id"])
    assert start <= doc["_id"] <= end and not start <= f"{doc_type.id_prefix}{doc['event_id']}x:1" <= end
    assert "_id" in reason_for(changed(name, {"_id": f"{doc_type.id_prefix}event:elsewhere:person:x"}))


def test_a_tombstone_keeps_access_fields_and_nothing_personal() -> None:
    request = example("contact_request")
    kept = TYPES["contact_request"].tombstone(request)
    assert kept["type"] == "contact_request" and kept["person_id"] == request["person_id"]
    assert kept["municipality"] == request["municipality"] and kept["status"] == request["status"]
    assert not {"message", "callback", "history", "topic", "created_at"} & set(kept)
    person = TYPES["person"].tombstone(example("person"))
    assert "display_name" not in person and "contact" not in person and person["type"] == "person"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_is_valid(name: str) -> None:
    assert validate_document(example(name)) is None


def test_couchdb_keys_are_left_to_the_sync_layer() -> None:
    doc = example("event") | {
        "_rev": "3-a1b2", "_revisions": {"start": 3, "ids": ["a1b2", "c3", "d4"]},
        "_attachments": {"flyer.pdf": {"stub": True}}, "_deleted": False, "_conflicts": ["2-x"], "_whatever": None,
    }
    validate_document(doc)


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": DROP}, "event._id: Missing data for required field.", id="missing"),
    pytest.param({"_id": 5}, "event._id: Not a valid string.", id="number"),
    pytest.param({"_id": "org:vips"}, "event._id: Must start with 'event:' followed by an id.", id="other-type"),
])
def test_id_is_checked(changes: dict[str, Any], expected: str) -> None:
    assert reason_for(changed("event", changes)) == expected


@pytest.mark.parametrize("doc", [None, [], "event", 5, 1.5, True])
def test_non_objects_are_invalid(doc: Any) -> None:
    assert reason_for(doc) == "document: Must be a JSON object."


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"type": DROP}, "type: Missing data for required field.", id="missing"),
    pytest.param({"type": "invoice"}, "type: Must be one of: organization, event,", id="unknown"),
    pytest.param({"type": ["event"]}, "type: Must be one of:", id="list"),
    pytest.param({"type": None}, "type: Must be one of:", id="null"),
    pytest.param({"type": "Event"}, "type: Must be one of:", id="case"),
])
def test_type_must_be_known(changes: dict[str, Any], expected: str) -> None:
    assert reason_for(changed("event", changes)).startswith(expected)


def test_a_schema_on_its_own_loads_only_its_type() -> None:
    assert HoursSchema().validate(example("event")).get("type") == ["Must be 'hours'."]


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param(DROP, "person.schema_version: Missing data for required field.", id="missing"),
    pytest.param(2, "person.schema_version: Must be equal to 1.", id="two"),
    pytest.param(0, "person.schema_version: Must be equal to 1.", id="zero"),
    pytest.param("1", "person.schema_version: Not a valid integer.", id="string"),
    pytest.param(1.0, "person.schema_version: Not a valid integer.", id="float"),
    pytest.param(True, "person.schema_version: Not a valid integer.", id="bool"),
])
def test_schema_version_must_be_1(value: Any, expected: str) -> None:
    assert reason_for(changed("person", {"schema_version": value})) == expected


@pytest.mark.parametrize("value", [
    "2026-11-21T10:00:00Z", "2026-11-21T11:00:00+01:00", "2026-11-21T04:30:00-05:30", "2026-11-21T10:00Z",
    "2026-11-21T10:00:00.123Z", "2026-11-21T10:00:00.123456+01:00",
])
def test_timestamps_with_offset_are_accepted(value: str) -> None:
    validate_document(changed("device", {"created_at": value, "updated_at": value}))


@pytest.mark.parametrize("value", [
    "2026-11-21T10:00:00", "2026-11-21", "20261121T100000Z", "2026-W47-6T10:00:00Z", "2026-11-21 10:00:00Z",
    "2026-11-21T10:00:00z", "2026-11-21T10:00:00Z\n", "2026-11-21T10:00:00+01", "2026-11-21T25:00:00Z",
    "2026-02-30T10:00:00Z", "2026-11-21T10:00:00+24:00", "", 1763719200, None,
])
def test_timestamps_without_offset_or_in_other_forms_are_rejected(value: Any) -> None:
    assert reason_for(changed("device", {"created_at": value})).startswith("device.created_at: ")


def test_created_at_is_required_and_updated_at_optional() -> None:
    assert reason_for(changed("device", {"created_at": DROP})) == "device.created_at: Missing data for required field."
    validate_document(changed("event", {"updated_at": DROP}))


def test_unknown_fields_are_rejected() -> None:
    assert reason_for(changed("event", {"colour": "red"})) == "event.colour: Unknown field."


def test_every_problem_is_named_in_one_reason() -> None:
    reason = reason_for(changed("hours_pending", {"minutes": 0, "activity": "cooking"}))
    assert "hours.minutes: Must be greater than or equal to 1 and less than or equal to 1440." in reason
    assert "hours.activity: Must be one of:" in reason


def test_reason_is_one_short_line_even_for_hostile_keys() -> None:
    doc = example("event") | {f"bad\nkey {n} " + "x" * 500: n for n in range(8)}
    reason = reason_for(doc)
    assert "\n" not in reason
    assert reason.endswith("; and 3 more")
    assert len(reason) < 600


def test_document_invalid_carries_its_reason() -> None:
    error = DocumentInvalid("hours.minutes: Must be greater than or equal to 1 and less than or equal to 1440.")
    assert str(error) == error.reason


def test_schemas_import_nothing_from_the_layers_above() -> None:
    """Imports go server -> sync -> schemas; a fresh interpreter shows what importing schemas pulls in."""
    probe = "import sys, schemas; print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'server', 'sync'}))"
    completed = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
