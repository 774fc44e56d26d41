"""The REST API for people (coordinators, admins), one module per resource."""

from __future__ import annotations

from ..extensions import Api
from . import audit, auth, contacts, devices, events, hours, jobs, me, people, reports, status, users

# attendance is nested in events (/api/events/<id>/attendance).
MODULES = (status, auth, events, hours, contacts, people, reports, audit, devices, jobs, users, me)


def register_blueprints(api: Api) -> None:
    """Register every resource module's blueprint under ``/api``."""
    for module in MODULES:
        api.register_blueprint(module.blp, url_prefix=f"/api/{module.blp.name}")
