"""Helpers for the REST API tests: accounts on the live server, seeding documents, requests as someone.

The session's server is shared with other tests, so every test makes its own ids (documents
come from :mod:`tests.factories`) and reads only what it made. Accounts are created once per
server (the CLI takes a while) and use HTTP Basic, which the gate accepts like a bearer token;
logging in for tokens is rate limited.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

from tests.conftest import ADMIN, LiveServer

MAIN = "miteinander"


@dataclass(frozen=True)
class Account:
    """Someone who can call the API and sync, with HTTP Basic credentials."""

    server: LiveServer
    email: str
    password: str
    user_id: str = ""

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.server.url}/api{path}", auth=(self.email, self.password),
                                timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.api("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.api("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.api("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.api("DELETE", path, **kwargs)

    @property
    def db_url(self) -> str:
        return self.server.db_url(MAIN, (self.email, self.password))


@dataclass(frozen=True)
class Team:
    """The accounts the API tests act as."""

    admin: Account
    coordinator: Account  # Baunatal, Söhrewald and Fuldabrück
    vellmar: Account  # a coordinator of Vellmar only
    volunteer: Account
    other_volunteer: Account
    resident: Account


_TEAMS: dict[str, Team] = {}


def create_account(server: LiveServer, role: str, *scopes: str) -> Account:
    """A new account with the users CLI."""
    user = server.create_user(role, *scopes)
    return Account(server, user.email, user.password, user.user_id)


def team(server: LiveServer) -> Team:
    """The team of ``server``, created on first use (in parallel: each CLI run starts the app)."""
    if server.url not in _TEAMS:
        specs = {
            "coordinator": ("coordinator", "municipality:Baunatal", "municipality:Söhrewald",
                            "municipality:Fuldabrück"),
            "vellmar": ("coordinator", "municipality:Vellmar"),
            "volunteer": ("volunteer",),
            "other_volunteer": ("volunteer",),
            "resident": ("resident",),
        }
        with ThreadPoolExecutor(len(specs)) as pool:
            futures = {name: pool.submit(create_account, server, *spec) for name, spec in specs.items()}
            made = {name: future.result() for name, future in futures.items()}
        _TEAMS[server.url] = Team(admin=Account(server, *ADMIN), **made)
    return _TEAMS[server.url]


def seed(server: LiveServer, *docs: dict[str, Any]) -> list[dict[str, Any]]:
    """Store documents as the admin through sync; returns them with their ``_rev``."""
    response = requests.post(server.db_url(MAIN) + "/_bulk_docs", json={"docs": list(docs)}, timeout=30)
    assert response.status_code == 201, response.text
    results = response.json()
    assert all(result.get("ok") for result in results), results
    return [{**document, "_rev": result["rev"]} for document, result in zip(docs, results, strict=True)]


def changes_ids(account: Account) -> set[str]:
    """Ids in the account's whole changes feed of the synced database."""
    response = requests.get(account.db_url + "/_changes", timeout=30)
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["results"]}
