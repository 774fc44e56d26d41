"""What pouchdb-server (the test double and the benchmark's rival) does differently from
Apache CouchDB, and how the backend makes up for it, in one place.

* It has no ``latest=true``: the leaves that descend from an asked revision are found here
  from every leaf's history (:meth:`PouchdbServerQuirks._latest`), on both servers, since the
  answer is the same; its ``_bulk_get`` even crashes on ``latest`` for an unknown revision.
* It ignores ``deleted_conflicts`` and says "missing", not "deleted", for a deleted document.
* Its views take no multi-queries (``queries``): one request per key range.
* It answers ok when deleting a database that is not there, and deletes a ``_local``
  document whatever ``rev`` it is given (both checked by the callers, which say so).
* It drops ``/`` from database names (express-pouchdb's ``cleanFilename`` makes each name a
  file name), so ``a/b`` would silently be database ``ab``: such names are refused there
  (:func:`check_name_kept`).

:attr:`CouchStore.is_couchdb <sync.storage.couchdb.store.CouchStore.is_couchdb>` tells the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ... import errors, revtree
from ..types import ReadOptions
from .handle import CouchHandle, read_params, winner_first

if TYPE_CHECKING:
    from .store import CouchStore


class PouchdbServerQuirks(CouchHandle):
    """Reads that CouchDB answers itself and pouchdb-server does not (see the module)."""

    def _latest(self, doc_id: str, revs: list[str], options: ReadOptions) -> list[list[dict[str, Any]]]:
        """``latest=true`` from the leaves and their histories: each asked revision is
        replaced by the leaves that descend from it (pouchdb-server cannot do this itself)."""
        params = read_params(options, open_revs=True)
        params.update({"open_revs": "all", "revs": "true"})
        try:
            leaves = [entry["ok"] for entry in self.client.json("GET", self.name, doc_id, params=params)
                      if "ok" in entry]
        except errors.CouchError as error:
            if error.status != 404:
                raise
            leaves = []
        ordered = winner_first(leaves)
        result: list[list[dict[str, Any]]] = []
        for rev in revs:
            chosen = [leaf for leaf in ordered if leaf["_rev"] == rev] or \
                [leaf for leaf in ordered if rev in _history(leaf)]
            entries: list[dict[str, Any]] = []
            for leaf in chosen:
                doc = dict(leaf)
                if not options.revs:
                    doc.pop("_revisions", None)
                entries.append({"ok": doc})
            result.append(entries or [{"missing": rev}])
        return result

    def _native_bulk_get(self, requests: list[tuple[str, str]],
                         options: ReadOptions) -> list[list[dict[str, Any]]]:
        """One ``_bulk_get``. pouchdb-server crashes on ``latest`` for an unknown revision, so
        there ``latest`` is left out and only the revisions it cannot find are looked up
        through the leaves; a revision it does find is returned as asked (still correct: the
        replicator fetches the newer leaf in its next round)."""
        native_latest = options.latest and self.store.is_couchdb
        params = {key: "true" for key, wanted in (("revs", options.revs), ("attachments", options.attachments),
                                                  ("latest", native_latest)) if wanted}
        answer = self.client.json("POST", self.name, "_bulk_get", params=params,
                                  body={"docs": [{"id": doc_id, "rev": rev} for doc_id, rev in requests]})
        results: list[list[dict[str, Any]]] = []
        for (doc_id, rev), result in zip(requests, answer.get("results", []), strict=True):
            entries = [{"ok": entry["ok"]} if "ok" in entry else {"missing": rev} for entry in result.get("docs", [])]
            if options.latest and not native_latest and not any("ok" in entry for entry in entries):
                entries = self._latest(doc_id, [rev], options)[0]
            results.append(entries or [{"missing": rev}])
        return results

    def _view_rows(self, db: str, ddoc: str, view: str, prefixes: list[list[str]]) -> list[list[dict[str, Any]]]:
        """The rows of each key range ``prefix .. prefix + [{}]``: one request on CouchDB
        (``queries``), one per prefix on pouchdb-server."""
        ranges = [{"startkey": prefix, "endkey": [*prefix, {}]} for prefix in prefixes]
        path = (db, ddoc, "_view", view)
        if self.store.is_couchdb and len(ranges) > 1:
            result = self.client.json("POST", *path, "queries", body={"queries": ranges})
            return [list(part.get("rows", [])) for part in result.get("results", [])]
        return [list(self.client.json("GET", *path, params=key_range).get("rows", [])) for key_range in ranges]

    def _deleted_conflicts(self, doc_id: str) -> list[str]:
        """The deleted leaves of a document, best first: pouchdb-server ignores
        ``deleted_conflicts``, so they are read from ``open_revs=all``."""
        leaves = self.client.json("GET", self.name, doc_id, params={"open_revs": "all"})
        return sorted((entry["ok"]["_rev"] for entry in leaves if "ok" in entry and entry["ok"].get("_deleted")),
                      key=lambda rev: revtree.rank(rev, True), reverse=True)

    def _deleted_reason(self, doc_id: str, rev: str | None, error: errors.CouchError) -> errors.CouchError:
        """The 404 of a winner read as CouchDB words it: pouchdb-server says "missing" for a
        deleted document, CouchDB "deleted"."""
        if error.status == 404 and rev is None and self._winners([doc_id]).get(doc_id, {}) is None:
            return errors.not_found("deleted")
        return error


def _history(leaf: Mapping[str, Any]) -> set[str]:
    revisions = leaf.get("_revisions") or {}
    start = revisions.get("start", 0)
    return {f"{start - index}-{digest}" for index, digest in enumerate(revisions.get("ids", []))} | {leaf["_rev"]}


def check_name_kept(store: CouchStore, name: str) -> None:
    """Refuse a database name the server would store under another name (see the module).

    :raises CouchError: not_implemented for a name with ``/`` on pouchdb-server
    """
    if "/" in name and not store.is_couchdb:
        raise errors.not_implemented("pouchdb-server drops '/' from database names; Apache CouchDB keeps them")
