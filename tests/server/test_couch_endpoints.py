"""The CouchDB wire endpoints over HTTP: shapes PouchDB and CouchDB replicators rely on."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
import time
from typing import Any

import requests

from tests.conftest import LiveServer
from tests.factories import event, person
from tests.server.api import seed, team


def bulk(url: str, docs: list[dict[str, Any]], new_edits: bool = True) -> Any:
    response = requests.post(url + "/_bulk_docs", json={"docs": docs, "new_edits": new_edits}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def test_root_answers_like_couchdb(server: LiveServer) -> None:
    root = requests.get(server.url + "/sync/", timeout=10).json()
    assert root["couchdb"] == "Welcome" and root["version"].startswith("3.")
    assert len(root["uuid"]) == 32
    assert requests.get(server.url + "/sync", timeout=10).json() == root, "with or without the slash"


def test_database_lifecycle(server: LiveServer, db_name: str) -> None:
    url = server.db_url(db_name)
    assert requests.put(url, timeout=10).json() == {"ok": True}
    assert db_name in requests.get(server.admin_url + "/sync/_all_dbs", timeout=10).json()
    info = requests.get(url + "/", timeout=10).json()
    assert info["db_name"] == db_name and info["doc_count"] == 0 and info["update_seq"] == 0
    assert requests.delete(url, timeout=10).json() == {"ok": True}
    assert db_name not in requests.get(server.admin_url + "/sync/_all_dbs", timeout=10).json()
    assert requests.get(url, timeout=10).status_code == 404


def test_document_crud_and_revisions(db_url: str) -> None:
    """couchdb-3.5-behaviour.md section 13 (row 14): "CouchDB keeps the body of a replaced
    revision until the database is compacted: `GET /db/doc?rev=<old rev>` -> 200"; the SQLite
    store drops it at once. A replaced revision reads as it was, or as not found."""
    created = requests.put(db_url + "/event:1", json={"title": "Interkulturelle Woche"}, timeout=10)
    assert created.status_code == 201 and created.json()["rev"].startswith("1-")
    rev1 = created.json()["rev"]
    assert created.headers["ETag"] == f'"{rev1}"'
    stale = requests.put(db_url + "/event:1", json={"title": "x"}, timeout=10)
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    rev2 = requests.put(db_url + "/event:1", json={"_rev": rev1, "title": "IKW 2026"}, timeout=10).json()["rev"]
    assert rev2.startswith("2-")
    old = requests.get(db_url + "/event:1", params={"rev": rev1}, timeout=10)
    assert (old.status_code, old.json()) in (
        (200, {"_id": "event:1", "_rev": rev1, "title": "Interkulturelle Woche"}),
        (404, {"error": "not_found", "reason": "missing"})), old.text
    deleted = requests.delete(db_url + "/event:1", params={"rev": rev2}, timeout=10).json()
    assert deleted["ok"] and deleted["rev"].startswith("3-")
    assert requests.get(db_url + "/event:1", timeout=10).json() == {"error": "not_found", "reason": "deleted"}
    tomb = requests.get(db_url + "/event:1", params={"rev": deleted["rev"]}, timeout=10).json()
    assert tomb == {"_id": "event:1", "_rev": deleted["rev"], "_deleted": True}
    again = requests.put(db_url + "/event:1", json={"title": "neu"}, timeout=10).json()
    assert again["rev"].startswith("4-"), "recreating a deleted document extends its tombstone"


def test_same_edit_gets_the_same_revision_id_everywhere(server: LiveServer, db_url: str) -> None:
    other = db_url + "x"
    assert requests.put(other, timeout=10).status_code == 201
    revs = [requests.put(url + "/d", json={"a": 1, "b": [1, 2]}, timeout=10).json()["rev"] for url in (db_url, other)]
    assert revs[0] == revs[1], "rev ids are a deterministic hash of the edit"


def test_changes_feed_options(db_url: str) -> None:
    bulk(db_url, [{"_id": f"d{i}", "n": i} for i in range(5)])
    bulk(db_url, [{"_id": "d1", "_rev": "2-aaa", "_revisions": {"start": 2, "ids": ["aaa", "bbb"]}}], new_edits=False)
    feed = requests.get(db_url + "/_changes", timeout=10).json()
    assert [row["seq"] for row in feed["results"]] == [1, 3, 4, 5, 6] and feed["last_seq"] == 6
    assert [row["id"] for row in feed["results"]][-1] == "d1"
    all_leaves = requests.get(db_url + "/_changes", params={"style": "all_docs", "since": 5}, timeout=10).json()
    assert len(all_leaves["results"][0]["changes"]) == 2
    limited = requests.get(db_url + "/_changes", params={"limit": 2, "since": 1}, timeout=10).json()
    assert [row["seq"] for row in limited["results"]] == [3, 4] and limited["last_seq"] == 4
    down = requests.get(db_url + "/_changes", params={"descending": "true", "limit": 1}, timeout=10).json()
    assert down["results"][0]["id"] == "d1"
    docs = requests.get(db_url + "/_changes", params={"include_docs": "true", "conflicts": "true", "since": 5},
                        timeout=10).json()
    assert docs["results"][0]["doc"]["_conflicts"]
    by_id = requests.post(db_url + "/_changes", params={"filter": "_doc_ids"}, json={"doc_ids": ["d3", "zz"]},
                          timeout=10).json()
    assert [row["id"] for row in by_id["results"]] == ["d3"] and by_id["last_seq"] == 6
    now = requests.get(db_url + "/_changes", params={"since": "now"}, timeout=10).json()
    assert now == {"results": [], "last_seq": 6}


def test_longpoll_returns_when_a_change_arrives(db_url: str) -> None:
    bulk(db_url, [{"_id": "first"}])
    timer = threading.Timer(0.5, lambda: bulk(db_url, [{"_id": "second"}]))
    timer.start()
    started = time.monotonic()
    response = requests.get(db_url + "/_changes", params={"feed": "longpoll", "since": 1, "timeout": 10_000},
                            timeout=20)
    elapsed = time.monotonic() - started
    timer.join()
    assert [row["id"] for row in response.json()["results"]] == ["second"]
    assert 0.4 < elapsed < 9, "it waited for the change, and no longer"


def test_longpoll_times_out_empty_with_heartbeats(db_url: str) -> None:
    response = requests.get(db_url + "/_changes", params={"feed": "longpoll", "since": 0, "timeout": 1200,
                                                          "heartbeat": 300}, timeout=20)
    assert response.text.startswith("\n"), "heartbeat newlines keep the connection alive"
    assert response.text.strip() == '{"results":[],"last_seq":0}'


def test_feeds_whose_database_is_deleted_end_cleanly(db_url: str) -> None:
    """CouchDB ends the feed; the next request gets the 404. No cut stream, no 500."""
    bulk(db_url, [{"_id": "a"}])
    timer = threading.Timer(0.5, lambda: requests.delete(db_url, timeout=10))
    timer.start()
    started = time.monotonic()
    longpoll = requests.get(db_url + "/_changes", params={"feed": "longpoll", "since": 1, "timeout": 20_000,
                                                          "heartbeat": 200}, timeout=30)
    timer.join()
    assert longpoll.status_code == 200 and time.monotonic() - started < 10
    assert json.loads(longpoll.text.strip()) == {"results": [], "last_seq": 1}
    assert requests.get(db_url + "/_changes", timeout=10).status_code == 404

    assert requests.put(db_url, timeout=10).status_code == 201
    bulk(db_url, [{"_id": "b"}])
    threading.Timer(0.5, lambda: requests.delete(db_url, timeout=10)).start()
    continuous = requests.get(db_url + "/_changes", params={"feed": "continuous", "heartbeat": 200}, timeout=30)
    lines = [json.loads(line) for line in continuous.text.split("\n") if line.strip()]
    assert continuous.status_code == 200 and lines[0]["id"] == "b" and lines[-1] == {"last_seq": 1}


def test_continuous_feed_streams_lines(db_url: str) -> None:
    bulk(db_url, [{"_id": "a"}, {"_id": "b"}])
    timer = threading.Timer(0.3, lambda: bulk(db_url, [{"_id": "c"}]))
    timer.start()
    response = requests.get(db_url + "/_changes", params={"feed": "continuous", "timeout": 1500}, timeout=20)
    timer.join()
    lines = [line for line in response.text.split("\n") if line]
    assert [json.loads(line).get("id") for line in lines[:3]] == ["a", "b", "c"]
    assert lines[-1] == '{"last_seq":3}'


def test_continuous_feed_honours_limit(db_url: str) -> None:
    bulk(db_url, [{"_id": f"x{i}"} for i in range(5)])
    response = requests.get(db_url + "/_changes", params={"feed": "continuous", "limit": 2, "timeout": 5000},
                            timeout=20)
    lines = [line for line in response.text.split("\n") if line]
    assert len(lines) == 3 and lines[-1] == '{"last_seq":2}'


def test_responses_are_gzipped_when_accepted(db_url: str) -> None:
    bulk(db_url, [{"_id": f"checkin:ev1:p{i:04d}", "type": "checkin", "event_id": "ev1", "municipality": "Baunatal",
                   "device_id": "tablet-7", "checked_in_at": "2026-11-21T10:00:00Z"} for i in range(300)])
    plain = requests.get(db_url + "/_all_docs", params={"include_docs": "true"},
                         headers={"Accept-Encoding": "identity"}, timeout=10)
    zipped = requests.get(db_url + "/_all_docs", params={"include_docs": "true"},
                          headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw = zipped.raw.read(decode_content=False)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(raw) == plain.content
    assert len(raw) * 5 < len(plain.content), f"{len(raw)} vs {len(plain.content)} bytes"


def test_gzip_request_bodies_are_accepted(db_url: str) -> None:
    """The web app gzips its pushes (Content-Encoding: gzip), as CouchDB accepts them."""
    def post(path: str, body: Any) -> requests.Response:
        return requests.post(db_url + path, data=gzip.compress(json.dumps(body).encode()), timeout=10,
                             headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    docs = [{"_id": f"checkin:ev1:p{i:03d}", "type": "checkin", "n": i} for i in range(50)]
    written = post("/_bulk_docs", {"docs": docs})
    assert written.status_code == 201 and all(row["ok"] for row in written.json()), written.text
    revs = {row["id"]: row["rev"] for row in written.json()}
    diff = post("/_revs_diff", {"checkin:ev1:p000": [revs["checkin:ev1:p000"], "2-x"]})
    assert diff.json() == {"checkin:ev1:p000": {"missing": ["2-x"], "possible_ancestors": [revs["checkin:ev1:p000"]]}}
    got = post("/_bulk_get", {"docs": [{"id": "checkin:ev1:p049"}]}).json()["results"]
    assert got[0]["docs"][0]["ok"]["n"] == 49


def test_revs_diff_and_bulk_get(db_url: str) -> None:
    bulk(db_url, [{"_id": "p", "_rev": "2-b", "_revisions": {"start": 2, "ids": ["b", "a"]}, "v": 2}],
         new_edits=False)
    diff = requests.post(db_url + "/_revs_diff", json={"p": ["2-b", "3-c"], "q": ["1-x"]}, timeout=10).json()
    assert diff == {"p": {"missing": ["3-c"], "possible_ancestors": ["2-b"]}, "q": {"missing": ["1-x"]}}
    got = requests.post(db_url + "/_bulk_get", params={"revs": "true", "latest": "true"},
                        json={"docs": [{"id": "p", "rev": "2-b"}, {"id": "p", "rev": "1-a"}, {"id": "nope"}]},
                        timeout=10).json()["results"]
    assert got[0]["docs"][0]["ok"]["_revisions"] == {"start": 2, "ids": ["b", "a"]}
    assert got[1]["docs"][0]["ok"]["_rev"] == "2-b", "latest=true answers with the newest leaf"
    assert got[2]["docs"][0]["error"]["error"] == "not_found"


def test_local_documents_are_not_replicated(db_url: str) -> None:
    first = requests.put(db_url + "/_local/repl-1", json={"last_seq": 10}, timeout=10).json()
    assert first == {"ok": True, "id": "_local/repl-1", "rev": "0-1"}
    # CouchDB 3.5: last write wins, a write without _rev is 0-1 again (couchdb-3.5-behaviour.md section 7).
    stale = requests.put(db_url + "/_local/repl-1", json={"last_seq": 11}, timeout=10)
    assert (stale.status_code, stale.json()["rev"]) == (201, "0-1")
    second = requests.put(db_url + "/_local/repl-1", json={"_rev": "0-1", "last_seq": 12}, timeout=10).json()
    assert second["rev"] == "0-2"
    assert requests.get(db_url + "/_local/repl-1", timeout=10).json() == {
        "_id": "_local/repl-1", "_rev": "0-2", "last_seq": 12}
    assert requests.get(db_url + "/_changes", timeout=10).json()["results"] == []
    assert requests.delete(db_url + "/_local/repl-1", params={"rev": "0-2"}, timeout=10).status_code == 200
    assert requests.get(db_url + "/_local/repl-1", timeout=10).status_code == 404


def test_all_docs_ranges_and_keys(db_url: str) -> None:
    bulk(db_url, [{"_id": k} for k in ["a", "b", "c", "d"]])
    rev_c = requests.get(db_url + "/c", timeout=10).json()["_rev"]
    requests.delete(db_url + "/c", params={"rev": rev_c}, timeout=10)

    def ids(**params: str | int) -> list[str]:
        rows = requests.get(db_url + "/_all_docs", params=params, timeout=10).json()["rows"]
        return [row["id"] for row in rows]

    assert ids() == ["a", "b", "d"]
    assert ids(startkey='"b"', endkey='"d"', inclusive_end="false") == ["b"]
    assert ids(descending="true", limit=2) == ["d", "b"]
    assert ids(skip=1, limit=1) == ["b"]
    keyed = requests.post(db_url + "/_all_docs", json={"keys": ["d", "c", "zz"]}, timeout=10).json()["rows"]
    assert keyed[0]["id"] == "d" and keyed[1]["value"]["deleted"] is True and keyed[2]["error"] == "not_found"
    assert requests.get(db_url + "/_all_docs", timeout=10).json()["total_rows"] == 3


def test_ensure_full_commit(db_url: str) -> None:
    response = requests.post(db_url + "/_ensure_full_commit", timeout=10)
    assert response.status_code == 201 and response.json()["ok"] is True


def test_bulk_get_inlines_attachments_when_asked(db_url: str) -> None:
    data = bytes(range(256)) * 3
    stored = requests.put(db_url + "/scan", json={"_attachments": {"scan.bin": {
        "content_type": "application/octet-stream", "data": base64.b64encode(data).decode()}}}, timeout=10).json()
    request = {"docs": [{"id": "scan", "rev": stored["rev"]}]}
    stubs = requests.post(db_url + "/_bulk_get", json=request, timeout=10).json()
    inline = requests.post(db_url + "/_bulk_get", params={"attachments": "true", "revs": "true"}, json=request,
                           timeout=10).json()
    assert stubs["results"][0]["docs"][0]["ok"]["_attachments"]["scan.bin"]["stub"] is True
    doc = inline["results"][0]["docs"][0]["ok"]
    assert base64.b64decode(doc["_attachments"]["scan.bin"]["data"]) == data
    assert doc["_revisions"]["start"] == 1


def test_replicated_attachments_keep_any_revpos_and_every_reader_gets_it(db_url: str) -> None:
    """couchdb-3.5-behaviour.md section 9 (row 10): "With `new_edits=false`, CouchDB stores
    whatever `revpos` it is given, without checks: `0`, `-1`, `"x"` and `7` were all accepted
    and read back as given"; the gateway answered "revpos must be a positive integer" (then "an
    integer"). Every read path serves it, none fails on it; a new edit still gets its position."""
    data = b"hello"
    given: list[Any] = [0, -1, "x", 7, 2.5, "", True, None]
    docs = [{"_id": f"p{index}", "_rev": "3-c", "_revisions": {"start": 3, "ids": ["c", "b", "a"]},
             "_attachments": {"photo.bin": {"content_type": "application/octet-stream", "revpos": revpos,
                                            "data": base64.b64encode(data).decode()}}}
            for index, revpos in enumerate(given)]
    assert bulk(db_url, docs, new_edits=False) == []
    stored = [0 if revpos is None else revpos for revpos in given]  # none named: 0, as CouchDB stores it
    ids = [doc["_id"] for doc in docs]
    stubs = [requests.get(f"{db_url}/{doc_id}", timeout=10).json()["_attachments"]["photo.bin"] for doc_id in ids]
    assert [stub["revpos"] for stub in stubs] == stored
    inline = requests.post(db_url + "/_bulk_get", params={"revs": "true", "attachments": "true"},
                           json={"docs": [{"id": doc_id} for doc_id in ids]}, timeout=10)
    assert inline.status_code == 200, inline.text
    atts = [result["docs"][0]["ok"]["_attachments"]["photo.bin"] for result in inline.json()["results"]]
    assert [(att["revpos"], base64.b64decode(att["data"])) for att in atts] == [(revpos, data) for revpos in stored]
    for params in ({"attachments": "true"}, {"open_revs": "all", "attachments": "true"},
                   {"open_revs": '["3-c"]', "latest": "true"}, {"revs_info": "true"}):
        read = requests.get(f"{db_url}/p2", params=params, headers={"Accept": "application/json"}, timeout=10)
        assert read.status_code == 200, (params, read.text)
    for path, params in (("/_all_docs", {"include_docs": "true", "attachments": "true"}),
                         ("/_changes", {"include_docs": "true", "attachments": "true"}),
                         ("/p2/photo.bin", {})):
        read = requests.get(db_url + path, params=params, timeout=10)
        assert read.status_code == 200, (path, read.text)
    assert requests.get(db_url + "/p2/photo.bin", timeout=10).content == data
    edited = requests.put(f"{db_url}/p2", json={"_rev": "3-c", "_attachments": {
        "photo.bin": {"stub": True, "revpos": "x"},
        "new.bin": {"content_type": "text/plain", "data": "aGk=", "revpos": "y"}}}, timeout=10)
    assert edited.status_code == 201, edited.text
    atts = requests.get(f"{db_url}/p2", timeout=10).json()["_attachments"]
    assert (atts["photo.bin"]["revpos"], atts["new.bin"]["revpos"]) == ("x", 4)
    refused = requests.post(db_url + "/_bulk_docs", json={"new_edits": False, "docs": [{
        **docs[0], "_id": "q", "_attachments": {"a.bin": {"data": "aGk=", "revpos": [1]}}}]}, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"] == "bad_request", refused.text


def test_attachments_take_only_media_types_and_are_served_inert(db_url: str) -> None:
    """A header injected through a content_type, or a non-Latin-1 one, used to be stored and
    then made every reader's attachment GET fail, and with it their replication."""
    bad_types = ["text/html\r\nSet-Cookie: x=1", "текст/plain", "html", "a/" + "b" * 300]
    for content_type in bad_types:
        response = requests.put(db_url + "/bad", json={"_attachments": {"a": {"content_type": content_type,
                                                                              "data": "aGk="}}}, timeout=10)
        assert response.status_code == 400 and response.json()["error"] == "bad_request", response.text
    good = {"_id": "good", "_attachments": {"page.html": {"content_type": "text/html", "data": "PGI+aGk8L2I+"}}}
    refused = requests.post(db_url + "/_bulk_docs", json={"docs": [
        {"_id": "bad", "_attachments": {"a": {"content_type": bad_types[0], "data": "aGk="}}}, good]}, timeout=10)
    assert refused.status_code == 400, "a malformed document fails its request, as in CouchDB"
    assert requests.get(db_url + "/bad", timeout=10).status_code == 404
    assert bulk(db_url, [good])[0]["ok"] is True

    served = requests.get(db_url + "/good/page.html", timeout=10)
    assert served.status_code == 200 and served.content == b"<b>hi</b>"
    assert served.headers["Content-Type"] == "text/html", "exactly the stored type, as CouchDB answers"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"] == "attachment; filename*=UTF-8''page.html"
    digest = requests.get(db_url + "/good", timeout=10).json()["_attachments"]["page.html"]["digest"]
    assert served.headers["ETag"] == '"' + digest.removeprefix("md5-") + '"', \
        "CouchDB 3.5's attachment ETag is the base64 digest without its md5- prefix (behaviour file, section 9)"


def test_ids_with_a_slash_are_one_segment_when_encoded(db_url: str) -> None:
    """CouchDB reads ``%2F`` in a path segment as part of the name: ``/db/a%2Fb`` is document
    ``a/b``, not attachment ``b`` of document ``a``."""
    created = requests.put(db_url + "/a%2Fb", json={"n": 1}, timeout=10)
    assert created.status_code == 201 and created.json()["id"] == "a/b", created.text
    doc = requests.get(db_url + "/a%2Fb", timeout=10).json()
    assert doc["_id"] == "a/b" and doc["n"] == 1
    assert requests.get(db_url + "/a%2fb", timeout=10).json()["_id"] == "a/b", "either case of the escape"
    design = requests.put(db_url + "/_design/x%2Fy", json={"views": {}}, timeout=10)
    assert design.status_code == 201 and design.json()["id"] == "_design/x/y", design.text
    assert requests.get(db_url + "/_design/x%2Fy", timeout=10).json()["_id"] == "_design/x/y"
    percent = requests.put(db_url + "/p%252Fq%2Fr", json={}, timeout=10)
    assert percent.json()["id"] == "p%2Fq/r", "an escaped percent sign stays a percent sign"
    assert requests.get(db_url + "/p%252Fq%2Fr", timeout=10).json()["_id"] == "p%2Fq/r"

    stored = bulk(db_url, [{"_id": "bin/doc", "_attachments": {
        "a/b.txt": {"content_type": "text/plain", "data": base64.b64encode(b"hi").decode()}}}])
    for path in ("/bin%2Fdoc/a/b.txt", "/bin%2Fdoc/a%2Fb.txt"):
        served = requests.get(db_url + path, timeout=10)
        assert served.status_code == 200 and served.content == b"hi", (path, served.text)

    deleted = requests.delete(db_url + "/a%2Fb", params={"rev": created.json()["rev"]}, timeout=10)
    assert deleted.status_code == 200 and deleted.json()["id"] == "a/b", deleted.text
    assert requests.get(db_url + "/a%2Fb", timeout=10).json() == {"error": "not_found", "reason": "deleted"}
    assert requests.delete(db_url + "/bin%2Fdoc", params={"rev": stored[0]["rev"]}, timeout=10).status_code == 200


def test_database_names_with_a_slash_are_one_segment_when_encoded(server: LiveServer, db_name: str) -> None:
    """CouchDB allows ``/`` in database names and addresses ``a/b`` as ``/a%2Fb``: the whole
    life of such a database goes through the gateway, ids and attachments with ``/`` too."""
    name = f"{db_name}/county/b"
    url = server.db_url(db_name + "%2Fcounty%2Fb")
    all_dbs = server.admin_url + "/sync/_all_dbs"
    assert requests.put(url, timeout=10).json() == {"ok": True}
    assert requests.put(url, timeout=10).status_code == 412
    assert requests.get(server.db_url(db_name), timeout=10).status_code == 404, "a/b is not a"
    assert name in requests.get(all_dbs, timeout=10).json()
    assert requests.get(url + "/", timeout=10).json()["db_name"] == name
    created = requests.put(url + "/doc%2Fid", json={"n": 1}, timeout=10)
    assert created.status_code == 201 and created.json()["id"] == "doc/id", created.text
    attached = requests.put(url + "/doc%2Fid/att%2Fname", params={"rev": created.json()["rev"]}, data=b"hi",
                            headers={"Content-Type": "text/plain"}, timeout=10)
    assert attached.status_code == 201, attached.text
    assert attached.headers["Location"].endswith(f"/sync/{db_name}%2Fcounty%2Fb/doc%2Fid/att%2Fname")
    assert requests.get(url + "/doc%2Fid/att%2Fname", timeout=10).content == b"hi"
    assert bulk(url, [{"_id": "plain"}])[0]["ok"] is True
    changes = requests.get(url + "/_changes", timeout=10).json()
    assert [row["id"] for row in changes["results"]] == ["doc/id", "plain"]
    rows = requests.get(url + "/_all_docs", timeout=10).json()["rows"]
    assert [row["id"] for row in rows] == ["doc/id", "plain"]
    assert requests.put(url + "/_local/cp", json={"last_seq": 2}, timeout=10).status_code == 201
    assert requests.get(url + "/_local/cp", timeout=10).json()["last_seq"] == 2
    assert requests.delete(url, timeout=10).json() == {"ok": True}
    assert name not in requests.get(all_dbs, timeout=10).json()
    assert requests.get(url, timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).status_code == 404


def test_only_admins_create_databases_with_a_slash(server: LiveServer, db_name: str) -> None:
    volunteer = server.create_user("volunteer")
    url = volunteer.db_url(db_name + "%2Fb")
    assert requests.put(url, timeout=10).status_code == 403
    assert requests.put(server.db_url(db_name + "%2Fb"), timeout=10).status_code == 201
    assert requests.get(url + "/_changes", timeout=10).status_code == 403, "not the synced database"
    assert requests.delete(url, timeout=10).status_code == 403
    assert requests.delete(server.db_url(db_name + "%2Fb"), timeout=10).status_code == 200


def test_attachments_are_put_and_deleted_by_their_own_url(server: LiveServer, db_url: str) -> None:
    """``PUT``/``DELETE /db/doc/att`` as CouchDB answers them (PouchDB's putAttachment and
    removeAttachment over HTTP)."""
    created = requests.put(db_url + "/letter/scans/p1.png", data=b"\x89PNG", headers={"Content-Type": "image/png"},
                           timeout=10)
    assert created.status_code == 201, created.text
    assert created.json() == {"ok": True, "id": "letter", "rev": created.json()["rev"]}
    again = requests.put(db_url + "/letter/other.txt", data=b"x", timeout=10)
    assert again.status_code == 409, "without a rev, an existing document is a conflict"
    second = requests.put(db_url + "/letter/note.txt", params={"rev": created.json()["rev"]}, data="hallo",
                          headers={"Content-Type": "text/plain"}, timeout=10)
    assert second.status_code == 201 and second.json()["rev"].startswith("2-"), second.text
    doc = requests.get(db_url + "/letter", timeout=10).json()
    assert {name: (att["content_type"], att["length"]) for name, att in doc["_attachments"].items()} == {
        "scans/p1.png": ("image/png", 4), "note.txt": ("text/plain", 5)}
    assert requests.get(db_url + "/letter/scans/p1.png", timeout=10).content == b"\x89PNG"

    stale = requests.delete(db_url + "/letter/note.txt", params={"rev": created.json()["rev"]}, timeout=10)
    assert stale.status_code == 409, stale.text
    removed = requests.delete(db_url + "/letter/scans/p1.png", headers={"If-Match": f'"{second.json()["rev"]}"'},
                              timeout=10)
    assert removed.status_code == 200 and removed.json() == {"ok": True, "id": "letter",
                                                             "rev": removed.json()["rev"]}, removed.text
    assert list(requests.get(db_url + "/letter", timeout=10).json()["_attachments"]) == ["note.txt"]
    assert requests.get(db_url + "/letter/scans/p1.png", timeout=10).status_code == 404
    assert requests.delete(db_url + "/nothing/a.txt", timeout=10).status_code == 404

    design = requests.put(db_url + "/_design/app/index.html", data=b"<p>", headers={"Content-Type": "text/html"},
                          timeout=10)
    assert design.status_code == 201 and design.json()["id"] == "_design/app", design.text
    assert requests.get(db_url + "/_design/app/index.html", timeout=10).content == b"<p>"
    slashed = requests.put(db_url + "/a%2Fb/c%2Fd.txt", data=b"1", timeout=10)
    assert slashed.json()["id"] == "a/b", slashed.text
    assert "c/d.txt" in requests.get(db_url + "/a%2Fb", timeout=10).json()["_attachments"]

    limit = 8 * 1024 * 1024
    too_big = requests.put(db_url + "/big/blob.bin", data=b"\0" * (limit + 1), timeout=30)
    assert too_big.status_code == 413, too_big.text
    bad_type = requests.put(db_url + "/typed/a.bin", data=b"1", headers={"Content-Type": "no type"}, timeout=10)
    assert bad_type.status_code == 400, bad_type.text


def test_a_gzip_compressed_attachment_put_stores_the_decoded_content(db_url: str) -> None:
    """``PUT /db/doc/att`` with ``Content-Encoding: gzip``: CouchDB stores the content the body
    decodes to, so its length, digest and bytes are those of the decoded content, for a new
    document and for a new revision of one."""
    scan = bytes(range(256)) * 40
    created = requests.put(db_url + "/letter/scan.bin", data=gzip.compress(scan), timeout=10,
                           headers={"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"})
    assert created.status_code == 201, created.text
    note = "Einwilligung erteilt – موافقة".encode()
    second = requests.put(db_url + "/letter/note.txt", params={"rev": created.json()["rev"]},
                          data=gzip.compress(note), timeout=10,
                          headers={"Content-Type": "text/plain; charset=utf-8", "Content-Encoding": "GZIP"})
    assert second.status_code == 201 and second.json()["rev"].startswith("2-"), second.text
    atts = requests.get(db_url + "/letter", timeout=10).json()["_attachments"]
    for name, content in (("scan.bin", scan), ("note.txt", note)):
        digest = "md5-" + base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
        assert (atts[name]["length"], atts[name]["digest"]) == (len(content), digest), name
        served = requests.get(f"{db_url}/letter/{name}", headers={"Accept-Encoding": "identity"}, timeout=10)
        assert served.content == content and "Content-Encoding" not in served.headers, name


def test_local_documents_in_bulk_docs_are_written_in_place(server: LiveServer, db_url: str) -> None:
    """CouchDB accepts ``_local`` documents in ``_bulk_docs`` and answers them in place."""
    answer = bulk(db_url, [{"_id": "a"}, {"_id": "_local/cp", "last_seq": 3}, {"_id": "b"}])
    assert [entry["id"] for entry in answer] == ["a", "_local/cp", "b"]
    assert answer[1] == {"ok": True, "id": "_local/cp", "rev": "0-1"}
    assert requests.get(db_url + "/_local/cp", timeout=10).json() == {"_id": "_local/cp", "_rev": "0-1",
                                                                      "last_seq": 3}
    assert bulk(db_url, [{"_id": "_local/cp", "_rev": "0-1", "last_seq": 4}])[0]["rev"] == "0-2"
    assert bulk(db_url, [{"_id": "_local/cp", "_rev": "0-2", "_deleted": True}])[0]["ok"] is True
    assert requests.get(db_url + "/_local/cp", timeout=10).status_code == 404
    assert requests.get(db_url + "/_changes", timeout=10).json()["results"][-1]["id"] == "b"

    people = team(server)
    mine = bulk(people.volunteer.db_url, [{"_id": "_local/device-cp", "last_seq": 7}])
    assert mine == [{"ok": True, "id": "_local/device-cp", "rev": "0-1"}]
    assert requests.get(people.volunteer.db_url + "/_local/device-cp", timeout=10).json()["last_seq"] == 7
    assert requests.get(people.admin.db_url + "/_local/device-cp", timeout=10).status_code == 404, \
        "a non-admin's _local documents live under their account, as through the _local routes"


def test_all_docs_refuses_keys_with_a_range_and_reports_update_seq(db_url: str) -> None:
    bulk(db_url, [{"_id": "a"}, {"_id": "b"}])
    for params in ({"startkey": '"a"'}, {"endkey": '"b"'}, {"key": '"a"'}, {"start_key": '"a"'}):
        refused = requests.get(db_url + "/_all_docs", params={"keys": '["a"]', **params}, timeout=10)
        assert refused.status_code == 400, (params, refused.text)
        assert refused.json() == {"error": "query_parse_error",
                                  "reason": "`keys` is incompatible with `key`, `start_key` and `end_key`"}
    posted = requests.post(db_url + "/_all_docs", params={"startkey": '"a"'}, json={"keys": ["a"]}, timeout=10)
    assert posted.status_code == 400 and posted.json()["error"] == "query_parse_error"
    assert requests.get(db_url + "/_all_docs", params={"keys": "[]", "startkey": '"a"'}, timeout=10).status_code == 200

    answer = requests.get(db_url + "/_all_docs", params={"update_seq": "true"}, timeout=10).json()
    assert answer["update_seq"] == requests.get(db_url, timeout=10).json()["update_seq"]
    assert [row["id"] for row in answer["rows"]] == ["a", "b"]
    assert "update_seq" not in requests.get(db_url + "/_all_docs", timeout=10).json()


def test_local_documents_take_no_attachments(db_url: str) -> None:
    assert requests.put(db_url + "/_local/cp", json={"n": 1}, timeout=10).status_code == 201
    for method in ("GET", "PUT", "DELETE"):
        answer = requests.request(method, db_url + "/_local/cp/file.txt", data=b"x", timeout=10)
        assert answer.status_code == 400, (method, answer.text)
        assert answer.json() == {"error": "bad_request", "reason": "_local documents do not accept attachments."}
    assert requests.put(db_url + "/_local/a%2Fb", json={"n": 2}, timeout=10).json()["id"] == "_local/a/b"
    assert requests.get(db_url + "/_local/a%2Fb", timeout=10).json()["n"] == 2


def test_changes_selector_filter_on_every_feed(db_url: str) -> None:
    """filter=_selector, with the selector in a POST body as CouchDB takes it; 400s as CouchDB's."""
    bulk(db_url, [{"_id": "p1", "type": "person"}, {"_id": "e1", "type": "event"}, {"_id": "p2", "type": "person"}])
    person = {"selector": {"type": "person"}}
    normal = requests.post(db_url + "/_changes", params={"filter": "_selector"}, json=person, timeout=10).json()
    assert [row["id"] for row in normal["results"]] == ["p1", "p2"] and normal["last_seq"] == 3
    assert "doc" not in normal["results"][0]
    limited = requests.post(db_url + "/_changes", params={"filter": "_selector", "limit": 1, "since": 1},
                            json=person, timeout=10).json()
    assert [row["id"] for row in limited["results"]] == ["p2"]

    timer = threading.Timer(0.5, lambda: bulk(db_url, [{"_id": "e2", "type": "event"},
                                                       {"_id": "p3", "type": "person"}]))
    timer.start()
    longpoll = requests.post(db_url + "/_changes", params={"filter": "_selector", "feed": "longpoll", "since": 3,
                                                           "timeout": 10_000}, json=person, timeout=20).json()
    timer.join()
    assert [row["id"] for row in longpoll["results"]] == ["p3"]
    continuous = requests.post(db_url + "/_changes", params={"filter": "_selector", "feed": "continuous",
                                                             "timeout": 500}, json=person, timeout=20)
    lines = [json.loads(line) for line in continuous.text.splitlines() if line]
    assert [line["id"] for line in lines[:-1]] == ["p1", "p2", "p3"] and lines[-1] == {"last_seq": 5}

    missing = requests.get(db_url + "/_changes", params={"filter": "_selector"}, timeout=10)
    assert missing.status_code == 400
    assert missing.json() == {"error": "bad_request", "reason": "Selector must be specified in POST payload"}
    for body, reason in (({"selector": ["x"]}, "Selector error: expected a JSON object"),
                         ({"selector": {"type": {"$bogus": 1}}}, "Invalid operator: $bogus")):
        refused = requests.post(db_url + "/_changes", params={"filter": "_selector", "feed": "longpoll"},
                                json=body, timeout=10)
        assert refused.status_code == 400 and refused.json() == {"error": "bad_request", "reason": reason}


def test_changes_selector_never_widens_a_readers_scope(server: LiveServer) -> None:
    people = team(server)
    seed(server, event("event:selector-e1", "Baunatal"), person("person:selector-p1", "Ada", "Baunatal"))
    admin_feed = requests.post(people.admin.db_url + "/_changes", params={"filter": "_selector"},
                               json={"selector": {}}, timeout=10).json()
    mine = requests.post(people.volunteer.db_url + "/_changes", params={"filter": "_selector"},
                         json={"selector": {}}, timeout=10).json()
    unfiltered = requests.get(people.volunteer.db_url + "/_changes", timeout=10).json()
    assert [row["id"] for row in mine["results"]] == [row["id"] for row in unfiltered["results"]]
    admin_ids = {row["id"] for row in admin_feed["results"]}
    assert {"event:selector-e1", "person:selector-p1"} <= admin_ids
    assert "person:selector-p1" not in {row["id"] for row in mine["results"]}


def test_what_the_gateway_does_not_serve_is_refused_in_couchdbs_shape(db_url: str) -> None:
    """Deliberate refusals (README, "Endpoints under /sync"): never a 404 that looks like a
    missing document, a 405 or a 500."""
    bulk(db_url, [{"_id": "_design/app", "views": {"all": {"map": "function (doc) { emit(doc._id); }"}}}])
    refusals = [
        ("GET", "/_changes?filter=app/mine", None, 400, "bad_request", "Design-document filters"),
        ("POST", "/_changes?filter=app/mine&feed=longpoll", {}, 400, "bad_request", "Design-document filters"),
        ("GET", "/_changes?filter=_view&view=app/all", None, 400, "bad_request", "The _view filter"),
        ("GET", "/_design/app/_view/all", None, 501, "not_implemented", "Map/reduce views"),
        ("POST", "/_design/app/_view/all", {"keys": ["a"]}, 501, "not_implemented", "Map/reduce views"),
        ("GET", "/_design/missing/_view/all", None, 501, "not_implemented", "Map/reduce views"),
        ("POST", "/_compact", {}, 501, "not_implemented", "Compaction"),
        ("POST", "/_compact/app", {}, 501, "not_implemented", "Compaction"),
        ("POST", "/_view_cleanup", {}, 501, "not_implemented", "Compaction"),
        ("PUT", "/_design/guard", {"validate_doc_update": "function () {}"}, 501, "not_implemented",
         "validate_doc_update"),
        ("POST", "/_bulk_docs", {"docs": [{"_id": "_design/guard", "validate_doc_update": "function () {}"}]},
         501, "not_implemented", "validate_doc_update"),
    ]
    for method, path, body, status, error, reason in refusals:
        answer = requests.request(method, db_url + path, json=body, timeout=10)
        assert (answer.status_code, answer.json()["error"]) == (status, error), (method, path, answer.text)
        assert answer.json()["reason"].startswith(reason), (path, answer.json())
    assert requests.get(db_url + "/_design/guard", timeout=10).status_code == 404, "nothing was written"
    deleted = bulk(db_url, [{"_id": "_design/app", "_rev": requests.get(db_url + "/_design/app", timeout=10)
                             .json()["_rev"], "_deleted": True}])
    assert deleted[0]["ok"] is True
