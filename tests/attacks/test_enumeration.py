"""M4: a write answers the same whether or not a document the writer cannot see exists, and
a refusal says nothing taken from it."""

from __future__ import annotations

from tests.attacks.conftest import County, event, organization, person, registration


def test_writing_over_an_invisible_document_answers_as_if_it_did_not_exist(county: County) -> None:
    tag = county.tag()
    org = organization(tag, "Vellmar")
    ev = event(tag, "Vellmar", org["_id"], [])
    attended, stayed_home = person(tag, "Vellmar", "Reza Karimi"), person(tag, "Vellmar", "Nadia Rahimi")
    county.seed(org, ev, attended, stayed_home, registration(ev, attended))

    existing = county.baunatal.put(registration(ev, attended))
    missing = county.baunatal.put(registration(ev, stayed_home))

    assert (existing.status_code, existing.json()) == (missing.status_code, missing.json())
    assert existing.status_code == 403


def test_a_refusal_names_nothing_of_the_invisible_version(county: County) -> None:
    tag = county.tag()
    hidden, = county.seed(person(tag, "Vellmar", "Reza Karimi", account_id="user:someone-else"))

    answer = county.olena.put({**hidden, "account_id": county.olena.user_id})

    assert answer.status_code in (403, 409)
    assert "account_id" not in answer.text and "someone-else" not in answer.text
