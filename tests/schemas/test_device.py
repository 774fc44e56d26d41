"""Devices: a valid one passes; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for


def test_valid_device_passes() -> None:
    validate_document(example("device"))


def test_device_without_optional_fields_passes() -> None:
    validate_document(changed("device", {"revoked": DROP, "last_sync_at": DROP}))


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": "tablet-3"}, "device._id: Must start with 'device:' followed by an id.", id="id-prefix"),
    pytest.param({"name": DROP}, "device.name: Missing data for required field.", id="name-missing"),
    pytest.param({"name": "x" * 101}, "device.name: Length must be between 1 and 100.", id="name-long"),
    pytest.param({"user_id": "anna"}, "device.user_id: Must be an id starting with 'user:'.", id="user-prefix"),
    pytest.param({"user_id": "user:"}, "device.user_id: Must be an id starting with 'user:'.", id="user-empty"),
    pytest.param({"registered_at": DROP}, "device.registered_at: Missing data for required field.",
                 id="registered-at-missing"),
    pytest.param({"revoked": "false"}, "device.revoked: Not a valid boolean.", id="revoked-string"),
    pytest.param({"revoked": 1}, "device.revoked: Not a valid boolean.", id="revoked-number"),
    pytest.param({"revoked": None}, "device.revoked: Field may not be null.", id="revoked-null"),
    pytest.param({"last_sync_at": "gestern"}, "device.last_sync_at: Not a date and time", id="last-sync-at"),
])
def test_invalid_device_is_rejected_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed("device", changes))
