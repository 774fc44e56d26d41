"""The storage contract: one suite, run against every backend in ``BACKENDS``.

Each expectation is CouchDB's own behaviour (the HTTP API reference and ``couch_db``),
so a backend that passes here answers replicators the way CouchDB does. As in pouchdb's
``test.basics.js``, nothing here knows which backend it is talking to; only
``STORE_BUILDERS`` does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync import selector
from sync.errors import CouchError
from sync.storage import BACKENDS, Database, Limits, Store, open_store, selected
from sync.storage.base import AllDocsQuery, ChangesQuery, ReadOptions


def _sqlite_store(limits: Limits, directory: Path, request: pytest.FixtureRequest, server: str) -> Store:
    return open_store("sqlite", limits, directory=directory)


def _couch_store(limits: Limits, directory: Path, request: pytest.FixtureRequest, server: str) -> Store:
    url = request.getfixturevalue("pouchdb_server").url if server == "pouchdb-server" else os.environ["COUCHDB_URL"]
    return open_store("couchdb", limits, url=url)


# How a test builds each backend. A backend registered in BACKENDS without an entry here
# fails with a KeyError instead of being skipped.
STORE_BUILDERS: dict[str, Callable[[Limits, Path, pytest.FixtureRequest, str], Store]] = {
    "sqlite": _sqlite_store, "couchdb": _couch_store,
}

# Where each backend runs: the CouchDB backend against pouchdb-server (started by the suite,
# in memory) and, when COUCHDB_URL is set, against that real CouchDB as well.
SERVERS: dict[str, list[str]] = {
    "sqlite": ["file"],
    "couchdb": ["pouchdb-server", *(["COUCHDB_URL"] if os.environ.get("COUCHDB_URL") else [])],
}

_DROPS_SLASHES = ("pouchdb-server drops '/' from database names (express-pouchdb's cleanFilename), so `a/b` would"
                  " be `ab`; the backend refuses such names there (not_implemented)")

# What pouchdb-server cannot do, so these tests leave out that one target (and still run
# on every other, a real CouchDB included). Each entry says why.
POUCHDB_SERVER_LACKS = {
    "test_revs_diff": "PouchDB's _revs_diff answers without possible_ancestors (only a hint for replicators)",
    "test_all_docs_offset_counts_rows_before_the_first_row": "PouchDB reports offset = skip (pouchdb/pouchdb#1397)",
    "test_info_counts_live_and_deleted_documents": "pouchdb-server's database info has no doc_del_count",
    "test_revs_limit_stems_local_edits": "pouchdb-server has no _revs_limit endpoint",
    "test_revs_limit_stems_replicated_paths": "pouchdb-server has no _revs_limit endpoint",
    "test_revs_diff_with_nothing_missing_is_empty":
        "PouchDB's _revs_diff reports ancestors it holds no body of as missing (replicators then resend them)",
    "test_replicated_inline_attachment_keeps_its_revpos":
        "PouchDB sets a replicated inline attachment's revpos to the revision's position",
    "test_replicated_inline_attachment_stores_any_revpos_as_given":
        "PouchDB sets a replicated inline attachment's revpos to the revision's position (file section 9)",
    "test_every_reader_serves_a_replicated_revpos_as_given":
        "PouchDB sets a replicated inline attachment's revpos to the revision's position (file section 9)",
    "test_new_edits_keep_the_position_whatever_revpos_they_name":
        "PouchDB sets a replicated inline attachment's revpos to the revision's position (file section 9)",
    "test_replicated_inline_attachment_without_revpos_has_revpos_0":
        "PouchDB sets a replicated inline attachment's revpos to the revision's position (file section 9)",
    "test_local_document_put_with_a_stale_rev_wins":
        "pouchdb-server answers 409 for a stale _local rev; CouchDB 3.5 lets the last write win (file section 7)",
    "test_edit_by_the_tombstones_rev_is_conflict":
        "pouchdb-server accepts an edit of a deleted document by its tombstone's rev (file section 8)",
    "test_a_since_that_is_no_sequence_is_a_bad_request_or_a_real_position":
        "pouchdb-server answers a since that is no sequence with an empty feed whose last_seq is that value "
        "(CouchDB: 400, file section 1.4)",
    "test_local_ids_lists_local_documents_only":
        "pouchdb-server has no _local_docs (CouchDB 2.2+); the backend answers not_implemented there",
    "test_legal_database_names_with_slashes": _DROPS_SLASHES,
    "test_database_names_with_slashes_are_databases_of_their_own": _DROPS_SLASHES,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a store runs once per backend and server it can run on."""
    if "target" not in metafunc.fixturenames:
        return
    lacking = metafunc.function.__name__ in POUCHDB_SERVER_LACKS
    targets = [(backend, server) for backend in BACKENDS for server in SERVERS[backend]
               if not (lacking and server == "pouchdb-server")]
    metafunc.parametrize("target", targets,
                         ids=[backend if server == "file" else f"{backend}-{server}" for backend, server in targets])


def seq_number(seq: object) -> int:
    """A sequence's count: the integer itself, or the numeric prefix of CouchDB's opaque
    ``N-...`` strings (the sum of its shards' counts, which grows with every write)."""
    return int(str(seq).split("-", 1)[0])


@pytest.fixture
def limits() -> Limits:
    """The store's limits; a test overrides them with ``@pytest.mark.parametrize("limits", ...)``."""
    return Limits()


@pytest.fixture
def store(request: pytest.FixtureRequest, target: tuple[str, str], limits: Limits, tmp_path: Path) -> Iterator[Store]:
    backend, server = target
    opened = STORE_BUILDERS[backend](limits, tmp_path / "store", request, server)
    before = set(opened.all_dbs())
    yield opened
    for name in set(opened.all_dbs()) - before:  # a shared server: leave it as it was
        opened.delete_db(name)
    opened.close()


@pytest.fixture
def db(store: Store) -> Iterator[Database]:
    store.create_db("contract")
    database = store.database("contract")
    yield database
    database.close()
    store.delete_db("contract")


# -- helpers ------------------------------------------------------------------------------


def couch_error(call: Callable[[], object]) -> CouchError:
    """The CouchError that ``call`` raises."""
    with pytest.raises(CouchError) as caught:
        call()
    return caught.value


def put(db: Database, doc: dict[str, Any]) -> str:
    """Write one document with ``new_edits=true`` and return its new rev."""
    result = db.put(doc)
    assert result["ok"] is True
    return str(result["rev"])


def replicated(doc_id: str, path: list[str], deleted: bool = False, **body: Any) -> dict[str, Any]:
    """A document as a replicator sends it with ``new_edits=false``: ``_rev`` and ``_revisions``."""
    doc: dict[str, Any] = {
        "_id": doc_id,
        "_rev": path[0],
        "_revisions": {"start": int(path[0].split("-")[0]), "ids": [rev.split("-", 1)[1] for rev in path]},
        **body,
    }
    if deleted:
        doc["_deleted"] = True
    return doc


def replicate(db: Database, *docs: dict[str, Any]) -> None:
    assert db.bulk_docs(list(docs), new_edits=False) == []


def pos(rev: str) -> int:
    return int(rev.split("-")[0])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def md5_digest(data: bytes) -> str:
    return "md5-" + b64(hashlib.md5(data).digest())


# -- databases ----------------------------------------------------------------------------


def test_create_list_and_delete_databases(store: Store) -> None:
    store.create_db("beta")
    store.create_db("alpha")
    names = store.all_dbs()
    assert {"alpha", "beta"} <= set(names)
    assert names == sorted(names)
    store.delete_db("beta")
    assert "beta" not in store.all_dbs()
    assert "alpha" in store.all_dbs()
    store.delete_db("alpha")


def test_create_existing_database_is_file_exists(store: Store) -> None:
    store.create_db("twice")
    error = couch_error(lambda: store.create_db("twice"))
    assert (error.status, error.error) == (412, "file_exists")
    store.delete_db("twice")


def test_missing_database_is_not_found(store: Store) -> None:
    for call in (lambda: store.delete_db("nowhere"), lambda: store.database("nowhere")):
        error = couch_error(call)
        assert (error.status, error.error) == (404, "not_found")


def test_deleted_database_is_gone_and_recreated_empty(store: Store) -> None:
    store.create_db("phoenix")
    database = store.database("phoenix")
    put(database, {"_id": "a"})
    database.close()
    store.delete_db("phoenix")
    assert couch_error(lambda: store.database("phoenix")).status == 404
    store.create_db("phoenix")
    database = store.database("phoenix")
    try:
        info = database.info()
        assert (info["doc_count"], seq_number(info["update_seq"])) == (0, 0)
        assert couch_error(lambda: database.get("a")).status == 404
    finally:
        database.close()
        store.delete_db("phoenix")


@pytest.mark.parametrize(
    "name",
    ["Upper", "1digit-first", "has space", "", "_underscore", "dot.ted", pytest.param("a" * 239, id="239-chars"),
     pytest.param("newline\n", id="trailing-newline")],
)
def test_bad_database_names_are_illegal(store: Store, name: str) -> None:
    for call in (lambda: store.create_db(name), lambda: store.database(name), lambda: store.delete_db(name)):
        error = couch_error(call)
        assert (error.status, error.error) == (400, "illegal_database_name")
    assert name not in store.all_dbs()


def test_an_illegal_name_is_refused_with_couchdbs_reason(store: Store) -> None:
    """CouchDB 3's reason names every allowed character, ``/`` included."""
    assert couch_error(lambda: store.create_db("Upper/case")).reason == (
        "Name: 'Upper/case'. Only lowercase characters (a-z), digits (0-9), and any of the characters"
        " _, $, (, ), +, -, and / are allowed. Must begin with a letter.")


@pytest.mark.parametrize("name", ["a", pytest.param("a" * 238, id="238-chars"), "with_all$chars()+-0"])
def test_legal_database_names(store: Store, name: str) -> None:
    """CouchDB accepts names up to 238 characters from this alphabet."""
    store.create_db(name)
    assert name in store.all_dbs()
    store.database(name).close()
    store.delete_db(name)


@pytest.mark.parametrize("name", ["a/b", "with_all$chars()+-0/", "a//b/",
                                  pytest.param("a" + "/b" * 118 + "c", id="238-chars-118-slashes")])
def test_legal_database_names_with_slashes(store: Store, name: str) -> None:
    """CouchDB's alphabet includes ``/`` (``^[a-z][a-z0-9_$()+/-]*$``), anywhere after the first letter."""
    store.create_db(name)
    assert name in store.all_dbs()
    store.database(name).close()
    store.delete_db(name)
    assert name not in store.all_dbs()


def test_database_names_with_slashes_are_databases_of_their_own(store: Store) -> None:
    """CouchDB's rule allows ``/`` in database names (``^[a-z][a-z0-9_$()+/-]*$``); ``a/b``
    is one database, listed by its name, and unrelated to ``a`` and to ``a/b/c``."""
    names = ["county/b", "county", "county/b/c", "county//b", "county-b"]
    for name in names:
        store.create_db(name)
    assert couch_error(lambda: store.create_db("county/b")).error == "file_exists"
    listed = [name for name in store.all_dbs() if name.startswith("county")]
    assert listed == sorted(names)
    for name in names:
        with store.database(name) as database:
            put(database, {"_id": "where", "name": name})
            database.put_local("checkpoint", {"last_seq": name})
    for name in names:
        with store.database(name) as database:
            assert database.info()["doc_count"] == 1
            assert database.get("where")["name"] == name
            assert database.get_local("checkpoint")["last_seq"] == name
            assert [row.id for row in database.changes(ChangesQuery()).results] == ["where"]
    store.delete_db("county/b")
    assert couch_error(lambda: store.database("county/b")).status == 404
    assert couch_error(lambda: store.delete_db("county/b")).status == 404
    assert [name for name in store.all_dbs() if name.startswith("county")] == sorted(set(names) - {"county/b"})
    with store.database("county/b/c") as database:
        assert database.get("where")["name"] == "county/b/c", "deleting a/b leaves a/b/c alone"
    store.create_db("county/b")
    with store.database("county/b") as database:
        assert database.info()["doc_count"] == 0, "created again, empty"
    for name in names:
        store.delete_db(name)
    assert not [name for name in store.all_dbs() if name.startswith("county")]


def test_a_database_handle_closes_when_its_with_block_ends(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """``with store.database(name) as database`` closes the handle however the block ends,
    and lets the block's error through."""
    store.create_db("handles")
    closed: list[str] = []
    with pytest.raises(CouchError) as raised, store.database("handles") as database:
        close = database.close

        def close_and_note() -> None:
            closed.append(database.name)
            close()

        monkeypatch.setattr(database, "close", close_and_note)
        database.get("missing")
    assert (raised.value.status, closed) == (404, ["handles"])
    store.delete_db("handles")


# -- bulk_docs, new_edits=true --------------------------------------------------------------


def test_new_document_gets_first_rev_and_body(db: Database) -> None:
    [result] = db.bulk_docs([{"_id": "a", "n": 1}])
    assert result["ok"] is True and result["id"] == "a" and pos(result["rev"]) == 1
    assert db.get("a") == {"_id": "a", "_rev": result["rev"], "n": 1}


def test_document_without_id_gets_a_generated_one(db: Database) -> None:
    [first, second] = db.bulk_docs([{"n": 1}, {"n": 2}])
    assert first["id"] and second["id"] and first["id"] != second["id"]
    assert db.get(first["id"])["n"] == 1


def test_update_with_current_rev(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    second = put(db, {"_id": "a", "_rev": first, "n": 2})
    assert pos(second) == 2 and second != first
    assert db.get("a") == {"_id": "a", "_rev": second, "n": 2}


def test_same_edit_gives_same_rev_on_two_databases(store: Store) -> None:
    """Rev ids come from the content, so the same edit made on two replicas converges."""
    revs = []
    for name in ("left", "right"):
        store.create_db(name)
        database = store.database(name)
        revs.append(put(database, {"_id": "a", "n": 1}))
        database.close()
        store.delete_db(name)
    assert revs[0] == revs[1]


def test_stale_rev_is_conflict(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    put(db, {"_id": "a", "_rev": first, "n": 2})
    assert db.bulk_docs([{"_id": "a", "_rev": first, "n": 3}]) == [
        {"id": "a", "error": "conflict", "reason": "Document update conflict."}
    ]
    error = couch_error(lambda: db.put({"_id": "a", "_rev": first, "n": 3}))
    assert (error.status, error.error) == (409, "conflict")
    assert db.get("a")["n"] == 2


@pytest.mark.parametrize("doc", [{"_id": "a", "n": 2}, {"_id": "a", "_rev": "1-0123456789abcdef", "n": 2}])
def test_update_without_current_rev_is_conflict(db: Database, doc: dict[str, Any]) -> None:
    put(db, {"_id": "a", "n": 1})
    assert couch_error(lambda: db.put(doc)).status == 409


def test_rev_on_missing_document_is_conflict(db: Database) -> None:
    assert couch_error(lambda: db.put({"_id": "nope", "_rev": "1-abc"})).status == 409


def test_delete_then_recreate_extends_the_tombstone(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    tombstone = put(db, {"_id": "a", "_rev": first, "_deleted": True})
    assert pos(tombstone) == 2
    error = couch_error(lambda: db.get("a"))
    assert (error.status, error.error, error.reason) == (404, "not_found", "deleted")
    recreated = put(db, {"_id": "a", "n": 3})
    assert pos(recreated) == 3
    doc = db.get("a", options=ReadOptions(revs=True))
    assert doc["n"] == 3
    assert doc["_revisions"]["ids"] == [recreated.split("-")[1], tombstone.split("-")[1], first.split("-")[1]]


def test_edit_by_the_tombstones_rev_is_conflict(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 8 (row 9): "an edit whose `_rev` is the tombstone of a
    deleted document is a 409": ``PUT /tomb/x {"_rev":"2-bfa217…","n":2} -> 409`` and in
    ``_bulk_docs`` a per-document conflict; ``PUT /tomb/x {"n":3}`` (no `_rev`) -> 201, `3-…`,
    extending the tombstone."""
    first = put(db, {"_id": "x", "n": 1})
    tombstone = put(db, {"_id": "x", "_rev": first, "_deleted": True})
    error = couch_error(lambda: db.put({"_id": "x", "_rev": tombstone, "n": 2}))
    assert (error.status, error.error) == (409, "conflict")
    assert db.bulk_docs([{"_id": "x", "_rev": tombstone, "n": 2}]) == [
        {"id": "x", "error": "conflict", "reason": "Document update conflict."}]
    assert couch_error(lambda: db.get("x")).reason == "deleted"
    recreated = put(db, {"_id": "x", "n": 3})
    assert pos(recreated) == 3
    assert db.get("x", options=ReadOptions(revs=True))["_revisions"]["ids"][1] == tombstone.split("-")[1]


def test_a_conflict_does_not_stop_the_rest_of_the_batch(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    put(db, {"_id": "a", "_rev": first, "n": 2})
    results = db.bulk_docs([{"_id": "b", "n": 1}, {"_id": "a", "_rev": first, "n": 3}, {"_id": "d", "n": 4}])
    assert [row.get("id") for row in results] == ["b", "a", "d"]
    assert results[0]["ok"] is True and results[2]["ok"] is True and results[1]["error"] == "conflict"
    assert db.get("b")["n"] == 1 and db.get("d")["n"] == 4
    assert db.get("a")["n"] == 2


@pytest.mark.parametrize("malformed", ["not an object", {"_id": "_bad", "n": 1}, {"_id": "c", "_rev": "not-a-rev"},
                                       {"_id": "e", "_foo": 1}])
def test_a_malformed_document_fails_the_whole_request_as_in_couchdb(db: Database, malformed: object) -> None:
    error = couch_error(lambda: db.bulk_docs([{"_id": "b", "n": 1}, malformed]))
    assert error.status == 400
    assert couch_error(lambda: db.get("b")).status == 404


def test_two_edits_of_one_id_in_a_batch(db: Database) -> None:
    """As in CouchDB, the second new edit of a document without a rev conflicts with the first."""
    results = db.bulk_docs([{"_id": "a", "n": 1}, {"_id": "a", "n": 2}])
    assert results[0]["ok"] is True
    assert results[1] == {"id": "a", "error": "conflict", "reason": "Document update conflict."}
    assert db.get("a") == {"_id": "a", "_rev": results[0]["rev"], "n": 1}


def test_two_edits_of_one_rev_in_a_batch(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    results = db.bulk_docs([{"_id": "a", "_rev": first, "n": 2}, {"_id": "a", "_rev": first, "n": 3}])
    assert results[0]["ok"] is True and results[1]["error"] == "conflict"
    assert db.get("a", options=ReadOptions(conflicts=True)) == {"_id": "a", "_rev": results[0]["rev"], "n": 2}


def test_docs_must_be_a_list(db: Database) -> None:
    assert couch_error(lambda: db.bulk_docs({"_id": "a"})).status == 400


# -- bulk_docs, new_edits=false (replication) ---------------------------------------------------


def test_replicated_revisions_are_stored_as_given(db: Database) -> None:
    replicate(db, replicated("a", ["3-c", "2-b", "1-a"], n=3))
    doc = db.get("a", options=ReadOptions(revs=True))
    assert doc == {"_id": "a", "_rev": "3-c", "n": 3, "_revisions": {"start": 3, "ids": ["c", "b", "a"]}}


def test_replicated_branches_become_conflicts(db: Database) -> None:
    replicate(db, replicated("a", ["2-b", "1-a"], n=1), replicated("a", ["2-c", "1-a"], n=2))
    doc = db.get("a", options=ReadOptions(conflicts=True))
    assert doc == {"_id": "a", "_rev": "2-c", "n": 2, "_conflicts": ["2-b"]}
    assert db.get("a", "2-b")["n"] == 1


def test_replicated_deleted_longer_branch_loses_to_live_branch(db: Database) -> None:
    replicate(db, replicated("a", ["3-d", "2-b", "1-a"], deleted=True), replicated("a", ["2-c", "1-a"], n=2))
    doc = db.get("a", options=ReadOptions(conflicts=True, deleted_conflicts=True))
    assert doc == {"_id": "a", "_rev": "2-c", "n": 2, "_deleted_conflicts": ["3-d"]}
    assert db.info()["doc_count"] == 1


def test_replay_is_idempotent(db: Database) -> None:
    batch = [replicated("a", ["2-b", "1-a"], n=1), replicated("a", ["2-c", "1-a"], n=2), replicated("b", ["1-x"])]
    replicate(db, *batch)
    seq = db.update_seq()
    changes = db.changes(ChangesQuery()).results
    replicate(db, *batch)
    replicate(db, replicated("a", ["1-a"]))  # an ancestor the database already holds
    assert db.update_seq() == seq
    assert db.changes(ChangesQuery()).results == changes


def test_replicated_edit_needs_a_rev(db: Database) -> None:
    error = couch_error(lambda: db.bulk_docs([{"_id": "a", "n": 1}, replicated("b", ["1-b"])], new_edits=False))
    assert error.status == 400 and "_rev" in error.reason
    assert couch_error(lambda: db.get("b")).status == 404


def test_replicated_revisions_win_over_a_disagreeing_rev_as_in_couchdb(db: Database) -> None:
    doc = {**replicated("a", ["2-b", "1-a"]), "_rev": "2-z"}
    assert db.bulk_docs([doc], new_edits=False) == []
    assert db.get("a")["_rev"] == "2-b"


# -- update_seq -------------------------------------------------------------------------------


def test_update_seq_strictly_increases_with_every_write(db: Database) -> None:
    seqs = [db.update_seq()]
    first = put(db, {"_id": "a"})
    seqs.append(db.update_seq())
    db.bulk_docs([{"_id": "b"}, {"_id": "c"}])
    seqs.append(db.update_seq())
    put(db, {"_id": "a", "_rev": first, "_deleted": True})
    seqs.append(db.update_seq())
    replicate(db, replicated("d", ["1-d"]))
    seqs.append(db.update_seq())
    numbers = [seq_number(seq) for seq in seqs]
    assert numbers == sorted(set(numbers))
    assert db.info()["update_seq"] == seqs[-1]


def test_rejected_writes_do_not_move_update_seq(db: Database) -> None:
    put(db, {"_id": "a"})
    seq = db.update_seq()
    assert db.bulk_docs([{"_id": "a"}])[0]["error"] == "conflict"
    assert couch_error(lambda: db.bulk_docs([{"_id": "b"}, {"_id": "_bad"}])).status == 400
    assert db.update_seq() == seq


# -- changes ------------------------------------------------------------------------------------


@pytest.fixture
def feed_db(db: Database) -> Database:
    """a, b, c written in that order, then a updated and b deleted: the feed is c, a, b."""
    a1 = put(db, {"_id": "a", "n": 1})
    b1 = put(db, {"_id": "b", "n": 1})
    put(db, {"_id": "c", "n": 1})
    put(db, {"_id": "a", "_rev": a1, "n": 2})
    put(db, {"_id": "b", "_rev": b1, "_deleted": True})
    return db


def ids_of(page: Any) -> list[str]:
    return [change.id for change in page.results]


def test_changes_lists_each_document_once_at_its_newest_seq(feed_db: Database) -> None:
    """couchdb-3.5-behaviour.md section 1.1 (row 1): "`_changes` has no total order across
    shards; the order varies between calls", and (row 2) "the same position has different
    sequence strings": the set of rows and their revisions are compared, sequences only as
    resume points."""
    page = feed_db.changes(ChangesQuery())
    assert sorted(ids_of(page)) == ["a", "b", "c"]
    tombstone = feed_db.open_revs("b", None)[0]["ok"]["_rev"]
    assert {change.id: change.revs for change in page.results} == {
        "a": [feed_db.get("a")["_rev"]], "b": [tombstone], "c": [feed_db.get("c")["_rev"]]}
    assert {change.id: change.deleted for change in page.results} == {"a": False, "b": True, "c": False}
    rows = {change.id: change.as_json() for change in page.results}
    assert rows["b"]["deleted"] is True and "deleted" not in rows["a"]
    # "The numeric prefix is the sum of the shard counters (the contract's `seq_number` is right)."
    assert seq_number(page.last_seq) == seq_number(feed_db.update_seq())
    assert feed_db.changes(ChangesQuery(since=page.last_seq)).results == []


def test_changes_since(feed_db: Database) -> None:
    """Section 1.1: "Resuming from a row's `seq` returns what comes after that row *in that
    listing*": proved by content, the rows before plus the rows after are the whole feed."""
    listing = feed_db.changes(ChangesQuery())
    for index, row in enumerate(listing.results):
        after = feed_db.changes(ChangesQuery(since=row.seq))
        assert set(ids_of(after)) | set(ids_of(listing)[:index + 1]) == {"a", "b", "c"}
        assert row.id not in ids_of(after)
    empty = feed_db.changes(ChangesQuery(since=feed_db.update_seq()))
    assert empty.results == []
    assert feed_db.changes(ChangesQuery(since=empty.last_seq)).results == []


def test_changes_limit_pages_through_the_feed(feed_db: Database) -> None:
    """Section 1.1: "every change after `since` arrives at least once; a row's seq or a page's
    `last_seq` is a valid resume point; `limit` bounds the rows"."""
    seen: list[str] = []
    since: object = 0
    for _ in range(4):
        page = feed_db.changes(ChangesQuery(since=since, limit=2))  # type: ignore[arg-type]
        assert len(page.results) <= 2
        seen += ids_of(page)
        if not page.results:
            break
        since = page.last_seq
    assert sorted(set(seen)) == ["a", "b", "c"] and len(seen) == 3


def test_changes_descending(feed_db: Database) -> None:
    """Section 1.1: "Descending is per shard too, and rows may share a seq"; "(The contract
    expects `["b","a","c"]`; the `limit=1` part holds.)" The newest change comes first."""
    page = feed_db.changes(ChangesQuery(descending=True))
    assert sorted(ids_of(page)) == ["a", "b", "c"]
    top = feed_db.changes(ChangesQuery(descending=True, limit=1))
    assert ids_of(top) == ["b"]
    assert top.last_seq == top.results[0].seq


def test_changes_doc_ids_filter(feed_db: Database) -> None:
    """Section 1.2 (row 2): the filtered feed's `last_seq` is "the `_changes` spelling, not
    the `update_seq` string": compared by content (nothing after it) and by its count."""
    page = feed_db.changes(ChangesQuery(doc_ids=frozenset({"b", "c", "nope"})))
    assert sorted(ids_of(page)) == ["b", "c"]
    assert seq_number(page.last_seq) == seq_number(feed_db.update_seq())
    assert feed_db.changes(ChangesQuery(since=page.last_seq)).results == []
    limited = feed_db.changes(ChangesQuery(doc_ids=frozenset({"b", "c"}), limit=1))
    assert len(limited.results) == 1 and ids_of(limited)[0] in {"b", "c"}


def test_changes_include_docs(feed_db: Database) -> None:
    page = feed_db.changes(ChangesQuery(include_docs=True))
    docs = {change.id: change.doc for change in page.results}
    assert docs["a"] == feed_db.get("a")
    assert docs["c"] == feed_db.get("c")
    tombstone = feed_db.open_revs("b", None)[0]["ok"]["_rev"]
    assert docs["b"] == {"_id": "b", "_rev": tombstone, "_deleted": True}
    assert feed_db.changes(ChangesQuery()).results[0].doc is None


def test_changes_all_leaves_and_conflicts(db: Database) -> None:
    replicate(db, replicated("a", ["2-b", "1-a"]), replicated("a", ["2-c", "1-a"]))
    [winner_only] = db.changes(ChangesQuery()).results
    assert winner_only.revs == ["2-c"]
    [all_leaves] = db.changes(ChangesQuery(all_leaves=True)).results
    assert sorted(all_leaves.revs) == ["2-b", "2-c"]
    assert all_leaves.as_json()["changes"][0] in ({"rev": "2-b"}, {"rev": "2-c"})
    [with_doc] = db.changes(ChangesQuery(include_docs=True, conflicts=True)).results
    assert with_doc.doc == {"_id": "a", "_rev": "2-c", "_conflicts": ["2-b"]}


def test_changes_rejects_negative_since_and_limit(db: Database) -> None:
    assert couch_error(lambda: db.changes(ChangesQuery(since=-1))).status == 400
    assert couch_error(lambda: db.changes(ChangesQuery(limit=-1))).status == 400


def test_a_retried_write_finds_the_first_one_applied(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 12 (row 13): "a write that timed out on the client is
    applied once the server proceeds" (``PUT /slow/b {"n":1}`` unanswered, then ``GET /slow/b``
    finds it and ``PUT /slow/b {"n":2} -> 409``): "a 503 "did not answer within" for a write does
    not mean it was not written". A client cannot know, so what is promised is that a retry is
    safe: a new edit sent again is a conflict that leaves the first one as it was, and a
    replicated edit sent again changes nothing."""
    rev = put(db, {"_id": "b", "n": 1})
    retry = couch_error(lambda: db.put({"_id": "b", "n": 1}))
    assert (retry.status, retry.error) == (409, "conflict")
    [row] = db.bulk_docs([{"_id": "b", "n": 1}])
    assert (row["id"], row["error"]) == ("b", "conflict")
    assert db.open_revs("b", None) == [{"ok": {"_id": "b", "_rev": rev, "n": 1}}]
    replicate(db, replicated("r", ["2-b", "1-a"], n=2))
    seq = seq_number(db.update_seq())
    replicate(db, replicated("r", ["2-b", "1-a"], n=2))
    assert seq_number(db.update_seq()) == seq
    assert db.open_revs("r", None) == [{"ok": {"_id": "r", "_rev": "2-b", "n": 2}}]


# -- revs_diff ----------------------------------------------------------------------------------


def test_revs_diff(db: Database) -> None:
    replicate(db, replicated("a", ["2-b", "1-a"]), replicated("a", ["3-d", "2-c", "1-a"]), replicated("h", ["1-h"]))
    diff = db.revs_diff({
        "a": ["1-a", "2-b", "3-d", "3-x", "4-y", "2-z"],
        "h": ["1-h"],
        "new": ["1-n", "2-n"],
    })
    # couchdb-3.5-behaviour.md section 2 (row 4): "`_revs_diff` lists `missing` sorted by
    # revision, not in request order" (`["2-z","3-x","4-y"]`): compared as a set.
    assert sorted(diff["a"]["missing"]) == ["2-z", "3-x", "4-y"]
    # Leaves below the highest missing position could be its ancestors.
    assert sorted(diff["a"]["possible_ancestors"]) == ["2-b", "3-d"]
    assert diff["new"] == {"missing": ["1-n", "2-n"]}
    assert set(diff) == {"a", "new"}


def test_revs_diff_with_nothing_missing_is_empty(db: Database) -> None:
    replicate(db, replicated("a", ["2-b", "1-a"]))
    assert db.revs_diff({"a": ["2-b", "1-a"]}) == {}


def test_revs_diff_without_possible_ancestors(db: Database) -> None:
    replicate(db, replicated("a", ["3-c", "2-b", "1-a"]))
    assert db.revs_diff({"a": ["2-x"]}) == {"a": {"missing": ["2-x"]}}


@pytest.mark.parametrize("request_body", [["a"], {"a": "1-a"}, {"a": ["bogus"]}])
def test_revs_diff_rejects_bad_requests(db: Database, request_body: object) -> None:
    assert couch_error(lambda: db.revs_diff(request_body)).status == 400


# -- get ------------------------------------------------------------------------------------


@pytest.fixture
def branched_db(db: Database) -> Database:
    """Document "a": 1-a -> 2-b -> 3-c (winner), 1-a -> 2-x, 1-a -> 2-y (deleted)."""
    replicate(
        db,
        replicated("a", ["3-c", "2-b", "1-a"], n=3),
        replicated("a", ["2-x", "1-a"], n=2),
        replicated("a", ["2-y", "1-a"], deleted=True),
    )
    return db


def test_get_winner_and_given_leaf(branched_db: Database) -> None:
    assert branched_db.get("a") == {"_id": "a", "_rev": "3-c", "n": 3}
    assert branched_db.get("a", "2-x") == {"_id": "a", "_rev": "2-x", "n": 2}
    assert branched_db.get("a", "2-y") == {"_id": "a", "_rev": "2-y", "_deleted": True}


def test_get_conflicts(branched_db: Database) -> None:
    doc = branched_db.get("a", options=ReadOptions(conflicts=True, deleted_conflicts=True))
    assert doc["_conflicts"] == ["2-x"]
    assert doc["_deleted_conflicts"] == ["2-y"]
    assert "_conflicts" not in branched_db.get("a")


def test_get_revs(branched_db: Database) -> None:
    assert branched_db.get("a", options=ReadOptions(revs=True))["_revisions"] == {
        "start": 3, "ids": ["c", "b", "a"]
    }
    assert branched_db.get("a", "2-x", ReadOptions(revs=True))["_revisions"] == {"start": 2, "ids": ["x", "a"]}


def test_get_revs_info(branched_db: Database) -> None:
    info = branched_db.get("a", options=ReadOptions(revs_info=True))["_revs_info"]
    assert [entry["rev"] for entry in info] == ["3-c", "2-b", "1-a"]
    assert info[0]["status"] == "available"
    # couchdb-3.5-behaviour.md section 13 (row 14): "`revs_info` shows older revisions
    # `available`" until CouchDB compacts; the SQLite store drops their bodies at once.
    assert all(entry["status"] in {"available", "missing"} for entry in info[1:])
    # couchdb-3.5-behaviour.md section 3 (row 5): "`revs_info=true` is ignored when `rev=` is
    # given" (`GET /br/a?rev=2-y&revs_info=true -> {"_id":"a","_rev":"2-y","_deleted":true}`);
    # the SQLite store and pouchdb-server add it, so only the document itself is compared.
    deleted = branched_db.get("a", "2-y", ReadOptions(revs_info=True))
    assert {key: value for key, value in deleted.items() if key != "_revs_info"} == {
        "_id": "a", "_rev": "2-y", "_deleted": True}


def test_get_latest(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 6 (row 15): "`GET /db/doc?rev=X&latest=true` returns the
    current winner, whatever X is" on CouchDB, but "`CouchDatabase._fetch` computes `latest` from
    the leaves (`_latest`) and answers `2-x`, as the SQLite store does. Keep that; do not switch
    single reads to CouchDB's own `latest`." So a replaced revision reads as the leaf after it."""
    first = put(db, {"_id": "a", "n": 1})
    second = put(db, {"_id": "a", "_rev": first, "n": 2})
    assert db.get("a", first, ReadOptions(latest=True)) == {"_id": "a", "_rev": second, "n": 2}


def test_get_latest_of_a_leaf_is_that_leaf(branched_db: Database) -> None:
    """Section 6 (row 15): ``GET /br2/a?rev=2-x&latest=true`` is ``3-c`` on CouchDB ("2-x is
    itself a leaf"); the store computes `latest` itself and answers ``2-x``, as
    ``open_revs=["2-x"]&latest=true`` does on CouchDB ("(correct)")."""
    latest = ReadOptions(latest=True)
    assert branched_db.get("a", "2-x", latest) == {"_id": "a", "_rev": "2-x", "n": 2}
    assert branched_db.get("a", "2-b", latest) == {"_id": "a", "_rev": "3-c", "n": 3}
    assert branched_db.open_revs("a", ["2-x"], latest) == [{"ok": {"_id": "a", "_rev": "2-x", "n": 2}}]


def test_a_replaced_revisions_body_may_stay_readable_until_compaction(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 13 (row 14): "CouchDB keeps the body of a replaced
    revision until the database is compacted: `GET /db/doc?rev=<old rev>` -> 200"; the SQLite
    store drops it at once. Both are the contract: the old body as it was, or not found; never
    another revision's body."""
    first = put(db, {"_id": "a", "n": 1})
    put(db, {"_id": "a", "_rev": first, "n": 2})
    try:
        old = db.get("a", first)
    except CouchError as gone:
        assert (gone.status, gone.error) == (404, "not_found"), gone
    else:
        assert old == {"_id": "a", "_rev": first, "n": 1}
    assert db.open_revs("a", [first]) in ([{"ok": {"_id": "a", "_rev": first, "n": 1}}], [{"missing": first}])


def test_get_errors(branched_db: Database) -> None:
    missing = couch_error(lambda: branched_db.get("nope"))
    assert (missing.status, missing.error, missing.reason) == (404, "not_found", "missing")
    assert couch_error(lambda: branched_db.get("a", "9-zz")).status == 404
    assert couch_error(lambda: branched_db.get("a", "bogus")).status == 400
    assert couch_error(lambda: branched_db.get("_bad")).status == 400


# -- open_revs and bulk_get -------------------------------------------------------------------------


def test_open_revs_all(branched_db: Database) -> None:
    found = branched_db.open_revs("a", None)
    docs = {entry["ok"]["_rev"]: entry["ok"] for entry in found}
    assert set(docs) == {"3-c", "2-x", "2-y"}
    assert docs["3-c"] == {"_id": "a", "_rev": "3-c", "n": 3}
    assert docs["2-y"]["_deleted"] is True


def test_open_revs_list_keeps_order_and_reports_missing(branched_db: Database) -> None:
    """couchdb-3.5-behaviour.md section 4 (row 6): "`open_revs=[…]` answers found revisions
    first, then missing ones, and drops duplicates" (pouchdb-server keeps request order):
    the entries are compared in any order."""
    found = branched_db.open_revs("a", ["2-x", "7-q", "3-c"], ReadOptions(revs=True))
    expected = [
        {"ok": {"_id": "a", "_rev": "2-x", "n": 2, "_revisions": {"start": 2, "ids": ["x", "a"]}}},
        {"missing": "7-q"},
        {"ok": {"_id": "a", "_rev": "3-c", "n": 3, "_revisions": {"start": 3, "ids": ["c", "b", "a"]}}},
    ]
    assert sorted(found, key=repr) == sorted(expected, key=repr)


def test_open_revs_latest(db: Database) -> None:
    first = put(db, {"_id": "a", "n": 1})
    second = put(db, {"_id": "a", "_rev": first, "n": 2})
    assert db.open_revs("a", [first], ReadOptions(latest=True)) == [{"ok": {"_id": "a", "_rev": second, "n": 2}}]


def test_open_revs_names_each_revision_once(branched_db: Database) -> None:
    """CouchDB drops duplicates: two asked revisions that lead to one leaf give it once."""
    latest = branched_db.open_revs("a", ["2-b", "3-c", "1-a"], ReadOptions(latest=True))
    assert sorted(entry["ok"]["_rev"] for entry in latest) == ["2-x", "2-y", "3-c"]
    assert branched_db.open_revs("a", ["2-x", "2-x", "7-q", "7-q"]) == [
        {"ok": {"_id": "a", "_rev": "2-x", "n": 2}}, {"missing": "7-q"}]


def test_replication_fields_are_kept_like_any_field(db: Database) -> None:
    """CouchDB accepts the replicator's ``_replication_*`` fields and keeps them in the body;
    other unknown special fields stay refused."""
    fields = {"_replication_id": "r1", "_replication_state": "triggered",
              "_replication_state_time": "2026-12-01T10:00:00Z", "_replication_state_reason": "none",
              "_replication_stats": {"docs_written": 3}}
    rev = put(db, {"_id": "job", "n": 1, **fields})
    assert db.get("job") == {"_id": "job", "_rev": rev, "n": 1, **fields}
    assert couch_error(lambda: db.put({"_id": "bad", "_replication_other": 1})).status == 400


def test_open_revs_of_missing_document(db: Database) -> None:
    assert db.open_revs("nope", ["1-a"]) == [{"missing": "1-a"}]
    assert couch_error(lambda: db.open_revs("nope", None)).status == 404
    assert couch_error(lambda: db.open_revs("nope", ["bogus"])).status == 400


def test_bulk_get(branched_db: Database) -> None:
    results = branched_db.bulk_get(
        [{"id": "a", "rev": "2-x"}, {"id": "a"}, {"id": "nope"}, {"id": "a", "rev": "9-zz"}, {"rev": "1-a"}, "junk"],
        ReadOptions(revs=True),
    )
    assert results[0] == {"id": "a", "docs": [
        {"ok": {"_id": "a", "_rev": "2-x", "n": 2, "_revisions": {"start": 2, "ids": ["x", "a"]}}}
    ]}
    assert results[1]["docs"][0]["ok"]["_rev"] == "3-c"
    assert results[2] == {"id": "nope", "docs": [
        {"error": {"id": "nope", "rev": "undefined", "error": "not_found", "reason": "missing"}}
    ]}
    assert results[3] == {"id": "a", "docs": [
        {"error": {"id": "a", "rev": "9-zz", "error": "not_found", "reason": "missing"}}
    ]}
    assert [results[4]["docs"][0]["error"]["error"], results[5]["docs"][0]["error"]["error"]] == [
        "bad_request", "bad_request"
    ]
    assert len(results) == 6


def test_bulk_get_of_deleted_document(db: Database) -> None:
    first = put(db, {"_id": "a"})
    tombstone = put(db, {"_id": "a", "_rev": first, "_deleted": True})
    [winner, given] = db.bulk_get([{"id": "a"}, {"id": "a", "rev": tombstone}])
    assert winner["docs"][0]["error"]["error"] == "not_found"
    assert given["docs"] == [{"ok": {"_id": "a", "_rev": tombstone, "_deleted": True}}]


# -- all_docs -----------------------------------------------------------------------------------


@pytest.fixture
def abcde_db(db: Database) -> Database:
    """Documents a..e, with c deleted."""
    revs = {row["id"]: row["rev"] for row in db.bulk_docs([{"_id": doc_id, "v": doc_id} for doc_id in "edcba"])}
    put(db, {"_id": "c", "_rev": revs["c"], "_deleted": True})
    return db


def ids(result: dict[str, Any]) -> list[str]:
    return [row["key"] for row in result["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(AllDocsQuery(), list("abde"), id="all-live"),
        pytest.param(AllDocsQuery(startkey="b", endkey="d"), list("bd"), id="range"),
        pytest.param(AllDocsQuery(startkey="b", endkey="d", inclusive_end=False), list("b"), id="exclusive-end"),
        pytest.param(AllDocsQuery(startkey="bb"), list("de"), id="startkey-between-ids"),
        pytest.param(AllDocsQuery(endkey="bb"), list("ab"), id="endkey-between-ids"),
        pytest.param(AllDocsQuery(descending=True), list("edba"), id="descending"),
        pytest.param(AllDocsQuery(descending=True, startkey="d", endkey="b"), list("db"), id="descending-range"),
        pytest.param(
            AllDocsQuery(descending=True, startkey="d", endkey="b", inclusive_end=False), list("d"),
            id="descending-exclusive-end",
        ),
        pytest.param(AllDocsQuery(skip=1, limit=2), list("bd"), id="skip-limit"),
        pytest.param(AllDocsQuery(descending=True, skip=1, limit=2), list("db"), id="descending-skip-limit"),
        pytest.param(AllDocsQuery(limit=0), [], id="limit-zero"),
    ],
)
def test_all_docs_range(abcde_db: Database, query: AllDocsQuery, expected: list[str]) -> None:
    result = abcde_db.all_docs(query)
    assert ids(result) == expected
    assert result["total_rows"] == 4
    for row in result["rows"]:
        assert row["id"] == row["key"]
        assert row["value"] == {"rev": abcde_db.get(row["id"])["_rev"]}
        assert "doc" not in row


@pytest.mark.parametrize(
    ("query", "offset"),
    [
        pytest.param(AllDocsQuery(), 0, id="from-the-start"),
        pytest.param(AllDocsQuery(startkey="b"), 1, id="after-a"),
        pytest.param(AllDocsQuery(startkey="bb", endkey="e"), 2, id="after-a-and-b"),
        pytest.param(AllDocsQuery(descending=True, startkey="d"), 1, id="descending-after-e"),
    ],
)
def test_all_docs_offset_counts_rows_before_the_first_row(abcde_db: Database, query: AllDocsQuery, offset: int) -> None:
    """CouchDB's ``offset`` is where the list started in the whole index, not ``skip``
    (PouchDB differs on purpose: pouchdb/pouchdb#1397)."""
    assert abcde_db.all_docs(query)["offset"] == offset


def test_all_docs_include_docs(abcde_db: Database) -> None:
    result = abcde_db.all_docs(AllDocsQuery(startkey="d", include_docs=True))
    assert [row["doc"] for row in result["rows"]] == [abcde_db.get("d"), abcde_db.get("e")]


def test_all_docs_keys(abcde_db: Database) -> None:
    result = abcde_db.all_docs(AllDocsQuery(keys=("e", "zz", "c", "a"), include_docs=True))
    tombstone = abcde_db.open_revs("c", None)[0]["ok"]["_rev"]
    assert result["rows"] == [
        {"id": "e", "key": "e", "value": {"rev": abcde_db.get("e")["_rev"]}, "doc": abcde_db.get("e")},
        {"key": "zz", "error": "not_found"},
        {"id": "c", "key": "c", "value": {"rev": tombstone, "deleted": True}, "doc": None},
        {"id": "a", "key": "a", "value": {"rev": abcde_db.get("a")["_rev"]}, "doc": abcde_db.get("a")},
    ]
    assert result["total_rows"] == 4


def test_all_docs_include_docs_with_conflicts(db: Database) -> None:
    replicate(db, replicated("a", ["2-b", "1-a"]), replicated("a", ["2-c", "1-a"]))
    [row] = db.all_docs(AllDocsQuery(include_docs=True, conflicts=True))["rows"]
    assert row["doc"] == {"_id": "a", "_rev": "2-c", "_conflicts": ["2-b"]}


def test_all_docs_rejects_negative_skip_and_limit(db: Database) -> None:
    assert couch_error(lambda: db.all_docs(AllDocsQuery(skip=-1))).status == 400
    assert couch_error(lambda: db.all_docs(AllDocsQuery(limit=-1))).status == 400


# -- attachments ----------------------------------------------------------------------------------

DATA = bytes(range(256)) * 3
OTHER = b"second attachment"
CONTENT_TYPE = "application/x-contract-test"


@pytest.fixture
def att_db(db: Database) -> tuple[Database, str]:
    """Document "doc" with one inline attachment "blob.bin"; returns the database and its rev."""
    rev = put(db, {"_id": "doc", "_attachments": {"blob.bin": {"content_type": CONTENT_TYPE, "data": b64(DATA)}}})
    return db, rev


def test_inline_attachment_becomes_a_stub(att_db: tuple[Database, str]) -> None:
    db, rev = att_db
    assert db.get("doc")["_attachments"] == {"blob.bin": {
        "content_type": CONTENT_TYPE, "digest": md5_digest(DATA), "length": len(DATA), "revpos": 1, "stub": True,
    }}


def test_attachment_bytes_read_back_identical(att_db: tuple[Database, str]) -> None:
    db, rev = att_db
    attachment = db.get_attachment("doc", "blob.bin")
    assert attachment.data == DATA
    assert attachment.digest == md5_digest(DATA)
    assert attachment.content_type == CONTENT_TYPE
    assert db.get_attachment("doc", "blob.bin", rev).data == DATA
    inline = db.get("doc", options=ReadOptions(attachments=True))["_attachments"]["blob.bin"]
    assert base64.b64decode(inline["data"]) == DATA
    assert "stub" not in inline


def test_inline_attachments_carry_data_without_length(att_db: tuple[Database, str]) -> None:
    """CouchDB sends ``data`` in place of ``stub`` and ``length`` (``attachments=true``), on
    every read path."""
    db, rev = att_db
    expected = {"content_type": CONTENT_TYPE, "digest": md5_digest(DATA), "revpos": 1, "data": b64(DATA)}
    with_data = ReadOptions(attachments=True)
    assert db.get("doc", options=with_data)["_attachments"]["blob.bin"] == expected
    assert db.open_revs("doc", [rev], with_data)[0]["ok"]["_attachments"]["blob.bin"] == expected
    got = db.bulk_get([{"id": "doc", "rev": rev}], with_data)
    assert got[0]["docs"][0]["ok"]["_attachments"]["blob.bin"] == expected
    rows = db.all_docs(AllDocsQuery(include_docs=True, attachments=True))["rows"]
    assert rows[0]["doc"]["_attachments"]["blob.bin"] == expected
    feed = db.changes(ChangesQuery(include_docs=True, attachments=True))
    assert feed.results[0].doc["_attachments"]["blob.bin"] == expected


def test_stub_keeps_attachment_on_update(att_db: tuple[Database, str]) -> None:
    db, rev = att_db
    second = put(db, {"_id": "doc", "_rev": rev, "n": 2, "_attachments": {
        "blob.bin": {"stub": True},
        "other.txt": {"content_type": "text/plain", "data": b64(OTHER)},
    }})
    atts = db.get("doc")["_attachments"]
    assert atts["blob.bin"]["revpos"] == 1 and atts["blob.bin"]["digest"] == md5_digest(DATA)
    assert atts["other.txt"]["revpos"] == 2 and atts["other.txt"]["length"] == len(OTHER)
    assert db.get_attachment("doc", "blob.bin", second).data == DATA
    assert db.get_attachment("doc", "other.txt").data == OTHER


def test_update_without_attachments_drops_them(att_db: tuple[Database, str]) -> None:
    db, rev = att_db
    put(db, {"_id": "doc", "_rev": rev, "n": 2})
    assert "_attachments" not in db.get("doc")
    error = couch_error(lambda: db.get_attachment("doc", "blob.bin"))
    assert (error.status, error.error) == (404, "not_found")


def test_stub_the_parent_lacks_is_missing_stub(att_db: tuple[Database, str]) -> None:
    db, rev = att_db
    error = couch_error(lambda: db.put({"_id": "doc", "_rev": rev, "_attachments": {"nope.bin": {"stub": True}}}))
    assert (error.status, error.error) == (412, "missing_stub")
    [row] = db.bulk_docs([{"_id": "new", "_attachments": {"x": {"stub": True}}}])
    assert (row["id"], row["error"]) == ("new", "missing_stub")
    assert db.get("doc")["_rev"] == rev


def test_new_document_cannot_borrow_another_documents_attachment_by_digest(att_db: tuple[Database, str]) -> None:
    """CouchDB resolves a stub only against the revision being edited; a new document has none."""
    db, _ = att_db
    stub = {"stub": True, "digest": md5_digest(DATA), "content_type": CONTENT_TYPE}
    [row] = db.bulk_docs([{"_id": "thief", "_attachments": {"loot.bin": stub}}])
    assert row.get("error") == "missing_stub"
    assert couch_error(lambda: db.get_attachment("thief", "loot.bin")).status == 404


def test_get_attachment_errors(att_db: tuple[Database, str]) -> None:
    db, _ = att_db
    for call in (
        lambda: db.get_attachment("doc", "nope.bin"),
        lambda: db.get_attachment("nope", "blob.bin"),
        lambda: db.get_attachment("doc", "blob.bin", "9-zz"),
    ):
        assert couch_error(call).status == 404


def test_replicated_inline_attachment_keeps_its_revpos(db: Database) -> None:
    doc = replicated("a", ["2-b", "1-a"], _attachments={"blob.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": 1,
    }})
    replicate(db, doc)
    stub = db.get("a")["_attachments"]["blob.bin"]
    assert (stub["revpos"], stub["digest"], stub["length"]) == (1, md5_digest(DATA), len(DATA))
    assert db.get_attachment("a", "blob.bin").data == DATA


ANY_REVPOS = [0, 1, 7, -1, "x", "", "1", 2.5, True, False, 10**15]


@pytest.mark.parametrize("revpos", ANY_REVPOS)
def test_replicated_inline_attachment_stores_any_revpos_as_given(db: Database, revpos: object) -> None:
    """couchdb-3.5-behaviour.md section 9 (row 10): "With `new_edits=false`, CouchDB stores
    whatever `revpos` it is given, without checks: `0`, `-1`, `"x"` and `7` were all accepted
    and read back as given": any JSON scalar."""
    doc = replicated("a", ["3-c", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": revpos,
    }})
    replicate(db, doc)
    stub = db.get("a")["_attachments"]["photo.bin"]
    assert (stub["revpos"], stub["digest"], stub["length"]) == (revpos, md5_digest(DATA), len(DATA))


@pytest.mark.parametrize("revpos", ANY_REVPOS)
def test_every_reader_serves_a_replicated_revpos_as_given(db: Database, revpos: object) -> None:
    """Section 9 (row 10): "`0`, `-1`, `"x"` and `7` were all accepted and read back as given",
    also by "`POST /att/_bulk_get?revs=true&attachments=true … -> …"revpos":0,…,"data":…`". A
    stub that names it (a conflicting revision, found by digest) keeps it too, and no reader
    counts with it: stubs, inline data, open_revs, _bulk_get, _all_docs and _changes."""
    replicate(db, replicated("p", ["3-c", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": revpos}}))
    replicate(db, replicated("p", ["3-d", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "stub": True, "digest": md5_digest(DATA), "revpos": revpos}}))
    stub = {"content_type": CONTENT_TYPE, "digest": md5_digest(DATA), "length": len(DATA),
            "revpos": revpos, "stub": True}
    inline = {"content_type": CONTENT_TYPE, "digest": md5_digest(DATA), "revpos": revpos, "data": b64(DATA)}
    with_data = ReadOptions(attachments=True, revs=True)
    for rev in ("3-c", "3-d"):
        assert db.get("p", rev)["_attachments"] == {"photo.bin": stub}
        assert db.get("p", rev, with_data)["_attachments"]["photo.bin"] == inline
        assert db.get_attachment("p", "photo.bin", rev).data == DATA
    [found] = db.open_revs("p", ["3-d"], with_data)
    assert found["ok"]["_attachments"]["photo.bin"] == inline
    [result] = db.bulk_get([{"id": "p", "rev": "3-c"}], with_data)
    assert result["docs"][0]["ok"]["_attachments"]["photo.bin"] == inline
    [row] = db.all_docs(AllDocsQuery(include_docs=True, attachments=True))["rows"]
    assert row["doc"]["_attachments"]["photo.bin"] == inline
    [change] = db.changes(ChangesQuery(include_docs=True, conflicts=True)).results
    assert change.doc is not None and change.doc["_attachments"]["photo.bin"] == stub


@pytest.mark.parametrize("revpos", ANY_REVPOS)
def test_any_scalar_revpos_is_accepted_and_read_without_error(db: Database, revpos: object) -> None:
    """Section 9 (row 10): "any `revpos` is accepted", on every server (pouchdb-server, which
    stores the revision's position instead, included): the replicated document and its bytes
    are read back by every reader, the revpos as given or as the position (3)."""
    replicate(db, replicated("p", ["3-c", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": revpos}}))
    with_data = ReadOptions(attachments=True)
    served = [db.get("p")["_attachments"]["photo.bin"],
              db.get("p", "3-c", with_data)["_attachments"]["photo.bin"],
              db.open_revs("p", None, with_data)[0]["ok"]["_attachments"]["photo.bin"],
              db.bulk_get([{"id": "p"}], with_data)[0]["docs"][0]["ok"]["_attachments"]["photo.bin"]]
    assert all(att["revpos"] in (revpos, 3) and att["digest"] == md5_digest(DATA) for att in served), served
    assert [att.get("data") for att in served[1:]] == [b64(DATA)] * 3
    assert db.get_attachment("p", "photo.bin").data == DATA


def test_new_edits_keep_the_position_whatever_revpos_they_name(db: Database) -> None:
    """Section 9: "A new edit gets the revision's position"; a new edit's stub keeps the
    attachment as stored, whatever revpos it names (it is not counted with either)."""
    replicate(db, replicated("p", ["3-c", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": "x"}}))
    rev = put(db, {"_id": "p", "_rev": "3-c", "_attachments": {
        "photo.bin": {"stub": True, "revpos": "x"},
        "new.bin": {"content_type": CONTENT_TYPE, "data": b64(OTHER), "revpos": "y"}}})
    atts = db.get("p", rev)["_attachments"]
    assert (atts["photo.bin"]["revpos"], atts["new.bin"]["revpos"]) == ("x", 4)


@pytest.mark.parametrize("revpos", [{"n": 1}, [1]])
def test_a_revpos_that_is_no_scalar_is_bad_request(db: Database, revpos: object) -> None:
    """Any JSON scalar is stored as given (section 9); an object or array is no revision position."""
    doc = replicated("a", ["1-a"], _attachments={"x.bin": {"data": b64(DATA), "revpos": revpos}})
    assert couch_error(lambda: db.bulk_docs([doc], new_edits=False)).status == 400
    assert couch_error(lambda: db.get("a")).status == 404


def test_replicated_inline_attachment_without_revpos_has_revpos_0(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 9 (row 10): "a replicated inline attachment without
    `revpos` is stored with `revpos: 0`" (``GET /att/p`` -> ``"revpos":0``)."""
    replicate(db, replicated("p", ["3-c", "2-b", "1-a"], _attachments={"photo.bin": {
        "content_type": CONTENT_TYPE, "data": b64(DATA)}}))
    assert db.get("p")["_attachments"]["photo.bin"]["revpos"] == 0


def test_new_inline_attachment_gets_the_revision_position(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 9: "A new edit gets the revision's position (`PUT
    /att/n1` with inline data -> `"revpos":1`)", whatever revpos it names."""
    put(db, {"_id": "n1", "_attachments": {"x.bin": {"content_type": CONTENT_TYPE, "data": b64(DATA), "revpos": 0}}})
    assert db.get("n1")["_attachments"]["x.bin"]["revpos"] == 1


def test_replicated_stub_of_unknown_attachment_is_missing_stub(db: Database) -> None:
    doc = replicated("a", ["2-b", "1-a"], _attachments={"blob.bin": {
        "stub": True, "digest": md5_digest(b"never stored"), "revpos": 1,
    }})
    [row] = db.bulk_docs([doc], new_edits=False)
    assert (row["id"], row["error"]) == ("a", "missing_stub")


def test_bad_base64_is_bad_request(db: Database) -> None:
    error = couch_error(lambda: db.put({"_id": "a", "_attachments": {"x": {"data": "***"}}}))
    assert error.status == 400


# -- _local documents -----------------------------------------------------------------------------


def test_local_document_lifecycle(db: Database) -> None:
    created = db.put_local("checkpoint", {"last_seq": 1})
    assert created == {"ok": True, "id": "_local/checkpoint", "rev": "0-1"}
    assert db.get_local("checkpoint") == {"_id": "_local/checkpoint", "_rev": "0-1", "last_seq": 1}
    updated = db.put_local("checkpoint", {"_rev": "0-1", "last_seq": 2})
    assert updated["rev"] == "0-2"
    assert db.get_local("checkpoint")["last_seq"] == 2
    db.delete_local("checkpoint", "0-2")
    assert couch_error(lambda: db.get_local("checkpoint")).status == 404


@pytest.mark.parametrize(("stale", "rev"), [(None, "0-1"), ("0-1", "0-2"), ("0-7", "0-8")])
def test_local_document_put_with_a_stale_rev_wins(db: Database, stale: str | None, rev: str) -> None:
    """couchdb-3.5-behaviour.md section 7 (row 7): "`_local` documents never conflict: last
    write wins" -- "No revision check at all: the new rev is the given one's number plus one
    (`0-1` without one)": ``PUT {"_rev":"0-7","last_seq":5} -> 201 {…"rev":"0-8"}``."""
    db.put_local("checkpoint", {"last_seq": 1})
    db.put_local("checkpoint", {"_rev": "0-1", "last_seq": 2})
    doc = {"last_seq": 3} if stale is None else {"_rev": stale, "last_seq": 3}
    assert db.put_local("checkpoint", doc)["rev"] == rev
    assert db.get_local("checkpoint") == {"_id": "_local/checkpoint", "_rev": rev, "last_seq": 3}


@pytest.mark.parametrize("stale", [None, "0-1", "0-7"])
def test_local_document_delete_with_a_stale_rev_is_conflict(db: Database, stale: str | None) -> None:
    """couchdb-3.5-behaviour.md section 7: "Through the store: ... `delete_local` with a stale
    rev is still a 409" (the CouchDB store compares before it deletes), on both stores."""
    db.put_local("checkpoint", {"last_seq": 1})
    db.put_local("checkpoint", {"_rev": "0-1", "last_seq": 2})
    assert couch_error(lambda: db.delete_local("checkpoint", stale)).status == 409
    assert db.get_local("checkpoint")["last_seq"] == 2


@pytest.mark.parametrize("bad", ["bogus", "1-abc", "0-abc", "2-abc", "0-", "1-1", "0-1x", "-0-1"])
def test_local_document_with_a_malformed_rev_is_bad_request(db: Database, bad: str) -> None:
    """couchdb-3.5-behaviour.md section 7 (row 8, class b): CouchDB answers ``{"_rev":"bogus"}``
    with "400 {"error":"bad_request","reason":"Invalid rev format"}" and "1-abc", "0-abc",
    "0-", "1-1" with a 500 for the same client error; the store checks the ``0-N`` form first
    and answers 400 for all of them, on a PUT and on a DELETE."""
    db.put_local("checkpoint", {"last_seq": 1})
    for call in (lambda: db.put_local("checkpoint", {"_rev": bad, "last_seq": 2}),
                 lambda: db.put_local("checkpoint", {"_rev": bad, "_deleted": True}),
                 lambda: db.delete_local("checkpoint", bad)):
        error = couch_error(call)
        assert (error.status, error.error, error.reason) == (400, "bad_request", "Invalid rev format")
    assert db.get_local("checkpoint")["last_seq"] == 1


def test_local_ids_lists_local_documents_only(db: Database) -> None:
    assert db.local_ids() == []
    for local_id in ("b-checkpoint", "a-checkpoint", "gone"):
        db.put_local(local_id, {"last_seq": 1})
    db.delete_local("gone", "0-1")
    put(db, {"_id": "doc"})
    assert db.local_ids() == ["a-checkpoint", "b-checkpoint"]


def test_local_document_deleted_through_put(db: Database) -> None:
    db.put_local("checkpoint", {"last_seq": 1})
    db.put_local("checkpoint", {"_rev": "0-1", "_deleted": True})
    assert couch_error(lambda: db.get_local("checkpoint")).status == 404


def test_local_documents_are_not_replicated(db: Database) -> None:
    put(db, {"_id": "a"})
    seq = db.update_seq()
    db.put_local("checkpoint", {"last_seq": 1})
    assert db.update_seq() == seq
    assert [change.id for change in db.changes(ChangesQuery()).results] == ["a"]
    assert ids(db.all_docs(AllDocsQuery())) == ["a"]
    assert db.info()["doc_count"] == 1


def test_missing_local_document(db: Database) -> None:
    assert couch_error(lambda: db.get_local("nope")).status == 404
    assert couch_error(lambda: db.delete_local("nope", "0-1")).status == 404


# -- limits -----------------------------------------------------------------------------------------


def test_default_document_limit_is_couchdbs_8000000_bytes(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 11 (row 12): "CouchDB's `max_document_size` is
    8,000,000 bytes"; "Through the store, a 7,990,000-character document is stored and
    8,010,000 / 8,300,000 get `413 document_too_large` with the id as reason"."""
    assert Limits().max_document_size == 8_000_000
    put(db, {"_id": "fits", "text": "x" * 7_990_000})
    assert len(db.get("fits")["text"]) == 7_990_000
    error = couch_error(lambda: db.bulk_docs([{"_id": "big", "text": "x" * 8_010_000}, {"_id": "small"}]))
    assert (error.status, error.error, error.reason) == (413, "document_too_large", "big")
    assert couch_error(lambda: db.get("small")).status == 404


@pytest.mark.parametrize("limits", [Limits(max_document_size=200)])
def test_document_too_large(db: Database) -> None:
    """As in CouchDB 3.5: one document over the limit fails its whole request with 413."""
    big = {"_id": "big", "text": "x" * 300}
    error = couch_error(lambda: db.bulk_docs([big, {"_id": "small", "text": "x"}]))
    assert (error.status, error.error, error.reason) == (413, "document_too_large", "big")
    assert couch_error(lambda: db.get("small")).status == 404
    error = couch_error(lambda: db.put(big))
    assert (error.status, error.error) == (413, "document_too_large")
    error = couch_error(lambda: db.bulk_docs([replicated("big", ["1-a"], text="x" * 300)], new_edits=False))
    assert error.error == "document_too_large"
    assert couch_error(lambda: db.get("big")).status == 404


@pytest.mark.parametrize("limits", [Limits(revs_limit=3)])
def test_revs_limit_stems_local_edits(db: Database) -> None:
    revs = [put(db, {"_id": "a", "n": 0})]
    for n in range(1, 6):
        revs.append(put(db, {"_id": "a", "_rev": revs[-1], "n": n}))
    doc = db.get("a", options=ReadOptions(revs=True, revs_info=True))
    assert doc["_revisions"] == {"start": 6, "ids": [rev.split("-")[1] for rev in reversed(revs[-3:])]}
    assert [entry["rev"] for entry in doc["_revs_info"]] == list(reversed(revs[-3:]))
    assert db.revs_diff({"a": [revs[0], revs[-1]]}) == {"a": {"missing": [revs[0]]}}


@pytest.mark.parametrize("limits", [Limits(revs_limit=3)])
def test_revs_limit_stems_replicated_paths(db: Database) -> None:
    path = ["5-e", "4-d", "3-c", "2-b", "1-a"]
    replicate(db, replicated("a", path))
    assert db.get("a", options=ReadOptions(revs=True))["_revisions"] == {"start": 5, "ids": ["e", "d", "c"]}
    seq = db.update_seq()
    replicate(db, replicated("a", path))
    assert db.update_seq() == seq
    assert db.get("a", options=ReadOptions(revs=True))["_revisions"] == {"start": 5, "ids": ["e", "d", "c"]}


# -- info -------------------------------------------------------------------------------------------


def test_info_counts_live_and_deleted_documents(db: Database) -> None:
    def counts() -> tuple[int, int]:
        info = db.info()
        return info["doc_count"], info["doc_del_count"]

    assert db.info()["db_name"] == "contract"
    assert counts() == (0, 0)
    revs = {row["id"]: row["rev"] for row in db.bulk_docs([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}])}
    assert counts() == (3, 0)
    put(db, {"_id": "b", "_rev": revs["b"], "_deleted": True})
    assert counts() == (2, 1)
    put(db, {"_id": "b"})
    assert counts() == (3, 0)
    replicate(db, replicated("d", ["2-b", "1-a"]), replicated("d", ["2-c", "1-a"]))
    assert counts() == (4, 0)
    replicate(db, replicated("d", ["3-z", "2-c", "1-a"], deleted=True))
    assert counts() == (4, 0), "the live conflict 2-b now wins"
    replicate(db, replicated("e", ["2-b", "1-a"], deleted=True), replicated("e", ["1-z"], deleted=True))
    assert counts() == (4, 1)
    assert db.info()["update_seq"] == db.update_seq()


# -- filter=_selector ---------------------------------------------------------------------


def test_changes_selector_filter(feed_db: Database) -> None:
    """Rows whose winning revision matches; a tombstone passes only what its body matches."""
    two = selector.parse({"n": 2})
    page = feed_db.changes(ChangesQuery(selector=two))
    assert [change.id for change in page.results] == ["a"]
    assert page.results[0].doc is None, "bodies read for matching are not sent without include_docs"
    assert seq_number(page.last_seq) == seq_number(feed_db.update_seq())
    with_docs = feed_db.changes(ChangesQuery(selector=two, include_docs=True))
    assert with_docs.results[0].doc == feed_db.get("a")
    deleted = feed_db.changes(ChangesQuery(selector=selector.parse({"_deleted": True})))
    assert [change.id for change in deleted.results] == ["b"]
    everything = feed_db.changes(ChangesQuery(selector=selector.parse({})))
    assert sorted(change.id for change in everything.results) == ["a", "b", "c"]
    down = feed_db.changes(ChangesQuery(selector=selector.parse({"_deleted": {"$exists": False}}),
                                        descending=True, limit=1))
    assert [change.id for change in down.results] == ["a"]


def test_changes_selector_limit_counts_matching_rows_across_pages(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """CouchDB's limit counts rows that pass the filter; PouchDB stops at the first empty page."""
    monkeypatch.setattr(selected, "PAGE", 3)
    db.bulk_docs([{"_id": f"d{i:02}", "even": i % 2 == 0, "i": i} for i in range(20)])
    evens = selector.parse({"even": True})
    seen: list[str] = []
    since: object = 0
    for _ in range(20):
        page = db.changes(ChangesQuery(since=since, limit=3, selector=evens))
        if not page.results:
            break
        assert len(page.results) == 3 or len(seen) + len(page.results) == 10
        seen += [change.id for change in page.results]
        since = page.last_seq
    assert sorted(seen) == [f"d{i:02}" for i in range(0, 20, 2)]
    assert db.changes(ChangesQuery(selector=evens, limit=0)).results == []


def test_since_takes_zero_now_or_a_position_it_issued(db: Database) -> None:
    """couchdb-3.5-behaviour.md section 1.4 (row 3): "`since` accepts only `0`, `now` or a
    CouchDB sequence; an empty database's sequence is `"0-g1…"`, not `0`"
    (``GET /emptydb/_changes -> {"results":[],"last_seq":"0-g1AAAACbeJzL…","pending":0}``).
    So an empty database's position is opaque: it is resumed from, never compared with 0."""
    empty = db.changes(ChangesQuery(since=0))
    assert empty.results == []
    put(db, {"_id": "a"})
    assert [change.id for change in db.changes(ChangesQuery(since=empty.last_seq)).results] == ["a"]
    now = db.update_seq()  # what the endpoint resolves `since=now` to
    put(db, {"_id": "b"})
    assert [change.id for change in db.changes(ChangesQuery(since=now)).results] == ["b"]


def test_since_takes_every_sequence_the_store_gave_as_a_client_sends_it_back(feed_db: Database) -> None:
    """couchdb-3.5-behaviour.md section 1.4 (row 3): ``GET /db/_changes?since=0 -> 200``,
    ``GET /db/_changes?since=now -> 200 {"results":[],"last_seq":"3-g1…","pending":0}``, and a
    CouchDB sequence is accepted. A client sends a sequence back in a query string, plain or
    JSON-quoted (``parse_since``): each one the store gave (a row's seq, ``last_seq``,
    ``update_seq``) resumes as the value itself does. Rows compared as sets (row 1)."""
    everything = feed_db.changes(ChangesQuery(since=feed_db.parse_since("0")))
    assert sorted(ids_of(everything)) == ["a", "b", "c"]
    now = feed_db.update_seq()  # what the endpoint resolves `since=now` to
    assert feed_db.changes(ChangesQuery(since=now)).results == []
    for seq in [*(row.seq for row in everything.results), everything.last_seq, now]:
        expected = set(ids_of(feed_db.changes(ChangesQuery(since=seq))))
        for spelled in (str(seq), json.dumps(seq)):
            resumed = feed_db.changes(ChangesQuery(since=feed_db.parse_since(spelled)))
            assert set(ids_of(resumed)) == expected, spelled
    assert feed_db.changes(ChangesQuery(since=feed_db.parse_since(str(everything.last_seq)))).results == []


def assert_own_format_or_bad_request(db: Database, raw: str) -> None:
    """``since=raw`` is refused with 400 bad_request, or it is a real position: what follows it
    is part of the feed, and a change written after its page arrives from that page's ``last_seq``."""
    try:
        page = db.changes(ChangesQuery(since=db.parse_since(raw)))
    except CouchError as refused:
        assert (refused.status, refused.error) == (400, "bad_request"), refused
        return
    assert set(ids_of(page)) <= {"a", "b", "c"}
    put(db, {"_id": "later"})
    assert ids_of(db.changes(ChangesQuery(since=page.last_seq))) == ["later"]


@pytest.mark.parametrize("raw", ["1", "5", '"1"'])
def test_an_integer_since_is_the_stores_own_format_or_a_bad_request(feed_db: Database, raw: str) -> None:
    """couchdb-3.5-behaviour.md section 1.4 (row 3): "`GET /db/_changes?since=1 -> 400
    {"error":"bad_request","reason":"Malformed sequence supplied in 'since' parameter."}`" and
    "`since=5, since="1"` ... the same 400"; but "pouchdb-server uses integers ... and accepts
    `since=2`", and the SQLite store's sequences are integers too, so there ``since=1`` is the
    store's own format. Sequences are opaque, so a contract can only ask for one of the two:
    a 400, or a real position; never a server error."""
    assert_own_format_or_bad_request(feed_db, raw)


@pytest.mark.parametrize("raw", ["abc", "1-abc"])
def test_a_since_that_is_no_sequence_is_a_bad_request_or_a_real_position(feed_db: Database, raw: str) -> None:
    """Section 1.4 (row 3): "`since=abc, since=1-abc` ... the same 400" on CouchDB. The SQLite
    store reads a ``N-…`` value by its count (a replicator may quote CouchDB-style sequences),
    so ``1-abc`` is its position 1 there; ``abc`` is 400 on both."""
    assert_own_format_or_bad_request(feed_db, raw)
