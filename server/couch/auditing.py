"""Audit entries for writes that arrive through sync, so the log covers both doors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import current_app

from ..access.identity import current_principal
from ..extensions import get_store
from ..services import audit


def record_sync_writes(db: str, changes: Sequence[tuple[str, str]]) -> None:
    """Append one entry for the written (id, rev) pairs of the synced database."""
    if db == current_app.config["SETTINGS"].main_db and changes:
        audit.record(get_store(), current_principal().user_id, "sync", changes, datetime.now(UTC))
