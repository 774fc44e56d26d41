"""Revision trees, pure: data in, data out, no I/O.

A document's history is a tree of revisions. We keep it flat, as a mapping from each rev id
(``"N-hash"``) to a :class:`RevNode` holding its parent's rev id (``None`` for a root, which
is also what a stemmed branch starts with) and whether that revision is a deletion. Because
rev ids carry their position, the union of two such mappings is the merged tree, and merging
is commutative, associative and idempotent; that is what makes replication converge.

Semantics follow CouchDB's ``couch_key_tree`` and PouchDB's ``pouchdb-merge``:

* leaves are revisions without children; every leaf but the winner is a conflict;
* the winner is the leaf that is not deleted, then has the highest position, then the
  highest hash (``couch_doc:to_doc_info`` sorts leaves by ``{not Deleted, Pos, RevId}``);
* stemming keeps the revisions within ``revs_limit`` steps of some leaf (a parent shared
  with a short branch stays, as in CouchDB 3's ``couch_key_tree:stem``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .revs import rev_pos


class RevNode(NamedTuple):
    """One revision: its parent's rev id (``None`` at a root) and its deleted flag."""

    parent: str | None
    deleted: bool


RevTree = dict[str, RevNode]


def merge(tree: Mapping[str, RevNode], path: list[str], deleted: bool) -> RevTree:
    """Add a revision path to a tree.

    :param tree: the document's current tree (not modified)
    :param path: rev ids from the new leaf up towards the root, each the parent of the one
        before, as ``_revisions`` gives them
    :param deleted: whether the first revision of ``path`` is a deletion
    :returns: the merged tree; equal to ``tree`` when it already held the path
    :raises ValueError: if ``path`` is empty or its positions do not descend one by one
    """
    if not path:
        raise ValueError("empty revision path")
    for child, older in zip(path, path[1:], strict=False):
        if rev_pos(child) != rev_pos(older) + 1:
            raise ValueError("revision path positions must descend by one")
    merged = dict(tree)
    for index, rev in enumerate(path):
        parent = path[index + 1] if index + 1 < len(path) else None
        is_deleted = deleted if index == 0 else False
        known = merged.get(rev)
        if known is None:
            merged[rev] = RevNode(parent, is_deleted)
        else:
            merged[rev] = _combine(known, RevNode(parent, is_deleted))
    return merged


def merge_trees(left: Mapping[str, RevNode], right: Mapping[str, RevNode]) -> RevTree:
    """The union of two trees of the same document: what merging their paths one by one gives,
    in any order (the property tests fold batches with it)."""
    merged = dict(left)
    for rev, node in right.items():
        known = merged.get(rev)
        merged[rev] = node if known is None else _combine(known, node)
    return merged


def _combine(known: RevNode, incoming: RevNode) -> RevNode:
    """One revision seen twice: keep any parent either side knows (stemming forgets them),
    and its deletion flag from whichever side knew it (an ancestor's ``False`` only means
    "not known": a rev id names one edit, which either deleted or did not)."""
    return RevNode(known.parent or incoming.parent, known.deleted or incoming.deleted)


def leaves(tree: Mapping[str, RevNode]) -> list[str]:
    """All leaf revisions, best first (the winner is the first one)."""
    parents = {node.parent for node in tree.values()}
    found = [rev for rev in tree if rev not in parents]
    found.sort(key=lambda rev: rank(rev, tree[rev].deleted), reverse=True)
    return found


def winning_rev(tree: Mapping[str, RevNode]) -> str:
    """The revision every replica shows for this document.

    :raises ValueError: if the tree is empty
    """
    if not tree:
        raise ValueError("empty revision tree")
    return leaves(tree)[0]


def conflicts(tree: Mapping[str, RevNode]) -> list[str]:
    """Leaves that are not deleted and not the winner (CouchDB's ``_conflicts``)."""
    return [rev for rev in leaves(tree)[1:] if not tree[rev].deleted]


def deleted_conflicts(tree: Mapping[str, RevNode]) -> list[str]:
    """Deleted leaves other than the winner (CouchDB's ``_deleted_conflicts``)."""
    return [rev for rev in leaves(tree)[1:] if tree[rev].deleted]


def is_leaf(tree: Mapping[str, RevNode], rev: str) -> bool:
    """Whether ``rev`` is in the tree and has no children."""
    return rev in tree and all(node.parent != rev for node in tree.values())


def ancestry(tree: Mapping[str, RevNode], rev: str) -> list[str]:
    """``rev`` followed by its known ancestors, nearest first.

    :raises KeyError: if ``rev`` is not in the tree
    """
    path = [rev]
    parent = tree[rev].parent
    while parent is not None and parent in tree:
        path.append(parent)
        parent = tree[parent].parent
    return path


def revisions(tree: Mapping[str, RevNode], rev: str) -> dict[str, object]:
    """The ``_revisions`` object of a revision: ``{"start": N, "ids": [hash, ...]}``."""
    path = ancestry(tree, rev)
    return {"start": rev_pos(rev), "ids": [r.partition("-")[2] for r in path]}


def latest(tree: Mapping[str, RevNode], rev: str) -> list[str]:
    """The leaves that descend from ``rev`` (``rev`` itself if it is a leaf).

    Used by ``latest=true`` reads: a replicator asking for a revision that has been
    extended meanwhile gets the newest descendants instead.
    """
    return [leaf for leaf in leaves(tree) if rev in ancestry(tree, leaf)]


def missing(tree: Mapping[str, RevNode], revs: Iterable[str]) -> list[str]:
    """The revisions of ``revs`` that the tree does not hold (for ``_revs_diff``)."""
    return [rev for rev in revs if rev not in tree]


def possible_ancestors(tree: Mapping[str, RevNode], rev: str) -> list[str]:
    """Leaves that could be ancestors of a missing ``rev``: those at a lower position."""
    pos = rev_pos(rev)
    return [leaf for leaf in leaves(tree) if rev_pos(leaf) < pos]


def stem(tree: Mapping[str, RevNode], revs_limit: int) -> tuple[RevTree, list[str]]:
    """Keep only revisions within ``revs_limit`` steps of some leaf (the leaf counts as one).

    :returns: the stemmed tree and the rev ids it dropped
    :raises ValueError: if ``revs_limit`` is below 1
    """
    if revs_limit < 1:
        raise ValueError("revs_limit must be at least 1")
    if len(tree) <= revs_limit:  # no path can be longer than the whole tree
        return dict(tree), []
    keep: set[str] = set()
    for leaf in leaves(tree):
        rev: str | None = leaf
        depth = 0
        while rev is not None and rev in tree and depth < revs_limit:
            keep.add(rev)
            rev = tree[rev].parent
            depth += 1
    dropped = [rev for rev in tree if rev not in keep]
    stemmed = {
        rev: node if node.parent is None or node.parent in keep else RevNode(None, node.deleted)
        for rev, node in tree.items()
        if rev in keep
    }
    return stemmed, dropped


def to_json(tree: Mapping[str, RevNode]) -> dict[str, list[object]]:
    """A compact JSON form: ``{rev: [parent, deleted]}``."""
    return {rev: [node.parent, node.deleted] for rev, node in tree.items()}


def from_json(data: Mapping[str, list[object]]) -> RevTree:
    """The inverse of :func:`to_json`."""
    return {rev: RevNode(parent if isinstance(parent, str) else None, bool(deleted))
            for rev, (parent, deleted) in data.items()}


def rank(rev: str, deleted: bool) -> tuple[bool, int, str]:
    """A leaf's rank; the winner ranks highest: live before deleted, then the higher
    position, then the higher hash (``couch_doc:to_doc_info``). Every backend that orders
    leaves (CouchDB's answers included) ranks them with this one function.

    :param rev: a valid rev id ``N-hash``
    :param deleted: whether the leaf is a deletion
    """
    pos, _, digest = rev.partition("-")
    return (not deleted, int(pos), digest)
