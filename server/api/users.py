"""Accounts by name, for coordinators: whom a contact request or an event can be given to.

Only a user id, a display name and a role: never an address, a hash or a scope. The list is
who the write rules accept on an event's team (active volunteers; coordinators who share a
town or organisation with the asker; admins see every coordinator), so a picker offers no one
the server would refuse.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..services import accounts
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import require_role

blp = Blueprint("users", __name__, description="Users: names of the accounts work can be given to",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def coordinators_only() -> None:
    """Names of accounts are for coordinators and admins."""
    require_role(("admin", "coordinator"), "Only coordinators and admins list users.")


class UserQueryArgsSchema(Schema):
    role = fields.String(validate=validate.OneOf(("volunteer", "coordinator")),
                         metadata={"description": "only this role"})


class UserSchema(Schema):
    user_id = fields.String(required=True)
    display_name = fields.String(allow_none=True, metadata={"description": "null if the account has no name"})
    role = fields.String(required=True)


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List the accounts the caller may assign, by name: active volunteers and coordinators of their towns."""
        ctx = request_context()
        return [{"user_id": account.user_id, "display_name": account.display_name, "role": account.role}
                for account in accounts.assignable_accounts(ctx.store, ctx.principal)
                if args.get("role") in (None, account.role)]
