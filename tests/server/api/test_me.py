"""A resident's own data over REST: everything stored about them, the account included."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import requests

from tests import factories as f
from tests.conftest import LiveServer
from tests.server.api import seed, team


def test_a_resident_gets_everything_stored_about_them_and_nobody_elses(server: LiveServer) -> None:
    email = f"resident-{uuid.uuid4().hex[:8]}@test.example"
    password = f"pw-{uuid.uuid4().hex}"
    registered = f.register_resident(server, email, password, display_name="Mina Testfrau", languages=["fa"])
    token = registered.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    event = f.event(f"event:{f.tag()}", "Baunatal", created_at=f.NOW)
    people = [row["doc"] for row in requests.get(server.db_url("miteinander") + "/_all_docs", params={
        "include_docs": "true", "startkey": '"person:"', "endkey": '"person:\\uffff"'}, timeout=30).json()["rows"]]
    [person] = [doc for doc in people if doc.get("account_id") == registered.json()["user_id"]]
    seed(server, event, f.registration(event["_id"], person["_id"], "Mina Testfrau", "Baunatal"),
         f.checkin(event["_id"], "user:somebody", "Baunatal", person_id=person["_id"]))

    mine = requests.get(server.url + "/api/me/data", headers=bearer, timeout=30)
    assert mine.status_code == 200, mine.text
    data = mine.json()
    assert data["complete"] is True and data["person"]["display_name"] == "Mina Testfrau"
    assert data["account"]["email"] == email and data["account"]["display_name"] == "Mina Testfrau"
    assert data["account"]["created_at"]
    assert [doc["event_id"] for doc in data["registrations"]] == [event["_id"]]
    assert [doc["event_id"] for doc in data["checkins"]] == [event["_id"]], "her check-ins are part of her data"
    assert len(data["sessions"]) == 1 and data["sessions"][0]["issued_at"]
    assert token not in mine.text and hashlib.sha256(token.encode()).hexdigest() not in mine.text
    assert "password" not in mine.text and "argon2" not in mine.text

    volunteer = team(server).volunteer
    assert volunteer.get("/me/data").status_code == 404, "no person record, nothing to export"


def test_copies_of_ones_data_are_bounded_per_address(tmp_path: Path) -> None:
    """Anyone may register, and each copy reads the whole audit log: the rate is bounded."""
    # One worker: the counts live in each worker's memory (README, "Fairness and limits").
    live = LiveServer(tmp_path, env={"MITEINANDER_LOGIN_RATE": "3/minute", "WEB_WORKERS": "1"}).start()
    try:
        registered = f.register_resident(live, "copy@test.example", display_name="Mina Kopie")
        bearer = {"Authorization": f"Bearer {registered.json()['token']}"}
        statuses = [requests.get(live.url + "/api/me/data", headers=bearer, timeout=30).status_code
                    for _ in range(4)]
    finally:
        live.stop()
    assert statuses == [200, 200, 200, 429], statuses
