"""The audit log: which documents were written or erased, by whom, when, and through which door."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..services import audit
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import require_role

blp = Blueprint("audit", __name__, description="Audit log of writes and erasures",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def coordinators_only() -> None:
    """Admins read the whole log; coordinators what concerns their documents."""
    require_role(("admin", "coordinator"), "Only coordinators and admins read the audit log.")


class AuditQueryArgsSchema(Schema):
    doc_id = fields.String(validate=validate.Length(1, 300), metadata={"description": "entries naming this id"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AuditEntrySchema(Schema):
    id = fields.String(required=True)
    at = fields.String(required=True)
    by = fields.String(required=True, metadata={"description": "user id"})
    via = fields.String(required=True, metadata={"description": "api or sync"})
    action = fields.String(required=True, metadata={"description": "write or purge"})
    changes = fields.List(fields.List(fields.String()), required=True,
                          metadata={"description": "[doc_id, rev] pairs"})


@blp.route("")
class Audit(MethodView):
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List audit entries, newest first."""
        ctx = request_context()
        return audit.list_entries(ctx.store, ctx.db_name, ctx.principal, args.get("doc_id"), args["limit"])
