"""Several CouchDB nodes behind ``COUCHDB_URL``: which node a request goes to (a fake clock
drives the back-off), and the client failing over between two proxies to one pouchdb-server,
which stand for two nodes of one cluster (``tests/tcp_proxy.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.errors import CouchError
from sync.storage import Limits
from sync.storage.couchdb import CouchStore
from sync.storage.couchdb.http import CouchClient, Timeouts, only_reads
from sync.storage.couchdb.nodes import Backoff, Node, NodePool, parse_nodes
from tests.conftest import PouchDBServer
from tests.tcp_proxy import TcpProxy

A, B, C = Node("http://a:5984"), Node("http://b:5984"), Node("http://c:5984")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- COUCHDB_URL ------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "nodes"), [
    ("http://u:p@a:5984", [("http://a:5984", ("u", "p"))]),
    ("http://a:5984/", [("http://a:5984", None)]),
    ("http://u:p@a:5984,http://v:q@b:5984", [("http://a:5984", ("u", "p")), ("http://b:5984", ("v", "q"))]),
    # the shared-credential form: entries without a scheme take the first entry's
    ("https://u:p%2Cw@a:6984, b:6984 ,c", [("https://a:6984", ("u", "p,w")), ("https://b:6984", ("u", "p,w")),
                                           ("https://c", ("u", "p,w"))]),
    ("http://u:p@a:5984,http://b:5984", [("http://a:5984", ("u", "p")), ("http://b:5984", None)]),
    ("http://[::1]:5984,[::2]:5984", [("http://[::1]:5984", None), ("http://[::2]:5984", None)]),
])
def test_couchdb_url_names_one_or_several_nodes(url: str, nodes: list[tuple[str, object]]) -> None:
    assert [(node.base, node.auth) for node in parse_nodes(url)] == nodes


@pytest.mark.parametrize("url", ["", ",", "ftp://a", "http://a:5984,ftp://b", "a:5984", "http://a,http://a/"])
def test_a_bad_couchdb_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="COUCHDB_URL"):
        parse_nodes(url)


def test_credentials_stay_out_of_the_node_text() -> None:
    node = parse_nodes("http://admin:secret@a:5984")[0]
    assert "secret" not in repr(node) and "secret" not in str(node)


# -- choosing a node --------------------------------------------------------------------------

def test_healthy_nodes_take_turns() -> None:
    pool = NodePool([A, B, C])
    assert [pool.plan()[0] for _ in range(6)] == [A, B, C, A, B, C]
    assert sorted(pool.plan(), key=str) == [A, B, C], "every plan holds every node once"


def test_a_failed_node_rests_for_a_growing_bounded_time_then_one_request_tries_it() -> None:
    clock = Clock()
    pool = NodePool([A, B], Backoff(first=1.0, most=4.0, probe=2.0), clock)
    pool.failed(A)
    assert pool.is_down(A)
    assert [pool.plan() for _ in range(4)] == [[B, A]] * 4, "left out, but still last resort"
    clock.now += 1.0
    assert pool.plan() == [A, B], "due: this request tries it"
    assert pool.plan() == [B, A], "...and the next one keeps away while it does"
    pool.failed(A)  # failed again: 2 s
    clock.now += 1.9
    assert pool.plan()[0] == B
    clock.now += 0.1
    assert pool.plan()[0] == A
    for _ in range(10):
        pool.failed(A)
    clock.now += 4.0
    assert pool.plan()[0] == A, "never longer than Backoff.most"


def test_a_node_that_answers_again_is_back_in_the_rotation() -> None:
    clock = Clock()
    pool = NodePool([A, B], Backoff(first=1.0), clock)
    pool.failed(A)
    pool.failed(A)
    clock.now += 2.0
    assert pool.plan()[0] == A
    pool.succeeded(A)
    assert not pool.is_down(A)
    assert {pool.plan()[0] for _ in range(4)} == {A, B}
    pool.failed(A)
    clock.now += 1.0
    assert pool.plan()[0] == A, "a success resets the back-off: 1 s again, not 4"


def test_when_every_node_is_down_all_are_tried_the_first_due_first() -> None:
    clock = Clock()
    pool = NodePool([A, B, C], Backoff(first=1.0), clock)
    pool.failed(B)
    clock.now += 0.5
    pool.failed(C)
    pool.failed(A)
    pool.failed(A)
    assert pool.plan() == [B, C, A]


def test_only_a_request_that_may_go_on_tries_a_node_whose_rest_is_over() -> None:
    clock = Clock()
    pool = NodePool([A, B], Backoff(first=1.0), clock)
    pool.failed(A)
    clock.now += 1.0
    assert pool.plan(probe=False) == [B, A], "a write keeps to the healthy node..."
    assert pool.plan(probe=False) == [B, A]
    assert pool.plan() == [A, B], "...and leaves the node due for a read"
    pool.failed(A)  # its second failure in a row: 2 s
    pool.failed(B)  # 1 s
    assert pool.plan(probe=False) == [B, A], "every node resting: the one due back first first"


# -- the client over two nodes ----------------------------------------------------------------

@pytest.fixture
def couch(tmp_path: Path) -> Iterator[PouchDBServer]:
    server = PouchDBServer().start(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def proxies(couch: PouchDBServer) -> Iterator[list[TcpProxy]]:
    nodes = [TcpProxy(couch.port).start(), TcpProxy(couch.port).start()]
    yield nodes
    for node in nodes:
        node.stop()


def test_requests_spread_over_both_nodes_and_fail_over_when_one_stops(proxies: list[TcpProxy]) -> None:
    one, two = proxies
    store = CouchStore(f"{one.url},{two.url}", Limits())
    store.client.nodes.backoff = Backoff(first=0.5, most=0.5, probe=0.5)
    store.create_db("spread")
    database = store.database("spread")
    for n in range(10):
        database.put({"_id": f"before-{n}"})
    assert one.requests >= 5 and two.requests >= 5, (one.requests, two.requests)

    one.stop()
    seen = two.requests
    for n in range(20):  # new edits (not idempotent) too: refused before sending, so resent
        database.put({"_id": f"during-{n}"})
        assert database.get(f"during-{n}")["_id"] == f"during-{n}"
    assert two.requests >= seen + 40
    assert store.client.nodes.is_down(store.client.nodes.nodes[0])

    one.start()
    time.sleep(0.6)
    before = one.requests
    for n in range(10):  # a read tries the node first: a write could not go on if it failed again
        database.put({"_id": f"after-{n}"})
        assert database.get(f"after-{n}")["_id"] == f"after-{n}"
    assert one.requests >= before + 5, "a node that is back is used again"
    ids = {row["id"] for row in store.client.json("GET", "spread", "_all_docs")["rows"]}
    assert ids == {f"{when}-{n}" for when, count in (("before", 10), ("during", 20), ("after", 10))
                   for n in range(count)}
    store.close()


@pytest.mark.parametrize("mode", ["cut", "swallow"])
def test_a_write_that_may_have_been_applied_is_not_sent_again(couch: PouchDBServer, mode: str) -> None:
    bad = TcpProxy(couch.port, mode=mode).start()
    good = TcpProxy(couch.port).start()
    try:
        client = CouchClient(f"{bad.url},{good.url}", Timeouts(connect=1.0, read=0.5))
        client.nodes.failed(client.nodes.nodes[0])  # let the good node create the database
        client.request("PUT", "once", idempotent=False)
        client.nodes.succeeded(client.nodes.nodes[0])
        client.nodes.plan()  # the rotation is at the good node: start the next plan at the bad one
        seen = good.requests
        with pytest.raises(CouchError) as caught:
            client.request("PUT", "once", "doc", body={"n": 1}, idempotent=False)
        assert caught.value.status == 503
        expected = "did not answer within 0.5 s" if mode == "swallow" else "unreachable"
        assert expected in caught.value.reason
        assert good.requests == seen, "not sent to the other node"
        assert client.nodes.is_down(client.nodes.nodes[0])

        client.nodes.succeeded(client.nodes.nodes[0])
        client.nodes.plan()
        seen = good.requests
        assert client.json("GET", "once")["db_name"] == "once", "a read is sent again, to the other node"
        assert good.requests == seen + 1
        client.close()
    finally:
        bad.stop()
        good.stop()


# -- a node that answers, but with a 5xx ------------------------------------------------------

def aim(pool: NodePool, node: Node) -> None:
    """Make ``node`` healthy and the first node of the next plan."""
    pool.succeeded(node)
    before = pool.nodes[pool.nodes.index(node) - 1]
    for _ in range(len(pool.nodes)):
        if pool.plan()[0] == before:
            return
    raise AssertionError("the rotation never reached the node")


@dataclass
class SickAndWell:
    """Two nodes of one cluster, the first answering every request with ``sick.status``, the
    second well; a database ``reads`` with one document ``a``; a client over both."""

    sick: TcpProxy
    well: TcpProxy
    client: CouchClient

    def sick_next(self) -> Node:
        """Make the next request start at the sick node (healthy again, first in the rotation)."""
        node = self.client.nodes.nodes[0]
        aim(self.client.nodes, node)
        return node


@pytest.fixture
def sick_and_well(couch: PouchDBServer) -> Iterator[SickAndWell]:
    sick = TcpProxy(couch.port, mode="fail").start()
    well = TcpProxy(couch.port).start()
    seeding = CouchClient(well.url)
    seeding.request("PUT", "reads", idempotent=False)
    seeding.request("POST", "reads", "_bulk_docs", body={"docs": [{"_id": "a", "_rev": "1-x", "n": 1}],
                                                        "new_edits": False})
    seeding.close()
    nodes = SickAndWell(sick, well, CouchClient(f"{sick.url},{well.url}"))
    yield nodes
    nodes.client.close()
    sick.stop()
    well.stop()


# Every read the CouchDB store sends, GETs and the POSTs that only read (the client's
# ``_READING_POSTS``; ``queries`` only on CouchDB, which pouchdb-server does not have).
READS: dict[str, Callable[[CouchClient], object]] = {
    "GET db": lambda client: client.json("GET", "reads")["db_name"],
    "GET doc": lambda client: client.json("GET", "reads", "a")["n"],
    "GET doc raw": lambda client: client.request("GET", "reads", "a", raw=True).status_code,
    "GET _all_docs": lambda client: client.json("GET", "reads", "_all_docs")["rows"][0]["id"],
    "POST _all_docs": lambda client: client.json("POST", "reads", "_all_docs", body={"keys": ["a"]})["rows"][0]["id"],
    "POST _bulk_get": lambda client: client.json("POST", "reads", "_bulk_get",
                                                 body={"docs": [{"id": "a"}]})["results"][0]["id"],
    "POST _revs_diff": lambda client: client.json("POST", "reads", "_revs_diff", body={"a": ["2-y"]})["a"],
    "GET _changes": lambda client: client.json("GET", "reads", "_changes")["results"][0]["id"],
    "POST _changes": lambda client: client.json("POST", "reads", "_changes", params={"filter": "_doc_ids"},
                                                body={"doc_ids": ["a"]})["results"][0]["id"],
    "longpoll": lambda client: client.longpoll("reads", "0", 1.0, 10)["results"][0]["id"],
}


@pytest.mark.parametrize(("method", "segments", "reads"), [
    ("GET", ("db", "_changes"), True),
    ("HEAD", ("db", "doc"), True),
    *[("POST", ("db", name), True) for name in ("_all_docs", "_bulk_get", "_revs_diff", "_changes")],
    ("POST", ("db", "_design/d", "_view", "v", "queries"), True),
    *[("POST", ("db", name), False) for name in ("_bulk_docs", "_purge", "_compact", "_find", "queries")],
    ("POST", ("db", "_design/d", "_view", "v"), False),
    ("PUT", ("db", "_local/x"), False),
    ("DELETE", ("db",), False),
])
def test_the_requests_that_only_read_are_named(method: str, segments: tuple[str, ...], reads: bool) -> None:
    assert only_reads(method, segments) is reads


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_read_answered_with_a_5xx_is_asked_of_another_node(sick_and_well: SickAndWell, status: int) -> None:
    sick, well, client = sick_and_well.sick, sick_and_well.well, sick_and_well.client
    sick.status = status
    for name, read in READS.items():
        node = sick_and_well.sick_next()
        asked = sick.requests, well.requests
        assert read(client), name
        assert (sick.requests, well.requests) == (asked[0] + 1, asked[1] + 1), name
        assert client.nodes.is_down(node), f"{name}: the sick node rests"


def test_a_read_is_asked_again_once_only(couch: PouchDBServer) -> None:
    sick = [TcpProxy(couch.port, mode="fail", status=500).start() for _ in range(2)]
    try:
        client = CouchClient(",".join(node.url for node in sick))
        with pytest.raises(CouchError) as caught:
            client.json("GET", "_all_dbs")
        assert caught.value.status == 503 and "CouchDB answered 500" in caught.value.reason
        assert [node.requests for node in sick] == [1, 1]
        client.close()
    finally:
        for node in sick:
            node.stop()


@pytest.mark.parametrize("status", [500, 503])
def test_a_write_answered_with_a_5xx_is_a_503_and_not_sent_again(sick_and_well: SickAndWell, status: int) -> None:
    sick, well, client = sick_and_well.sick, sick_and_well.well, sick_and_well.client
    sick.status = status
    writes: dict[str, Callable[[], object]] = {
        "new edit": lambda: client.request("PUT", "reads", "b", body={"n": 1}, idempotent=False),
        "replication write": lambda: client.request("POST", "reads", "_bulk_docs", body={
            "docs": [{"_id": "c", "_rev": "1-z"}], "new_edits": False}),
        "_local": lambda: client.request("PUT", "reads", "_local/d", body={"n": 1}, idempotent=False),
    }
    for name, write in writes.items():
        node = sick_and_well.sick_next()
        asked = well.requests
        with pytest.raises(CouchError) as caught:
            write()
        assert caught.value.status == 503 and caught.value.retry_after, name
        assert f"CouchDB answered {status}" in caught.value.reason, name
        assert well.requests == asked, f"{name}: not sent to the other node"
        assert client.nodes.is_down(node), f"{name}: the sick node rests"
    rows = client.json("POST", "reads", "_all_docs", body={"keys": ["b", "c"]})["rows"]
    assert [row.get("error") for row in rows] == ["not_found", "not_found"]


def test_with_one_node_a_5xx_is_a_503_as_before(couch: PouchDBServer) -> None:
    sick = TcpProxy(couch.port, mode="fail", status=500).start()
    try:
        client = CouchClient(sick.url)
        for read in ("GET", "POST"):
            with pytest.raises(CouchError) as caught:
                client.json(read, "reads", "_all_docs", **({"body": {"keys": ["a"]}} if read == "POST" else {}))
            assert caught.value.status == 503 and caught.value.retry_after
        assert sick.requests == 2, "asked once each"
        client.close()
    finally:
        sick.stop()
