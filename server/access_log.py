"""gunicorn's access log with what clients send made inert.

A path is the client's text: ``%0d%0a`` decodes to a line break that would start a forged
log line, and other control characters can rewrite a terminal. Every logged value is
written with control characters escaped (``\\x0d``), so one request is one line.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def inert(text: str) -> str:
    """``text`` with every control character written as ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class AccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger whose access-log values are :func:`inert`."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return {name: inert(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}
