"""What a REST view works with, read in one place: the store, the synced database's name,
the request's principal and the settings.

A view takes ``ctx = request_context()`` once and passes its parts to a service, which
never reads the request itself. Public endpoints (logging in, registering) have no
principal and read :func:`~server.extensions.get_store` and the settings directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from sync.storage import Store

from ..access.identity import current_principal
from ..access.policy import Principal
from ..config import Settings
from ..extensions import get_store


@dataclass(frozen=True)
class RequestContext:
    """One authenticated request's store, synced database, principal and settings."""

    store: Store
    db_name: str
    principal: Principal
    settings: Settings


def request_context() -> RequestContext:
    """The context of this request; the gate has made sure there is a principal."""
    settings: Settings = current_app.config["SETTINGS"]
    return RequestContext(get_store(), settings.main_db, current_principal(), settings)
