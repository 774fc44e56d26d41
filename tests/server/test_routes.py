"""Enumerating tests that keep the house rules true for every route, present and future."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from server import create_app
from server.access.identity import PUBLIC_ENDPOINTS
from server.config import Settings
from tests.conftest import LiveServer

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, a concrete path) for every rule of the app."""
    app = create_app(Settings(data_dir=Path(tempfile.mkdtemp()), demo=False))
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "x" + m.group(1), rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


ROUTES = routes()


@pytest.mark.parametrize(("endpoint", "method", "path"), ROUTES, ids=[f"{m} {p}" for _, m, p in ROUTES])
def test_every_route_is_public_or_refuses_anonymous_callers(server: LiveServer, endpoint: str, method: str,
                                                            path: str) -> None:
    response = requests.request(method, server.url + path, json={}, timeout=10)
    if method in PUBLIC_ENDPOINTS.get(endpoint, ()) or endpoint == "static":
        assert response.status_code != 500
    else:
        assert response.status_code == 401, f"{endpoint} answered {response.status_code} without credentials"


def test_every_api_operation_has_a_summary(server: LiveServer) -> None:
    spec = requests.get(server.url + "/api/openapi.json", timeout=10).json()
    operations = [(path, method, operation) for path, item in spec["paths"].items()
                  for method, operation in item.items() if method in HTTP_METHODS]
    assert len(operations) >= 20
    assert [(path, method) for path, method, operation in operations if not operation.get("summary")] == []


def test_interactive_docs_come_from_this_server(server: LiveServer) -> None:
    page = requests.get(server.url + "/api/docs", timeout=10)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/api/docs/assets/") for asset in assets if asset.endswith((".js", ".css")))
    for asset in assets:
        if asset.endswith((".js", ".css")):
            assert requests.get(server.url + asset, timeout=10).status_code == 200


@pytest.fixture
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("strict"),
                      env={"MITEINANDER_LOGIN_RATE": "3/minute", "WEB_WORKERS": "1"})
    yield live.start()
    live.stop()


def test_logins_are_rate_limited(strict_server: LiveServer) -> None:
    attempts = [requests.post(strict_server.url + "/api/auth/token",
                              json={"email": "someone@test.example", "password": "guess"}, timeout=10)
                for _ in range(5)]
    assert [response.status_code for response in attempts] == [401, 401, 401, 429, 429]
    registrations = [requests.post(strict_server.url + "/api/auth/register", json={}, timeout=10) for _ in range(4)]
    assert registrations[-1].status_code == 429
    links = [requests.post(strict_server.url + "/api/auth/register/confirm", json={"token": "guess"}, timeout=10)
             for _ in range(4)]
    assert [response.status_code for response in links] == [404, 404, 404, 429]
