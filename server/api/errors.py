"""Failing a REST request with flask-smorest's error shape."""

from __future__ import annotations

from typing import NoReturn

from flask_smorest import abort

from ..access.identity import current_principal


def fail(status: int, message: str) -> NoReturn:
    """Stop the request with ``{"code", "status", "message"}``."""
    abort(status, message=message)
    raise AssertionError("abort() always raises")


def require_role(roles: tuple[str, ...], message: str) -> None:
    """Stop the request with 403 and ``message`` unless the principal has one of ``roles``."""
    if current_principal().role not in roles:
        fail(403, message)
