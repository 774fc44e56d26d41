"""Reading from CouchDB: documents, revisions, ``_bulk_get``, ``_all_docs`` and
attachments, each filtered by the reader's scope."""

from __future__ import annotations

from typing import Any

import orjson

from ... import errors
from ..ranges import chunks, id_window, key_window
from ..types import AllDocsQuery, Attachment, ReadOptions
from .handle import CHUNK, HIDDEN, read_params, winner_first
from .scope import CouchScope


class CouchReads(CouchScope):
    """The read primitives of the CouchDB backend."""

    def _revs_diff(self, request: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
        visible = self._visible(request)
        diff: dict[str, dict[str, list[str]]] = {}
        asked = {doc_id: revs for doc_id, revs in request.items() if doc_id in visible}
        if asked:
            diff.update(self.client.json("POST", self.name, "_revs_diff", body=asked))
        for doc_id, revs in request.items():
            if doc_id not in visible and revs:
                diff[doc_id] = {"missing": list(dict.fromkeys(revs))}
        return {doc_id: diff[doc_id] for doc_id in request if doc_id in diff}

    def _get(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        self._check_visible(doc_id)
        return self._fetch(doc_id, rev, options)

    def _fetch(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        if rev is not None and options.latest:
            latest = self._latest(doc_id, [rev], options)[0][0]
            if "missing" in latest:
                raise errors.not_found("missing")
            rev = latest["ok"]["_rev"]
        params = read_params(options)
        if rev is not None:
            params["rev"] = rev
        try:
            doc: dict[str, Any] = self.client.json("GET", self.name, doc_id, params=params)
        except errors.CouchError as error:
            raise self._deleted_reason(doc_id, rev, error) from None
        if options.revs_info and doc.get("_deleted") and doc.get("_revs_info"):
            doc["_revs_info"][0]["status"] = "deleted"
        if options.deleted_conflicts and not self.store.is_couchdb and not doc.get("_deleted"):
            deleted = self._deleted_conflicts(doc_id)
            if deleted:
                doc["_deleted_conflicts"] = deleted
        return doc

    def _open_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        if doc_id in HIDDEN or (not self.scope.everything and doc_id not in self._visible([doc_id])):
            if revs is None:
                raise errors.not_found("missing")
            return [{"missing": rev} for rev in revs]
        return self._fetch_revs(doc_id, revs, options)

    def _fetch_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        if revs is not None and options.latest:
            return [entry for entries in self._latest(doc_id, revs, options) for entry in entries]
        params = read_params(options, open_revs=True)
        params["open_revs"] = "all" if revs is None else revs
        found: list[dict[str, Any]] = self.client.json("GET", self.name, doc_id, params=params)
        if revs is None:
            if not found:
                raise errors.not_found("missing")
            return winner_first(found)
        return found

    def _fetch_grouped(self, doc_id: str, revs: list[str], options: ReadOptions) -> dict[str, list[dict[str, Any]]]:
        """``open_revs`` answers by the revision asked for."""
        if options.latest:
            return dict(zip(revs, self._latest(doc_id, revs, options), strict=True))
        return {rev: [entry] for rev, entry in zip(revs, self._fetch_revs(doc_id, revs, options), strict=True)}

    def _bulk_get(self, requests: list[tuple[str, str | None]],
                  options: ReadOptions) -> list[list[dict[str, Any]] | errors.CouchError]:
        """CouchDB's ``_bulk_get`` for the asked revisions (one request); winners, and reads
        with options ``_bulk_get`` lacks, one by one."""
        visible = self._visible({doc_id for doc_id, _ in requests})
        batch = [(doc_id, rev) for doc_id, rev in requests
                 if rev is not None and doc_id in visible and not (options.revs_info or options.conflicts)]
        fetched = iter(self._native_bulk_get(batch, options) if batch else [])
        results: list[list[dict[str, Any]] | errors.CouchError] = []
        for doc_id, rev in requests:
            if doc_id not in visible:
                results.append(errors.not_found("missing") if rev is None else [{"missing": rev}])
            elif rev is None:
                try:
                    results.append([{"ok": self._fetch(doc_id, None, options)}])
                except errors.CouchError as error:
                    if error.status >= 500:
                        raise
                    results.append(error)
            elif options.revs_info or options.conflicts:
                results.append(self._fetch_grouped(doc_id, [rev], options)[rev])
            else:
                results.append(next(fetched))
        return results

    def _all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        if not self.scope.everything:
            return self._scoped_all_docs(query)
        params = _all_docs_params(query)
        if query.keys is not None:
            keys = list(query.keys)
            result = self.client.json("POST", self.name, "_all_docs", params=params, body={"keys": keys})
            rows = [{"key": row["key"], "error": "not_found"} if row.get("id") in HIDDEN else row
                    for row in result.get("rows", [])]
            total = int(result.get("total_rows", 0)) - len(self._existing(HIDDEN))
            return {"total_rows": total, "offset": 0, "rows": rows}
        hidden = self._existing(HIDDEN)
        if hidden and query.limit is not None:
            params["limit"] = str(query.limit + len(hidden))
        result = self.client.json("GET", self.name, "_all_docs", params=params)
        rows = [row for row in result.get("rows", []) if row.get("id") not in hidden]
        if query.limit is not None:
            rows = rows[: query.limit]
        offset = int(result.get("offset") or 0)
        if hidden and query.startkey is not None:
            offset -= sum(1 for doc_id in hidden if (doc_id > query.startkey if query.descending
                                                      else doc_id < query.startkey))
        return {"total_rows": int(result.get("total_rows", 0)) - len(hidden), "offset": max(offset, 0),
                "rows": rows}

    def _scoped_all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        """``_all_docs`` over the reader's documents: ids from the view, rows from CouchDB."""
        live = set().union(*self._live_ids(self._reader_channels()).values())
        params = _all_docs_params(query)
        if query.keys is not None:
            keys = key_window(query)
            params.pop("skip", None)
            params.pop("limit", None)
            visible = self._visible(keys)
            rows = self._rows_for(keys, params) if keys else []
            return {"total_rows": len(live), "offset": 0,
                    "rows": [row if row.get("id") in visible else {"key": row["key"], "error": "not_found"}
                             for row in rows]}
        wanted, offset = id_window(query, live)
        for name in ("skip", "limit", "startkey", "endkey", "inclusive_end", "descending"):
            params.pop(name, None)
        rows = [row for row in self._rows_for(wanted, params) if "value" in row and not row["value"].get("deleted")]
        return {"total_rows": len(live), "offset": offset, "rows": rows}

    def _rows_for(self, keys: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for chunk in chunks(keys, CHUNK):
            rows += self.client.json("POST", self.name, "_all_docs", params=params, body={"keys": chunk})["rows"]
        return rows

    def _get_attachment(self, doc_id: str, name: str, rev: str | None) -> Attachment:
        self._check_visible(doc_id)
        params = {"rev": rev} if rev is not None else None
        response = self.client.request("GET", self.name, doc_id, name, params=params)
        digest = response.headers.get("ETag", "").strip('"')
        if not digest.startswith("md5-"):
            digest = "md5-" + digest
        return Attachment(content_type=response.headers.get("Content-Type", "application/octet-stream"),
                          digest=digest, data=response.content)


def _all_docs_params(query: AllDocsQuery) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if query.startkey is not None:
        params["startkey"] = query.startkey
    if query.endkey is not None:
        params["endkey"] = query.endkey
    if not query.inclusive_end:
        params["inclusive_end"] = "false"
    if query.descending:
        params["descending"] = "true"
    if query.limit is not None:
        params["limit"] = str(query.limit)
    if query.skip:
        params["skip"] = str(query.skip)
    for name, wanted in (("include_docs", query.include_docs), ("conflicts", query.conflicts and query.include_docs),
                         ("attachments", query.attachments and query.include_docs)):
        if wanted:
            params[name] = "true"
    # JSON-encode the keys: CouchDB's startkey/endkey are JSON values.
    for name in ("startkey", "endkey"):
        if name in params:
            params[name] = _json_string(params[name])
    return params


def _json_string(value: str) -> str:
    return orjson.dumps(value).decode()
