"""A reader's scope on CouchDB, kept with the views and records of :mod:`.access`: which
documents a reader may see, and the exit records that writes and purges leave behind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ... import errors
from ...documents import DocEdit
from .access import ACCESS_DDOC, EXITS_DDOC, record_id
from .handle import HIDDEN
from .pouchdb_server_quirks import PouchdbServerQuirks


class CouchScope(PouchdbServerQuirks):
    """A reader's scope on CouchDB: what they may see, and the exit records writes leave."""

    # -- exit records ----------------------------------------------------------------------

    def _record_exits(self, old: Mapping[str, dict[str, Any] | None], edits: list[DocEdit]) -> None:
        """Before writing: record the channels each edit makes its document leave."""
        rules = self.store.rules
        assert rules is not None
        tombstones: dict[str, set[str]] = {}
        left: dict[str, set[str]] = {}
        revived = self._read_records([edit.id for edit in edits if old.get(edit.id) is None and not edit.deleted])
        for edit in edits:
            before = old.get(edit.id)
            if before is None:
                # A deleted document written again: it leaves the channels its tombstone kept.
                buried = set(revived.get(edit.id, {}).get("tombstone", []))
                if buried and not edit.deleted:
                    gone = buried - rules.channels_of({"_id": edit.id, **edit.body})
                    if gone:
                        left.setdefault(edit.id, set()).update(gone)
                    tombstones[edit.id] = set()
                continue
            channels = set(rules.channels_of(before))
            if edit.deleted:
                tombstones.setdefault(edit.id, set()).update(channels)
            else:
                gone = channels - rules.channels_of({"_id": edit.id, **edit.body})
                if gone:
                    left.setdefault(edit.id, set()).update(gone)
        self._update_records(tombstones, left)

    def _record_replaced_winners(self, old: Mapping[str, dict[str, Any] | None], deletions: list[DocEdit]) -> None:
        """After a replicated deletion, another (conflicting) leaf may have become the winner
        with other channels; record what the document left."""
        rules = self.store.rules
        assert rules is not None
        candidates = [edit.id for edit in deletions if old.get(edit.id) is not None]
        if not candidates:
            return
        left: dict[str, set[str]] = {}
        for doc_id, winner in self._winners(candidates).items():
            before = old.get(doc_id)
            if winner is not None and before is not None:
                gone = set(rules.channels_of(before)) - rules.channels_of(winner)
                if gone:
                    left[doc_id] = gone
        self._update_records({}, left)

    def _read_records(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The exit records of the given documents, by document id (absent ones left out)."""
        if not doc_ids:
            return {}
        shadow = self.store.ensure_shadow(self.name)
        result = self.client.json("POST", shadow, "_all_docs", params={"include_docs": "true"},
                                  body={"keys": [record_id(doc_id) for doc_id in doc_ids]})
        return {row["doc"]["doc_id"]: row["doc"] for row in result.get("rows", []) if row.get("doc")}

    def _update_records(self, tombstones: Mapping[str, set[str]], left: Mapping[str, set[str]],
                        purged: Iterable[str] = ()) -> None:
        purged = set(purged)
        ids = sorted(set(tombstones) | set(left) | purged)
        if not ids:
            return
        shadow = self.store.ensure_shadow(self.name)
        for _ in range(5):
            stored = self._read_records(ids)
            docs = []
            for doc_id in ids:
                record = stored.get(doc_id) or {"_id": record_id(doc_id), "doc_id": doc_id}
                updated = dict(record)
                if doc_id in tombstones:
                    updated["tombstone"] = sorted(tombstones[doc_id])
                if doc_id in left or doc_id in purged:
                    updated["left"] = sorted(set(record.get("left", [])) | left.get(doc_id, set()))
                if doc_id in purged:
                    updated["purged"] = True
                if updated != record:
                    docs.append(updated)
            if not docs:
                return
            rows = self.client.json("POST", shadow, "_bulk_docs", body={"docs": docs}, idempotent=False)
            retry = {row["id"][2:] for row in rows if row.get("error") == "conflict"}
            if not retry:
                return
            ids = sorted(retry)  # another gateway wrote the same record meanwhile: merge again
        raise errors.service_unavailable("CouchDB kept refusing the access records; try again later")

    def _exit_ids(self, kind: str, channels: Iterable[str]) -> dict[str, set[str]]:
        """Exit records of the given kind, by channel: ``{channel: {doc_id, ...}}``."""
        channels = sorted(set(channels))
        if not channels or self.store.rules is None:
            return {}
        shadow = self.store.ensure_shadow(self.name)
        return self._view_ids(shadow, EXITS_DDOC, "exits", [[kind, channel] for channel in channels])

    def _purged_ids(self) -> set[str]:
        shadow = self.store.ensure_shadow(self.name)
        rows = self._view_rows(shadow, EXITS_DDOC, "exits", [["purged"]])[0]
        return {row["key"][-1] for row in rows}

    # -- scope --------------------------------------------------------------------------------

    def _reader_channels(self) -> frozenset[str]:
        if self._channels is None:
            channels = set(self.scope.channels)
            if self.scope.user_id is not None and self.store.rules is not None:
                self._ensure_views()
                rows = self._view_rows(self.name, ACCESS_DDOC, "grants", [[self.scope.user_id]])[0]
                channels.update(row["key"][1] for row in rows)
            self._channels = frozenset(channels)
        return self._channels

    def _ensure_views(self) -> None:
        self.store.ensure_design(self.name, ACCESS_DDOC, self.store.access_design())

    def _live_ids(self, channels: Iterable[str]) -> dict[str, set[str]]:
        """Live documents of each channel, from the ``by_channel`` view."""
        channels = sorted(set(channels))
        if not channels or self.store.rules is None:
            return {}
        self._ensure_views()
        return self._view_ids(self.name, ACCESS_DDOC, "by_channel", [[channel] for channel in channels])

    def _view_ids(self, db: str, ddoc: str, view: str, prefixes: list[list[str]]) -> dict[str, set[str]]:
        """Document ids under each key prefix, by the prefix's last element (the channel)."""
        found: dict[str, set[str]] = {}
        for prefix, rows in zip(prefixes, self._view_rows(db, ddoc, view, prefixes), strict=True):
            found[prefix[-1]] = {row["key"][-1] for row in rows}
        return found

    def _visible(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of the documents this reader may see: a live winner by the rules, a deleted
        one by the channels it had (its exit record). Others do not exist for the reader."""
        ids = set(doc_ids) - HIDDEN
        if self.scope.everything:
            return ids
        if not ids or self.store.rules is None:
            return set()
        channels = self._reader_channels()
        winners = self._winners(ids)
        visible = {doc_id for doc_id, doc in winners.items()
                   if doc is not None and self.store.rules.channels_of(doc) & channels}
        deleted = [doc_id for doc_id, doc in winners.items() if doc is None]
        if deleted:
            shadow = self.store.ensure_shadow(self.name)
            result = self.client.json("POST", shadow, "_all_docs", params={"include_docs": "true"},
                                      body={"keys": [record_id(doc_id) for doc_id in deleted]})
            visible.update(row["doc"]["doc_id"] for row in result.get("rows", [])
                           if row.get("doc") and set(row["doc"].get("tombstone", [])) & channels)
        return visible

    def _check_visible(self, doc_id: str) -> None:
        if doc_id in HIDDEN or (not self.scope.everything and doc_id not in self._visible([doc_id])):
            raise errors.not_found("missing")
