"""M5: one account's requests are bounded, and its replication checkpoints are its own."""

from __future__ import annotations

import base64

import requests

from tests.attacks.conftest import County, hours


def test_a_push_of_too_many_documents_is_refused_whole_and_stores_nothing(county: County) -> None:
    tag = county.tag()
    flood = [hours(f"{tag}-{n}", county.volunteer.user_id, "Baunatal") for n in range(1001)]

    answer = county.volunteer.bulk(flood)

    assert answer.status_code == 413, answer.text[:200]
    assert answer.json()["error"] == "too_large"  # as CouchDB names it
    assert county.winner(flood[0]["_id"]).status_code == 404


def test_a_request_of_many_large_attachments_is_refused(county: County) -> None:
    tag = county.tag()
    blob = base64.b64encode(b"x" * (5 * 1024 * 1024)).decode()
    docs = [{**hours(f"{tag}-{n}", county.volunteer.user_id, "Baunatal"),
             "_attachments": {"scan.png": {"content_type": "image/png", "data": blob}}} for n in range(4)]

    answer = county.volunteer.bulk(docs)

    assert answer.status_code == 413
    assert county.winner(docs[0]["_id"]).status_code == 404


def test_a_huge_local_document_is_refused(county: County) -> None:
    answer = requests.put(county.volunteer.db + "/_local/huge", json={"pad": "x" * (9 * 1024 * 1024)}, timeout=60)

    assert answer.status_code == 413, answer.text[:200]


def test_another_users_checkpoint_is_invisible_and_untouched(county: County) -> None:
    checkpoint = f"_local/{county.tag()}"
    mine = requests.put(f"{county.volunteer.db}/{checkpoint}", json={"last_seq": "42"}, timeout=30)
    assert mine.status_code == 201, mine.text

    peek = requests.get(f"{county.olena.db}/{checkpoint}", timeout=30)
    overwrite = requests.put(f"{county.olena.db}/{checkpoint}", json={"last_seq": "0"}, timeout=30)

    assert peek.status_code == 404
    assert overwrite.status_code == 201  # her own checkpoint of that name, not his
    own = requests.get(f"{county.volunteer.db}/{checkpoint}", timeout=30).json()
    assert own["_id"] == checkpoint and own["last_seq"] == "42"
