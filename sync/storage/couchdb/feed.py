"""CouchDB's changes feed: passed through for readers who see everything; for a scoped
reader, read through the access views with feed tokens (see :mod:`.access`); and what left a
reader's scope (``_removed``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ... import errors
from ..types import Change, ChangesPage, ChangesQuery, Seq
from .access import Token, couch_since
from .handle import HIDDEN
from .scope import CouchScope


class CouchFeed(CouchScope):
    """The feed primitives of the CouchDB backend."""

    def _changes(self, query: ChangesQuery) -> ChangesPage:
        if query.limit == 0:
            return ChangesPage([], query.since)
        if not self.scope.everything:
            return self._scoped_changes(query)
        doc_ids = None if query.doc_ids is None else query.doc_ids - HIDDEN
        if doc_ids is not None and not doc_ids:
            return ChangesPage([], query.since if query.descending else self.update_seq())
        # One row more than asked, in case our design document is among them.
        limit = None if query.limit is None else query.limit + 1
        rows, last_seq = self._couch_changes(query, couch_since(query.since), doc_ids, limit)
        changes = [_change(row, query) for row in rows if row["id"] not in HIDDEN]
        if query.limit is not None and len(changes) > query.limit:
            changes = changes[: query.limit]
            last_seq = changes[-1].seq
        return ChangesPage(changes, last_seq)

    def _couch_changes(self, query: ChangesQuery, since: str, doc_ids: Iterable[str] | None,
                       limit: int | None) -> tuple[list[dict[str, Any]], Seq]:
        params: dict[str, Any] = {"since": since}
        if limit is not None:
            params["limit"] = str(limit)
        for name, wanted in (("descending", query.descending), ("include_docs", query.include_docs),
                             ("conflicts", query.conflicts and query.include_docs),
                             ("attachments", query.attachments and query.include_docs)):
            if wanted:
                params[name] = "true"
        if query.all_leaves:
            params["style"] = "all_docs"
        if doc_ids is None:
            result = self.client.json("GET", self.name, "_changes", params=params)
        else:
            params["filter"] = "_doc_ids"
            result = self.client.json("POST", self.name, "_changes", params=params, body={"doc_ids": sorted(doc_ids)})
        return list(result.get("results", [])), result.get("last_seq", since)

    def _scoped_changes(self, query: ChangesQuery) -> ChangesPage:
        """A reader's feed through the views; see :mod:`.access`."""
        channels = self._reader_channels()
        try:
            token = Token.decode(query.since)
        except ValueError:
            raise errors.bad_request("Invalid since parameter") from None
        known = self._token_channels(token.known, channels)
        backfill = self._token_channels(token.backfill, frozenset()) if token.backfill else frozenset()
        backfill_since = token.backfill_since or "0"
        fresh = channels - known - backfill
        if fresh:  # gained since the checkpoint: fetch their documents from the beginning
            backfill, backfill_since = (backfill | fresh) & channels, "0"
        known, backfill = known & channels, backfill & channels
        live = self._live_ids(channels)
        dead = self._exit_ids("tombstone", channels)
        everyone = set().union(*live.values()) if live else set()
        readable_deleted = everyone | (set().union(*dead.values()) if dead else set())

        def ids_of(wanted: Iterable[str]) -> set[str]:
            found = {doc_id for channel in wanted for doc_id in live.get(channel, set()) | dead.get(channel, set())}
            return found if query.doc_ids is None else found & query.doc_ids

        def shows(row: dict[str, Any]) -> bool:
            if row.get("deleted"):
                return row["id"] in readable_deleted
            if row["id"] not in everyone:
                return False  # left the scope meanwhile: _removed reports it
            doc = row.get("doc")
            rules = self.store.rules
            return doc is None or rules is None or bool(rules.channels_of(doc) & channels)

        if query.descending:
            rows, _ = self._couch_changes(query, "0", ids_of(channels), query.limit)
            key = self.store.name_channel_set(self.name, channels)
            changes = [_change(row, query, Token(str(row["seq"]), key).encode()) for row in rows if shows(row)]
            return ChangesPage(changes, changes[-1].seq if changes else Token("0", key).encode())

        known_key = self.store.name_channel_set(self.name, known)
        results: list[Change] = []
        remaining = query.limit
        known_ids = ids_of(known)
        backfill_ids = ids_of(backfill) - known_ids
        if backfill_ids:
            back_key = self.store.name_channel_set(self.name, backfill)

            def resume_at(seq: object) -> str:
                return Token(token.since, known_key, str(seq), back_key).encode()

            rows, cursor, done = self._collect(query, backfill_since, backfill_ids, remaining, shows, set())
            results += [_change(row, query, resume_at(row["seq"])) for row in rows]
            if not done:  # the page ends inside the backfill
                return ChangesPage(results, resume_at(cursor))
            remaining = None if remaining is None else remaining - len(rows)
            known, known_ids = known | backfill, known_ids | backfill_ids
            known_key = self.store.name_channel_set(self.name, known)
        if not known_ids or remaining == 0:
            last = self.update_seq() if not known_ids else token.since
            return ChangesPage(results, Token(str(last), known_key).encode())
        rows, cursor, _ = self._collect(query, token.since, known_ids, remaining, shows,
                                        {change.id for change in results})
        results += [_change(row, query, Token(str(row["seq"]), known_key).encode()) for row in rows]
        return ChangesPage(results, Token(str(cursor), known_key).encode())

    def _collect(self, query: ChangesQuery, since: str, doc_ids: set[str], limit: int | None,
                 shows: Callable[[dict[str, Any]], bool], sent: set[str]) -> tuple[list[dict[str, Any]], Seq, bool]:
        """Rows the reader may see, up to ``limit``, reading on past rows they may not: a
        short page tells PouchDB the feed is exhausted, so it must only be short at the end.

        :returns: the rows, the sequence to resume from, and whether the feed is exhausted
        """
        shown: list[dict[str, Any]] = []
        cursor: Seq = since
        while True:
            wanted = None if limit is None else limit - len(shown)
            rows, last_seq = self._couch_changes(query, str(cursor), doc_ids, wanted)
            shown += [row for row in rows if shows(row) and row["id"] not in sent]
            if wanted is None or len(rows) < wanted:
                return shown, last_seq, True
            cursor = rows[-1]["seq"]
            if limit is not None and len(shown) >= limit:
                return shown, cursor, False

    def _token_channels(self, key: str | None, default: frozenset[str]) -> frozenset[str]:
        """The channel set a token names; a plain sequence means the reader's current ones,
        an unknown name none (everything is fetched again: safe, only slower)."""
        if key is None:
            return default
        return self.store.channel_set(self.name, key) or frozenset()

    # -- leaving scope ----------------------------------------------------------------------

    def _removed(self, since: Any) -> dict[str, Any]:
        current = self.update_seq()
        if self.scope.everything:
            purged = self._purged_ids() if self.store.rules is not None else set()
            gone = purged - self._existing(purged)
            return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": current}
        try:
            token = Token.decode(since)
        except ValueError:
            raise errors.bad_request("Invalid since parameter") from None
        channels = self._reader_channels()
        had = self._token_channels(token.known, channels) if token.since != "0" else frozenset()
        if token.backfill:
            had |= self._token_channels(token.backfill, frozenset())
        lost = had - channels
        candidates: set[str] = set()
        for found in (self._live_ids(lost), self._exit_ids("tombstone", lost), self._exit_ids("left", had | channels)):
            for ids in found.values():
                candidates |= ids
        gone = candidates - self._visible(candidates)
        key = self.store.name_channel_set(self.name, channels)
        return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": Token(str(current), key).encode()}


def _change(row: dict[str, Any], query: ChangesQuery, seq: Seq | None = None) -> Change:
    revs = [change["rev"] for change in row.get("changes", [])]
    doc = row.get("doc") if query.include_docs else None
    return Change(seq=row["seq"] if seq is None else seq, id=row["id"], revs=revs,
                  deleted=bool(row.get("deleted", False)), doc=doc)
