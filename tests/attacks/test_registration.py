"""L5: self-registration is open to anyone, so it must not tell who has an account, must not
make an account before the address confirmed it, must not multiply records, and must not let
a resident write beyond their own one person record."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from server import create_app
from server.config import Settings
from server.jobs import JOBS
from server.mail import OutboxMailer
from server.services import accounts, residents
from sync.storage import Store
from tests import factories as f
from tests.attacks.conftest import County, person
from tests.conftest import LiveServer

INVALID = {"code": 404, "message": "This link is invalid or has expired.", "status": "Not Found"}


def _register(server: LiveServer, email: str, **fields: str) -> requests.Response:
    return requests.post(server.url + "/api/auth/register", json=f.resident_form(email, **fields), timeout=60)


def _confirm(server: LiveServer, token: str) -> requests.Response:
    return requests.post(server.url + "/api/auth/register/confirm", json={"token": token}, timeout=60)


def _login(server: LiveServer, email: str, password: str) -> int:
    return requests.post(server.url + "/api/auth/token", json={"email": email, "password": password},
                         timeout=30).status_code


def _people_named(server: LiveServer, name: str) -> int:
    rows = requests.get(server.db_url("miteinander") + "/_all_docs", params={
        "startkey": '"person:"', "endkey": '"person:\uffff"', "include_docs": "true"}, timeout=30).json()["rows"]
    return [row["doc"].get("display_name") for row in rows].count(name)


def test_a_taken_and_a_free_address_get_the_same_answer(server: LiveServer) -> None:
    """Registration cannot be used to learn who has an account (the answer was 409 for a taken one)."""
    owner = server.create_user("resident")
    free = f"free-{uuid.uuid4().hex[:8]}@test.example"

    taken_answer = _register(server, owner.email, password="someone-elses-pw")
    free_answer = _register(server, free)

    assert (taken_answer.status_code, taken_answer.content) == (free_answer.status_code, free_answer.content)
    assert free_answer.status_code == 202 and free_answer.json() == {"status": "confirmation_sent"}
    warning = f.mail_text(f.receive_mail(server.outbox, owner.email))
    assert "jemand hat versucht" in warning and "someone tried" in warning and "/#/login" in warning
    assert "/#/confirm/" not in warning, "the owner's address gets no link that makes an account"
    assert _login(server, owner.email, "someone-elses-pw") == 401
    assert _login(server, owner.email, owner.password) == 201, "the owner's account is untouched"
    f.confirmation_token(f.receive_mail(server.outbox, free))


@pytest.mark.parametrize("blank", [" ", "\x1c", "\ufeff", "\u3000\u200b", "\t\n"])
def test_a_blank_name_is_refused_whatever_the_blank(server: LiveServer, blank: str) -> None:
    """Spaces, separators and invisible characters are no name (U+001C passed as one once)."""
    answer = _register(server, f"blank-{uuid.uuid4().hex[:8]}@test.example", display_name=blank)
    assert answer.status_code == 422 and "blank" in answer.text, answer.text


def test_no_account_exists_before_the_link_is_opened_and_then_one_does(server: LiveServer) -> None:
    email, name = f"wait-{uuid.uuid4().hex[:8]}@test.example", f"Wartende {uuid.uuid4().hex[:6]}"

    assert _register(server, email, display_name=name).status_code == 202
    mail = f.receive_mail(server.outbox, email)

    assert _login(server, email, "resident-pw-1") == 401
    assert _people_named(server, name) == 0
    assert "resident-pw-1" not in f.mail_text(mail) and name not in f.mail_text(mail)
    confirmed = _confirm(server, f.confirmation_token(mail))
    assert confirmed.status_code == 201, confirmed.text
    assert set(confirmed.json()) == {"token", "user_id", "role", "expires_in"}
    assert confirmed.json()["role"] == "resident"
    session = {"Authorization": f"Bearer {confirmed.json()['token']}"}
    assert requests.get(server.url + "/sync/miteinander", headers=session, timeout=30).status_code == 200
    assert _login(server, email, "resident-pw-1") == 201
    assert _people_named(server, name) == 1


def test_a_link_works_once_and_a_guessed_one_not_at_all(server: LiveServer) -> None:
    email = f"once-{uuid.uuid4().hex[:8]}@test.example"
    assert _register(server, email).status_code == 202
    token = f.confirmation_token(f.receive_mail(server.outbox, email))

    assert _confirm(server, token).status_code == 201
    again, guessed = _confirm(server, token), _confirm(server, token[:-1] + ("A" if token[-1] != "A" else "B"))

    assert again.status_code == guessed.status_code == 404
    assert again.json() == guessed.json() == INVALID


def test_a_second_link_for_an_address_that_got_its_account_meanwhile_is_invalid(server: LiveServer) -> None:
    email = f"twice-{uuid.uuid4().hex[:8]}@test.example"
    assert _register(server, email, password="first-password-1").status_code == 202
    first = f.confirmation_token(f.receive_mail(server.outbox, email))
    assert _register(server, email, password="second-password-2").status_code == 202
    second = f.confirmation_token(f.receive_mail(server.outbox, email))

    assert _confirm(server, second).status_code == 201
    late = _confirm(server, first)

    assert late.status_code == 404 and late.json() == INVALID
    assert _login(server, email, "second-password-2") == 201 and _login(server, email, "first-password-1") == 401


def test_parallel_confirmations_make_one_account_and_one_person(county: County) -> None:
    email = f"twin-{uuid.uuid4().hex[:8]}@test.example"
    name = f"Zwilling {uuid.uuid4().hex[:6]}"

    def register(_: int) -> int:
        return _register(county.server, email, display_name=name).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(register, range(6))) == [202] * 6
    tokens = [f.confirmation_token(mail) for mail in f.receive_mails(county.server.outbox, email)]
    assert len(tokens) == 6
    # Each link twice: the same token and other tokens of the same address, all at once.
    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(lambda token: _confirm(county.server, token).status_code, tokens * 2))

    assert statuses == [201] + [404] * 11
    assert _people_named(county.server, name) == 1


def test_a_resident_cannot_create_more_person_records(county: County) -> None:
    extra = person(county.tag(), "Kassel", "Erfundene Person", account_id=county.olena.user_id)

    answer = county.olena.put(extra)

    assert answer.status_code == 403, answer.text
    assert county.winner(extra["_id"]).status_code == 404


# Expiry, with the clock passed in as the services take it (no waiting for a day).

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    yield app.extensions["store"]


def _pending(store: Store) -> list[str]:
    with store.database(accounts.ACCOUNTS_DB) as database:
        return [row["id"] for row in database.all_docs(accounts._PENDING_RANGE)["rows"]]


def _request(store: Store, outbox: Path, email: str, now: datetime) -> str:
    residents.request_registration(store, OutboxMailer(outbox, "test@localhost"), f.resident_form(email), now, DAY,
                                   "https://app.example")
    return f.confirmation_token(f.receive_mail(outbox, email))


def test_a_link_expires_after_a_day_and_its_registration_is_gone(store: Store, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    late = _request(store, outbox, "late@test.example", NOW)
    timely = _request(store, outbox, "timely@test.example", NOW)

    assert residents.confirm_registration(store, "miteinander", late, NOW + DAY) is None
    assert residents.confirm_registration(store, "miteinander", timely, NOW + DAY - timedelta(seconds=1)) is not None
    assert accounts.find_account(store, "late@test.example") is None


def test_expired_registrations_are_removed_by_the_retention_job_and_on_the_next_registration(
        store: Store, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    _request(store, outbox, "first@test.example", NOW)
    _request(store, outbox, "second@test.example", NOW + timedelta(hours=1))

    retention = JOBS["retention"].work(store, Settings(data_dir=tmp_path, demo=False), NOW + DAY)
    assert retention["registrations"] == 1, "the job removes what expired, and only that"
    assert len(_pending(store)) == 1
    _request(store, outbox, "third@test.example", NOW + DAY + timedelta(hours=1))
    assert len(_pending(store)) == 1, "registering removed the second, expired by then"
