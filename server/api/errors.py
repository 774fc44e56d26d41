"""Failing a REST request with flask-smorest's error shape."""

from __future__ import annotations

from typing import NoReturn

from flask_smorest import abort


def fail(status: int, message: str) -> NoReturn:
    """Stop the request with ``{"code", "status", "message"}``."""
    abort(status, message=message)
    raise AssertionError("abort() always raises")
