"""Property tests: replication converges whatever order and batching the revisions arrive in.

A strategy draws a document's full history (a forest of revisions with positions and
hashes, some leaves deleted) and the root-to-leaf paths a replicator would send for it:
leaf first, as ``_revisions`` lists them, each possibly cut to its newest part as a
stemmed source would send it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import revtree
from sync.revs import rev_pos
from sync.revtree import RevNode, RevTree

SETTINGS = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class History:
    """The true tree of a document and the paths replication sends for its leaves."""

    tree: RevTree
    paths: list[tuple[list[str], bool]]


@st.composite
def histories(draw: st.DrawFn) -> History:
    size = draw(st.integers(min_value=1, max_value=14))
    # Short hashes from a small alphabet, so revisions often tie on position and the hash decides.
    hashes = draw(st.lists(st.text(alphabet="0123abcf", min_size=1, max_size=3), min_size=size, max_size=size))
    parents: dict[str, str | None] = {}
    for digest in hashes:
        known = list(parents)
        # Mostly extend an existing revision; sometimes start a new root (an independent creation).
        new_root: bool = not known or draw(st.integers(min_value=0, max_value=5)) == 0
        parent: str | None = None if new_root else draw(st.sampled_from(known))
        rev = f"{rev_pos(parent) + 1 if parent else 1}-{digest}"
        if rev in parents:
            continue  # the same edit made twice converges on one rev id
        parents[rev] = parent
    has_child = {parent for parent in parents.values() if parent is not None}
    tree = {rev: RevNode(parent, rev not in has_child and draw(st.booleans())) for rev, parent in parents.items()}
    paths = []
    for leaf in (rev for rev in tree if rev not in has_child):
        full = revtree.ancestry(tree, leaf)
        keep = draw(st.integers(min_value=1, max_value=len(full)))
        paths.append((full[:keep], tree[leaf].deleted))
    return History(tree, paths)


def expected_tree(history: History) -> RevTree:
    """What any replica holding exactly these paths must have, read off the true history.

    Every revision that arrived is there with its true deleted flag; it is linked to its
    true parent when some path carried that parent, and is a (stemmed) root otherwise.
    """
    arrived = {rev for path, _ in history.paths for rev in path}
    linked = {rev for path, _ in history.paths for rev in path[:-1]}
    return {
        rev: RevNode(history.tree[rev].parent if rev in linked else None, history.tree[rev].deleted)
        for rev in arrived
    }


def expected_winner(history: History) -> str:
    """CouchDB's rule, restated: live before deleted, then highest position, then highest hash."""
    leaves = [path[0] for path, _ in history.paths]
    return max(leaves, key=lambda rev: (not history.tree[rev].deleted, rev_pos(rev), rev.partition("-")[2]))


def merge_all(tree: RevTree, paths: list[tuple[list[str], bool]]) -> RevTree:
    for path, deleted in paths:
        tree = revtree.merge(tree, path, deleted)
    return tree


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[History, list[list[tuple[list[str], bool]]]]:
    """A history and its paths in a random order, split into random batches."""
    history = draw(histories())
    shuffled = draw(st.permutations(history.paths))
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=max(1, len(shuffled) - 1)))))
    bounds = [0, *[cut for cut in cuts if cut < len(shuffled)], len(shuffled)]
    return history, [shuffled[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


@SETTINGS
@given(histories())
def test_merging_every_path_gives_the_expected_tree(history: History) -> None:
    merged = merge_all({}, history.paths)
    assert merged == expected_tree(history)
    assert sorted(revtree.leaves(merged)) == sorted(path[0] for path, _ in history.paths)
    assert revtree.winning_rev(merged) == expected_winner(history)


@SETTINGS
@given(arrivals())
def test_order_and_batching_do_not_matter(case: tuple[History, list[list[tuple[list[str], bool]]]]) -> None:
    history, batches = case
    reference = merge_all({}, history.paths)
    sequential = merge_all({}, [path for batch in batches for path in batch])
    trees = [merge_all({}, batch) for batch in batches]
    folded: RevTree = {}
    for tree in trees:
        folded = revtree.merge_trees(folded, tree)
    folded_backwards: RevTree = {}
    for tree in reversed(trees):
        folded_backwards = revtree.merge_trees(folded_backwards, tree)
    for candidate in (sequential, folded, folded_backwards):
        assert candidate == reference
        assert revtree.winning_rev(candidate) == revtree.winning_rev(reference)
        assert revtree.conflicts(candidate) == revtree.conflicts(reference)
        assert revtree.deleted_conflicts(candidate) == revtree.deleted_conflicts(reference)


@SETTINGS
@given(histories(), st.data())
def test_merging_a_path_again_changes_nothing(history: History, data: st.DataObject) -> None:
    merged = merge_all({}, history.paths)
    path, deleted = data.draw(st.sampled_from(history.paths))
    assert revtree.merge(merged, path, deleted) == merged
    assert revtree.merge_trees(merged, merged) == merged


@SETTINGS
@given(histories(), st.integers(min_value=0, max_value=5))
def test_stemming_above_the_longest_path_is_a_no_op(history: History, slack: int) -> None:
    merged = merge_all({}, history.paths)
    longest = max(len(revtree.ancestry(merged, leaf)) for leaf in revtree.leaves(merged))
    assert revtree.stem(merged, longest + slack) == (merged, [])


@SETTINGS
@given(histories(), st.integers(min_value=1, max_value=6))
def test_stemming_keeps_what_is_near_a_leaf_and_nothing_else(history: History, limit: int) -> None:
    """A revision stays if it is among the ``limit`` newest of some leaf's path, as in
    CouchDB 3's ``couch_key_tree:stem``; links between kept revisions stay too, so a shared
    ancestor kept for a short branch may leave a longer branch above the limit."""
    merged = merge_all({}, history.paths)
    stemmed, dropped = revtree.stem(merged, limit)
    near = {rev for leaf in revtree.leaves(merged) for rev in revtree.ancestry(merged, leaf)[:limit]}
    assert set(stemmed) == near
    assert sorted(dropped) == sorted(set(merged) - near)
    for rev, node in stemmed.items():
        assert node.deleted == merged[rev].deleted
        assert node.parent == (merged[rev].parent if merged[rev].parent in near else None)
    assert revtree.leaves(stemmed) == revtree.leaves(merged)
    assert revtree.winning_rev(stemmed) == revtree.winning_rev(merged)
    assert revtree.stem(stemmed, limit) == (stemmed, [])
