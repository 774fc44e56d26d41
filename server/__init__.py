"""The Flask application: a REST API under /api and a CouchDB-compatible gateway under /sync."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, cli, couch, errors, extensions, mail, web
from .access import identity
from .config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from ``settings`` (default: from the environment).

    Wiring only; the scheduler is never started here (it runs as ``python -m server.jobs``).
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_size
    if settings.proxy_hops:  # behind a reverse proxy: take the client's address from it
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO)

    extensions.init_store(app, settings)
    mail.init_app(app, settings)
    identity.init_app(app)
    extensions.init_compress(app, settings)
    extensions.init_limiter(app)
    rest = extensions.init_api(app)
    api.register_blueprints(rest)
    couch.init_app(app)
    app.register_blueprint(web.blp)  # the web app shell (public; data stays behind /api and /sync)
    errors.init_app(app)
    cli.init_app(app)
    return app
