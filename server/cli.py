"""``flask --app wsgi users|demo|store|jobs ...``: what admins do from the command line."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from schemas.channels import DomainRules
from sync.errors import CouchError
from sync.storage.couchdb import CouchStore

from . import demo
from .access.policy import ROLES
from .jobs import JOBS, run_once
from .services import accounts, migrate

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="At least 10 characters; a random one is printed if left out.")
@click.option("--name", "display_name", help="How coordinators see the person, e.g. 'Sabine Müller'.")
@click.option("--scope", "scopes", multiple=True, metavar="municipality:NAME|org:ID",
              help="What a coordinator coordinates; repeat for several.")
def create_user(email: str, role: str, password: str | None, display_name: str | None, scopes: tuple[str, ...]
                ) -> None:
    """Create an account."""
    municipalities = tuple(s.split(":", 1)[1] for s in scopes if s.startswith("municipality:"))
    organizations = tuple(s for s in scopes if s.startswith("org:"))
    unknown = [s for s in scopes if not s.startswith(("municipality:", "org:"))]
    if unknown:
        raise click.BadParameter(f"scope must be municipality:NAME or org:ID, not {unknown[0]}")
    chosen = password or secrets.token_urlsafe(12)
    try:
        account = accounts.create_account(current_app.extensions["store"], email, role, chosen, datetime.now(UTC),
                                          municipalities=municipalities, organizations=organizations,
                                          display_name=display_name)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {account.email} ({account.role}) as {account.user_id}")
    if password is None:
        click.echo(f"password: {chosen}")


@users.command("list")
def list_users() -> None:
    """List accounts: email, name, role, scope, state."""
    for account in accounts.list_accounts(current_app.extensions["store"]):
        scope = ",".join([*(f"municipality:{m}" for m in account.municipalities), *account.organizations])
        state = "revoked" if account.revoked else "active"
        click.echo(f"{account.email}\t{account.display_name or '-'}\t{account.role}\t{scope or '-'}\t{state}")


@users.command("revoke")
@click.argument("email")
def revoke_user(email: str) -> None:
    """Refuse an account from its next request on."""
    if not accounts.revoke_account(current_app.extensions["store"], email):
        raise click.ClickException(f"no account {email}")
    click.echo(f"revoked {email}")


demo_cli = AppGroup("demo", help="Demo data for trying the app out.")


@demo_cli.command("seed")
def seed_demo() -> None:
    """Fill an empty store with a demo county and print its logins; does nothing if DEMO=0 or data exists."""
    settings = current_app.config["SETTINGS"]
    if not settings.demo:
        click.echo("demo data: skipped (DEMO=0)")
        return
    summary = demo.seed(current_app.extensions["store"], settings.main_db, datetime.now(UTC))
    if summary is None:
        click.echo("demo data: skipped (the store already holds data)")
        return
    counts = ", ".join(f"{name}: {count}" for name, count in summary.counts.items())
    click.echo(f"demo data: seeded {counts}")
    click.echo("demo logins (passwords are shown only now):")
    width = max(len(login.email) for login in summary.logins)
    click.echo(f"  {'email':<{width}}  {'role':<11}  {'password':<16}  who")
    for login in summary.logins:
        click.echo(f"  {login.email:<{width}}  {login.role:<11}  {login.password:<16}  {login.note}")


store_cli = AppGroup("store", help="Move the store.")


@store_cli.command("migrate-to-couchdb")
@click.argument("url")
def migrate_to_couchdb(url: str) -> None:
    """Copy every database of the embedded store into the CouchDB at URL (credentials in it).

    Stop the gateways first; afterwards start them with COUCHDB_URL=URL. Safe to run again.
    """
    source = current_app.extensions["store"]
    if current_app.config["SETTINGS"].storage != "sqlite":
        raise click.ClickException("the store is not the embedded one: unset COUCHDB_URL to migrate from it")
    try:
        target = CouchStore(url, source.limits, rules=DomainRules())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        migrate.migrate_to_couchdb(source, target, report=click.echo)
    except (migrate.MigrationError, CouchError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        target.close()
    click.echo("done: start the gateways with COUCHDB_URL set")


jobs_cli = AppGroup("jobs", help="Run a scheduled job now.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_job(name: str) -> None:
    """Run job NAME once, outside its schedule, and print its result (ids only)."""
    record = run_once(current_app.extensions["store"], current_app.config["SETTINGS"], JOBS[name], datetime.now(UTC))
    if record is None:
        raise click.ClickException(f"{name} has run in this time slot already (or is running elsewhere)")
    click.echo(json.dumps(record))


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(users)
    app.cli.add_command(demo_cli)
    app.cli.add_command(store_cli)
    app.cli.add_command(jobs_cli)
