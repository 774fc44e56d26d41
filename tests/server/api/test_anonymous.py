"""Every REST endpoint needs credentials unless it is public, and every one has a summary."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from server import create_app
from server.access.identity import PUBLIC_ENDPOINTS
from server.config import Settings
from tests.conftest import LiveServer

COORDINATOR_ENDPOINTS = {
    ("GET", "/api/events"), ("POST", "/api/events"), ("GET", "/api/events/{event_id}"),
    ("PATCH", "/api/events/{event_id}"), ("POST", "/api/events/{event_id}/volunteers"),
    ("DELETE", "/api/events/{event_id}/volunteers/{user_id}"), ("GET", "/api/events/{event_id}/attendance"),
    ("GET", "/api/hours"), ("POST", "/api/hours/decisions"), ("GET", "/api/contact-requests"),
    ("POST", "/api/contact-requests/{request_id}/assign"), ("POST", "/api/contact-requests/{request_id}/status"),
    ("GET", "/api/people"), ("GET", "/api/people/{person_id}/export"), ("POST", "/api/people/{person_id}/erase"),
    ("GET", "/api/reports/participants"), ("GET", "/api/reports/hours"), ("GET", "/api/audit"),
    ("GET", "/api/devices"), ("POST", "/api/devices/{device_id}/revoke"),
}


def api_routes(tmp_path: Path) -> set[tuple[str, str, str]]:
    """(method, OpenAPI-style path, endpoint) of every route under /api."""
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(method, path, rule.endpoint) for method in rule.methods or () if method not in ("HEAD",
                                                                                                        "OPTIONS")}
    return routes


def test_every_endpoint_answers_401_without_credentials(server: LiveServer, tmp_path: Path) -> None:
    routes = api_routes(tmp_path)
    assert COORDINATOR_ENDPOINTS <= {(method, path) for method, path, _ in routes}
    guarded = [(method, path) for method, path, endpoint in routes
               if method not in PUBLIC_ENDPOINTS.get(endpoint, ())]
    for method, path in sorted(guarded):
        url = server.url + re.sub(r"\{(\w+)\}", r"x:\1", path)
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = requests.request(method, url, json={}, headers=headers, timeout=10)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["code"] == 401


def test_every_endpoint_has_a_summary(server: LiveServer) -> None:
    spec = requests.get(server.url + "/api/openapi.json", timeout=10).json()
    operations = {(method.upper(), path): operation for path, item in spec["paths"].items()
                  for method, operation in item.items() if method != "parameters"}
    assert COORDINATOR_ENDPOINTS <= set(operations)
    for key, operation in operations.items():
        assert operation.get("summary"), key
