"""The values the storage contract passes around: sequences, queries and results.

Plain data with no behaviour beyond rendering itself; :mod:`sync.storage.base` (the
contract) and every backend use them, and so does the server when it builds a query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..selector import Selector

# A position in a changes feed, handed to clients as ``seq``/``last_seq`` and given back as
# ``since``. The embedded store counts with integers; CouchDB 2+ hands out opaque strings
# ("12-g1AAAA...") that are passed back unchanged and never compared or parsed. Fields and
# primitive parameters that carry one are typed ``Any``: each backend reads only the
# sequences it issued, and code written for the integer store keeps type-checking.
Seq = int | str

T = TypeVar("T")


class Blocking(Protocol):
    """Runs work that may block the process (a write waiting for a file lock or fsync) and
    returns its result: in place by default, in a pool of OS threads under gevent."""

    def __call__(self, work: Callable[[], T]) -> T: ...


def run_here(work: Callable[[], T]) -> T:
    """The default :data:`Blocking`: run the work where we are."""
    return work()


# CouchDB 3.5's [couchdb] max_document_size: 8,000,000 bytes, not 8 MiB
# (couchdb-3.5-behaviour.md section 11), so both stores refuse what CouchDB refuses.
MAX_DOCUMENT_SIZE = 8_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds a store enforces on what clients write."""

    max_document_size: int = MAX_DOCUMENT_SIZE
    revs_limit: int = 1000


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What a document read includes besides the body (CouchDB's GET query flags)."""

    revs: bool = False
    revs_info: bool = False
    conflicts: bool = False
    deleted_conflicts: bool = False
    attachments: bool = False
    latest: bool = False


@dataclass(frozen=True, slots=True)
class ChangesQuery:
    """One page of a changes feed. ``doc_ids`` restricts it to those documents, ``selector``
    to those whose winning revision it matches (``filter=_selector``)."""

    since: Any = 0  # a Seq
    limit: int | None = None
    descending: bool = False
    all_leaves: bool = False
    include_docs: bool = False
    conflicts: bool = False
    attachments: bool = False
    doc_ids: frozenset[str] | None = None
    selector: Selector | None = None


@dataclass(slots=True)
class Change:
    """A row of a changes feed: the document's newest sequence and its leaf revisions."""

    seq: Seq
    id: str
    revs: list[str]
    deleted: bool
    doc: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The row as CouchDB sends it."""
        row: dict[str, Any] = {"seq": self.seq, "id": self.id, "changes": [{"rev": rev} for rev in self.revs]}
        if self.deleted:
            row["deleted"] = True
        if self.doc is not None:
            row["doc"] = self.doc
        return row


@dataclass(slots=True)
class ChangesPage:
    """Rows of a changes feed and the sequence to resume from."""

    results: list[Change]
    last_seq: Any  # a Seq


@dataclass(frozen=True, slots=True)
class AllDocsQuery:
    """A range or key lookup over document ids (``_all_docs``)."""

    keys: tuple[str, ...] | None = None
    startkey: str | None = None
    endkey: str | None = None
    inclusive_end: bool = True
    descending: bool = False
    limit: int | None = None
    skip: int = 0
    include_docs: bool = False
    conflicts: bool = False
    attachments: bool = False

    @classmethod
    def prefixed(cls, prefix: str, include_docs: bool = True) -> AllDocsQuery:
        """Every id that starts with ``prefix`` (``\uffff`` sorts after any id character)."""
        return cls(startkey=prefix, endkey=prefix + "\uffff", include_docs=include_docs)


@dataclass(slots=True)
class Attachment:
    """An attachment's bytes and what describes them."""

    content_type: str
    digest: str
    data: bytes = field(repr=False)
