"""The REST API's Blueprint: flask-smorest's, parsing JSON bodies with orjson.

The standard library's parser recurses once per nesting level, so a body nested a few
thousand levels deep raised RecursionError and became a 500. orjson refuses more than 1024
levels with a decode error, which webargs answers as a 400 like any malformed body.
"""

from __future__ import annotations

from typing import Any

import flask
import orjson
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class JsonParser(FlaskParser):
    """webargs' Flask parser with orjson (its decode error is a ``json.JSONDecodeError``)."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        return orjson.loads(req.get_data(cache=True))


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    """A resource module's blueprint."""

    ARGUMENTS_PARSER = JsonParser()
