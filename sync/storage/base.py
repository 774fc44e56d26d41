"""The storage contract every backend fulfils, named after CouchDB's endpoints.

As in PouchDB's ``adapter.js``, the public methods check and normalise their input and
then call the backend's ``_primitives``; a backend never sees unchecked client JSON.
A store (``store.py``) is a CouchDB server, a set of databases; a :class:`Database` is one
database. The SQLite backend implements the primitives with :mod:`sync.revtree`; a
CouchDB backend delegates them to CouchDB, which keeps its own revision trees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from .. import errors
from ..access import EVERYTHING, Scope, Validator
from ..documents import DocEdit, as_document, check_doc_id, check_local_id, check_local_rev, check_rev, parse_edit
from .selected import selected_changes
from .types import (
    AllDocsQuery,
    Attachment,
    Blocking,
    Change,
    ChangesPage,
    ChangesQuery,
    Limits,
    ReadOptions,
    Seq,
    run_here,
)

# What a read includes by default: the revision and nothing else.
WINNER_ONLY = ReadOptions()

# Told of what a database stored: ("write", [(id, new rev)]) or ("purge", [(id, purged leaf)]).
Journal = Callable[[str, list[tuple[str, str]]], None]



class Database(ABC):
    """One database as one reader sees it. Public methods validate, then call the primitive.

    ``scope`` limits every read to the reader's documents; ``validate`` is asked about every
    incoming revision and may reject it alone (CouchDB's ``validate_doc_update``);
    ``journal`` hears of every stored revision and every purge (the audit log).
    """

    def __init__(self, name: str, limits: Limits, scope: Scope = EVERYTHING, validate: Validator | None = None) -> None:
        self.name = name
        self.limits = limits
        self.scope = scope
        self.validate = validate
        self.journal: Journal | None = None

    # -- writes ---------------------------------------------------------------------------

    def bulk_docs(self, docs: object, new_edits: bool = True) -> list[dict[str, Any]]:
        """Write a batch in one transaction; each document succeeds or fails on its own.

        :param docs: the ``docs`` array of the request
        :param new_edits: False for replication, where documents bring their own revisions
        :returns: one result per document; with ``new_edits=false`` only the failures, as
            CouchDB 3 answers
        :raises CouchError: bad_request if ``docs`` is not a list
        """
        return wire_results(self.write(docs, new_edits), new_edits)

    def put(self, doc: object, new_edits: bool = True) -> dict[str, Any]:
        """Write one document; unlike :meth:`bulk_docs` a failure raises.

        :raises CouchError: whatever the document's write failed with
        """
        doc_id, outcome = self.write([doc], new_edits)[0]
        if isinstance(outcome, errors.CouchError):
            raise outcome
        return {"ok": True, "id": doc_id, "rev": outcome}

    def write(self, docs: object, new_edits: bool = True) -> list[tuple[str | None, str | errors.CouchError]]:
        """Parse every document, write them in one transaction, and line up one outcome per
        input: ``(doc_id, new rev)`` or ``(doc_id, error)`` for a refused or conflicting one.

        :raises CouchError: bad_request if ``docs`` is not a list or a document is malformed,
            413 document_too_large for a document over the limit (nothing is written)
        """
        if not isinstance(docs, list):
            raise errors.bad_request("docs must be an array")
        # A malformed document fails the whole request, as in CouchDB: it is the client's bug,
        # not a refusal. Refusals (the validator's) are answered per document.
        edits = [parse_edit(raw, new_edits, self.limits.max_document_size) for raw in docs]
        results: list[tuple[str | None, str | errors.CouchError]] = list(
            zip([edit.id for edit in edits], self._bulk_docs(edits, new_edits) if edits else [], strict=True))
        stored = [(doc_id, rev) for doc_id, rev in results if doc_id is not None and isinstance(rev, str)]
        if self.journal is not None and stored:
            self.journal("write", stored)
        return results

    def _check_edit(self, edit: DocEdit, replaced: dict[str, Any] | None) -> None:
        """Ask the validator about one edit against the revision it replaces; a deletion
        then keeps only the body the validator gives its tombstone.

        :raises CouchError: the validator's refusal
        """
        if self.validate is None:
            return
        kept = self.validate(as_document(edit), replaced)
        if edit.deleted and kept is not None:
            edit.body = kept

    def revs_diff(self, request: object) -> dict[str, dict[str, list[str]]]:
        """Which of the given revisions this database lacks (``_revs_diff``).

        :param request: ``{doc_id: [rev, ...]}``
        :raises CouchError: bad_request for any other shape or an invalid rev id
        """
        if not isinstance(request, dict):
            raise errors.bad_request("Request body must be a JSON object of id: [revs]")
        for doc_id, revs in request.items():
            if not isinstance(revs, list):
                raise errors.bad_request(f"Revisions of {doc_id} must be an array")
            for rev in revs:
                check_rev(rev)
        return self._revs_diff(request)

    # -- reads ----------------------------------------------------------------------------

    def get(self, doc_id: str, rev: str | None = None, options: ReadOptions = WINNER_ONLY) -> dict[str, Any]:
        """One revision of a document, the winner by default.

        :raises CouchError: not_found ("missing" or "deleted"), bad_request for a bad rev
        """
        check_doc_id(doc_id)
        if rev is not None:
            check_rev(rev)
        return self._get(doc_id, rev, options)

    def open_revs(
        self, doc_id: str, revs: list[str] | None, options: ReadOptions = WINNER_ONLY
    ) -> list[dict[str, Any]]:
        """Several revisions of a document at once: ``[{"ok": doc} | {"missing": rev}]``.

        :param revs: the wanted revisions, ``None`` for all leaves (``open_revs=all``)
        :raises CouchError: not_found if the document does not exist (with ``all``)
        """
        check_doc_id(doc_id)
        for rev in revs or []:
            check_rev(rev)
        return _each_once(self._open_revs(doc_id, revs, options))

    def bulk_get(self, requests: object, options: ReadOptions = WINNER_ONLY) -> list[dict[str, Any]]:
        """``_bulk_get``: many documents and revisions in one round trip.

        :param requests: ``[{"id": ..., "rev"?: ...}, ...]``
        :returns: ``[{"id": ..., "docs": [{"ok": doc} | {"error": {...}}]}]``, one per request
        :raises CouchError: bad_request if ``requests`` is not a list
        """
        if not isinstance(requests, list):
            raise errors.bad_request("docs must be an array")
        checked: list[tuple[str, str | None] | errors.CouchError] = []
        for item in requests:
            doc_id = item.get("id") if isinstance(item, dict) else None
            rev = item.get("rev") if isinstance(item, dict) else None
            try:
                if not isinstance(doc_id, str):
                    raise errors.bad_request("each request must be an object with a string id")
                check_doc_id(doc_id)
                if rev is not None:
                    check_rev(rev)
                checked.append((doc_id, rev))
            except errors.CouchError as error:
                checked.append(error)
        valid = [item for item in checked if not isinstance(item, errors.CouchError)]
        found = iter(self._bulk_get(valid, options) if valid else [])
        results = []
        for item, raw in zip(checked, requests, strict=True):
            doc_id = raw.get("id") if isinstance(raw, dict) else None
            rev = raw.get("rev") if isinstance(raw, dict) else None
            outcome = item if isinstance(item, errors.CouchError) else next(found)
            if isinstance(outcome, errors.CouchError):
                failure = {"id": doc_id, "rev": rev or "undefined", "error": outcome.error, "reason": outcome.reason}
                results.append({"id": doc_id, "docs": [{"error": failure}]})
            else:
                results.append({"id": doc_id, "docs": [_bulk_get_entry(doc_id, entry) for entry in outcome]})
        return results

    def changes(self, query: ChangesQuery) -> ChangesPage:
        """One page of the changes feed, oldest first unless ``descending``.

        :raises CouchError: bad_request for a negative ``since`` or ``limit``
        """
        if (isinstance(query.since, int) and query.since < 0) or (query.limit is not None and query.limit < 0):
            raise errors.bad_request("since and limit must not be negative")
        return self._changes(query) if query.selector is None else selected_changes(self._changes, query)

    def all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        """``_all_docs``: live documents by id, as a range or for given keys."""
        if query.skip < 0 or (query.limit is not None and query.limit < 0):
            raise errors.bad_request("skip and limit must not be negative")
        return self._all_docs(query)

    def get_attachment(self, doc_id: str, name: str, rev: str | None = None) -> Attachment:
        """One attachment's bytes, from the given revision or the winner.

        :raises CouchError: not_found if the document, revision or attachment is missing
        """
        check_doc_id(doc_id)
        if rev is not None:
            check_rev(rev)
        return self._get_attachment(doc_id, name, rev)

    def reader_channels(self) -> frozenset[str]:
        """Every channel this reader sees now: their account's and what documents grant them."""
        return self._reader_channels()

    def removed(self, since: Seq) -> dict[str, Any]:
        """Documents that left this reader's scope after ``since``, and are not in it now.

        PouchDB ignores Sync Gateway's ``_removed`` markers, so a client asks here and purges
        the listed documents locally: an ended assignment, a withdrawn consent, an erasure.

        A reader that starts from nothing (``since`` 0) holds nothing to remove: it gets no
        ids, only the position to resume from, so nobody learns which documents left a scope
        before they synced (a client takes its first position before its first pull).

        :returns: ``{"results": [{"id": ...}], "last_seq": N}``; resume from ``last_seq``
        :raises CouchError: bad_request for a negative ``since``
        """
        if isinstance(since, int) and since < 0:
            raise errors.bad_request("since must not be negative")
        found = self._removed(since)
        return {**found, "results": []} if since in (0, "0") else found

    def purge(self, doc_ids: list[str]) -> dict[str, list[str]]:
        """Erase documents with every revision, attachment and index entry, for good.

        Unlike a deletion, nothing of the content stays behind (no tombstone); readers learn
        through :meth:`removed` that the documents are gone.

        :returns: the purged revisions (leaves) by document id; unknown ids are left out
        """
        for doc_id in doc_ids:
            check_doc_id(doc_id)
        purged = self._purge(doc_ids)
        if self.journal is not None and purged:
            self.journal("purge", [(doc_id, rev) for doc_id, revs in purged.items() for rev in revs])
        return purged

    # -- local (non-replicated) documents, e.g. replication checkpoints ---------------------

    def get_local(self, local_id: str) -> dict[str, Any]:
        """A ``_local`` document. :raises CouchError: not_found"""
        return self._get_local(check_local_id(local_id))

    def put_local(self, local_id: str, doc: object) -> dict[str, Any]:
        """Write a ``_local`` document. As in CouchDB 3.5 the last write wins: there is no
        revision check, and the new rev is the given one's number plus one (``0-1`` without
        one). A ``_deleted`` one is deleted as :meth:`delete_local` deletes.

        :raises CouchError: bad_request for a non-object or a ``_rev`` not of the form ``0-N``
        """
        if not isinstance(doc, dict):
            raise errors.bad_request("Document must be a JSON object")
        rev = check_local_rev(doc.get("_rev"))
        body = {key: value for key, value in doc.items() if not key.startswith("_")}
        if doc.get("_deleted") is True:
            return self._delete_local(check_local_id(local_id), rev)
        return self._put_local(check_local_id(local_id), rev, body)

    def delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]:
        """Delete a ``_local`` document; ``rev`` must be its current one.

        :raises CouchError: not_found, conflict, bad_request for a ``rev`` not of the form ``0-N``
        """
        return self._delete_local(check_local_id(local_id), check_local_rev(rev))

    def local_ids(self) -> list[str]:
        """Ids of the clients' ``_local`` documents (without the prefix), sorted, so that a
        database can be copied whole; what the store keeps there for itself is left out.

        :raises CouchError: not_implemented where the server cannot list them
        """
        return self._local_ids()

    # -- backend primitives -----------------------------------------------------------------

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """CouchDB's database info object (``GET /db``)."""

    @abstractmethod
    def update_seq(self) -> Seq:
        """The newest sequence number; cheap, used to wait for changes."""

    def parse_since(self, raw: str) -> Seq:
        """A ``since`` query parameter as this backend's sequence (``now`` is the caller's).

        Integers by default; a quoted value or CouchDB's ``N-opaque`` form counts by its
        numeric prefix, so a replicator that quotes sequences still resumes. A backend with
        opaque sequences (CouchDB) takes the string as it is.

        :raises CouchError: bad_request for anything else
        """
        head = raw.strip('"').split("-", 1)[0]
        if not head.isdigit() or len(head) > 18:
            raise errors.bad_request("Invalid since parameter")
        return int(head)

    @abstractmethod
    def close(self) -> None:
        """Release the connection; the object is not used afterwards."""

    def __enter__(self) -> Self:
        """``with store.database(name) as database:`` closes the handle when the block ends,
        however it ends (sqlite-utils and flaskr hold their connections the same way)."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    @abstractmethod
    def _bulk_docs(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        """Apply checked edits in one transaction; per edit its new rev or its error."""

    @abstractmethod
    def _revs_diff(self, request: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]: ...

    @abstractmethod
    def _get(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]: ...

    @abstractmethod
    def _open_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _bulk_get(self, requests: list[tuple[str, str | None]],
                  options: ReadOptions) -> list[list[dict[str, Any]] | errors.CouchError]:
        """Per request: ``[{"ok": doc} | {"missing": rev}]``, or the error of a winner read."""

    @abstractmethod
    def _changes(self, query: ChangesQuery) -> ChangesPage: ...

    @abstractmethod
    def _all_docs(self, query: AllDocsQuery) -> dict[str, Any]: ...

    @abstractmethod
    def _get_attachment(self, doc_id: str, name: str, rev: str | None) -> Attachment: ...

    @abstractmethod
    def _reader_channels(self) -> frozenset[str]: ...

    @abstractmethod
    def _removed(self, since: Any) -> dict[str, Any]: ...

    @abstractmethod
    def _purge(self, doc_ids: list[str]) -> dict[str, list[str]]: ...

    @abstractmethod
    def _get_local(self, local_id: str) -> dict[str, Any]: ...

    @abstractmethod
    def _put_local(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]: ...

    @abstractmethod
    def _delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]: ...

    @abstractmethod
    def _local_ids(self) -> list[str]: ...


def wire_results(outcomes: list[tuple[str | None, str | errors.CouchError]], new_edits: bool) -> list[dict[str, Any]]:
    """``_bulk_docs``'s answer: one entry per document, or with ``new_edits=false`` only the
    failures, as CouchDB 3 answers."""
    return [
        {"id": doc_id, "error": outcome.error, "reason": outcome.reason}
        if isinstance(outcome, errors.CouchError) else {"ok": True, "id": doc_id, "rev": outcome}
        for doc_id, outcome in outcomes
        if new_edits or isinstance(outcome, errors.CouchError)
    ]


def _bulk_get_entry(doc_id: object, entry: dict[str, Any]) -> dict[str, Any]:
    if "missing" in entry:
        return {"error": {"id": doc_id, "rev": entry["missing"], "error": "not_found", "reason": "missing"}}
    return entry


# The query and result types live in :mod:`sync.storage.types`; they are named here too, as
# part of the contract that callers import.
__all__ = [
    "AllDocsQuery", "Attachment", "Blocking", "Change", "ChangesPage", "ChangesQuery", "Database", "Limits",
    "ReadOptions", "Seq", "run_here", "wire_results",
]


def _each_once(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``open_revs`` entries without repeats: CouchDB names each revision once, even when two
    asked revisions lead to the same leaf (``latest``) or one is asked twice."""
    seen: set[tuple[str, str]] = set()
    unique: list[dict[str, Any]] = []
    for entry in entries:
        key = ("ok", entry["ok"]["_rev"]) if "ok" in entry else ("missing", str(entry.get("missing")))
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique
