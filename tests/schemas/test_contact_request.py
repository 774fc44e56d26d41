"""Contact requests from people and with callback details: valid ones pass; each broken rule is named."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import validate_document
from tests.schemas.examples import DROP, changed, example, reason_for

ONE_REQUESTER = "contact_request: Exactly one of person_id and callback is required."


@pytest.mark.parametrize("name", ["contact_request", "contact_request_callback"])
def test_valid_contact_request_passes(name: str) -> None:
    validate_document(example(name))


@pytest.mark.parametrize("status", ["new", "done", "closed"])
def test_only_assigned_requests_need_an_assignee(status: str) -> None:
    validate_document(changed("contact_request", {"status": status, "assignee": DROP}))


@pytest.mark.parametrize(("name", "changes", "expected"), [
    pytest.param("contact_request", {"_id": "contact_request:4b2e"}, "contact_request._id: Must start with 'contact:'",
                 id="id-prefix"),
    pytest.param("contact_request", {"callback": {"name": "Mariam", "phone": "0561 1"}}, ONE_REQUESTER,
                 id="person-and-callback"),
    pytest.param("contact_request", {"person_id": DROP}, ONE_REQUESTER, id="neither"),
    pytest.param("contact_request", {"person_id": "user:x"}, "contact_request.person_id: Must be an id starting",
                 id="person-prefix"),
    pytest.param("contact_request_callback", {"callback.email": DROP},
                 "contact_request.callback: Give a phone number or an email address.", id="callback-unreachable"),
    pytest.param("contact_request_callback", {"callback.name": DROP},
                 "contact_request.callback.name: Missing data for required field.", id="callback-name-missing"),
    pytest.param("contact_request_callback", {"callback.email": "info"},
                 "contact_request.callback.email: Not a valid email address.", id="callback-email"),
    pytest.param("contact_request_callback", {"callback.phone": ""},
                 "contact_request.callback.phone: Length must be between 1 and 40.", id="callback-phone-empty"),
    pytest.param("contact_request", {"topic": "visa"}, "contact_request.topic: Must be one of: interpreter,",
                 id="topic"),
    pytest.param("contact_request", {"language": "de-DE"}, "contact_request.language: Must be one of: de, en,",
                 id="language"),
    pytest.param("contact_request", {"language": DROP}, "contact_request.language: Missing data for required field.",
                 id="language-missing"),
    pytest.param("contact_request", {"municipality": "Göttingen"}, "contact_request.municipality: Must be a",
                 id="municipality"),
    pytest.param("contact_request", {"message": "x" * 2001}, "contact_request.message: Longer than maximum length",
                 id="message-long"),
    pytest.param("contact_request", {"status": "open"}, "contact_request.status: Must be one of: new, assigned,",
                 id="status"),
    pytest.param("contact_request", {"assignee": DROP}, "contact_request.assignee: Required when status is assigned.",
                 id="assigned-without-assignee"),
    pytest.param("contact_request", {"assignee": "coordinator"}, "contact_request.assignee: Must be an id starting",
                 id="assignee-prefix"),
    pytest.param("contact_request", {"organization_id": "wir"}, "contact_request.organization_id: Must be an id",
                 id="organization-prefix"),
    pytest.param("contact_request", {"history": {}}, "contact_request.history: Not a valid list.",
                 id="history-not-list"),
    pytest.param("contact_request", {"history.0.at": DROP}, "contact_request.history.0.at: Missing data",
                 id="history-at-missing"),
    pytest.param("contact_request", {"history.1.by": ""}, "contact_request.history.1.by: Shorter than minimum",
                 id="history-by-empty"),
    pytest.param("contact_request", {"history.1.status": "forwarded"}, "contact_request.history.1.status: Must be",
                 id="history-status"),
    pytest.param("contact_request", {"history.1.note": "x" * 1001}, "contact_request.history.1.note: Longer than",
                 id="history-note-long"),
    pytest.param("contact_request", {"history.0.ip": "10.0.0.1"}, "contact_request.history.0.ip: Unknown field.",
                 id="history-unknown"),
])
def test_invalid_contact_request_is_rejected_naming_the_field(name: str, changes: dict[str, Any],
                                                               expected: str) -> None:
    assert expected in reason_for(changed(name, changes))
