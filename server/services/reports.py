"""Figures for funders: participants and approved volunteer hours per month, town and programme.

Counted over the documents the principal sees, so a coordinator's report covers their towns
and organisations and an admin's the whole county. Rows are plain dicts with the columns
listed in ``*_COLUMNS``; :func:`to_csv` writes them for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from schemas import TYPES
from sync.storage import Database, Store
from sync.storage.base import AllDocsQuery

from ..access.policy import Principal
from . import documents

PARTICIPANT_COLUMNS = ("month", "programme", "municipality", "kind", "events", "participants", "walk_ins")
HOURS_COLUMNS = ("month", "municipality", "activity", "hours", "entries", "volunteers")


@dataclass(frozen=True)
class ReportFilter:
    """Months as "YYYY-MM", both ends included; None leaves that side open."""

    start_month: str | None = None
    end_month: str | None = None
    municipality: str | None = None

    def matches(self, month: str, municipality: str | None) -> bool:
        if self.start_month is not None and month < self.start_month:
            return False
        if self.end_month is not None and month > self.end_month:
            return False
        return self.municipality is None or municipality == self.municipality


def participants(store: Store, db_name: str, principal: Principal, filters: ReportFilter) -> list[dict[str, Any]]:
    """Check-ins counted by the attributes of their event: month of its start, programme (the
    event's, else its organisation's), town and kind. A check-in whose event is gone counts
    under its own month and town."""
    with documents.open_checked(store, db_name, principal) as database:
        checkins = _docs(database, "checkin")
        events = _by_id(database, {doc["event_id"] for doc in checkins})
        organizations = _by_id(database, {event["organization_id"] for event in events.values()
                                          if not event.get("programme")})
    groups: dict[tuple[str, str | None, str, str | None], dict[str, Any]] = {}
    for checkin in checkins:
        event = events.get(checkin["event_id"])
        if event is not None:
            programme = event.get("programme") or organizations.get(event["organization_id"], {}).get("programme")
            key = (event["start"][:7], programme, event["municipality"], event.get("kind"))
        else:
            key = (checkin["checked_in_at"][:7], None, checkin["municipality"], None)
        if not filters.matches(key[0], key[2]):
            continue
        group = groups.setdefault(key, {"events": set(), "participants": 0, "walk_ins": 0})
        group["events"].add(checkin["event_id"])
        group["participants"] += 1
        group["walk_ins"] += 1 if checkin.get("walk_in") else 0
    rows = [{"month": month, "programme": programme, "municipality": municipality, "kind": kind,
             "events": len(group["events"]), "participants": group["participants"], "walk_ins": group["walk_ins"]}
            for (month, programme, municipality, kind), group in groups.items()]
    return sorted(rows, key=lambda row: tuple(row[name] or "" for name in PARTICIPANT_COLUMNS[:4]))


def approved_hours(store: Store, db_name: str, principal: Principal, filters: ReportFilter) -> list[dict[str, Any]]:
    """Approved hours per month (of the day worked), town and activity, in hours with one decimal."""
    with documents.open_checked(store, db_name, principal) as database:
        entries = [doc for doc in _docs(database, "hours") if doc.get("status") == "approved"]
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in entries:
        key = (entry["date"][:7], entry["municipality"], entry["activity"])
        if not filters.matches(key[0], key[1]):
            continue
        group = groups.setdefault(key, {"minutes": 0, "entries": 0, "volunteers": set()})
        group["minutes"] += entry["minutes"]
        group["entries"] += 1
        group["volunteers"].add(entry["volunteer_id"])
    rows = [{"month": month, "municipality": municipality, "activity": activity, "hours": hours(group["minutes"]),
             "entries": group["entries"], "volunteers": len(group["volunteers"])}
            for (month, municipality, activity), group in groups.items()]
    return sorted(rows, key=lambda row: (row["month"], row["municipality"], row["activity"]))


def hours(minutes: int) -> float:
    """Minutes as hours with one decimal, rounded half up as people round (90 -> 1.5, 125 -> 2.1)."""
    return float((Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """Rows as CSV with a header, comma-separated, UTF-8 with a byte order mark: without it,
    spreadsheet programs read the file as Windows-1252 and garble "Söhrewald"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _docs(database: Database, doc_type: str) -> list[dict[str, Any]]:
    rows = database.all_docs(AllDocsQuery.prefixed(TYPES[doc_type].id_prefix))["rows"]
    return [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == doc_type]


def _by_id(database: Database, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = database.all_docs(AllDocsQuery(keys=tuple(sorted(ids)), include_docs=True))["rows"]
    return {row["id"]: row["doc"] for row in rows if row.get("doc")}
