"""``_changes?filter=_selector``: a store's changes feed narrowed to what a selector matches.

Works over any backend's ``_changes`` primitive, after the reader's scope (a selector never
widens what a reader sees). CouchDB's ``limit`` counts the rows that pass the filter, and
PouchDB stops replicating at the first empty page, so the store is read in pages until
``limit`` rows match or the feed is exhausted; ``last_seq`` is then the last row that was
sent (more matches may follow) or the end of the feed.

Each row is matched on its winning revision's body, as CouchDB's filter sees it for
``style=main_only`` (a tombstone's body holds ``_id``, ``_rev`` and ``_deleted``, so a
deletion passes only a selector that its tombstone matches, as in CouchDB).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .types import Change, ChangesPage, ChangesQuery

# Rows read from the store per page while looking for matches.
PAGE = 500


def selected_changes(read: Callable[[ChangesQuery], ChangesPage], query: ChangesQuery) -> ChangesPage:
    """One page of the feed of ``query`` whose documents match ``query.selector``.

    :param read: the backend's changes primitive (scope already applied)
    :param query: a changes query with a selector
    """
    selector = query.selector
    assert selector is not None  # noqa: S101 - only called with one
    keep_docs = query.include_docs
    inner = dataclasses.replace(query, selector=None, include_docs=True,
                                conflicts=query.conflicts and keep_docs, attachments=query.attachments and keep_docs)
    if query.limit == 0:
        return ChangesPage([], query.since)
    if query.descending or query.limit is None:
        # Descending pages cannot resume from a sequence; without a limit one read is the feed.
        page = read(dataclasses.replace(inner, limit=None))
        matched = [change for change in page.results if selector.matches(change.doc)]
        if query.limit is not None and len(matched) > query.limit:
            del matched[query.limit:]
            page.last_seq = matched[-1].seq
        return ChangesPage(_docs_kept(matched, keep_docs), page.last_seq)
    results: list[Change] = []
    since = query.since
    while True:
        page = read(dataclasses.replace(inner, since=since, limit=PAGE))
        for change in page.results:
            if selector.matches(change.doc):
                results.append(change)
                if len(results) == query.limit:
                    return ChangesPage(_docs_kept(results, keep_docs), change.seq)
        if len(page.results) < PAGE:
            return ChangesPage(_docs_kept(results, keep_docs), page.last_seq)
        since = page.last_seq


def _docs_kept(results: list[Change], keep: bool) -> list[Change]:
    """The rows, with the bodies read for matching dropped unless the client asked for them."""
    if not keep:
        for change in results:
            change.doc = None
    return results
