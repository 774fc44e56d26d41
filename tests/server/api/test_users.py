"""Accounts by name for coordinators' pickers: who may be given work, never their addresses."""

from __future__ import annotations

import uuid

from tests.conftest import LiveServer
from tests.server.api import Team, team


def named_user(server: LiveServer, role: str, name: str, *scopes: str) -> tuple[str, str]:
    """A new account made with ``users create --name``; returns its email and user id."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@test.example"
    args = ["users", "create", email, "--role", role, "--password", f"pw-{uuid.uuid4().hex}", "--name", name]
    for scope in scopes:
        args += ["--scope", scope]
    return email, server.flask(*args).stdout.split(" as ")[1].strip()


def test_coordinators_list_assignable_accounts_by_name_without_addresses(server: LiveServer) -> None:
    people: Team = team(server)
    name = f"Sabine Müller {uuid.uuid4().hex[:6]}"
    email, volunteer = named_user(server, "volunteer", name)
    gone_email, gone = named_user(server, "volunteer", "Revoked Volunteer")
    server.flask("users", "revoke", gone_email)
    _, neighbour = named_user(server, "coordinator", "Nachbar Koordination", "municipality:Baunatal")

    listed = people.coordinator.get("/users", params={"role": "volunteer"})
    assert listed.status_code == 200, listed.text
    by_id = {user["user_id"]: user for user in listed.json()}
    assert by_id[volunteer] == {"user_id": volunteer, "display_name": name, "role": "volunteer"}
    assert gone not in by_id, "revoked accounts are nobody to assign"
    assert {user["role"] for user in listed.json()} == {"volunteer"}
    assert "@" not in listed.text and "password" not in listed.text and "hash" not in listed.text

    coordinators = {user["user_id"] for user in people.coordinator.get("/users", params={"role": "coordinator"}).json()}
    assert neighbour in coordinators and people.coordinator.user_id in coordinators
    assert people.vellmar.user_id not in coordinators, "coordinators of other towns are not theirs to assign"
    everyone = {user["user_id"] for user in people.admin.get("/users").json()}
    assert {volunteer, neighbour, people.vellmar.user_id} <= everyone
    assert people.resident.user_id not in everyone

    for someone in (people.volunteer, people.resident):
        assert someone.get("/users").status_code == 403
    assert people.coordinator.get("/users", params={"role": "resident"}).status_code == 422
    assert name in server.flask("users", "list").stdout and email in server.flask("users", "list").stdout
