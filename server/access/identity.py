"""Request -> Principal, and the default-deny gate in front of every endpoint.

Every route needs a principal unless its endpoint is in :data:`PUBLIC_ENDPOINTS`. Bearer
tokens and HTTP Basic are both accepted, so PouchDB with credentials in the URL and
CouchDB-style replicators work as they do against CouchDB. Every failure gets the same
answer, whatever went wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, request

from sync import errors

from ..errors import couch_error_response, is_couch_path, rest_error
from .credentials import Authenticator
from .policy import Principal

# Endpoint -> the methods anyone may call on it. Everything else needs a principal.
PUBLIC_ENDPOINTS: dict[str, frozenset[str]] = {
    "couch.welcome": frozenset({"GET", "HEAD"}),
    "couch.up": frozenset({"GET", "HEAD"}),
    "auth.Token": frozenset({"POST"}),  # logging in; logging out (DELETE) needs the session
    "auth.Registration": frozenset({"POST"}),
    "auth.RegistrationConfirmation": frozenset({"POST"}),
    "api-docs.openapi_json": frozenset({"GET", "HEAD"}),
    "api-docs.openapi_swagger_ui": frozenset({"GET", "HEAD"}),
    "swagger_ui_assets": frozenset({"GET", "HEAD"}),
    "status.Status": frozenset({"GET", "HEAD"}),
    # The web app's shell: HTML, script, styles, icons, translations, manifest, service worker.
    "web.shell": frozenset({"GET", "HEAD"}),
    "web.service_worker": frozenset({"GET", "HEAD"}),
    "web.manifest": frozenset({"GET", "HEAD"}),
    "web.asset": frozenset({"GET", "HEAD"}),
}

UNAUTHORIZED_REASON = "Name or password is incorrect."


def init_app(app: Flask) -> None:
    """Install the gate; it runs before every request."""
    settings = app.config["SETTINGS"]
    app.extensions["authenticator"] = Authenticator(
        app.extensions["store"], settings.credential_cache_seconds,
        settings.auth_failures_per_account, settings.auth_failures_per_address)
    app.before_request(require_principal)


def require_principal() -> Response | None:
    """Let public endpoints and unknown routes (404/405) through; everything else needs a principal."""
    if request.endpoint is None or request.method in PUBLIC_ENDPOINTS.get(request.endpoint, ()):
        return None
    principal = authenticate()
    if principal is None:
        return unauthorized()
    g.principal = principal
    return None


def current_principal() -> Principal:
    """The principal of this request; the gate guarantees there is one."""
    principal: Principal = g.principal
    return principal


def authenticate() -> Principal | None:
    """The principal the request's credentials name, or None.

    :raises CouchError: 429 or 503 (see :meth:`Authenticator.principal`)
    """
    authenticator: Authenticator = current_app.extensions["authenticator"]
    return authenticator.principal(request.headers.get("Authorization", ""), request.remote_addr or "")


def credential_check() -> Callable[[], bool]:
    """A check, callable after the request has ended, that this request's credential still
    names the same principal: long feeds end when their session is revoked."""
    authenticator: Authenticator = current_app.extensions["authenticator"]
    header, address, principal = request.headers.get("Authorization", ""), request.remote_addr or "", g.principal

    def still_valid() -> bool:
        try:
            return bool(authenticator.principal(header, address) == principal)
        except errors.CouchError:  # throttled or busy: not a revocation
            return True

    return still_valid


def unauthorized() -> Response:
    """401 in the dialect of the path, with the same reason for every failure."""
    if is_couch_path():
        response = couch_error_response(errors.unauthorized(UNAUTHORIZED_REASON))
        # No WWW-Authenticate: browsers would pop up a login dialog over the web app.
        return response
    return rest_error(401, "Authentication required.")
