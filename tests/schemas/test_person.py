"""People: a valid one passes; each broken rule is named in the reason."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for


def test_valid_person_passes() -> None:
    validate_document(example("person"))


def test_person_without_optional_fields_passes() -> None:
    validate_document(changed("person", dict.fromkeys(("languages", "contact", "account_id"), DROP)))


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"_id": "people:7f3a"}, "person._id: Must start with 'person:'", id="id-prefix"),
    pytest.param({"display_name": DROP}, "person.display_name: Missing data for required field.", id="name-missing"),
    pytest.param({"display_name": "x" * 121}, "person.display_name: Length must be between 1 and 120.",
                 id="name-long"),
    pytest.param({"languages": "de"}, "person.languages: Not a valid list.", id="languages-not-list"),
    pytest.param({"languages.1": "dari"}, "person.languages.1: Must be one of: de, en,", id="language-code"),
    pytest.param({"municipality": DROP}, "person.municipality: Missing data for required field.",
                 id="municipality-missing"),
    pytest.param({"contact.phone": "1" * 41}, "person.contact.phone: Length must be between 1 and 40.",
                 id="phone-long"),
    pytest.param({"contact.email": "mariam"}, "person.contact.email: Not a valid email address.", id="email"),
    pytest.param({"contact.fax": "0561"}, "person.contact.fax: Unknown field.", id="contact-unknown"),
    pytest.param({"consents": DROP}, "person.consents: Missing data for required field.", id="consents-missing"),
    pytest.param({"consents": []}, "person.consents: Shorter than minimum length 1.", id="consents-empty"),
    pytest.param({"consents.0.purpose": "marketing"},
                 "person.consents.0.purpose: Must be one of: registration, contact, photos, newsletter.",
                 id="consent-purpose"),
    pytest.param({"consents.0.given_at": DROP}, "person.consents.0.given_at: Missing data for required field.",
                 id="consent-given-at-missing"),
    pytest.param({"consents.1.withdrawn_at": "gestern"}, "person.consents.1.withdrawn_at: Not a date and time",
                 id="consent-withdrawn-at"),
    pytest.param({"account_id": "person:7f3a"}, "person.account_id: Must be an id starting with 'user:'.",
                 id="account-prefix"),
    pytest.param({"origin": "AF"}, "person.origin: Unknown field.", id="unknown-field"),
])
def test_invalid_person_is_rejected_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    assert expected in reason_for(changed("person", changes))
