"""Windows over document ids and lists, the same for every backend.

``_all_docs`` answers a range (startkey, endkey, inclusive_end, descending, skip, limit) or
a list of keys (skip, limit); CouchDB's ``offset`` counts the rows before the first one
returned. A store that can ask its engine for the window does so; a scoped reader's window is
cut here from the ids they may see, by the same rules. Long id lists go to the engine in
chunks, below its limit on bound parameters or request size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from .types import AllDocsQuery

T = TypeVar("T")


def in_range(query: AllDocsQuery, doc_id: str) -> bool:
    """Whether ``doc_id`` lies between startkey and endkey in the query's direction."""
    start, end = query.startkey, query.endkey
    past_end = end is not None and (doc_id == end and not query.inclusive_end or
                                    (doc_id < end if query.descending else doc_id > end))
    before_start = start is not None and (doc_id > start if query.descending else doc_id < start)
    return not past_end and not before_start


def id_window(query: AllDocsQuery, doc_ids: Iterable[str]) -> tuple[list[str], int]:
    """The ids of a range query, cut from the given ones, and CouchDB's ``offset``: how many
    of them come before the first one returned (those before startkey, plus ``skip``)."""
    ordered = sorted(doc_ids, reverse=query.descending)
    start = query.startkey
    before = 0 if start is None else sum(1 for doc_id in ordered if (doc_id > start if query.descending
                                                                      else doc_id < start))
    wanted = [doc_id for doc_id in ordered if in_range(query, doc_id)]
    return window(wanted, query.skip, query.limit), before + query.skip


def key_window(query: AllDocsQuery) -> list[str]:
    """The keys of a key lookup that ``skip`` and ``limit`` leave."""
    assert query.keys is not None
    return window(list(query.keys), query.skip, query.limit)


def window(items: Sequence[T], skip: int, limit: int | None) -> list[T]:
    """``items`` without the first ``skip``, at most ``limit`` of them."""
    return list(items[skip:] if limit is None else items[skip:skip + limit])


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
