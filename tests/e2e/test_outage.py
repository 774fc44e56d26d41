"""CouchDB goes away under a running gateway and comes back: clients get a quick 503 with a
reason and Retry-After (never a hang, never a 500), and service resumes by itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.e2e.test_pouchdb_couchdb import DiskPouchDBServer, couch_gateway

BOUND = 5.0  # seconds an answer may take while CouchDB is down


def timed(method: str, url: str, **kwargs: Any) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def test_couchdb_outage_is_503_then_service_resumes(tmp_path: Path, pouch: Any) -> None:
    couch = DiskPouchDBServer().start(tmp_path / "couch")
    gateway = None
    try:
        gateway = couch_gateway(tmp_path / "gateway", couch)
        db = gateway.db_url("outage")
        assert requests.put(db, timeout=10).status_code == 201
        report = pouch("push_pull", url=db, count=50)
        assert report["push"]["status"] == report["pull"]["status"] == "complete"

        couch.stop()
        calls = [("GET", db, {}), ("GET", db + "/_changes", {}), ("GET", db + "/_all_docs", {}),
                 ("POST", db + "/_bulk_docs", {"json": {"docs": [{"_id": "during-outage"}]}}),
                 ("PUT", db + "/during-outage", {"json": {"n": 1}}),
                 ("GET", db + "/_changes", {"params": {"feed": "longpoll", "since": "now", "timeout": "2000"}})]
        for method, url, kwargs in calls:
            response, took = timed(method, url, **kwargs)
            assert response.status_code == 503, (method, url, response.status_code, response.text)
            assert took < BOUND, (method, url, took)
            assert response.headers["Retry-After"]
            assert response.json() == {"error": "service_unavailable",
                                       "reason": "CouchDB is unreachable; try again later"}

        couch.start(tmp_path / "couch")  # the same port and directory
        response, _ = timed("PUT", db + "/after-outage", json={"n": 2})
        assert response.status_code == 201, response.text
        rows = requests.get(db + "/_all_docs", timeout=10).json()["rows"]
        assert {row["id"] for row in rows} >= {"after-outage"} and len(rows) == 51, "the data survived"
        again = pouch("push_pull", url=db, count=50)
        assert again["pull"] == {**again["pull"], "status": "complete", "failures": 0}
        assert again["target_count"] == 51
    finally:
        if gateway is not None:
            gateway.stop()
        couch.stop()
