"""Service status: which store serves and which databases it holds."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..access.identity import authenticate
from ..extensions import get_store
from .blueprint import Blueprint

blp = Blueprint("status", __name__, description="Service status", errors=())


class StatusSchema(Schema):
    """What ``GET /api/status`` answers."""

    storage = fields.String(required=True)
    databases = fields.List(fields.String(), metadata={"description": "for admins only"})


@blp.route("")
class Status(MethodView):
    @blp.response(200, StatusSchema)
    @blp.doc(security=[])
    def get(self) -> dict[str, Any]:
        """Report the storage backend, and to admins its databases (nobody else needs their names)."""
        store = get_store()
        principal = authenticate()
        return {"storage": type(store).__name__,
                **({"databases": store.all_dbs()} if principal is not None and principal.is_admin else {})}
