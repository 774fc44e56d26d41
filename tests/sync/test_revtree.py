"""Table-driven tests of the pure revision tree (``sync.revtree``).

Trees are written out node by node so every expectation can be checked by eye against
CouchDB's rules (``couch_key_tree``, ``couch_doc:to_doc_info``).
"""

from __future__ import annotations

import orjson
import pytest

from sync import revtree
from sync.revtree import RevNode as N
from sync.revtree import RevTree

LIVE, DEAD = False, True

ONE = {"1-a": N(None, LIVE)}
LINEAR = {"1-a": N(None, LIVE), "2-b": N("1-a", LIVE), "3-c": N("2-b", LIVE)}
# 1-a -> 2-b -> 3-c and 1-a -> 2-x: the longer branch wins although "x" > "c".
BRANCHED = {**LINEAR, "2-x": N("1-a", LIVE)}
# Two edits of 1-a at the same position: the higher hash wins.
SIBLINGS = {"1-a": N(None, LIVE), "2-b": N("1-a", LIVE), "2-c": N("1-a", LIVE)}
# The longer branch ends in a deletion; the shorter live branch must win.
DELETED_LONGER = {**LINEAR, "3-c": N("2-b", DEAD), "2-x": N("1-a", LIVE)}
# Every leaf is deleted: the highest deleted leaf wins.
ALL_DELETED = {**LINEAR, "3-c": N("2-b", DEAD), "2-x": N("1-a", DEAD)}
# Two live siblings and a deleted leaf on a third, longer branch.
MIXED = {**SIBLINGS, "2-e": N("1-a", LIVE), "3-d": N("2-e", DEAD)}
# A stemmed history whose remaining revisions start at 3-c.
STEMMED = {"3-c": N(None, LIVE), "4-d": N("3-c", LIVE)}
FULL = {"1-a": N(None, LIVE), "2-b": N("1-a", LIVE), "3-c": N("2-b", LIVE), "4-d": N("3-c", LIVE)}
# Two stemmed roots: position 10 beats position 9 (numbers, not strings, are compared).
TWO_ROOTS = {"9-z": N(None, LIVE), "10-a": N(None, LIVE)}
# Same position: hashes compare as strings, so "b" beats the longer "aaa" and "a0" beats "9f".
HASH_ORDER = {"1-a": N(None, LIVE), "2-aaa": N("1-a", LIVE), "2-b": N("1-a", LIVE)}
HEX_ORDER = {"1-a": N(None, LIVE), "2-9f": N("1-a", LIVE), "2-a0": N("1-a", LIVE)}


@pytest.mark.parametrize(
    ("tree", "path", "deleted", "expected"),
    [
        pytest.param({}, ["1-a"], LIVE, ONE, id="first-revision"),
        pytest.param({}, ["3-c", "2-b", "1-a"], LIVE, LINEAR, id="whole-path-at-once"),
        pytest.param(ONE, ["2-b", "1-a"], LIVE, {**ONE, "2-b": N("1-a", LIVE)}, id="extend-leaf"),
        pytest.param(ONE, ["2-b", "1-a"], DEAD, {**ONE, "2-b": N("1-a", DEAD)}, id="deletion-marks-only-the-leaf"),
        pytest.param(LINEAR, ["2-x", "1-a"], LIVE, BRANCHED, id="new-branch"),
        pytest.param(ONE, ["1-b"], LIVE, {**ONE, "1-b": N(None, LIVE)}, id="second-root"),
        pytest.param(STEMMED, ["4-d", "3-c", "2-b", "1-a"], LIVE, FULL, id="older-path-relinks-stemmed-root"),
        pytest.param(
            {"3-c": N(None, LIVE)}, ["3-c", "2-b"], LIVE, {"3-c": N("2-b", LIVE), "2-b": N(None, LIVE)},
            id="relink-with-stemmed-path",
        ),
        pytest.param(FULL, ["4-d", "3-c"], LIVE, FULL, id="stemmed-path-does-not-unlink"),
        pytest.param(LINEAR, ["3-c", "2-b", "1-a"], LIVE, LINEAR, id="idempotent-re-merge"),
        pytest.param(LINEAR, ["2-b", "1-a"], LIVE, LINEAR, id="known-prefix-changes-nothing"),
        pytest.param(DELETED_LONGER, ["3-c", "2-b", "1-a"], DEAD, DELETED_LONGER, id="idempotent-deleted-leaf"),
    ],
)
def test_merge(tree: RevTree, path: list[str], deleted: bool, expected: RevTree) -> None:
    before = dict(tree)
    assert revtree.merge(tree, path, deleted) == expected
    assert tree == before, "merge must not modify its input"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param([], id="empty"),
        pytest.param(["3-c", "1-a"], id="gap"),
        pytest.param(["1-a", "2-b"], id="oldest-first"),
        pytest.param(["2-b", "2-a"], id="same-position"),
    ],
)
def test_merge_rejects_bad_paths(path: list[str]) -> None:
    with pytest.raises(ValueError):
        revtree.merge(LINEAR, path, False)


def test_merge_keeps_a_deletion_that_was_later_extended_whatever_the_order() -> None:
    """A rev id names one edit, deleted or not, so its flag cannot depend on arrival order.

    Replica one sees the tombstone 2-b and later the recreation 3-c on top of it; replica
    two sees only the path of 3-c, then the tombstone. The module promises that merging is
    commutative; CouchDB's ``value_pref`` likewise keeps a known leaf over a missing value.
    """
    tombstone_first = revtree.merge(revtree.merge({}, ["2-b", "1-a"], True), ["3-c", "2-b", "1-a"], False)
    recreation_first = revtree.merge(revtree.merge({}, ["3-c", "2-b", "1-a"], False), ["2-b", "1-a"], True)
    assert tombstone_first["2-b"] == N("1-a", DEAD)
    assert recreation_first == tombstone_first


def test_merge_trees_is_commutative_for_a_deletion_that_was_later_extended() -> None:
    tombstone = {"1-a": N(None, LIVE), "2-b": N("1-a", DEAD)}
    recreated = {"1-a": N(None, LIVE), "2-b": N("1-a", LIVE), "3-c": N("2-b", LIVE)}
    assert revtree.merge_trees(tombstone, recreated) == revtree.merge_trees(recreated, tombstone)


@pytest.mark.parametrize(
    ("tree", "leaves", "winner", "conflicts", "deleted_conflicts"),
    [
        pytest.param(ONE, ["1-a"], "1-a", [], [], id="single"),
        pytest.param(LINEAR, ["3-c"], "3-c", [], [], id="linear"),
        pytest.param(SIBLINGS, ["2-c", "2-b"], "2-c", ["2-b"], [], id="siblings-highest-hash"),
        pytest.param(BRANCHED, ["3-c", "2-x"], "3-c", ["2-x"], [], id="branches-highest-position"),
        pytest.param(DELETED_LONGER, ["2-x", "3-c"], "2-x", [], ["3-c"], id="live-shorter-beats-deleted-longer"),
        pytest.param(ALL_DELETED, ["3-c", "2-x"], "3-c", [], ["2-x"], id="all-deleted-highest-wins"),
        pytest.param(MIXED, ["2-c", "2-b", "3-d"], "2-c", ["2-b"], ["3-d"], id="mixed"),
        pytest.param(TWO_ROOTS, ["10-a", "9-z"], "10-a", ["9-z"], [], id="positions-compare-as-numbers"),
        pytest.param(HASH_ORDER, ["2-b", "2-aaa"], "2-b", ["2-aaa"], [], id="hashes-compare-as-strings"),
        pytest.param(HEX_ORDER, ["2-a0", "2-9f"], "2-a0", ["2-9f"], [], id="hex-hashes"),
        pytest.param(STEMMED, ["4-d"], "4-d", [], [], id="stemmed"),
    ],
)
def test_leaves_winner_and_conflicts(
    tree: RevTree, leaves: list[str], winner: str, conflicts: list[str], deleted_conflicts: list[str]
) -> None:
    assert revtree.leaves(tree) == leaves
    assert revtree.winning_rev(tree) == winner
    assert revtree.conflicts(tree) == conflicts
    assert revtree.deleted_conflicts(tree) == deleted_conflicts
    assert all(revtree.is_leaf(tree, leaf) for leaf in leaves)
    assert not any(revtree.is_leaf(tree, rev) for rev in tree if rev not in leaves)


def test_winning_rev_of_empty_tree_raises() -> None:
    with pytest.raises(ValueError):
        revtree.winning_rev({})


def test_is_leaf_of_unknown_rev_is_false() -> None:
    assert not revtree.is_leaf(LINEAR, "4-d")


@pytest.mark.parametrize(
    ("tree", "rev", "ancestry", "revisions"),
    [
        pytest.param(ONE, "1-a", ["1-a"], {"start": 1, "ids": ["a"]}, id="root"),
        pytest.param(LINEAR, "3-c", ["3-c", "2-b", "1-a"], {"start": 3, "ids": ["c", "b", "a"]}, id="linear"),
        pytest.param(LINEAR, "2-b", ["2-b", "1-a"], {"start": 2, "ids": ["b", "a"]}, id="inner"),
        pytest.param(BRANCHED, "2-x", ["2-x", "1-a"], {"start": 2, "ids": ["x", "a"]}, id="branch"),
        pytest.param(STEMMED, "4-d", ["4-d", "3-c"], {"start": 4, "ids": ["d", "c"]}, id="stemmed"),
        pytest.param(TWO_ROOTS, "10-a", ["10-a"], {"start": 10, "ids": ["a"]}, id="two-digit-position"),
    ],
)
def test_ancestry_and_revisions(tree: RevTree, rev: str, ancestry: list[str], revisions: dict[str, object]) -> None:
    assert revtree.ancestry(tree, rev) == ancestry
    assert revtree.revisions(tree, rev) == revisions


def test_ancestry_of_unknown_rev_raises() -> None:
    with pytest.raises(KeyError):
        revtree.ancestry(LINEAR, "9-z")


@pytest.mark.parametrize(
    ("tree", "rev", "latest"),
    [
        pytest.param(LINEAR, "3-c", ["3-c"], id="leaf-is-its-own-latest"),
        pytest.param(LINEAR, "1-a", ["3-c"], id="extended"),
        pytest.param(BRANCHED, "1-a", ["3-c", "2-x"], id="two-descendant-leaves-winner-first"),
        pytest.param(BRANCHED, "2-b", ["3-c"], id="only-its-own-branch"),
        pytest.param(DELETED_LONGER, "2-b", ["3-c"], id="deleted-descendant"),
        pytest.param(LINEAR, "9-z", [], id="unknown"),
    ],
)
def test_latest(tree: RevTree, rev: str, latest: list[str]) -> None:
    assert revtree.latest(tree, rev) == latest


@pytest.mark.parametrize(
    ("tree", "revs", "missing"),
    [
        pytest.param({}, ["1-a", "2-b"], ["1-a", "2-b"], id="empty-tree"),
        pytest.param(LINEAR, ["1-a", "2-b", "3-c"], [], id="all-known"),
        pytest.param(LINEAR, ["4-d", "2-b", "2-x"], ["4-d", "2-x"], id="some-missing-in-order"),
        pytest.param(STEMMED, ["1-a", "4-d"], ["1-a"], id="stemmed-away"),
    ],
)
def test_missing(tree: RevTree, revs: list[str], missing: list[str]) -> None:
    assert revtree.missing(tree, revs) == missing


@pytest.mark.parametrize(
    ("tree", "rev", "ancestors"),
    [
        pytest.param(BRANCHED, "4-q", ["3-c", "2-x"], id="above-all-leaves"),
        pytest.param(BRANCHED, "3-q", ["2-x"], id="between"),
        pytest.param(BRANCHED, "2-q", [], id="not-above-any-leaf"),
        pytest.param(DELETED_LONGER, "4-q", ["2-x", "3-c"], id="deleted-leaves-count"),
    ],
)
def test_possible_ancestors(tree: RevTree, rev: str, ancestors: list[str]) -> None:
    assert revtree.possible_ancestors(tree, rev) == ancestors


LONG_BRANCHED = {**FULL, "2-x": N("1-a", DEAD)}


@pytest.mark.parametrize(
    ("tree", "limit", "stemmed", "dropped"),
    [
        pytest.param(LINEAR, 3, LINEAR, [], id="at-limit"),
        pytest.param(LINEAR, 1000, LINEAR, [], id="far-below-limit"),
        pytest.param(LINEAR, 2, {"2-b": N(None, LIVE), "3-c": N("2-b", LIVE)}, ["1-a"], id="drop-root"),
        pytest.param(LINEAR, 1, {"3-c": N(None, LIVE)}, ["1-a", "2-b"], id="keep-leaf-only"),
        pytest.param(
            LONG_BRANCHED, 2,
            {"4-d": N("3-c", LIVE), "3-c": N(None, LIVE), "2-x": N("1-a", DEAD), "1-a": N(None, LIVE)},
            ["2-b"], id="short-branch-keeps-shared-root",
        ),
        pytest.param(
            DELETED_LONGER, 1, {"3-c": N(None, DEAD), "2-x": N(None, LIVE)}, ["1-a", "2-b"],
            id="keeps-deleted-flags",
        ),
        pytest.param(STEMMED, 2, STEMMED, [], id="already-stemmed"),
    ],
)
def test_stem(tree: RevTree, limit: int, stemmed: RevTree, dropped: list[str]) -> None:
    result, gone = revtree.stem(tree, limit)
    assert result == stemmed
    assert sorted(gone) == sorted(dropped)
    assert revtree.leaves(result) == revtree.leaves(tree)
    assert revtree.stem(result, limit) == (result, [])


def test_stem_rejects_limit_below_one() -> None:
    with pytest.raises(ValueError):
        revtree.stem(LINEAR, 0)


def test_stem_then_older_path_relinks_and_restems_to_the_same_tree() -> None:
    stemmed, _ = revtree.stem(FULL, 2)
    relinked = revtree.merge(stemmed, ["4-d", "3-c", "2-b", "1-a"], False)
    assert relinked == FULL
    assert revtree.stem(relinked, 2)[0] == stemmed


def test_to_json_shape() -> None:
    assert revtree.to_json(DELETED_LONGER) == {
        "1-a": [None, False], "2-b": ["1-a", False], "3-c": ["2-b", True], "2-x": ["1-a", False],
    }


@pytest.mark.parametrize(
    "tree", [{}, ONE, LINEAR, BRANCHED, DELETED_LONGER, ALL_DELETED, STEMMED, TWO_ROOTS],
)
def test_json_round_trip(tree: RevTree) -> None:
    encoded = orjson.dumps(revtree.to_json(tree))
    decoded = revtree.from_json(orjson.loads(encoded))
    assert decoded == tree
    assert all(isinstance(node, N) for node in decoded.values())


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        pytest.param({}, LINEAR, LINEAR, id="with-empty"),
        pytest.param(LINEAR, LINEAR, LINEAR, id="idempotent"),
        pytest.param(LINEAR, {"1-a": N(None, LIVE), "2-x": N("1-a", LIVE)}, BRANCHED, id="two-branches"),
        pytest.param(STEMMED, FULL, FULL, id="relinks-stemmed"),
        pytest.param(
            {"2-b": N(None, LIVE), "3-c": N("2-b", DEAD)}, {"1-a": N(None, LIVE), "2-x": N("1-a", LIVE)},
            {"1-a": N(None, LIVE), "2-b": N(None, LIVE), "3-c": N("2-b", DEAD), "2-x": N("1-a", LIVE)},
            id="disjoint-stemmed-halves",
        ),
    ],
)
def test_merge_trees(left: RevTree, right: RevTree, expected: RevTree) -> None:
    assert revtree.merge_trees(left, right) == expected
    assert revtree.merge_trees(right, left) == expected
