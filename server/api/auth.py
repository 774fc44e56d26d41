"""Logging in, logging out, and residents registering themselves (confirmed by e-mail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from schemas.languages import LANGUAGES
from schemas.municipalities import MUNICIPALITIES

from ..extensions import get_store, limiter
from ..mail import get_mailer
from ..services import accounts, residents
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import fail

blp = Blueprint("auth", __name__, description="Sessions and self-registration", errors=())


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    device_id = fields.String(validate=validate.Length(max=100), metadata={"description": "the tablet's id"})
    device_name = fields.String(validate=validate.Length(max=100), metadata={
        "description": "what the device calls itself (browser and system), shown to admins"})


class TokenSchema(Schema):
    token = fields.String(required=True)
    user_id = fields.String(required=True)
    role = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


# Something besides spaces and control characters, listed (Python's \s and JSON Schema's
# ECMA-262 \s disagree, e.g. on U+001C and U+FEFF); the same whether matched or searched.
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"^[{_BLANK}]*[^{_BLANK}]"


class RegistrationSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=1024))
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=120),
                                                          validate.Regexp(NOT_BLANK, error="Name is blank.")])
    municipality = fields.String(required=True, validate=validate.OneOf(MUNICIPALITIES))
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)), load_default=list)
    consent = fields.Boolean(required=True, metadata={"enum": [True],
        "description": "the resident agreed that their name, languages and town are stored to take part"})


def _token_response(account: accounts.Account, device_id: str | None, device_name: str | None = None
                    ) -> dict[str, Any]:
    ttl = timedelta(days=current_app.config["SETTINGS"].token_ttl_days)
    token = accounts.issue_token(get_store(), account, datetime.now(UTC), ttl, device_id, device_name)
    return {"token": token, "user_id": account.user_id, "role": account.role, "expires_in": int(ttl.total_seconds())}


# Guesses and floods (of passwords, addresses, mails and links) are bounded per client address.
_per_address = limiter.limit(lambda: current_app.config["SETTINGS"].login_rate, methods=["POST"])


@blp.route("/token")
class Token(MethodView):
    decorators = [_per_address]

    @blp.arguments(CredentialsSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(401, 429, 503)
    @blp.doc(security=[])
    def post(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Log in: exchange email and password for a bearer token."""
        account = accounts.authenticate(get_store(), credentials["email"], credentials["password"])
        if account is None:
            fail(401, "Name or password is incorrect.")
        return _token_response(account, credentials.get("device_id"), credentials.get("device_name"))

    @blp.response(204)
    @blp.errors(*AUTHENTICATED)
    def delete(self) -> None:
        """Log out: the token of this request stops working."""
        ctx = request_context()
        if ctx.principal.token_id is not None:
            accounts.revoke_token(ctx.store, ctx.principal.token_id)


class RegistrationSentSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["confirmation_sent"], "description":
        "a link to confirm went to the address; if it has an account already, a note to its owner instead"})


class ConfirmationSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(max=200),
                          metadata={"description": "the token from the link in the mail"})


def _app_url() -> str:
    """Where links in mails point: the configured public address; without one (development,
    mails to the outbox) the address this request came to."""
    return current_app.config["SETTINGS"].public_url or request.host_url


@blp.route("/register")
class Registration(MethodView):
    decorators = [_per_address]

    @blp.arguments(RegistrationSchema)
    @blp.response(202, RegistrationSentSchema)
    @blp.errors(429, 503)
    @blp.doc(security=[])
    def post(self, form: dict[str, Any]) -> dict[str, Any]:
        """Register as a resident, with explicit consent; a link to confirm goes to the address."""
        if not form["consent"]:
            fail(422, "Registration needs your consent to store your name, languages and town.")
        settings = current_app.config["SETTINGS"]
        residents.request_registration(get_store(), get_mailer(), form, datetime.now(UTC),
                                       timedelta(seconds=settings.registration_ttl_seconds), _app_url().rstrip("/"))
        return {"status": "confirmation_sent"}


@blp.route("/register/confirm")
class RegistrationConfirmation(MethodView):
    decorators = [_per_address]

    @blp.arguments(ConfirmationSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(404, 429, 503)
    @blp.doc(security=[])
    def post(self, confirmation: dict[str, Any]) -> dict[str, Any]:
        """Confirm a registration with the token from the mail; answers with a session."""
        account = residents.confirm_registration(get_store(), current_app.config["SETTINGS"].main_db,
                                                 confirmation["token"], datetime.now(UTC))
        if account is None:
            fail(404, "This link is invalid or has expired.")
        return _token_response(account, None)
