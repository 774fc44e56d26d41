"""Organisations: a valid one passes; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for


def test_valid_organization_passes() -> None:
    validate_document(example("organization"))


def test_organization_without_optional_fields_passes() -> None:
    validate_document(changed("organization", dict.fromkeys(("municipality", "programme", "contact_email"), DROP)))


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": "org:TSV Hofgeismar"}, "organization._id: Must be 'org:' followed by a slug",
                 id="id-not-slug"),
    pytest.param({"_id": "org:-tsv"}, "organization._id: Must be 'org:' followed by a slug", id="id-leading-hyphen"),
    pytest.param({"_id": "org:"}, "organization._id: Must be 'org:' followed by a slug", id="id-empty-slug"),
    pytest.param({"_id": "club:tsv"}, "organization._id: Must be 'org:' followed by a slug", id="id-prefix"),
    pytest.param({"name": DROP}, "organization.name: Missing data for required field.", id="name-missing"),
    pytest.param({"name": ""}, "organization.name: Length must be between 1 and 200.", id="name-empty"),
    pytest.param({"name": "x" * 201}, "organization.name: Length must be between 1 and 200.", id="name-long"),
    pytest.param({"kind": "sect"}, "organization.kind: Must be one of: club, association,", id="kind"),
    pytest.param({"kind": DROP}, "organization.kind: Missing data for required field.", id="kind-missing"),
    pytest.param({"municipality": "Berlin"}, "organization.municipality: Must be a municipality", id="municipality"),
    pytest.param({"municipality": None}, "organization.municipality: Field may not be null.", id="municipality-null"),
    pytest.param({"programme": "AMIF"}, "organization.programme: Must be one of: VIPs, WIR,", id="programme"),
    pytest.param({"contact_email": "vorstand"}, "organization.contact_email: Not a valid email address.",
                 id="contact-email"),
])
def test_invalid_organization_is_rejected_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed("organization", changes))
