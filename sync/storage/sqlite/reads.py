"""Reading documents from the file: single documents, revisions, ``_bulk_get``,
``_all_docs`` and attachments, rendered as CouchDB returns them."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from ... import errors, revtree
from ...revtree import RevTree
from ..ranges import id_window, key_window
from ..types import AllDocsQuery, Attachment, ReadOptions
from .handle import DocState, SqliteHandle


class SqliteReads(SqliteHandle):
    """The read primitives of the embedded store."""

    def _revs_diff(self, request: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
        with self.atomic():
            states = self._load_visible(request)
        diff: dict[str, dict[str, list[str]]] = {}
        for doc_id, revs in request.items():
            state = states.get(doc_id)
            tree: RevTree = state.tree if state else {}
            missing = list(dict.fromkeys(revtree.missing(tree, revs)))
            if not missing:
                continue
            entry: dict[str, list[str]] = {"missing": missing}
            ancestors = sorted({a for rev in missing for a in revtree.possible_ancestors(tree, rev)})
            if ancestors:
                entry["possible_ancestors"] = ancestors
            diff[doc_id] = entry
        return diff

    def _get(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                raise errors.not_found("missing")
            if rev is None:
                if state.tree[state.winner].deleted:
                    raise errors.not_found("deleted")
                rev = state.winner
            elif options.latest and rev in state.tree:
                rev = revtree.latest(state.tree, rev)[0]
            bodies = self._bodies([(doc_id, rev)])
            if (doc_id, rev) not in bodies or rev not in state.tree:
                raise errors.not_found("missing")
            return self._render(doc_id, rev, state, bodies[(doc_id, rev)], options)

    def _open_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                if revs is None:
                    raise errors.not_found("missing")
                return [{"missing": rev} for rev in revs]
            wanted: list[str] = []
            for rev in revtree.leaves(state.tree) if revs is None else revs:
                wanted += revtree.latest(state.tree, rev) if options.latest and rev in state.tree else [rev]
            bodies = self._bodies([(doc_id, rev) for rev in wanted])
            result: list[dict[str, Any]] = []
            for rev in wanted:
                body = bodies.get((doc_id, rev))
                if body is None or rev not in state.tree:
                    result.append({"missing": rev})
                else:
                    result.append({"ok": self._render(doc_id, rev, state, body, options)})
            return result

    def _bulk_get(self, requests: list[tuple[str, str | None]],
                  options: ReadOptions) -> list[list[dict[str, Any]] | errors.CouchError]:
        """All requests in one read transaction and a handful of batched queries."""
        with self.atomic():
            states = self._load_visible({doc_id for doc_id, _ in requests})
            planned: list[list[str] | errors.CouchError] = []
            for doc_id, rev in requests:
                state = states.get(doc_id)
                if rev is None:
                    if state is None or state.tree[state.winner].deleted:
                        planned.append(errors.not_found("missing" if state is None else "deleted"))
                    else:
                        planned.append([state.winner])
                elif state is not None and options.latest and rev in state.tree:
                    planned.append(revtree.latest(state.tree, rev))
                else:
                    planned.append([rev])
            bodies = self._bodies([(doc_id, rev) for (doc_id, _), revs in zip(requests, planned, strict=True)
                                   if not isinstance(revs, errors.CouchError) for rev in revs])
            results: list[list[dict[str, Any]] | errors.CouchError] = []
            for (doc_id, _), revs in zip(requests, planned, strict=True):
                if isinstance(revs, errors.CouchError):
                    results.append(revs)
                    continue
                state = states.get(doc_id)
                results.append([
                    {"ok": self._render(doc_id, rev, state, bodies[(doc_id, rev)], options)}
                    if state is not None and rev in state.tree and (doc_id, rev) in bodies else {"missing": rev}
                    for rev in revs])
            return results

    def _all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        with self.atomic():
            if self.scope.everything:
                total = self._db.execute("SELECT value FROM meta WHERE key = 'doc_count'").fetchone()[0]
                rows, offset = (self._rows_for_keys(query), 0) if query.keys is not None else self._rows_in_range(query)
            else:
                live = self._visible_live()
                total = len(live)
                rows, offset = ((self._rows_for_keys(query), 0) if query.keys is not None
                                else self._scoped_rows_in_range(query, live))
            if query.include_docs:
                self._include_docs(rows, ReadOptions(conflicts=query.conflicts, attachments=query.attachments))
        return {"total_rows": total, "offset": offset, "rows": rows}

    def _include_docs(self, rows: list[dict[str, Any]], options: ReadOptions) -> None:
        """Add ``doc`` to each found row; deleted ones get ``null``, as CouchDB does."""
        found = [row for row in rows if "value" in row]
        wanted = [(row["id"], row["value"]["rev"]) for row in found if not row["value"].get("deleted")]
        bodies = self._bodies(wanted)
        states = self._load_states([doc_id for doc_id, _ in wanted])
        for row in found:
            key = (row["id"], row["value"]["rev"])
            row["doc"] = self._render(key[0], key[1], states[key[0]], bodies[key], options) if key in bodies else None

    def _rows_in_range(self, query: AllDocsQuery) -> tuple[list[dict[str, Any]], int]:
        """Rows between startkey and endkey, and CouchDB's ``offset``: how many rows the
        whole index holds before the first one returned."""
        clauses, params = ["deleted = 0"], []
        low, high = (query.endkey, query.startkey) if query.descending else (query.startkey, query.endkey)
        if low is not None:
            clauses.append("id >= ?" if not query.descending or query.inclusive_end else "id > ?")
            params.append(low)
        if high is not None:
            clauses.append("id <= ?" if query.descending or query.inclusive_end else "id < ?")
            params.append(high)
        order = "DESC" if query.descending else "ASC"
        limit = -1 if query.limit is None else query.limit
        sql = (f"SELECT id, winner FROM docs WHERE {' AND '.join(clauses)} "  # noqa: S608
               f"ORDER BY id {order} LIMIT ? OFFSET ?")
        rows = [{"id": doc_id, "key": doc_id, "value": {"rev": winner}}
                for doc_id, winner in self._db.execute(sql, (*params, limit, query.skip))]
        before = 0
        if query.startkey is not None:
            before = self._db.execute(
                f"SELECT count(*) FROM docs WHERE deleted = 0 AND id {'>' if query.descending else '<'} ?",  # noqa: S608
                (query.startkey,)).fetchone()[0]
        return rows, before + query.skip

    def _visible_live(self) -> dict[str, str]:
        """The reader's live documents and their winners, found through the channel index."""
        states = self._load_states(self._index.documents(self._index.effective(self.scope)))
        return {doc_id: state.winner for doc_id, state in states.items() if not state.tree[state.winner].deleted}

    def _scoped_rows_in_range(self, query: AllDocsQuery, live: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
        """``_all_docs`` over the reader's own documents."""
        wanted, offset = id_window(query, live)
        return [{"id": doc_id, "key": doc_id, "value": {"rev": live[doc_id]}} for doc_id in wanted], offset

    def _rows_for_keys(self, query: AllDocsQuery) -> list[dict[str, Any]]:
        assert query.keys is not None
        found = {doc_id: (state.winner, state.tree[state.winner].deleted)
                 for doc_id, state in self._load_visible(set(query.keys)).items()}
        keys = key_window(query)
        rows: list[dict[str, Any]] = []
        for key in keys:
            if key not in found:
                rows.append({"key": key, "error": "not_found"})
                continue
            winner, deleted = found[key]
            value: dict[str, Any] = {"rev": winner}
            if deleted:
                value["deleted"] = True
            rows.append({"id": key, "key": key, "value": value})
        return rows

    def _get_attachment(self, doc_id: str, name: str, rev: str | None) -> Attachment:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                raise errors.not_found("missing")
            rev = rev or state.winner
            row = self._db.execute("SELECT atts FROM revs WHERE doc_id = ? AND rev = ?", (doc_id, rev)).fetchone()
            meta = (orjson.loads(row[0]) if row and row[0] else {}).get(name)
            if meta is None:
                raise errors.not_found("Document is missing attachment")
            blob = self._db.execute("SELECT data FROM blobs WHERE digest = ?", (meta["digest"],)).fetchone()
        return Attachment(content_type=meta["content_type"], digest=meta["digest"], data=bytes(blob[0]))

    # -- rendering --------------------------------------------------------------------------

    def _render(self, doc_id: str, rev: str, state: DocState, stored: tuple[bytes, bytes | None],
                options: ReadOptions) -> dict[str, Any]:
        """A revision as CouchDB returns it: ``_id``, ``_rev``, the body, then specials."""
        tree = state.tree
        doc: dict[str, Any] = {"_id": doc_id, "_rev": rev}
        doc.update(orjson.loads(stored[0]))
        if tree[rev].deleted:
            doc["_deleted"] = True
        if stored[1]:
            doc["_attachments"] = self._render_attachments(orjson.loads(stored[1]), options.attachments)
        if options.conflicts and rev == state.winner:
            conflicts = revtree.conflicts(tree)
            if conflicts:
                doc["_conflicts"] = conflicts
        if options.deleted_conflicts and rev == state.winner:
            deleted = revtree.deleted_conflicts(tree)
            if deleted:
                doc["_deleted_conflicts"] = deleted
        if options.revs:
            doc["_revisions"] = revtree.revisions(tree, rev)
        if options.revs_info:
            doc["_revs_info"] = self._revs_info(doc_id, tree, rev)
        return doc

    def _render_attachments(self, atts: dict[str, dict[str, Any]], with_data: bool) -> dict[str, Any]:
        rendered = {}
        for name, meta in atts.items():
            if with_data:
                blob = self._db.execute("SELECT data FROM blobs WHERE digest = ?", (meta["digest"],)).fetchone()
                # CouchDB sends ``data`` in place of ``stub`` and ``length``.
                inline = {key: value for key, value in meta.items() if key != "length"}
                rendered[name] = {**inline, "data": base64.b64encode(blob[0]).decode()}
            else:
                rendered[name] = {**meta, "stub": True}
        return rendered

    def _revs_info(self, doc_id: str, tree: RevTree, rev: str) -> list[dict[str, str]]:
        path = revtree.ancestry(tree, rev)
        available = self._bodies([(doc_id, r) for r in path])
        return [{"rev": r, "status": "deleted" if tree[r].deleted else
                 "available" if (doc_id, r) in available else "missing"} for r in path]
