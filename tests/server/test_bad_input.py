"""Bad input gets CouchDB's error shape with the right status, and nothing is stored partially."""

from __future__ import annotations

import base64
import gzip
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LiveServer

MAX_DOC = 2_000
MAX_REQUEST = 50_000


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A gateway with small limits, so oversize cases are cheap to send."""
    live = LiveServer(tmp_path_factory.mktemp("limits"), env={
        "MITEINANDER_MAX_DOCUMENT_SIZE": str(MAX_DOC), "MITEINANDER_MAX_REQUEST_SIZE": str(MAX_REQUEST)})
    yield live.start()
    live.stop()


@pytest.fixture
def url(small_server: LiveServer, db_name: str) -> str:
    assert requests.put(small_server.db_url(db_name), timeout=10).status_code == 201
    return small_server.db_url(db_name)


def update_seq(url: str) -> int:
    return int(requests.get(url, timeout=10).json()["update_seq"])


def assert_error(response: requests.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "reason"} and body["error"] == error and body["reason"]
    return body


def encoded(body: bytes, content_type: str = "application/json", encoding: str = "gzip") -> dict[str, Any]:
    """Request arguments for a body sent with ``Content-Encoding``."""
    return {"data": body, "headers": {"Content-Type": content_type, "Content-Encoding": encoding}}


REQUEST_CASES = [
    # (method, path under the db, kwargs, status, error)
    ("post", "/_bulk_docs", {"data": b'{"docs": [', "headers": {"Content-Type": "application/json"}},
     400, "bad_request"),
    ("post", "/_bulk_docs", {"data": b'{"docs": []}', "headers": {"Content-Type": "text/plain"}},
     415, "bad_content_type"),
    ("post", "/_bulk_docs", {"json": {"docs": {"_id": "a"}}}, 400, "bad_request"),
    ("post", "/_bulk_docs", {"json": {"docs": [], "new_edits": "no"}}, 400, "bad_request"),
    ("post", "/_bulk_docs", {"json": ["not", "an", "object"]}, 400, "bad_request"),
    ("post", "/_bulk_docs", {"data": b"\xff\xfe{}", "headers": {"Content-Type": "application/json"}},
     400, "bad_request"),
    ("post", "/_bulk_docs", {"data": b"[" * 5000, "headers": {"Content-Type": "application/json"}},
     400, "bad_request"),
    ("put", "/doc1", {"json": {"_rev": "abc"}}, 400, "bad_request"),
    ("put", "/doc1", {"json": {"_rev": "0-abc"}}, 400, "bad_request"),
    ("put", "/doc1", {"json": {"_deleted": "yes"}}, 400, "bad_request"),
    ("put", "/doc1", {"json": {"_foo": 1}}, 400, "doc_validation"),
    ("put", "/doc1", {"json": [1, 2]}, 400, "bad_request"),
    ("put", "/_bad", {"json": {}}, 400, "bad_request"),
    ("put", "/doc1?new_edits=false", {"json": {"a": 1}}, 400, "bad_request"),
    ("put", "/doc1?new_edits=false", {"json": {"_rev": "2-a", "_revisions": {"start": 1, "ids": ["a", "c"]}}},
     400, "bad_request"),
    ("put", "/doc1", {"json": {"_attachments": {"a.txt": {"content_type": "text/plain", "data": "***"}}}},
     400, "bad_request"),
    ("put", "/doc1", {"json": {"_attachments": {"a.txt": {"stub": True, "digest": "md5-nothere"}}}},
     412, "missing_stub"),
    ("put", "/doc1", {"json": {"_attachments": "x"}}, 400, "bad_request"),
    ("put", "/doc1", {"json": {"big": "x" * MAX_DOC}}, 413, "document_too_large"),
    ("post", "/_bulk_docs", {"json": {"docs": [{"big": "x" * MAX_REQUEST}]}}, 413, "too_large"),
    ("get", "/doc1?rev=nonsense", {}, 400, "bad_request"),
    ("get", "/doc1?revs=maybe", {}, 400, "bad_request"),
    ("get", "/doc1?open_revs=[1,", {}, 400, "bad_request"),
    ("get", "/doc1?open_revs={}", {}, 400, "bad_request"),
    ("get", "/doc1?open_revs=[\"x\"]", {}, 400, "bad_request"),
    ("get", "/_changes?limit=ten", {}, 400, "bad_request"),
    ("get", "/_changes?since=yesterday", {}, 400, "bad_request"),
    ("get", "/_changes?feed=firehose", {}, 400, "bad_request"),
    ("get", "/_changes?style=some", {}, 400, "bad_request"),
    ("get", "/_changes?filter=_design/x", {}, 400, "bad_request"),
    ("post", "/_changes?filter=_doc_ids", {"json": {"doc_ids": "a"}}, 400, "bad_request"),
    ("post", "/_revs_diff", {"json": {"a": "1-x"}}, 400, "bad_request"),
    ("post", "/_revs_diff", {"json": {"a": ["x-1"]}}, 400, "bad_request"),
    ("post", "/_revs_diff", {"json": [1]}, 400, "bad_request"),
    ("post", "/_bulk_get", {"json": {"docs": "a"}}, 400, "bad_request"),
    ("get", "/_all_docs?startkey=notjson", {}, 400, "bad_request"),
    ("get", "/_all_docs?startkey=5", {}, 400, "bad_request"),
    ("post", "/_all_docs", {"json": {"keys": [1, 2]}}, 400, "bad_request"),
    ("get", "/_all_docs?skip=-1", {}, 400, "bad_request"),
    ("put", "/_local/cp", {"json": "checkpoint"}, 400, "bad_request"),
    ("get", "/doc1", {}, 404, "not_found"),
    ("get", "/doc1/file.txt", {}, 404, "not_found"),
    ("delete", "/doc1", {}, 409, "conflict"),
    ("patch", "/doc1", {}, 405, "method_not_allowed"),
    # Compressed bodies: bounded after inflating, valid gzip only, and no other encoding.
    ("post", "/_bulk_docs", encoded(gzip.compress(b'{"docs": [{"big": "' + b"x" * MAX_REQUEST + b'"}]}')),
     413, "too_large"),
    ("post", "/_bulk_docs", encoded(b"\x1f\x8bnot gzip at all"), 400, "bad_request"),
    ("post", "/_bulk_docs", encoded(gzip.compress(b'{"docs": []}')[:-12]), 400, "bad_request"),
    ("post", "/_bulk_docs", encoded(b'{"docs": []}', encoding="br"), 415, "bad_content_type"),
    # A compressed attachment PUT: the same bound on the inflated body, then the document limit
    # on the decoded content (CouchDB stores what the gzip body decodes to).
    ("put", "/doc/scan.bin", encoded(gzip.compress(b"\0" * (MAX_REQUEST + 1)), "image/png"), 413, "too_large"),
    ("put", "/doc/scan.bin", encoded(gzip.compress(b"\0" * (MAX_DOC + 1)), "image/png"), 413, "document_too_large"),
    ("put", "/doc/scan.bin", encoded(b"\x1f\x8bnot gzip at all", "image/png"), 400, "bad_request"),
    ("put", "/doc/scan.bin", encoded(gzip.compress(b"scan")[:-12], "image/png", "x-gzip"), 400, "bad_request"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "error"), REQUEST_CASES,
                         ids=[f"{c[0]} {c[1]} {c[4]}" for c in REQUEST_CASES])
def test_bad_request_gets_couch_error_and_stores_nothing(
    url: str, method: str, path: str, kwargs: dict[str, Any], status: int, error: str
) -> None:
    before = update_seq(url)

    response = requests.request(method, url + path, timeout=10, **kwargs)

    assert_error(response, status, error)
    assert update_seq(url) == before


def test_a_gzip_bomb_gets_413_after_the_bound_not_after_inflating(server: LiveServer, db_url: str) -> None:
    """1 GiB of zeros in about a megabyte of gzip: refused once the inflated bytes pass the bound."""
    member = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    bomb = member * 16  # 16 members, each 64 MiB inflated (RFC 1952 allows concatenated members)
    assert len(bomb) < 2 << 20
    started = time.monotonic()
    response = requests.post(db_url + "/_bulk_docs", data=bomb, timeout=30,
                             headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert_error(response, 413, "too_large")
    assert time.monotonic() - started < 5, "inflating stopped at the bound (16 MiB), not at 1 GiB"
    # The same server still takes a normal compressed push.
    ok = requests.post(db_url + "/_bulk_docs", data=gzip.compress(b'{"docs": [{"_id": "after"}]}'), timeout=10,
                       headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert ok.status_code == 201 and ok.json()[0]["ok"] is True


def test_a_gzip_bomb_as_an_attachment_gets_413_after_the_bound(db_url: str) -> None:
    """An attachment PUT with ``Content-Encoding: gzip`` is inflated under the same bound as any
    body: 1 GiB of zeros in about a megabyte is refused with 413, nothing is written, and a
    normal compressed attachment is taken afterwards."""
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9) * 16
    started = time.monotonic()
    response = requests.put(db_url + "/scan/page.bin", data=bomb, timeout=30,
                            headers={"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"})
    assert_error(response, 413, "too_large")
    assert time.monotonic() - started < 5, "inflating stopped at the bound (16 MiB), not at 1 GiB"
    assert requests.get(db_url + "/scan", timeout=10).status_code == 404
    ok = requests.put(db_url + "/scan/page.bin", data=gzip.compress(b"page"), timeout=10,
                      headers={"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"})
    assert ok.status_code == 201, ok.text
    assert requests.get(db_url + "/scan/page.bin", timeout=10).content == b"page"


def test_unknown_database_and_bad_names(small_server: LiveServer) -> None:
    missing = small_server.db_url("nosuchdb")
    for method, path in [("get", ""), ("get", "/_changes"), ("post", "/_bulk_docs"), ("get", "/doc"),
                         ("get", "/_local/x"), ("delete", "")]:
        body = assert_error(requests.request(method, missing + path, json={"docs": []}, timeout=10),
                            404, "not_found")
        assert body["reason"] == "Database does not exist."
    for name in ("Bad-Name", "_system", "9lives", "a" * 300, "newline%0A"):
        assert_error(requests.put(small_server.db_url(name), timeout=10), 400, "illegal_database_name")
    assert requests.put(small_server.db_url("twice"), timeout=10).status_code == 201
    assert_error(requests.put(small_server.db_url("twice"), timeout=10), 412, "file_exists")


@pytest.mark.parametrize(("bad", "status", "error"), [
    ("not an object", 400, "bad_request"),
    ({"_id": 5}, 400, "bad_request"),
    ({"_id": "r", "_rev": "banana"}, 400, "bad_request"),
    ({"_id": "big", "pad": "x" * MAX_DOC}, 413, "document_too_large"),
    ({"_id": "att", "_attachments": {"a": {"data": "%%%"}}}, 400, "bad_request"),
    ({"_id": "_reserved"}, 400, "bad_request"),
    ({"_id": "special", "_secret": 1}, 400, "doc_validation"),
])
def test_a_malformed_document_fails_its_request_and_nothing_is_stored(url: str, bad: object, status: int,
                                                                      error: str) -> None:
    """As in CouchDB: a malformed document is the client's bug, so the whole request says so;
    refusals and conflicts are answered per document (test_contract, tests/attacks)."""
    response = requests.post(url + "/_bulk_docs", json={"docs": [{"_id": "ok0"}, bad, {"_id": "ok1"}]}, timeout=10)

    assert (response.status_code, response.json()["error"]) == (status, error)
    assert requests.get(url + "/_all_docs", timeout=10).json()["rows"] == []
    assert update_seq(url) == 0


def test_replicated_batch_reports_only_failures(url: str) -> None:
    docs = [{"_id": "a", "_rev": "1-abc"}, {"_id": "c", "_rev": "1-def", "_deleted": True}]

    response = requests.post(url + "/_bulk_docs", json={"docs": docs, "new_edits": False}, timeout=10)
    unrevised = requests.post(url + "/_bulk_docs", json={"docs": [{"_id": "b"}], "new_edits": False}, timeout=10)

    assert (response.status_code, response.json()) == (201, [])
    assert unrevised.status_code == 400
    assert unrevised.json()["reason"] == "new_edits=false requires _rev on every document"
    assert update_seq(url) == 2


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["_id", "_rev", "_deleted", "_revisions", "_attachments", "docs", "new_edits", "keys",
                         "doc_ids", "id", "rev", "start", "ids", "data", "stub", "x"]), inner, max_size=5),
    max_leaves=20,
)
ENDPOINTS = [("post", "/_bulk_docs"), ("post", "/_bulk_docs?x=1"), ("post", "/_revs_diff"), ("post", "/_bulk_get"),
             ("post", "/_all_docs"), ("post", "/_changes?filter=_doc_ids"), ("put", "/fuzzdoc"),
             ("put", "/fuzzdoc?new_edits=false"), ("put", "/_local/fuzz"), ("post", "")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), body=JSON,
       wrap=st.sampled_from(["raw", "docs", "docs_false"]))
def test_no_json_body_produces_a_server_error(url: str, endpoint: tuple[str, str], body: Any, wrap: str) -> None:
    if wrap == "docs":
        body = {"docs": [body]}
    elif wrap == "docs_false":
        body = {"docs": [body], "new_edits": False}
    response = requests.request(endpoint[0], url + endpoint[1], json=body, timeout=10)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "reason"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(alphabet="abc_/-%.?=&[]\"{}:019", max_size=30))
def test_no_url_produces_a_server_error(url: str, path: str) -> None:
    response = requests.get(url + "/" + path, timeout=10)
    assert response.status_code < 500, response.text


def test_attachment_data_must_be_base64_but_stubs_resolve(url: str, tmp_path: Path) -> None:
    data = base64.b64encode(b"Anmeldung").decode()
    first = requests.put(url + "/doc", json={"_attachments": {"a.txt": {"content_type": "text/plain", "data": data}}},
                         timeout=10).json()
    second = requests.put(url + "/doc", json={"_rev": first["rev"], "v": 2,
                                              "_attachments": {"a.txt": {"stub": True}}}, timeout=10)
    assert second.status_code == 201
    assert requests.get(url + "/doc/a.txt", timeout=10).content == b"Anmeldung"
