"""One CouchDB database as one request sees it: what every part of the backend starts from
(the store's client, the gateway's hidden documents, current winners)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ... import errors, revtree
from ...access import Scope, Validator
from ..base import Database
from ..ranges import chunks
from ..types import Limits, ReadOptions, Seq
from .access import ACCESS_DDOC

if TYPE_CHECKING:
    from .store import CouchStore

HIDDEN = frozenset({ACCESS_DDOC})
CHUNK = 1000  # ids per request where a list is sent
_SINCE_RE = re.compile(r"[A-Za-z0-9_~-]{1,4096}")


class CouchHandle(Database):
    """One CouchDB database as one reader sees it. Holds no connection of its own."""

    def __init__(self, store: CouchStore, name: str, limits: Limits, scope: Scope,
                 validate: Validator | None) -> None:
        super().__init__(name, limits, scope, validate)
        self.store = store
        self.client = store.client
        self._channels: frozenset[str] | None = None

    def close(self) -> None:
        """Nothing to release: connections belong to the store's pool."""

    # -- info -----------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        info = self.store.db_info(self.name)
        hidden = len(self._existing(HIDDEN))
        sizes = info.get("sizes") or {"file": info.get("disk_size", 0)}
        return {
            "db_name": self.name,
            "update_seq": info.get("update_seq"),
            "doc_count": int(info.get("doc_count", 0)) - hidden,
            "doc_del_count": info.get("doc_del_count", 0),
            "instance_start_time": "0",
            "purge_seq": info.get("purge_seq", 0),
            "compact_running": info.get("compact_running", False),
            "disk_format_version": info.get("disk_format_version", 8),
            "sizes": sizes,
            "props": info.get("props", {}),
        }

    def update_seq(self) -> Seq:
        seq = self.store.db_info(self.name).get("update_seq")
        return seq if isinstance(seq, int | str) else 0

    def parse_since(self, raw: str) -> Seq:
        """CouchDB's sequences and our tokens are opaque strings; pouchdb-server's are numbers."""
        text = raw.strip('"')
        if text.isdigit() and len(text) <= 18:
            return int(text)
        if not _SINCE_RE.fullmatch(text):
            raise errors.bad_request("Invalid since parameter")
        return text

    # -- winners ------------------------------------------------------------------------------

    def _winners(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Current winners: the document if live, None if deleted; absent ids are left out."""
        return {doc_id: doc for doc_id, (_, doc) in self._heads(doc_ids).items()}

    def _heads(self, doc_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Each existing document's winning revision, with its body if live (None if deleted)."""
        found: dict[str, tuple[str, dict[str, Any] | None]] = {}
        for chunk in chunks(sorted(set(doc_ids)), CHUNK):
            result = self.client.json("POST", self.name, "_all_docs", params={"include_docs": "true"},
                                      body={"keys": chunk})
            for row in result.get("rows", []):
                if "error" in row or "value" not in row:
                    continue
                found[row["id"]] = (row["value"]["rev"], None if row["value"].get("deleted") else row.get("doc"))
        return found

    def _existing(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of the ids name live documents (a cheap ``_all_docs?keys``)."""
        ids = list(doc_ids)
        if not ids:
            return set()
        result = self.client.json("POST", self.name, "_all_docs", body={"keys": ids})
        return {row["id"] for row in result.get("rows", [])
                if "value" in row and "error" not in row and not row["value"].get("deleted")}


def read_params(options: ReadOptions, open_revs: bool = False) -> dict[str, Any]:
    """CouchDB's query flags for a document read with ``options``."""
    wanted = {"revs": options.revs, "attachments": options.attachments}
    if not open_revs:
        wanted.update(revs_info=options.revs_info, conflicts=options.conflicts,
                      deleted_conflicts=options.deleted_conflicts)
    return {name: "true" for name, on in wanted.items() if on}


def winner_first(leaves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaves (``open_revs`` entries or documents) with the winner first, ranked as
    :func:`sync.revtree.rank` ranks them; the rest as CouchDB listed them."""
    docs = [entry.get("ok", entry) for entry in leaves]
    if not docs or any("_rev" not in doc for doc in docs):
        return leaves
    best = max(range(len(docs)), key=lambda index: _rank(docs[index]))
    return [leaves[best], *leaves[:best], *leaves[best + 1:]]


def _rank(doc: Mapping[str, Any]) -> tuple[bool, int, str]:
    return revtree.rank(str(doc["_rev"]), bool(doc.get("_deleted", False)))
