"""H3 and L1: an attachment is the writer's bytes; it can never break another reader's sync or
run as a page of the app's origin."""

from __future__ import annotations

import pytest
import requests

from tests.attacks.conftest import County, registration


@pytest.mark.parametrize("content_type", ["text/html\r\nSet-Cookie: x=1", "текст/plain", "a/" + "b" * 300])
def test_a_header_or_non_ascii_content_type_is_refused(county: County, content_type: str) -> None:
    tag = county.tag()
    ev, guest = county.event_with_guest(tag, "Baunatal", [county.volunteer.user_id], "Amir Haidari")
    doc = {**registration(ev, guest), "_attachments": {"b.txt": {"content_type": content_type, "data": "aGk="}}}

    answer = county.volunteer.put(doc)

    assert answer.status_code == 400, answer.text
    assert county.winner(doc["_id"]).status_code == 404


def test_an_uploaded_page_is_served_inert_to_every_reader(county: County) -> None:
    tag = county.tag()
    ev, guest = county.event_with_guest(tag, "Baunatal", [county.volunteer.user_id], "Amir Haidari")
    page = {**registration(ev, guest),
            "_attachments": {"x.html": {"content_type": "text/html", "data": "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}}}
    assert county.volunteer.put(page).status_code == 201

    served = requests.get(f"{county.baunatal.db}/{page['_id']}/x.html", timeout=10)

    assert served.status_code == 200 and served.headers["Content-Type"] == "text/html"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("attachment")
    feed = requests.get(f"{county.baunatal.db}/_changes", params={"include_docs": "true", "attachments": "true"},
                        timeout=30)
    assert feed.status_code == 200 and any(row["id"] == page["_id"] for row in feed.json()["results"])
