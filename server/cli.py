"""``flask --app wsgi users ...``: accounts from the command line, for admins."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .access.policy import ROLES
from .services import accounts

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="At least 10 characters; a random one is printed if left out.")
@click.option("--scope", "scopes", multiple=True, metavar="municipality:NAME|org:ID",
              help="What a coordinator coordinates; repeat for several.")
def create_user(email: str, role: str, password: str | None, scopes: tuple[str, ...]) -> None:
    """Create an account."""
    municipalities = tuple(s.split(":", 1)[1] for s in scopes if s.startswith("municipality:"))
    organizations = tuple(s for s in scopes if s.startswith("org:"))
    unknown = [s for s in scopes if not s.startswith(("municipality:", "org:"))]
    if unknown:
        raise click.BadParameter(f"scope must be municipality:NAME or org:ID, not {unknown[0]}")
    chosen = password or secrets.token_urlsafe(12)
    try:
        account = accounts.create_account(current_app.extensions["store"], email, role, chosen, datetime.now(UTC),
                                          municipalities=municipalities, organizations=organizations)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {account.email} ({account.role}) as {account.user_id}")
    if password is None:
        click.echo(f"password: {chosen}")


@users.command("list")
def list_users() -> None:
    """List accounts: email, role, scope, state."""
    for account in accounts.list_accounts(current_app.extensions["store"]):
        scope = ",".join([*(f"municipality:{m}" for m in account.municipalities), *account.organizations])
        state = "revoked" if account.revoked else "active"
        click.echo(f"{account.email}\t{account.role}\t{scope or '-'}\t{state}")


@users.command("revoke")
@click.argument("email")
def revoke_user(email: str) -> None:
    """Refuse an account from its next request on."""
    if not accounts.revoke_account(current_app.extensions["store"], email):
        raise click.ClickException(f"no account {email}")
    click.echo(f"revoked {email}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(users)
