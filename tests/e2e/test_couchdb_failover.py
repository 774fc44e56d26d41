"""A gateway on two nodes of one CouchDB cluster keeps serving while one node is gone.

The two nodes are two TCP proxies in front of one pouchdb-server (``tests/tcp_proxy.py``):
both serve the same data, as the nodes of a cluster do, and stopping one proxy takes that
node away (its port refuses, its open connections are cut) while the other stays. The
gateway gets ``COUCHDB_URL=http://127.0.0.1:P1,127.0.0.1:P2``. Devices are plain HTTP
clients and the real PouchDB 9 client; neither may see a 503. A node may also stay up but
unwell, answering every request with a 503 (``TcpProxy.become("fail")``), as a CouchDB node
cut off from its peers does; the gateway reads from the other one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, PouchDBServer
from tests.tcp_proxy import TcpProxy


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[list[TcpProxy]]:
    couch = PouchDBServer().start(tmp_path)
    proxies = [TcpProxy(couch.port).start(), TcpProxy(couch.port).start()]
    yield proxies
    for proxy in proxies:
        proxy.stop()
    couch.stop()


@pytest.fixture
def gateway(tmp_path: Path, nodes: list[TcpProxy]) -> Iterator[LiveServer]:
    one, two = nodes
    live = LiveServer(tmp_path / "gateway", env={"COUCHDB_URL": f"{one.url},127.0.0.1:{two.port}",
                                                  "WEB_WORKERS": "1"}).start()
    yield live
    live.stop()


def put_all(url: str, prefix: str, count: int) -> None:
    for n in range(count):
        response = requests.put(f"{url}/{prefix}-{n}", json={"n": n}, timeout=30)
        assert response.status_code == 201, (prefix, n, response.status_code, response.text)


def test_one_node_stops_and_devices_see_no_503(gateway: LiveServer, nodes: list[TcpProxy], pouch: Any) -> None:
    one, two = nodes
    url = gateway.db_url("failover")
    assert requests.put(url, timeout=30).status_code == 201
    put_all(url, "before", 20)
    assert one.requests > 5 and two.requests > 5, ("requests go to both nodes", one.requests, two.requests)

    feed: dict[str, Any] = {}

    def wait_for_change() -> None:
        response = requests.get(f"{url}/_changes", params={"feed": "longpoll", "since": "now", "timeout": "20000"},
                                timeout=40)
        feed.update(status=response.status_code, ids=[row["id"] for row in response.json().get("results", [])])

    waiting = threading.Thread(target=wait_for_change)
    waiting.start()
    time.sleep(1.0)  # the feed is waiting, and the gateway follows CouchDB for it
    one.stop()
    put_all(url, "during", 30)
    waiting.join(timeout=30)
    assert feed.get("status") == 200 and "during-0" in feed["ids"], feed

    pouch_url = gateway.db_url("failover-pouch")
    assert requests.put(pouch_url, timeout=30).status_code == 201
    report = pouch("push_pull", url=pouch_url, count=300)
    assert report["push"]["status"] == "complete" and report["push"]["failures"] == 0, report
    assert report["pull"]["failures"] == 0 and report["target_count"] == 300, report
    assert report["source"] == report["target"]

    one.start()
    seen = one.requests
    deadline = time.monotonic() + 15  # the longest rest is 10 s
    n = 0
    while one.requests == seen and time.monotonic() < deadline:
        put_all(url, f"after{n}", 1)
        n += 1
        time.sleep(0.2)
    assert one.requests > seen, "the node that came back is used again"
    rows = requests.get(f"{url}/_all_docs", timeout=30).json()["rows"]
    assert {row["id"] for row in rows} == {f"{when}-{i}" for when, count in (("before", 20), ("during", 30))
                                           for i in range(count)} | {f"after{i}-0" for i in range(n)}


def test_one_node_answers_503_and_a_pull_sees_no_5xx(gateway: LiveServer, nodes: list[TcpProxy], pouch: Any) -> None:
    one, _ = nodes
    url = gateway.db_url("unwell")
    assert requests.put(url, timeout=30).status_code == 201
    docs = [{"_id": f"doc-{n:03}", "n": n} for n in range(300)]
    assert requests.post(f"{url}/_bulk_docs", json={"docs": docs}, timeout=30).status_code == 201

    one.become("fail", 503)  # cuts the gateway's connections to it: it rests at first
    asked = one.requests
    deadline = time.monotonic() + 15  # the longest rest is 10 s
    n = 0
    while one.requests == asked and time.monotonic() < deadline:
        response = requests.get(f"{url}/doc-{n % 300:03}", timeout=30)
        assert response.status_code == 200, (n, response.status_code, response.text)
        n += 1
        time.sleep(0.05)
    assert one.requests > asked, "the unwell node was asked, and the read went to the other"
    report = pouch("pull", url=url)
    assert report == {"status": "complete", "failures": 0, "doc_count": 300}, report
