"""The access index of the SQLite store: channels, grants, and what left whose scope.

Kept in the same transaction as the documents, so a reader's filtered feed never disagrees
with the data. A document's own access (its channels and grants) lives in its ``docs`` row,
so writes and visibility checks need no lookup here. Every query here is driven by a
reader's channels through an index, so its cost grows with that reader's documents, not
with the database.

* ``doc_channels(channel, doc_id, seq)``: which documents each channel holds, with the
  document's newest sequence; the per-user changes feed is a range scan per channel.
* ``channel_removals``: documents that left a channel, and when.
* ``grants(user_id, channel, doc_id, seq)``: channels that documents grant to users.
* ``grant_removals``: grants that ended, and when (a volunteer unassigned from an event).
* ``purges``: documents erased for good, and when.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import orjson

from ...access import Scope
from ..ranges import chunks

SCHEMA = """
CREATE TABLE doc_channels (channel TEXT NOT NULL, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (channel, doc_id)) STRICT, WITHOUT ROWID;
CREATE INDEX doc_channels_by_seq ON doc_channels (channel, seq);
CREATE TABLE channel_removals (channel TEXT NOT NULL, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (channel, doc_id)) STRICT, WITHOUT ROWID;
CREATE INDEX channel_removals_by_seq ON channel_removals (channel, seq);
CREATE TABLE grants (user_id TEXT NOT NULL, channel TEXT NOT NULL, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, channel, doc_id)) STRICT, WITHOUT ROWID;
CREATE TABLE grant_removals (user_id TEXT NOT NULL, channel TEXT NOT NULL, doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL, PRIMARY KEY (user_id, channel, doc_id)) STRICT, WITHOUT ROWID;
CREATE INDEX grant_removals_by_user ON grant_removals (user_id, seq);
CREATE TABLE purges (doc_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX purges_by_seq ON purges (seq);
"""

Grants = Mapping[str, frozenset[str]]


@dataclass(slots=True)
class Access:
    """A document's place in the index: its channels and the grants it makes."""

    channels: frozenset[str] = frozenset()
    grants: Grants = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"c": sorted(self.channels), "g": {u: sorted(c) for u, c in self.grants.items()}})

    @classmethod
    def from_json(cls, data: bytes) -> Access:
        parsed = orjson.loads(data)
        return cls(frozenset(parsed["c"]), {user: frozenset(c) for user, c in parsed["g"].items()})


class ChannelIndex:
    """Reads and writes the access tables on one connection (inside the caller's transaction)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def update(self, moves: list[tuple[str, int, Access, Access]]) -> None:
        """Move documents to their new channels and grants: ``(doc_id, seq, old, new)`` each."""
        channel_rows, gone_rows, back_rows = [], [], []
        grant_rows, ended_rows = [], []
        for doc_id, seq, old, new in moves:
            channel_rows += [(channel, doc_id, seq) for channel in new.channels]
            gone_rows += [(channel, doc_id, seq) for channel in old.channels - new.channels]
            back_rows += [(channel, doc_id) for channel in new.channels - old.channels]
            old_pairs = {(user, channel) for user, channels in old.grants.items() for channel in channels}
            new_pairs = {(user, channel) for user, channels in new.grants.items() for channel in channels}
            grant_rows += [(user, channel, doc_id, seq) for user, channel in new_pairs - old_pairs]
            ended_rows += [(user, channel, doc_id, seq) for user, channel in old_pairs - new_pairs]
        db = self._db
        db.executemany("INSERT OR REPLACE INTO doc_channels (channel, doc_id, seq) VALUES (?, ?, ?)", channel_rows)
        db.executemany("DELETE FROM doc_channels WHERE channel = ? AND doc_id = ?", [row[:2] for row in gone_rows])
        db.executemany("INSERT OR REPLACE INTO channel_removals (channel, doc_id, seq) VALUES (?, ?, ?)", gone_rows)
        db.executemany("DELETE FROM channel_removals WHERE channel = ? AND doc_id = ?", back_rows)
        db.executemany("INSERT OR IGNORE INTO grants (user_id, channel, doc_id, seq) VALUES (?, ?, ?, ?)", grant_rows)
        db.executemany("DELETE FROM grant_removals WHERE user_id = ? AND channel = ? AND doc_id = ?",
                       [row[:3] for row in grant_rows])
        db.executemany("DELETE FROM grants WHERE user_id = ? AND channel = ? AND doc_id = ?",
                       [row[:3] for row in ended_rows])
        db.executemany("INSERT OR REPLACE INTO grant_removals (user_id, channel, doc_id, seq) VALUES (?, ?, ?, ?)",
                       ended_rows)

    def effective(self, scope: Scope) -> dict[str, int]:
        """The reader's channels, each with the sequence from which they hold it (0: always)."""
        channels = dict.fromkeys(scope.channels, 0)
        if scope.user_id is not None:
            for channel, since in self._db.execute(
                    "SELECT channel, min(seq) FROM grants WHERE user_id = ? GROUP BY channel", (scope.user_id,)):
                channels[channel] = min(channels.get(channel, since), since)
        return channels

    def visible(self, doc_ids: Iterable[str], channels: Mapping[str, int]) -> set[str]:
        """Which of ``doc_ids`` lie in at least one of ``channels``."""
        seen: set[str] = set()
        for chunk in chunks(list(doc_ids), 500):
            marks = ",".join("?" * len(chunk))
            for doc_id, access in self._db.execute(
                    f"SELECT id, access FROM docs WHERE id IN ({marks})", chunk):  # noqa: S608
                if not Access.from_json(access).channels.isdisjoint(channels):
                    seen.add(doc_id)
        return seen

    def documents(self, channels: Mapping[str, int]) -> set[str]:
        """Every document the reader sees now."""
        found: set[str] = set()
        for channel in channels:
            found.update(row[0] for row in self._db.execute(
                "SELECT doc_id FROM doc_channels WHERE channel = ?", (channel,)))
        return found

    def changes(self, channels: Mapping[str, int], since: int, limit: int | None) -> list[tuple[str, int]]:
        """Documents the reader should receive after ``since``, as ``(doc_id, seq)`` in order.

        A document's sequence for this reader is the later of its own and of the moment the
        reader got the channel it is seen through: a channel granted after ``since`` brings
        its older documents along (a backfill), so a checkpoint never hides them. Rows that
        share a sequence stay in one page, so resuming from any ``last_seq`` loses nothing.
        """
        if limit == 0:
            return []
        best: dict[str, int] = {}
        for channel, granted in channels.items():
            if granted > since:
                rows = self._db.execute("SELECT doc_id, seq FROM doc_channels WHERE channel = ?", (channel,))
            else:
                rows = self._db.execute(
                    "SELECT doc_id, seq FROM doc_channels WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (channel, since, -1 if limit is None else limit))
            for doc_id, seq in rows:
                effective = max(seq, granted)
                if effective < best.get(doc_id, effective + 1):
                    best[doc_id] = effective
        ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))
        if limit is None or len(ordered) <= limit:
            return ordered
        cut = limit
        while cut < len(ordered) and ordered[cut][1] == ordered[cut - 1][1]:
            cut += 1
        return ordered[:cut]

    def removed(self, scope: Scope, channels: Mapping[str, int], since: int) -> set[str]:
        """Documents that left the reader's scope after ``since`` and are not visible now."""
        lost: set[str] = set()
        if scope.user_id is not None:
            lost = {row[0] for row in self._db.execute(
                "SELECT channel FROM grant_removals WHERE user_id = ? AND seq > ?", (scope.user_id, since))}
            lost -= set(channels)
        candidates: set[str] = set()
        # Documents that left a channel the reader holds, or held until after ``since``...
        for channel in set(channels) | lost:
            candidates.update(row[0] for row in self._db.execute(
                "SELECT doc_id FROM channel_removals WHERE channel = ? AND seq > ?", (channel, since)))
        # ... and everything still in a channel the reader lost.
        for channel in lost:
            candidates.update(row[0] for row in self._db.execute(
                "SELECT doc_id FROM doc_channels WHERE channel = ?", (channel,)))
        return candidates - self.visible(candidates, channels)

    def forget(self, documents: list[tuple[str, Access]], seq: int) -> None:
        """Drop purged documents from the index, recording that they left their channels."""
        self.update([(doc_id, seq, old, Access()) for doc_id, old in documents])
        self._db.executemany("INSERT OR REPLACE INTO purges (doc_id, seq) VALUES (?, ?)",
                             [(doc_id, seq) for doc_id, _ in documents])

    def purged_since(self, since: int) -> set[str]:
        """Documents purged after ``since`` (what readers who see everything must drop)."""
        return {row[0] for row in self._db.execute("SELECT doc_id FROM purges WHERE seq > ?", (since,))}

