"""validate_document answers any JSON input with None or DocumentInvalid, never with another exception."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import DOC_TYPES, DocumentInvalid, validate_document
from tests.schemas.examples import EXAMPLES

FIELD_NAMES = sorted(
    {field.data_key or name for schema in DOC_TYPES.values() for name, field in schema().fields.items()}
    | {"_rev", "_deleted", "_attachments", "consent", "purpose", "given_at", "withdrawn_at", "phone", "email",
       "name", "at", "note", "de", "ar", "xx"}
)
# Values that pass single fields, so that generated documents reach the schema-level rules.
PLAUSIBLE_STRINGS = [
    "event:e1", "person:p1", "user:anna", "org:vips", "hours:user:anna:1", "checkin:event:e1:person:p1",
    "checkin:event:e1:walkin:w1", "registration:event:e1:person:p1", "contact:c1", "device:d1",
    "2026-11-21", "2026-11-21T10:00:00Z", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
    "Kassel", "de", "pending", "approved", "rejected", "assigned", "registration", "a@b.de", "",
]

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(PLAUSIBLE_STRINGS)
)
json_keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=6),
    max_leaves=25,
)
doc_types = st.sampled_from(sorted(DOC_TYPES)) | json_values


def assert_valid_or_invalid(doc: Any) -> None:
    try:
        validate_document(doc)
    except DocumentInvalid as error:
        assert error.reason
        assert "\n" not in error.reason


@st.composite
def arbitrary_documents(draw: st.DrawFn) -> dict[Any, Any]:
    """A dict of field names and JSON values, with a type drawn from the real types plus junk."""
    doc: dict[Any, Any] = draw(st.dictionaries(json_keys, json_values, max_size=12))
    if draw(st.booleans()):
        doc["type"] = draw(doc_types)
    return doc


def containers(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) in a JSON value, so that a change can go anywhere, however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from containers(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from containers(item)


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    """A valid example with a few values replaced or removed, or keys added, anywhere in it."""
    doc: dict[str, Any] = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 3))):
        container, key = draw(st.sampled_from(list(containers(doc))))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "remove" and len(container) > 0:
            del container[key]
        elif isinstance(container, dict):
            container[draw(json_keys)] = draw(json_values)
    return doc


@given(arbitrary_documents())
@settings(max_examples=500)
def test_arbitrary_documents(doc: dict[Any, Any]) -> None:
    assert_valid_or_invalid(doc)


@given(mutated_examples())
@settings(max_examples=1000)
def test_examples_with_arbitrary_changes(doc: dict[str, Any]) -> None:
    assert_valid_or_invalid(doc)


@given(json_values)
def test_any_json_value(value: Any) -> None:
    assert_valid_or_invalid(value)
