"""The REST API against its own OpenAPI document: schemathesis fuzzes every operation with all checks.

Its own server (not the session's): positive and negative cases create accounts, edit and erase
whatever ids they guess, so they run against throwaway data; no operation is left out. Every
example is sent as one of the four roles, drawn with the example (an admin, a coordinator of
three towns, a volunteer, a resident), so each operation meets every role across its
``EXAMPLES`` examples; a deadline per example bounds the run (about three minutes on two cores).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from server import create_app
from server.config import Settings
from tests.conftest import ADMIN, LiveServer

from . import create_account

GUNICORN_REQUEST_LINE = 4094  # gunicorn's limit_request_line, which the app keeps
ROLES = ("admin", "coordinator", "volunteer", "resident")
EXAMPLES = 300

# Rules JSON Schema cannot state, so schema-valid requests may break them and get 422: across
# fields (an event's end before its start, a report's "to" before its "from"; both described in
# the document) or against stored data (an assignee must be an existing account). For these
# operations alone positive_data_acceptance is not run; every other check is.
BEYOND_JSON_SCHEMA = {"POST /api/events", "GET /api/reports/participants", "GET /api/reports/hours",
                      "POST /api/contact-requests/{request_id}/assign"}


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The invalid-credentials check sends wrong passwords from this one address with every
    # example; throttling them (429) is tested on its own in test_credentials.py.
    throttle = {"MITEINANDER_AUTH_FAILURES_PER_ADDRESS": "1000000", "MITEINANDER_AUTH_FAILURES_PER_ACCOUNT": "1000000"}
    live = LiveServer(tmp_path_factory.mktemp("schemathesis"), env=throttle).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def accounts(fuzzed_server: LiveServer) -> dict[str, tuple[str, str]]:
    """HTTP Basic credentials of each role; the coordinator's are three towns."""
    made = {"coordinator": create_account(fuzzed_server, "coordinator", "municipality:Baunatal",
                                          "municipality:Söhrewald", "municipality:Fuldabrück"),
            "volunteer": create_account(fuzzed_server, "volunteer"),
            "resident": create_account(fuzzed_server, "resident")}
    return {"admin": ADMIN} | {role: (account.email, account.password) for role, account in made.items()}


def openapi_document() -> dict[str, Any]:
    """The document as the app writes it, read at collection time: schemathesis' pytest fixture loader
    does not work with pytest 9, and parametrizing needs the operations before any server runs.
    ``test_the_live_server_serves_this_document`` checks the live server serves the same."""
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(Settings.from_env({"MITEINANDER_DATA_DIR": directory, "DEMO": "0"}))
        document: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return document


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_live_server_serves_this_document(fuzzed_server: LiveServer) -> None:
    assert requests.get(f"{fuzzed_server.url}/api/openapi.json", timeout=10).json() == DOCUMENT


@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES))
@settings(max_examples=EXAMPLES, deadline=2000,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_document(case: Any, role: str, fuzzed_server: LiveServer,
                                      accounts: dict[str, tuple[str, str]]) -> None:
    """Every operation, positive and negative cases, all checks, as the drawn role."""
    operation = f"{case.method} {case.path}"
    excluded = [positive_data_acceptance] if operation in BEYOND_JSON_SCHEMA else []
    transport = {"base_url": fuzzed_server.url, "auth": accounts[role]}
    response = case.call(**transport)
    if not refused_by_gunicorn(response):
        case.validate_response(response, excluded_checks=excluded, transport_kwargs=transport)


def refused_by_gunicorn(response: Any) -> bool:
    """Whether gunicorn, in front of the app, refused the request as malformed HTTP before the
    app (and its document) saw it: a request line beyond its limit (414) or a Content-Length
    that is no number (400). That refusal is right, and the test checks it came only for such
    a request, as gunicorn's own page, never the app's JSON."""
    request = response.request
    line = f"{request.method} {request.path_url} HTTP/1.1"
    length = request.headers.get("Content-Length")
    malformed = {414: len(line.encode()) > GUNICORN_REQUEST_LINE,
                 400: length is not None and not str(length).isdigit()}
    if not malformed.get(response.status_code):
        return False
    assert response.headers.get("content-type", [""])[0].startswith("text/html"), response.text[:200]
    return True


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


# Where Python's re and the ECMA-262 regular expressions of JSON Schema disagree: other
# scripts' digits, the information separators U+001C..U+001F, NEL, the byte order mark.
PROBES = ["٢٠٢٦-11", "2026-١١", "\x1c", "\x1f", "\x85", "\ufeff", "\u200b", " ", "Ali", "2026-11", "user:abc",
          "2026-11-21T10:00:00Z", "٢٠٢٦-11-21T10:00:00Z", "Ali\x1c", "_x", "é"]


@pytest.mark.parametrize("pattern", sorted(set(_patterns(DOCUMENT))))
def test_every_pattern_means_the_same_to_the_server_and_to_a_client(pattern: str) -> None:
    """The server matches with Python's re, clients of the document with ECMA-262 (schemathesis
    with jsonschema-rs): a pattern the two read differently made a blank name "valid"."""
    client = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for probe in PROBES:
        assert bool(re.search(pattern, probe)) == client.is_valid(probe), (pattern, probe)
