"""Helpers for the REST API tests: accounts on the live server, documents to seed, requests as someone.

The session's server is shared with other tests, so every test makes its own ids and reads
only what it made. Accounts are created once per server (the CLI takes a while) and use
HTTP Basic, which the gate accepts like a bearer token; logging in for tokens is rate limited.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

from tests.conftest import ADMIN, LiveServer

MAIN = "miteinander"
NOW = "2026-11-21T10:00:00Z"


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
    email = f"{role}-{uuid.uuid4().hex[:10]}@test.example"
    password = f"pw-{uuid.uuid4().hex}"
    args = ["users", "create", email, "--role", role, "--password", password]
    for scope in scopes:
        args += ["--scope", scope]
    output = server.flask(*args).stdout
    return Account(server, email, password, output.split(" as ")[1].split()[0])


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


def tag() -> str:
    """A fresh id part, so tests on the shared server never meet each other's documents."""
    return uuid.uuid4().hex[:12]


def doc(doc_type: str, doc_id: str, **fields: Any) -> dict[str, Any]:
    return {"_id": doc_id, "type": doc_type, "schema_version": 1, "created_at": NOW, **fields}


def consent() -> list[dict[str, str]]:
    return [{"purpose": "registration", "given_at": NOW}]


def event(event_id: str, municipality: str, **fields: Any) -> dict[str, Any]:
    values = {"title": {"de": "Sprachcafé"}, "kind": "language_cafe", "place": "Bürgerhaus", "start": NOW,
              "end": "2026-11-21T12:00:00Z", "organization_id": "org:test-verein", "assigned_volunteers": [],
              "municipality": municipality, **fields}
    return doc("event", event_id, **values)


def person(person_id: str, name: str, municipality: str, **fields: Any) -> dict[str, Any]:
    return doc("person", person_id, display_name=name, municipality=municipality, languages=["prs", "de"],
               consents=consent(), **fields)


def registration(event_id: str, person_id: str, name: str, municipality: str, **fields: Any) -> dict[str, Any]:
    values = {"event_id": event_id, "person_id": person_id, "display_name": name, "municipality": municipality,
              "organization_id": "org:test-verein", "registered_at": NOW, "status": "registered", **fields}
    return doc("registration", f"registration:{event_id}:{person_id}", **values)


def checkin(event_id: str, by: str, municipality: str, person_id: str | None = None,
            walk_in: str | None = None, at: str = NOW) -> dict[str, Any]:
    values: dict[str, Any] = {"event_id": event_id, "checked_in_at": at, "by": by, "device_id": "tablet-1",
                              "municipality": municipality, "organization_id": "org:test-verein"}
    if person_id is not None:
        return doc("checkin", f"checkin:{event_id}:{person_id}", person_id=person_id, **values)
    walk = {"display_name": walk_in, "consent": {"purpose": "registration", "given_at": at}}
    return doc("checkin", f"checkin:{event_id}:walkin:{tag()}", walk_in=walk, **values)


def hours(volunteer_id: str, municipality: str, minutes: int = 90, **fields: Any) -> dict[str, Any]:
    values = {"volunteer_id": volunteer_id, "date": "2026-11-20", "minutes": minutes, "activity": "event_support",
              "municipality": municipality, "status": "pending", **fields}
    return doc("hours", f"hours:{volunteer_id}:{tag()}", **values)


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
