"""A small county to attack: two towns with a coordinator each, two volunteers, two residents,
and the gateway on each store (the embedded SQLite store and CouchDB, here pouchdb-server).

Every attack module asks for ``county`` and runs once per store; each test tags the ids it
creates, so tests share a county without seeing each other's documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import factories
from tests.conftest import ADMIN, LiveServer, PouchDBServer, User

NOW = "2026-11-21T10:00:00Z"
MAIN = "miteinander"


@dataclass
class Actor:
    """An account and the requests it makes on the synced database."""

    user: User
    person_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @property
    def db(self) -> str:
        return self.user.db_url(MAIN)

    def put(self, doc: dict[str, Any], **params: str) -> requests.Response:
        return requests.put(f"{self.db}/{doc['_id']}", json=doc, params=params, timeout=30)

    def bulk(self, docs: list[dict[str, Any]], new_edits: bool = True) -> requests.Response:
        return requests.post(f"{self.db}/_bulk_docs", json={"docs": docs, "new_edits": new_edits}, timeout=60)

    def delete(self, doc_id: str, rev: str) -> requests.Response:
        return requests.delete(f"{self.db}/{doc_id}", params={"rev": rev}, timeout=30)

    def get(self, doc_id: str, **params: str) -> requests.Response:
        return requests.get(f"{self.db}/{doc_id}", params=params, timeout=30)

    def changed_ids(self) -> set[str]:
        feed = requests.get(f"{self.db}/_changes", timeout=30)
        assert feed.status_code == 200, feed.text
        return {row["id"] for row in feed.json()["results"]}

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.user.server.url + path, auth=self.user.auth, timeout=30, **kwargs)


@dataclass
class County:
    """Who lives in the attacked county; ``tag()`` makes ids no other test uses."""

    store: str
    server: LiveServer
    admin: Actor
    baunatal: Actor  # coordinator of Baunatal
    vellmar: Actor  # coordinator of Vellmar
    volunteer: Actor
    other_volunteer: Actor
    mariam: Actor  # resident of Baunatal
    olena: Actor  # resident of Kaufungen

    @staticmethod
    def tag() -> str:
        return uuid.uuid4().hex[:10]

    def seed(self, *docs: dict[str, Any]) -> list[dict[str, Any]]:
        """Store documents as the admin; returns them with their revisions."""
        answer = self.admin.bulk(list(docs))
        assert answer.status_code == 201, answer.text
        results = answer.json()
        assert all(result.get("ok") for result in results), results
        return [{**doc, "_rev": result["rev"]} for doc, result in zip(docs, results, strict=True)]

    def event_with_guest(self, tag: str, town: str, volunteers: list[str], name: str,
                         guest_town: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """An organisation's event in ``town`` with ``volunteers`` on its team, and a person
        (of ``guest_town``, else the same town), stored; returns the event and the person."""
        org = organization(tag, town)
        _, ev, guest = self.seed(org, event(tag, town, org["_id"], volunteers),
                                 person(tag, guest_town or town, name))
        return ev, guest

    def winner(self, doc_id: str) -> requests.Response:
        return self.admin.get(doc_id)


def base(doc_type: str, doc_id: str, **fields: Any) -> dict[str, Any]:
    return {"_id": doc_id, "type": doc_type, "schema_version": 1, "created_at": NOW, **fields}


def event(tag: str, municipality: str, organization: str, volunteers: list[str]) -> dict[str, Any]:
    return base("event", f"event:{tag}-{municipality.lower()}", title={"de": "Sprachcafé"}, kind="language_cafe",
                place="Bürgerhaus", start=NOW, end="2026-11-21T12:00:00Z", municipality=municipality,
                organization_id=organization, assigned_volunteers=volunteers)


def organization(tag: str, municipality: str) -> dict[str, Any]:
    return base("organization", f"org:{tag}-{municipality.lower()}", name=f"Verein {municipality}", kind="club",
                municipality=municipality)


def person(tag: str, municipality: str, name: str, account_id: str | None = None) -> dict[str, Any]:
    fields = {"account_id": account_id} if account_id else {}
    return base("person", f"person:{tag}-{name.split()[0].lower()}", display_name=name, languages=["de"],
                municipality=municipality, consents=[{"purpose": "registration", "given_at": NOW}], **fields)


def registration(ev: dict[str, Any], who: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return base("registration", f"registration:{ev['_id']}:{who['_id']}", event_id=ev["_id"], person_id=who["_id"],
                display_name=who["display_name"], municipality=ev["municipality"],
                organization_id=ev["organization_id"], registered_at=NOW, status="registered", **fields)


def checkin(ev: dict[str, Any], who: dict[str, Any], by: str, **fields: Any) -> dict[str, Any]:
    return base("checkin", f"checkin:{ev['_id']}:{who['_id']}", event_id=ev["_id"], person_id=who["_id"],
                checked_in_at=NOW, by=by, device_id="tablet-1", municipality=ev["municipality"],
                organization_id=ev["organization_id"], **fields)


def hours(tag: str, volunteer_id: str, municipality: str, **fields: Any) -> dict[str, Any]:
    return base("hours", f"hours:{volunteer_id}:{tag}", volunteer_id=volunteer_id, date="2026-11-20", minutes=120,
                activity="event_support", municipality=municipality, **{"status": "pending", **fields})


def contact(tag: str, who: dict[str, Any] | str, municipality: str, **fields: Any) -> dict[str, Any]:
    person_id = who if isinstance(who, str) else who["_id"]
    return base("contact_request", f"contact:{tag}", person_id=person_id, topic="interpreter", language="de",
                municipality=municipality, **{"message": "Ich brauche Hilfe beim Jobcenter-Termin.", "status": "new",
                                              "history": [], **fields})


def _resident(server: LiveServer, name: str, municipality: str) -> Actor:
    email = f"resident-{uuid.uuid4().hex[:8]}@test.example"
    registered = factories.register_resident(server, email, display_name=name, municipality=municipality)
    actor = Actor(User(email, "resident-pw-1", registered.json()["user_id"], server))
    actor.person_id = next(doc_id for doc_id in actor.changed_ids() if doc_id.startswith("person:"))
    return actor


def _county(store: str, server: LiveServer) -> County:
    return County(
        store, server, Actor(User(*ADMIN, "admin", server)),
        Actor(server.create_user("coordinator", "municipality:Baunatal")),
        Actor(server.create_user("coordinator", "municipality:Vellmar")),
        Actor(server.create_user("volunteer")), Actor(server.create_user("volunteer")),
        _resident(server, "Mariam Haidari", "Baunatal"), _resident(server, "Olena Kovalenko", "Kaufungen"))


@pytest.fixture(scope="package", params=["sqlite", "couchdb"])
def county(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """The county on each store in turn."""
    couch: PouchDBServer | None = None
    env: dict[str, str] = {}
    if request.param == "couchdb":
        couch = PouchDBServer().start(tmp_path_factory.mktemp("couch"))
        env["COUCHDB_URL"] = couch.url
    server = LiveServer(Path(tmp_path_factory.mktemp(f"attacks-{request.param}")), env=env).start()
    try:
        yield _county(request.param, server)
    finally:
        server.stop()
        if couch is not None:
            couch.stop()
