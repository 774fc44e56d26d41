"""The changes feed of the file, for everyone or through the channel index for one reader,
what followers learn about new writes, and what left a reader's scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ... import revtree
from ...changes import Signal
from ..ranges import chunks
from ..types import Change, ChangesPage, ChangesQuery, ReadOptions
from .handle import CHUNK, DocState
from .index import Access
from .reads import SqliteReads

# Changes a follower reads at most per look.
_TAIL_PAGE = 1000


class SqliteFeed(SqliteReads):
    """The feed primitives of the embedded store."""

    def _changes(self, query: ChangesQuery) -> ChangesPage:
        order = "DESC" if query.descending else "ASC"
        limit = -1 if query.limit is None else query.limit
        with self.atomic():
            current = self.update_seq()
            if not self.scope.everything:
                rows = self._scoped_changes(query)
            elif query.doc_ids is None:
                rows = self._db.execute(
                    f"SELECT id, seq, winner, deleted, tree FROM docs WHERE seq > ? ORDER BY seq {order} LIMIT ?",  # noqa: S608
                    (query.since, limit)).fetchall()
            else:
                rows = []
                for chunk in chunks(sorted(query.doc_ids), CHUNK):
                    marks = ",".join("?" * len(chunk))
                    rows += self._db.execute(
                        f"SELECT id, seq, winner, deleted, tree FROM docs WHERE seq > ? AND id IN ({marks})",  # noqa: S608
                        (query.since, *chunk)).fetchall()
                rows.sort(key=lambda row: row[1], reverse=query.descending)
                rows = rows if limit < 0 else rows[:limit]
            changes = [self._change(row, query) for row in rows]
            if query.include_docs:
                self._attach_docs(changes, rows, query)
        exhausted = query.limit is None or len(rows) < query.limit
        last_seq = current if exhausted and not query.descending else (changes[-1].seq if changes else query.since)
        return ChangesPage(changes, last_seq)

    def _scoped_changes(self, query: ChangesQuery) -> list[Any]:
        """The reader's feed through the channel index: work grows with their documents only.

        Each row carries the reader's own sequence for the document (see
        :meth:`ChannelIndex.changes`), which is what their checkpoint must resume from.
        """
        limit = None if query.descending else query.limit
        picked = self._index.changes(self._index.effective(self.scope), query.since, limit)
        if query.doc_ids is not None:
            picked = [(doc_id, seq) for doc_id, seq in picked if doc_id in query.doc_ids]
        found = {}
        for chunk in chunks([doc_id for doc_id, _ in picked], CHUNK):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                    f"SELECT id, seq, winner, deleted, tree FROM docs WHERE id IN ({marks})", chunk):  # noqa: S608
                found[row[0]] = row
        rows = [(doc_id, seq, *found[doc_id][2:]) for doc_id, seq in picked if doc_id in found]
        if query.descending:
            rows.reverse()
            rows = rows if query.limit is None else rows[: query.limit]
        return rows

    @staticmethod
    def _change(row: Sequence[Any], query: ChangesQuery) -> Change:
        doc_id, seq, winner, deleted, tree_json = row
        if query.all_leaves:
            revs = revtree.leaves(revtree.from_json(orjson.loads(tree_json)))
        else:
            revs = [winner]
        return Change(seq=seq, id=doc_id, revs=revs, deleted=bool(deleted))

    def _attach_docs(self, changes: list[Change], rows: list[Any], query: ChangesQuery) -> None:
        bodies = self._bodies([(change.id, row[2]) for change, row in zip(changes, rows, strict=True)])
        options = ReadOptions(conflicts=query.conflicts, attachments=query.attachments)
        for change, (doc_id, seq, winner, _, tree_json) in zip(changes, rows, strict=True):
            state = DocState(seq, revtree.from_json(orjson.loads(tree_json)), winner)
            change.doc = self._render(doc_id, winner, state, bodies[(doc_id, winner)], options)

    def signals_since(self, position: int) -> tuple[int, list[Signal]]:
        """The documents changed or purged after ``position``, with their channels and the
        users they grant to, and the position to look from next time."""
        with self.atomic():
            current = self.update_seq()
            if position >= current:
                return current, []
            rows = self._db.execute("SELECT id, seq, access FROM docs WHERE seq > ? ORDER BY seq LIMIT ?",
                                    (position, _TAIL_PAGE)).fetchall()
            signals = []
            for doc_id, _, access_json in rows:
                access = Access.from_json(access_json)
                signals.append(Signal(doc_id, access.channels, frozenset(access.grants)))
            signals += [Signal(doc_id, None) for doc_id in self._index.purged_since(position)]
        return (rows[-1][1] if len(rows) == _TAIL_PAGE else current), signals

    # -- leaving scope ----------------------------------------------------------------------

    def _reader_channels(self) -> frozenset[str]:
        return frozenset(self._index.effective(self.scope))

    def _removed(self, since: int) -> dict[str, Any]:
        with self.atomic():
            current = self.update_seq()
            if self.scope.everything:
                gone = self._index.purged_since(since)
            else:
                gone = self._index.removed(self.scope, self._index.effective(self.scope), since)
        return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": current}
