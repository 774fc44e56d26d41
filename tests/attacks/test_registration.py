"""L5: self-registration is open to anyone, so it must not multiply records or let a
resident write beyond their own one person record."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.attacks.conftest import County, person


def test_parallel_registrations_with_one_address_make_one_account_and_one_person(county: County) -> None:
    email = f"twin-{uuid.uuid4().hex[:8]}@test.example"
    name = f"Zwilling {uuid.uuid4().hex[:6]}"
    form = {"email": email, "password": "resident-pw-1", "display_name": name, "municipality": "Baunatal",
            "languages": ["de"], "consent": True}

    def register(_: int) -> int:
        return requests.post(county.server.url + "/api/auth/register", json=form, timeout=60).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(register, range(6)))

    assert statuses == [201, 409, 409, 409, 409, 409]
    people = requests.get(county.admin.db + "/_all_docs", params={
        "startkey": '"person:"', "endkey": '"person:\uffff"', "include_docs": "true"}, timeout=30).json()["rows"]
    assert [row["doc"]["display_name"] for row in people].count(name) == 1


def test_a_resident_cannot_create_more_person_records(county: County) -> None:
    extra = person(county.tag(), "Kassel", "Erfundene Person", account_id=county.olena.user_id)

    answer = county.olena.put(extra)

    assert answer.status_code == 403, answer.text
    assert county.winner(extra["_id"]).status_code == 404
