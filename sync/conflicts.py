"""Resolving conflicts by rule: each document type may bring a merge rule for its leaves.

The engine finds documents with more than one live leaf, asks the type's rule for the merged
body, and writes it in one transaction: the merged revision on top of the winner and a
deletion on top of every other live leaf, so every replica converges on the same tree. The
losing bodies are returned for an audit record. Types without a rule stay in conflict, for
a person to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .storage.base import ChangesQuery, Database

MergeRule = Callable[[list[dict[str, Any]]], dict[str, Any]]


@dataclass
class Outcome:
    """What one pass over a database did."""

    last_seq: int
    resolved: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def conflicted_since(database: Database, since: int) -> tuple[list[str], int]:
    """Documents changed after ``since`` that have several leaves, and the sequence reached.

    Reads only the changes since the last pass, never the whole database.
    """
    page = database.changes(ChangesQuery(since=since, all_leaves=True))
    return [change.id for change in page.results if len(change.revs) > 1 and not change.deleted], page.last_seq


def resolve(database: Database, doc_ids: list[str], rules: Mapping[str, MergeRule], last_seq: int) -> Outcome:
    """Apply the merge rules to the given documents.

    :param rules: merge rule by document ``type``
    :param last_seq: carried into the outcome, for the caller's checkpoint
    """
    outcome = Outcome(last_seq=last_seq)
    for doc_id in doc_ids:
        leaves = [entry["ok"] for entry in database.open_revs(doc_id, None) if "ok" in entry]
        live = [leaf for leaf in leaves if not leaf.get("_deleted")]
        if len(live) < 2:
            continue
        winner, losers = live[0], live[1:]  # open_revs lists the winner first
        rule = rules.get(str(winner.get("type")))
        if rule is None:
            outcome.unresolved.append({"id": doc_id, "type": winner.get("type"),
                                       "revs": [leaf["_rev"] for leaf in live]})
            continue
        merged = rule([_body(leaf) for leaf in live])
        writes = [{**merged, "_id": doc_id, "_rev": winner["_rev"], **_stubs(winner)}]
        writes += [{"_id": doc_id, "_rev": loser["_rev"], "_deleted": True} for loser in losers]
        results = database.bulk_docs(writes)
        errors = [result for result in results if "error" in result]
        if errors:
            outcome.failed.append({"id": doc_id, "errors": errors})
            continue
        # What the rule did not keep as it was: every leaf whose content differs from the result.
        losing = [{"rev": leaf["_rev"], "body": _body(leaf)} for leaf in live if _body(leaf) != merged]
        outcome.resolved.append({"id": doc_id, "type": winner.get("type"), "rev": results[0]["rev"],
                                 "losing": losing})
    return outcome


def _body(leaf: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in leaf.items() if not key.startswith("_")}


def _stubs(leaf: dict[str, Any]) -> dict[str, Any]:
    attachments = leaf.get("_attachments")
    if not attachments:
        return {}
    return {"_attachments": {name: {**meta, "stub": True} for name, meta in attachments.items()}}
