"""Demo data: valid documents, as designed, only into an empty store, and scoped like real data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from schemas import validate_document
from schemas.channels import has_valid_consent
from server import create_app, demo
from server.access.policy import Principal, scope_for
from server.config import Settings
from server.services import accounts
from sync.storage import Store
from sync.storage.base import AllDocsQuery

NOW = datetime(2025, 11, 20, 10, 30, tzinfo=UTC)
DESIGNED = {"organization": 9, "event": 25, "person": 60, "device": 5, "contact_request": 10, "account": 10}


@dataclass
class Seeded:
    app: Flask
    store: Store
    db: str
    summary: demo.DemoSummary

    def docs(self, principal: Principal | None = None) -> dict[str, dict[str, Any]]:
        """Every live document the principal reads (all of them without one)."""
        database = self.store.database(self.db, scope_for(principal) if principal else scope_for(ADMIN))
        try:
            rows = database.all_docs(AllDocsQuery(include_docs=True))["rows"]
        finally:
            database.close()
        return {row["id"]: row["doc"] for row in rows}

    def principal(self, email: str) -> Principal:
        account = accounts.find_account(self.store, email)
        assert account is not None
        return account.principal()

    def login(self, role: str, contains: str = "") -> demo.DemoLogin:
        return next(login for login in self.summary.logins if login.role == role and contains in login.email)


ADMIN = Principal(user_id="user:test-admin", role="admin")


def make_app(data_dir: Path, **settings: Any) -> Flask:
    return create_app(Settings(data_dir=data_dir, **settings))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    app = make_app(tmp_path_factory.mktemp("demo"))
    store = app.extensions["store"]
    db = app.config["SETTINGS"].main_db
    summary = demo.seed(store, db, NOW)
    assert summary is not None
    return Seeded(app, store, db, summary)


def test_every_document_validates_and_counts_are_as_designed(seeded: Seeded) -> None:
    docs = seeded.docs()
    for doc in docs.values():
        validate_document({key: value for key, value in doc.items() if key != "_rev"})
    counts = Counter(doc["type"] for doc in docs.values())
    assert {**counts, "account": len(accounts.list_accounts(seeded.store))} == dict(seeded.summary.counts)
    assert {name: seeded.summary.counts[name] for name in DESIGNED} == DESIGNED
    assert counts["registration"] >= 200 and counts["checkin"] >= 100 and counts["hours"] >= 20

    events = [doc for doc in docs.values() if doc["type"] == "event"]
    starts = [datetime.fromisoformat(event["start"]) for event in events]
    assert all(NOW - timedelta(days=92) <= start <= NOW + timedelta(days=28) for start in starts)
    assert sum(start > NOW for start in starts) >= 5 and sum(start < NOW for start in starts) >= 15
    assert {"en", "ar", "fa", "tr", "uk"} <= {language for event in events for language in event["title"]}
    assert len({event["municipality"] for event in events}) == 9
    assert all(event["assigned_volunteers"] for event in events)

    checkins = [doc for doc in docs.values() if doc["type"] == "checkin"]
    walk_ins = [doc for doc in checkins if "walk_in" in doc]
    assert len(walk_ins) >= 3 and all(doc["walk_in"]["consent"]["given_at"] for doc in walk_ins)
    past = {event["_id"] for event in events if datetime.fromisoformat(event["end"]) < NOW}
    assert {doc["event_id"] for doc in checkins} == past, "check-ins at every past event and at no future one"

    hours = [doc for doc in docs.values() if doc["type"] == "hours"]
    assert {doc["status"] for doc in hours} == {"pending", "approved", "rejected"}
    coordinators = {login.user_id for login in seeded.summary.logins if login.role == "coordinator"}
    assert all(doc["decided_by"] in coordinators for doc in hours if doc["status"] != "pending")
    assert all(doc["reason"] for doc in hours if doc["status"] == "rejected")
    requests = [doc for doc in docs.values() if doc["type"] == "contact_request"]
    assert {doc["status"] for doc in requests} == {"new", "assigned", "done", "closed"}
    assert all(doc["history"] and doc["history"][-1]["status"] == doc["status"] for doc in requests)
    assert any("Dari am Dienstag" in doc["message"] for doc in requests)
    assert any("Partnerverein gesucht" in doc["message"] for doc in requests)


def test_logins_cover_every_role_and_work(seeded: Seeded) -> None:
    roles = Counter(login.role for login in seeded.summary.logins)
    assert roles == {"admin": 1, "coordinator": 2, "volunteer": 4, "resident": 3}
    assert all(len(login.password) >= 10 for login in seeded.summary.logins)
    assert all(login.email.endswith("@demo.miteinander.de") for login in seeded.summary.logins)
    assert any(login.email == "koordination.baunatal@demo.miteinander.de" for login in seeded.summary.logins)
    admin = seeded.login("admin")
    account = accounts.authenticate(seeded.store, admin.email, admin.password)
    assert account is not None and account.role == "admin"
    people = {doc["_id"]: doc for doc in seeded.docs().values() if doc["type"] == "person"}
    for login in seeded.summary.logins:
        if login.role == "resident":
            resident = accounts.find_account(seeded.store, login.email)
            assert resident is not None and resident.person_id in people
            assert people[resident.person_id]["account_id"] == resident.user_id


def test_second_seed_and_a_store_with_only_an_account_seed_nothing(seeded: Seeded, tmp_path: Path) -> None:
    before = seeded.docs()
    assert demo.seed(seeded.store, seeded.db, NOW) is None
    assert seeded.docs().keys() == before.keys()

    app = make_app(tmp_path)
    store = app.extensions["store"]
    accounts.create_account(store, "admin@county.example", "admin", "a-long-password", NOW)
    assert demo.seed(store, app.config["SETTINGS"].main_db, NOW) is None
    assert demo.seed(store, app.config["SETTINGS"].main_db, NOW, enabled=False) is None


def test_demo_0_seeds_nothing_and_prints_one_line(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=False)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == ["demo data: skipped (DEMO=0)"]
    store = app.extensions["store"]
    assert demo.store_is_empty(store, app.config["SETTINGS"].main_db)


def test_cli_prints_the_logins_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if "@demo.miteinander.de" in line]
    assert len(rows) == 10 and {row[1] for row in rows} == {"admin", "coordinator", "volunteer", "resident"}
    email, _, password = rows[0][:3]
    assert accounts.authenticate(app.extensions["store"], email, password) is not None

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0
    assert again.output.strip().splitlines() == ["demo data: skipped (the store already holds data)"]


def test_baunatal_coordinator_sees_only_baunatal_and_kaufungen(seeded: Seeded) -> None:
    principal = seeded.principal("koordination.baunatal@demo.miteinander.de")
    assert principal.municipalities == {"Baunatal", "Kaufungen"}
    towns = principal.municipalities
    everything = seeded.docs()
    visible = seeded.docs(principal)
    for doc in visible.values():
        if doc["type"] not in ("event", "organization"):
            assert doc["municipality"] in towns, doc["_id"]
    expected = {doc_id for doc_id, doc in everything.items()
                if doc["type"] in ("event", "organization")
                or (doc["type"] != "device" and doc.get("municipality") in towns
                    and (doc["type"] != "person" or has_valid_consent(doc)))}
    assert visible.keys() == expected
    assert {"person", "registration", "checkin", "hours", "contact_request"} <= {d["type"] for d in visible.values()}
    hidden = [doc for doc in everything.values() if doc["type"] == "person" and doc["municipality"] == "Baunatal"
              and not has_valid_consent(doc)]
    assert hidden and not any(doc["_id"] in visible for doc in hidden)


def test_wir_coordinator_sees_the_interpreter_requests_of_wir(seeded: Seeded) -> None:
    principal = seeded.principal("koordination.wir@demo.miteinander.de")
    visible = seeded.docs(principal)
    wir = {doc_id for doc_id, doc in seeded.docs().items()
           if doc["type"] == "contact_request" and doc.get("organization_id") == "org:wir-landkreis-kassel"}
    assert wir and wir <= visible.keys()
    assert not any(doc["type"] == "person" for doc in visible.values())


def test_volunteers_see_the_registrations_of_their_events(seeded: Seeded) -> None:
    everything = seeded.docs()
    for login in seeded.summary.logins:
        if login.role != "volunteer":
            continue
        visible = seeded.docs(seeded.principal(login.email))
        mine = {doc_id for doc_id, doc in everything.items()
                if doc["type"] == "event" and login.user_id in doc["assigned_volunteers"]}
        assert len(mine) >= 3, login.email
        expected = {doc_id for doc_id, doc in everything.items()
                    if doc["type"] == "registration" and doc["event_id"] in mine}
        seen = {doc_id for doc_id, doc in visible.items() if doc["type"] == "registration"}
        assert expected and seen == expected, login.email
        assert all(doc["event_id"] in mine for doc in visible.values() if doc["type"] == "checkin")
        assert all(doc["volunteer_id"] == login.user_id for doc in visible.values() if doc["type"] == "hours")
        assert not any(doc["type"] in ("person", "contact_request") for doc in visible.values())


def test_build_is_deterministic() -> None:
    first, second = demo.build(NOW), demo.build(NOW)
    assert first.docs == second.docs and first.accounts == second.accounts
    assert demo.build(NOW, rng_seed=7).docs != first.docs


def test_the_county_file_is_checked_when_read(tmp_path: Path) -> None:
    text = demo.county.COUNTY_FILE.read_text(encoding="utf-8")
    typo = tmp_path / "typo.toml"
    typo.write_text(text.replace('key = "sprachcafe-1"', 'key = "sprachcafe-1"\nvolunters = ["mueller"]', 1),
                    encoding="utf-8")
    with pytest.raises(demo.DemoError, match=r"events sprachcafe-1.*volunters"):
        demo.county.load_county(typo)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(text.replace('title = "sprachcafe"', 'title = "sprachkaffee"', 1), encoding="utf-8")
    with pytest.raises(demo.DemoError, match="no text 'sprachkaffee'"):
        demo.county.load_county(unknown)
    stranger = tmp_path / "stranger.toml"
    stranger.write_text(text.replace('volunteers = ["mueller", "boiko"]', 'volunteers = ["nobody"]', 1),
                        encoding="utf-8")
    with pytest.raises(demo.DemoError, match="no account 'nobody'"):
        demo.build(NOW, county=demo.county.load_county(stranger))
