"""Writing to the file: ``_bulk_docs`` through :mod:`sync.revtree` in one transaction with
the access index, erasure (purge), and ``_local`` documents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ... import errors, revtree
from ...documents import AttachmentIn, DocEdit, Revpos
from ...revs import new_rev, rev_pos
from ...revtree import RevTree
from .handle import DocState, SqliteHandle
from .index import Access


@dataclass(slots=True)
class _Batch:
    """Rows one ``_bulk_docs`` transaction writes, collected before touching the file."""

    docs: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    access_before: dict[str, Access] = field(default_factory=dict)
    revs: dict[tuple[str, str], tuple[bytes, bytes | None]] = field(default_factory=dict)
    dropped: set[tuple[str, str]] = field(default_factory=set)
    blobs: dict[str, bytes] = field(default_factory=dict)
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    winners: dict[str, dict[str, Any] | None] = field(default_factory=dict)


class SqliteWrites(SqliteHandle):
    """The write primitives of the embedded store."""

    def _bulk_docs(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes = self._store.run_blocking(lambda: self._write_batch(edits, new_edits))
        if any(isinstance(outcome, str) for outcome in outcomes):
            self._store.changes.notify(self.name)
        return outcomes

    def _write_batch(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes: list[str | errors.CouchError] = []
        with self.writing():
            states = self._load_states({edit.id for edit in edits})
            before = {doc_id: state.tree[state.winner].deleted for doc_id, state in states.items()}
            current = self._winner_docs(states)
            batch = _Batch()
            for edit in edits:
                try:
                    outcomes.append(self._apply(edit, new_edits, states, current, batch))
                except errors.CouchError as error:
                    outcomes.append(error)
            if batch.docs:
                self._flush(batch, before)
        return outcomes

    def _apply(self, edit: DocEdit, new_edits: bool, states: dict[str, DocState],
               current: dict[str, dict[str, Any]], batch: _Batch) -> str:
        """Apply one edit to the in-memory states and the batch; return its rev.

        ``current`` holds each document's live winner as the batch has left it so far (what
        the access index follows); the validator sees the revision the edit replaces.
        """
        state = states.get(edit.id)
        tree: RevTree = state.tree if state else {}
        try:
            parent = self._parent_of(edit, state) if new_edits else None
        except errors.CouchError:
            # A writer who may not write over the winner hears that, not whether it exists.
            if self.validate is not None and state is not None:
                self._check_edit(edit, self._replaced(edit, state, state.winner, current, batch))
            raise
        if not new_edits and edit.path[0] in tree:
            return edit.path[0]
        if self.validate is not None:
            self._check_edit(edit, self._replaced(edit, state, parent, current, batch))
        if new_edits:
            atts = self._resolve_attachments(edit, parent, rev_pos(parent) + 1 if parent else 1, batch, False)
            rev = new_rev(parent, edit.body, edit.deleted, [meta["digest"] for meta in atts.values()])
            path = [rev, parent] if parent else [rev]
        else:
            path = edit.path
            rev = path[0]
            atts = self._resolve_attachments(edit, None, rev_pos(rev), batch, True)
        merged, dropped = revtree.stem(revtree.merge(tree, path, edit.deleted), self.limits.revs_limit)
        if merged == tree:
            return rev
        ranked = revtree.leaves(merged)
        new_leaves = set(ranked)
        old_leaves = set(revtree.leaves(tree)) if tree else set()
        for gone in (old_leaves - new_leaves) | set(dropped):
            batch.dropped.add((edit.id, gone))
        if rev in new_leaves:
            batch.revs[(edit.id, rev)] = (orjson.dumps(edit.body), orjson.dumps(atts) if atts else None)
            batch.dropped.discard((edit.id, rev))
            batch.refs.update((meta["digest"], edit.id, rev) for meta in atts.values())
        winner = ranked[0]
        if merged[winner].deleted:
            current.pop(edit.id, None)
        elif winner == rev:
            current[edit.id] = {"_id": edit.id, "_rev": rev, **edit.body}
        elif state is None or winner != state.winner:
            current[edit.id] = self._leaf_doc(edit.id, winner, batch)
        batch.winners[edit.id] = current.get(edit.id)
        before = state.access if state else Access()
        batch.access_before.setdefault(edit.id, before)
        states[edit.id] = DocState(state.seq if state else 0, merged, winner, before)
        # A document edited twice in one batch takes the later position in the feed.
        batch.docs.pop(edit.id, None)
        batch.docs[edit.id] = (winner, int(merged[winner].deleted), orjson.dumps(revtree.to_json(merged)))
        return rev

    @staticmethod
    def _parent_of(edit: DocEdit, state: DocState | None) -> str | None:
        """The revision a ``new_edits=true`` edit extends; it must be a leaf of a document that
        is not deleted (else 409). Without a rev, a deleted document's winner is extended."""
        if edit.parent is None:
            if state is None:
                return None
            if state.tree[state.winner].deleted:
                return state.winner  # recreating a deleted document extends its tombstone
            raise errors.conflict()
        if state is None or not revtree.is_leaf(state.tree, edit.parent):
            raise errors.conflict()
        if state.tree[state.winner].deleted:
            raise errors.conflict()  # CouchDB 3.5: a deleted document is not edited by its tombstone's rev
        return edit.parent

    def _replaced(self, edit: DocEdit, state: DocState | None, parent: str | None,
                  current: dict[str, dict[str, Any]], batch: _Batch) -> dict[str, Any] | None:
        """The revision an edit replaces: its parent, or for a replicated edit the leaf its
        path extends; otherwise (a new branch) the winner. Tombstones count, marked ``_deleted``.
        The live winner, what most edits replace, comes from ``current`` (read for the batch)."""
        if state is None:
            return None
        base = parent or next((rev for rev in edit.path[1:] if revtree.is_leaf(state.tree, rev)), state.winner)
        live = current.get(edit.id)
        if live is not None and live["_rev"] == base:
            return dict(live)
        doc = self._leaf_doc(edit.id, base, batch)
        if state.tree[base].deleted:
            doc["_deleted"] = True
        return doc

    def _resolve_attachments(self, edit: DocEdit, parent: str | None, pos: int, batch: _Batch,
                             replicated: bool) -> dict[str, dict[str, Any]]:
        """Stubs for the new revision: inline data is stored, stubs are found in the parent
        (``new_edits=true``) or by digest among stored attachments (replication)."""
        resolved: dict[str, dict[str, Any]] = {}
        parent_atts = self._rev_attachments(edit.id, parent, batch) if parent else {}
        for name, att in edit.attachments.items():
            if att.data is not None:
                assert att.digest is not None
                batch.blobs[att.digest] = att.data
                # As CouchDB: a replicated one keeps its revpos (any scalar, 0 and "" included),
                # 0 when it names none.
                given = 0 if att.revpos is None else att.revpos
                resolved[name] = _stub(att, len(att.data), given if replicated else pos)
                continue
            known = parent_atts.get(name)
            if known is not None and att.digest in (None, known["digest"]):
                resolved[name] = known
                continue
            length = self._blob_length(edit.id, att.digest, batch) if att.digest and replicated else None
            if length is None:
                raise errors.missing_stub(f"Invalid attachment stub in {edit.id} for {name}")
            resolved[name] = _stub(att, length, pos if att.revpos is None else att.revpos)
        return resolved

    def _winner_docs(self, states: dict[str, DocState]) -> dict[str, dict[str, Any]]:
        """The live winners of the given documents, as ``{_id, _rev, ...body}``."""
        live = [(doc_id, state.winner) for doc_id, state in states.items() if not state.tree[state.winner].deleted]
        return {doc_id: {"_id": doc_id, "_rev": rev, **orjson.loads(body)}
                for (doc_id, rev), (body, _) in self._bodies(live).items()}

    def _leaf_doc(self, doc_id: str, rev: str, batch: _Batch) -> dict[str, Any]:
        """A leaf's body, from this batch or the file (a conflict that became the winner)."""
        stored = batch.revs.get((doc_id, rev)) or self._bodies([(doc_id, rev)])[(doc_id, rev)]
        return {"_id": doc_id, "_rev": rev, **orjson.loads(stored[0])}

    def _rev_attachments(self, doc_id: str, rev: str, batch: _Batch) -> dict[str, dict[str, Any]]:
        pending = batch.revs.get((doc_id, rev))
        if pending is not None:
            return orjson.loads(pending[1]) if pending[1] else {}
        row = self._db.execute("SELECT atts FROM revs WHERE doc_id = ? AND rev = ?", (doc_id, rev)).fetchone()
        return orjson.loads(row[0]) if row and row[0] else {}

    def _blob_length(self, doc_id: str, digest: str, batch: _Batch) -> int | None:
        """Length of an attachment this document already holds (in any stored revision or
        earlier in this batch); a stub never reaches another document's attachments."""
        if any(ref[0] == digest and ref[1] == doc_id for ref in batch.refs):
            return len(batch.blobs[digest]) if digest in batch.blobs else self._stored_length(digest)
        row = self._db.execute(
            "SELECT 1 FROM blob_refs WHERE digest = ? AND doc_id = ? LIMIT 1", (digest, doc_id)).fetchone()
        return self._stored_length(digest) if row else None

    def _stored_length(self, digest: str) -> int | None:
        row = self._db.execute("SELECT length(data) FROM blobs WHERE digest = ?", (digest,)).fetchone()
        return int(row[0]) if row else None

    def _flush(self, batch: _Batch, before: dict[str, bool]) -> None:
        """Write the collected rows; each changed document gets the next sequence number."""
        first_seq = self.update_seq() + 1
        doc_rows = []
        moves = []
        live_delta = deleted_delta = 0
        for offset, (doc_id, (winner, deleted, tree)) in enumerate(batch.docs.items()):
            old = batch.access_before[doc_id]
            new = self._access_of(batch.winners[doc_id], old)
            doc_rows.append((doc_id, first_seq + offset, winner, deleted, tree, new.to_json()))
            moves.append((doc_id, first_seq + offset, old, new))
            was_deleted = before.get(doc_id)
            if was_deleted is None:
                live_delta += not deleted
                deleted_delta += deleted
            elif was_deleted != bool(deleted):
                live_delta += 1 if was_deleted else -1
                deleted_delta += -1 if was_deleted else 1
        db = self._db
        # Remove the old rows first: the new sequence of a document may equal another's
        # old one only after that one moved, and the seq index is unique.
        db.executemany("DELETE FROM docs WHERE id = ?", [(row[0],) for row in doc_rows])
        db.executemany("INSERT INTO docs (id, seq, winner, deleted, tree, access) VALUES (?, ?, ?, ?, ?, ?)",
                       doc_rows)
        db.executemany("INSERT OR REPLACE INTO revs (doc_id, rev, body, atts) VALUES (?, ?, ?, ?)",
                       [(doc_id, rev, body, atts) for (doc_id, rev), (body, atts) in batch.revs.items()])
        db.executemany("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)", list(batch.blobs.items()))
        db.executemany("INSERT OR IGNORE INTO blob_refs (digest, doc_id, rev) VALUES (?, ?, ?)", list(batch.refs))
        if batch.dropped:
            self._drop_revs(batch.dropped)
        self._index.update(moves)
        db.executemany("UPDATE meta SET value = value + ? WHERE key = ?",
                       [(live_delta, "doc_count"), (deleted_delta, "doc_del_count")])
        db.execute("UPDATE meta SET value = ? WHERE key = 'update_seq'", (first_seq + len(doc_rows) - 1,))

    def _access_of(self, winner: dict[str, Any] | None, before: Access) -> Access:
        """The channels and grants of a document whose winner is now ``winner``.

        A deleted document keeps the channels it had, so its deletion reaches the same
        readers (Sync Gateway's tombstones do the same); it grants nothing any more.
        """
        if winner is None:
            return Access(before.channels, {})
        return Access(self._rules.channels_of(winner), self._rules.grants_of(winner))

    def _drop_revs(self, dropped: Iterable[tuple[str, str]]) -> None:
        """Forget bodies of revisions that stopped being leaves, and attachments nobody uses."""
        db = self._db
        pairs = list(dropped)
        digests = {row[0] for pair in pairs for row in db.execute(
            "SELECT digest FROM blob_refs WHERE doc_id = ? AND rev = ?", pair)}
        db.executemany("DELETE FROM revs WHERE doc_id = ? AND rev = ?", pairs)
        db.executemany("DELETE FROM blob_refs WHERE doc_id = ? AND rev = ?", pairs)
        db.executemany(
            "DELETE FROM blobs WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?)",
            [(digest, digest) for digest in digests])

    # -- erasure ----------------------------------------------------------------------------

    def _purge(self, doc_ids: list[str]) -> dict[str, list[str]]:
        purged = self._store.run_blocking(lambda: self._purge_now(doc_ids))
        if purged:
            self._store.changes.notify(self.name)
        return purged

    def _purge_now(self, doc_ids: list[str]) -> dict[str, list[str]]:
        with self.writing():
            states = self._load_states(doc_ids)
            if not states:
                return {}
            seq = self.update_seq() + 1
            ids = [(doc_id,) for doc_id in states]
            digests = {row[0] for (doc_id,) in ids for row in self._db.execute(
                "SELECT digest FROM blob_refs WHERE doc_id = ?", (doc_id,))}
            self._db.executemany("DELETE FROM revs WHERE doc_id = ?", ids)
            self._db.executemany("DELETE FROM blob_refs WHERE doc_id = ?", ids)
            self._db.executemany(
                "DELETE FROM blobs WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?)",
                [(digest, digest) for digest in digests])
            self._db.executemany("DELETE FROM docs WHERE id = ?", ids)
            deleted = sum(state.tree[state.winner].deleted for state in states.values())
            self._db.executemany("UPDATE meta SET value = value - ? WHERE key = ?",
                                 [(len(states) - deleted, "doc_count"), (deleted, "doc_del_count")])
            self._index.forget([(doc_id, state.access) for doc_id, state in states.items()], seq)
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'update_seq'", (seq,))
        # Old page images in the WAL still hold the erased bytes until a checkpoint rewrites
        # the file (secure_delete zeroes the freed space) and truncates the log.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {doc_id: revtree.leaves(state.tree) for doc_id, state in states.items()}

    # -- local documents ----------------------------------------------------------------------

    def _get_local(self, local_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT rev, body FROM local_docs WHERE id = ?", (local_id,)).fetchone()
        if row is None:
            raise errors.not_found("missing")
        return {"_id": "_local/" + local_id, "_rev": f"0-{row[0]}", **orjson.loads(row[1])}

    def _local_ids(self) -> list[str]:
        return [str(row[0]) for row in self._db.execute("SELECT id FROM local_docs ORDER BY id")]

    def _put_local(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        return self._store.run_blocking(lambda: self._put_local_now(local_id, rev, body))

    def _put_local_now(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        with self.writing(durable=False):
            # Last write wins, as in CouchDB 3.5: the given rev's number plus one, no check.
            number = 1 if rev is None else int(rev.split("-", 1)[1]) + 1
            self._db.execute("INSERT OR REPLACE INTO local_docs (id, rev, body) VALUES (?, ?, ?)",
                             (local_id, number, orjson.dumps(body)))
        return {"ok": True, "id": "_local/" + local_id, "rev": f"0-{number}"}

    def _delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]:
        return self._store.run_blocking(lambda: self._delete_local_now(local_id, rev))

    def _delete_local_now(self, local_id: str, rev: str | None) -> dict[str, Any]:
        with self.writing(durable=False):
            row = self._db.execute("SELECT rev FROM local_docs WHERE id = ?", (local_id,)).fetchone()
            if row is None:
                raise errors.not_found("missing")
            if rev != f"0-{row[0]}":
                raise errors.conflict()
            self._db.execute("DELETE FROM local_docs WHERE id = ?", (local_id,))
        return {"ok": True, "id": "_local/" + local_id, "rev": "0-0"}


def _stub(att: AttachmentIn, length: int, revpos: Revpos) -> dict[str, Any]:
    return {"content_type": att.content_type, "digest": att.digest, "length": length, "revpos": revpos}
