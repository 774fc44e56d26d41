"""Residents registering themselves: confirmed by e-mail, then an account and a person record
with their consent.

A registration answers the same whether or not the address is taken, so that it cannot be
used to learn who has an account: a free address gets a link that confirms the registration,
a taken one a note to its owner that someone tried. Both paths hash the password and send one
mail, so neither the answer nor its time tells them apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sync import errors
from sync.storage import Store

from ..mail import Mail, Mailer, MailError
from . import accounts, documents

# What a pending registration keeps of the form, besides the address and the password's hash.
_KEPT = ("display_name", "municipality", "languages")


def request_registration(store: Store, mailer: Mailer, form: dict[str, Any], now: datetime, ttl: timedelta,
                         app_url: str) -> None:
    """Keep the registration ``form`` until the address confirms it, and mail the link; or, if
    the address has an account, create nothing and mail its owner that someone tried.
    Registrations whose link expired are removed on the way.

    :param app_url: the web app's address; the link opens ``{app_url}/#/confirm/{token}``
    :raises CouchError: 503 if the mail could not be sent, or the process is busy hashing
    """
    accounts.forget_expired_pending(store, now)
    password_hash = accounts.hash_password(form["password"])  # on both paths: timing does not tell
    email = form["email"].strip().lower()
    if accounts.find_account(store, email) is not None:
        mail = _someone_tried(email, app_url)
    else:
        fields = {key: form.get(key) for key in _KEPT}
        token = accounts.save_pending(store, email, {**fields, "password_hash": password_hash,
                                                     "consent_given_at": now.isoformat()}, now, ttl)
        mail = _confirm_link(email, f"{app_url}/#/confirm/{token}", ttl)
    try:
        mailer.send(mail)
    except MailError:
        raise errors.service_unavailable("The mail could not be sent; please try again later.",
                                         retry_after=60) from None


def confirm_registration(store: Store, db_name: str, token: str, now: datetime) -> accounts.Account | None:
    """Create the account and person record of the registration ``token`` confirms, and
    consume the token. Parallel confirmations make one account and one person record.

    :returns: the new account; None for an unknown, used or expired token, or when the address
        got an account in the meantime (all the same to the caller)
    :raises CouchError: if the person record is refused (the account is then removed again)
    """
    pending = accounts.take_pending(store, token, now)
    if pending is None:
        return None
    try:
        return _create_resident(store, db_name, pending, now)
    except accounts.AccountError:
        return None


def _create_resident(store: Store, db_name: str, pending: dict[str, Any], now: datetime) -> accounts.Account:
    """Create the account, which claims the e-mail address in one write, and then the person
    record it owns (written as the new resident, under the usual rules).

    :raises AccountError: if the email is taken
    :raises CouchError: if the person record is refused (the account is then removed again)
    """
    user_id = f"user:{uuid.uuid4().hex[:16]}"
    person_id = f"person:{uuid.uuid4().hex}"
    account = accounts.create_hashed_account(store, pending["email"], "resident", pending["password_hash"], now,
                                             person_id=person_id, user_id=user_id,
                                             display_name=pending["display_name"])
    person = {
        "_id": person_id, "type": "person", "schema_version": 1, "created_at": now.isoformat(),
        "display_name": pending["display_name"], "languages": pending.get("languages") or [],
        "municipality": pending["municipality"], "account_id": user_id,
        "consents": [{"purpose": "registration", "given_at": pending.get("consent_given_at") or now.isoformat()}],
    }
    try:
        documents.save(store, db_name, account.principal(), person)
    except Exception:
        accounts.erase_account(store, user_id)
        raise
    return account


def _hours(ttl: timedelta) -> int:
    return max(1, round(ttl.total_seconds() / 3600))


def _confirm_link(email: str, link: str, ttl: timedelta) -> Mail:
    hours = _hours(ttl)
    return Mail(email, "Miteinander: Bitte bestätigen Sie Ihre Registrierung / Please confirm your registration", f"""\
Guten Tag,

Sie haben sich bei Miteinander registriert. Bitte öffnen Sie diesen Link, um Ihr Konto anzulegen:

{link}

Der Link gilt {hours} Stunden und nur einmal. Wenn Sie sich nicht registriert haben, \
können Sie diese Nachricht einfach löschen; dann wird nichts gespeichert.

--

Hello,

You registered with Miteinander. Please open this link to create your account:

{link}

The link works once, for {hours} hours. If you did not register, just delete this message; \
nothing will be stored.
""")


def _someone_tried(email: str, app_url: str) -> Mail:
    return Mail(email, "Miteinander: Registrierung mit Ihrer Adresse / Registration with your address", f"""\
Guten Tag,

jemand hat versucht, sich mit Ihrer E-Mail-Adresse bei Miteinander zu registrieren. \
Mit dieser Adresse gibt es schon ein Konto. Wenn Sie das waren, melden Sie sich einfach an:

{app_url}/#/login

Wenn nicht, müssen Sie nichts tun: Es wurde nichts geändert.

--

Hello,

someone tried to register with Miteinander using your e-mail address. There already is an \
account with this address. If it was you, just log in:

{app_url}/#/login

If it was not you, there is nothing to do: nothing was changed.
""")
