"""Accounts, passwords and tokens, kept as documents in the store's ``accounts`` database.

Keeping them in the store (not a side file) means a CouchDB deployment shares them across
gateway instances like everything else. The ``accounts`` database is never served on
``/sync``. Passwords are hashed with argon2; tokens are random and stored only as their
SHA-256, so a copy of the store does not hand out sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync import errors
from sync.storage import Database, Store
from sync.storage.base import AllDocsQuery

from ..access.policy import ASSIGNABLE_ROLES, ROLES, Principal
from ..concurrency import PASSWORD_HASHING

T = TypeVar("T")

ACCOUNTS_DB = "accounts"
# OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane): about 25 ms here, so that a
# 2-core server can afford its logins under load. Stored hashes with other parameters are
# rehashed at the next successful login.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _HASHER.hash("not a password")
# At most this many hashings at once per process (each holds 19 MiB); a request that cannot
# start one within the wait is refused with 503 rather than queued without end.
_HASHING_SLOTS = threading.BoundedSemaphore(PASSWORD_HASHING.size)
_HASHING_WAIT = 2.0


def _bounded_hashing(work: Callable[[], T]) -> T:
    """Run one argon2 computation within the process's bound, in an OS thread.

    :raises CouchError: 503 with Retry-After if every slot stays busy for the wait
    """
    if not _HASHING_SLOTS.acquire(timeout=_HASHING_WAIT):
        raise errors.service_unavailable("Too many logins at once; try again shortly.", retry_after=2)
    try:
        return PASSWORD_HASHING(work)
    finally:
        _HASHING_SLOTS.release()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (bounded like every hashing)."""
    return _bounded_hashing(lambda: _HASHER.hash(password))


def _verify_password(stored: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return bool(_HASHER.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False
    return _bounded_hashing(verify)


class AccountError(ValueError):
    """A request about accounts that cannot be carried out (duplicate, unknown role...)."""


@dataclass(frozen=True)
class Account:
    """An account without its secret."""

    email: str
    user_id: str
    role: str
    municipalities: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    person_id: str | None = None
    revoked: bool = False
    display_name: str | None = None

    def principal(self, token_id: str | None = None) -> Principal:
        return Principal(user_id=self.user_id, role=self.role, municipalities=frozenset(self.municipalities),
                         organizations=frozenset(self.organizations), person_id=self.person_id, token_id=token_id)


def account_doc_id(email: str) -> str:
    """The id of the accounts-database document of ``email``: a hash, since ids outlive
    their documents (purge records keep them) and an erased address must leave no trace."""
    digest = hashlib.blake2b(email.strip().lower().encode(), digest_size=16, person=b"miteinander-acct").hexdigest()
    return "account:" + digest


def rekey_accounts(store: Store) -> int:
    """Move accounts stored under their address (before ids were hashed) to their hashed id.
    Idempotent, and safe when several workers run it at once.

    :returns: how many accounts moved
    """
    with store.database(ACCOUNTS_DB) as database:
        stale = [row["doc"] for row in database.all_docs(_ACCOUNT_RANGE)["rows"]
                 if row["id"] != account_doc_id(row["doc"]["email"])]
        for doc in stale:
            moved = {key: value for key, value in doc.items() if key != "_rev"}
            database.bulk_docs([{**moved, "_id": account_doc_id(doc["email"])}])  # a conflict: moved already
        if stale:
            database.purge([doc["_id"] for doc in stale])
    return len(stale)


def _account(doc: dict[str, Any]) -> Account:
    return Account(email=doc["email"], user_id=doc["user_id"], role=doc["role"],
                   municipalities=tuple(doc.get("municipalities", ())),
                   organizations=tuple(doc.get("organizations", ())),
                   person_id=doc.get("person_id"), revoked=bool(doc.get("revoked")),
                   display_name=doc.get("display_name"))


def _read(store: Store, doc_id: str) -> dict[str, Any] | None:
    with store.database(ACCOUNTS_DB) as database:
        try:
            return database.get(doc_id)
        except errors.CouchError as error:
            if error.status == 404:
                return None
            raise


def _write(store: Store, doc: dict[str, Any]) -> None:
    with store.database(ACCOUNTS_DB) as database:
        database.put(doc)


def create_account(store: Store, email: str, role: str, password: str, now: datetime, *,
                   municipalities: tuple[str, ...] = (), organizations: tuple[str, ...] = (),
                   person_id: str | None = None, user_id: str | None = None,
                   display_name: str | None = None) -> Account:
    """Create an account. ``display_name`` is how coordinators see the person ("Sabine Müller")
    instead of an id; optional.

    :raises AccountError: for an unknown role, a short password, a name over 120 characters or an email in use
    """
    if len(password) < 10:
        raise AccountError("password must have at least 10 characters")
    _check_account(email, role, display_name)
    return create_hashed_account(store, email, role, hash_password(password), now, municipalities=municipalities,
                                 organizations=organizations, person_id=person_id, user_id=user_id,
                                 display_name=display_name)


def _check_account(email: str, role: str, display_name: str | None) -> None:
    if display_name is not None and not 0 < len(display_name.strip()) <= 120:
        raise AccountError("name must have 1 to 120 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise AccountError("email is not valid")


def create_hashed_account(store: Store, email: str, role: str, password_hash: str, now: datetime, *,
                          municipalities: tuple[str, ...] = (), organizations: tuple[str, ...] = (),
                          person_id: str | None = None, user_id: str | None = None,
                          display_name: str | None = None) -> Account:
    """Create an account whose password was hashed before (a confirmed registration), in one
    write that claims the address: of parallel creations with one address, one succeeds.

    :raises AccountError: for an unknown role, a name over 120 characters or an email in use
    """
    _check_account(email, role, display_name)
    doc = {"_id": account_doc_id(email), "email": email.strip().lower(), "role": role,
           "user_id": user_id or f"user:{uuid.uuid4().hex[:16]}", "password_hash": password_hash,
           "municipalities": list(municipalities), "organizations": list(organizations),
           "person_id": person_id, "revoked": False, "created_at": now.isoformat(),
           "display_name": display_name.strip() if display_name else None}
    try:
        _write(store, doc)
    except errors.CouchError as error:
        if error.error == "conflict":
            raise AccountError("an account with this email exists") from None
        raise
    return _account(doc)


def find_account(store: Store, email: str) -> Account | None:
    """The account of ``email``, if any."""
    doc = _read(store, account_doc_id(email))
    return _account(doc) if doc else None


def created_at(store: Store, email: str) -> str | None:
    """When the account of ``email`` was made (ISO time), if it exists."""
    doc = _read(store, account_doc_id(email))
    return doc.get("created_at") if doc else None


def list_accounts(store: Store) -> list[Account]:
    """Every account, by email."""
    with store.database(ACCOUNTS_DB) as database:
        rows = database.all_docs(_ACCOUNT_RANGE)["rows"]
    return [_account(row["doc"]) for row in rows]


def assignable_accounts(store: Store, principal: Principal) -> list[Account]:
    """The accounts ``principal`` may give work to, by name: active volunteers, and active
    coordinators who share a town or organisation with them (admins: every coordinator), as
    the write rules allow them on an event's team. Sorted by name; the caller decides who may ask.
    """
    def assignable(account: Account) -> bool:
        if account.revoked or account.role not in ASSIGNABLE_ROLES:
            return False
        return account.role == "volunteer" or principal.is_admin or bool(
            set(account.municipalities) & principal.municipalities
            or set(account.organizations) & principal.organizations)
    found = [account for account in list_accounts(store) if assignable(account)]
    return sorted(found, key=lambda account: ((account.display_name or account.email).casefold(), account.user_id))


def authenticate(store: Store, email: str, password: str) -> Account | None:
    """The account if the password is right and the account is active; None otherwise.

    A hash made with older parameters is replaced by one with the current ones.

    :raises CouchError: 503 if the process is busy with as many hashings as it allows
    """
    doc = _read(store, account_doc_id(email)) if email else None
    if not _verify_password(doc["password_hash"] if doc else _DUMMY_HASH, password):
        return None
    if doc is None or doc.get("revoked"):
        return None
    if _HASHER.check_needs_rehash(doc["password_hash"]):
        try:
            _write(store, {**doc, "password_hash": hash_password(password)})
        except errors.CouchError as error:
            if error.error != "conflict":  # a parallel login rehashed it first
                raise
    return _account(doc)


def issue_token(store: Store, account: Account, now: datetime, ttl: timedelta, device_id: str | None = None,
                device_name: str | None = None) -> str:
    """A new bearer token for ``account``; only its hash is stored. ``device_name`` is what the
    device calls itself ("Chrome on Android"), shown to admins beside its id."""
    token = secrets.token_urlsafe(32)
    _write(store, {"_id": _token_id(token), "email": account.email, "device_id": device_id,
                   "device_name": device_name, "issued_at": now.isoformat(),
                   "expires_at": (now + ttl).isoformat(), "revoked": False})
    return token


# -- registrations waiting for confirmation ------------------------------------------------
# A resident's registration is kept beside the accounts until the link mailed to the address
# is opened: the form, the password's hash (never the password) and the expiry, under the
# SHA-256 of the link's single-use token. Nothing of it outlives its expiry (24 h by default).


def save_pending(store: Store, email: str, fields: dict[str, Any], now: datetime, ttl: timedelta) -> str:
    """Keep a registration of ``email`` until it is confirmed or expires.

    :param fields: what the account and person record will be made of (password hash included)
    :returns: the single-use token that confirms it; only its hash is stored
    """
    token = secrets.token_urlsafe(32)
    _write(store, {**fields, "_id": _pending_id(token), "email": email.strip().lower(),
                   "created_at": now.isoformat(), "expires_at": (now + ttl).isoformat()})
    return token


def take_pending(store: Store, token: str, now: datetime) -> dict[str, Any] | None:
    """The registration ``token`` confirms, consumed: a second call with the same token, also a
    parallel one, gets None, as do unknown and expired tokens (an expired one is removed)."""
    if not token:
        return None
    doc = _read(store, _pending_id(token))
    if doc is None:
        return None
    with store.database(ACCOUNTS_DB) as database:
        try:  # the claim: of parallel confirmations, one deletes this revision
            database.put({"_id": doc["_id"], "_rev": doc["_rev"], "_deleted": True})
        except errors.CouchError as error:
            if error.error == "conflict":
                return None
            raise
        _purge_quietly(database, [doc["_id"]])
    return doc if datetime.fromisoformat(doc["expires_at"]) > now else None


def forget_expired_pending(store: Store, now: datetime) -> int:
    """Remove registrations whose link expired unopened; returns how many."""
    with store.database(ACCOUNTS_DB) as database:
        expired = [row["doc"] for row in database.all_docs(_PENDING_RANGE)["rows"]
                   if datetime.fromisoformat(row["doc"]["expires_at"]) <= now]
        if expired:
            database.bulk_docs([{"_id": doc["_id"], "_rev": doc["_rev"], "_deleted": True} for doc in expired])
            _purge_quietly(database, [doc["_id"] for doc in expired])
    return len(expired)


def _purge_quietly(database: Database, doc_ids: list[str]) -> None:
    """Purge deleted registrations, so that no old revision keeps the form; a server that
    cannot purge (pouchdb-server) keeps tombstones, which hold nothing but the token's hash."""
    try:
        database.purge(doc_ids)
    except errors.CouchError as error:
        if error.status != 501:
            raise


def _pending_id(token: str) -> str:
    return "pending:" + hashlib.sha256(token.encode()).hexdigest()


# How often a token's last use is written down: often enough to tell a silent tablet, rarely
# enough that syncing does not turn every read into a write.
SEEN_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Session:
    """What a bearer token stands for: the principal, the documents that say so, and its end."""

    principal: Principal
    read_from: frozenset[str]
    expires: datetime


def session_for_token(store: Store, token: str, now: datetime) -> Session | None:
    """Who holds ``token``: None if unknown, expired, revoked, or the account is revoked."""
    doc = _read(store, _token_id(token))
    if doc is None or doc.get("revoked") or (expires := datetime.fromisoformat(doc["expires_at"])) <= now:
        return None
    account = find_account(store, doc["email"])
    if account is None or account.revoked:
        return None
    last_seen = doc.get("last_seen")
    if last_seen is None or datetime.fromisoformat(last_seen) + SEEN_EVERY <= now:
        try:
            _write(store, {**doc, "last_seen": now.isoformat()})
        except errors.CouchError as error:
            if error.error != "conflict":  # a parallel request of the same device wrote it
                raise
    return Session(account.principal(token_id=doc["_id"]), frozenset({doc["_id"], account_doc_id(account.email)}),
                   expires)


def devices_silent_since(store: Store, before: str) -> set[str]:
    """Devices whose sessions were all last used before ``before`` (ISO time)."""
    with store.database(ACCOUNTS_DB) as database:
        rows = database.all_docs(_TOKEN_RANGE)["rows"]
    newest: dict[str, str] = {}
    for row in rows:
        doc = row["doc"]
        device = doc.get("device_id")
        if isinstance(device, str) and not doc.get("revoked"):
            newest[device] = max(newest.get(device, ""), doc.get("last_seen") or "")
    return {device for device, seen in newest.items() if seen < before}


def revoke_token(store: Store, token_id: str) -> None:
    """End one session (logging out)."""
    doc = _read(store, token_id)
    if doc is not None and not doc.get("revoked"):
        _write(store, {**doc, "revoked": True})


def revoke_account(store: Store, email: str) -> bool:
    """Refuse the account from its next request on; its sessions end too."""
    doc = _read(store, account_doc_id(email))
    if doc is None:
        return False
    _write(store, {**doc, "revoked": True})
    return True


def erase_account(store: Store, user_id: str) -> bool:
    """Purge the account of ``user_id``, its sessions and any registration still waiting for
    confirmation with its address (erasure of a resident's data).

    Accounts are few; finding one by user id reads them all, which an erasure can afford.
    """
    with store.database(ACCOUNTS_DB) as database:
        accounts_rows = database.all_docs(_ACCOUNT_RANGE)["rows"]
        found = [row["doc"] for row in accounts_rows if row["doc"].get("user_id") == user_id]
        if not found:
            return False
        emails = {doc["email"] for doc in found}
        tokens = [row["id"] for row in database.all_docs(_TOKEN_RANGE)["rows"] if row["doc"].get("email") in emails]
        pending = [row["id"] for row in database.all_docs(_PENDING_RANGE)["rows"]
                   if row["doc"].get("email") in emails]
        database.purge([doc["_id"] for doc in found] + tokens + pending)
    return True


def list_sessions(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Every live session (token neither revoked nor expired, account active), newest use
    first, with its account's address, name and role. Never a token or its hash: a session is
    named by a short id made from the hash, which :func:`revoke_session` takes."""
    with store.database(ACCOUNTS_DB) as database:
        holders = {row["doc"]["email"]: row["doc"] for row in database.all_docs(_ACCOUNT_RANGE)["rows"]}
        tokens = [row["doc"] for row in database.all_docs(_TOKEN_RANGE)["rows"]]
    sessions = []
    for doc in tokens:
        holder = holders.get(doc["email"])
        if doc.get("revoked") or datetime.fromisoformat(doc["expires_at"]) <= now or holder is None \
                or holder.get("revoked"):
            continue
        sessions.append({
            "id": _session_id(doc["_id"]), "user_id": holder["user_id"], "email": holder["email"],
            "display_name": holder.get("display_name"), "role": holder["role"],
            "device_id": doc.get("device_id"), "device_name": doc.get("device_name"),
            "issued_at": doc.get("issued_at"), "last_seen": doc.get("last_seen") or doc.get("issued_at"),
            "expires_at": doc["expires_at"]})
    sessions.sort(key=lambda session: session["last_seen"] or "", reverse=True)
    return sessions


def revoke_session(store: Store, session_id: str) -> bool:
    """End the live session named ``session_id`` (an id from :func:`list_sessions`)."""
    with store.database(ACCOUNTS_DB) as database:
        found = [row["doc"] for row in database.all_docs(_TOKEN_RANGE)["rows"]
                 if _session_id(row["id"]) == session_id and not row["doc"].get("revoked")]
        if found:
            database.bulk_docs([{**doc, "revoked": True} for doc in found])
    return bool(found)


def revoke_device(store: Store, device_id: str) -> int:
    """End every session a (lost) device holds; returns how many."""
    with store.database(ACCOUNTS_DB) as database:
        rows = database.all_docs(_TOKEN_RANGE)["rows"]
        ended = [{**row["doc"], "revoked": True} for row in rows
                 if row["doc"].get("device_id") == device_id and not row["doc"].get("revoked")]
        if ended:
            database.bulk_docs(ended)
    return len(ended)


def _token_id(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


def _session_id(token_id: str) -> str:
    """A session's public name: 80 bits of its token's hash, enough to tell sessions apart,
    and never the whole stored hash."""
    return token_id.removeprefix("token:")[:20]


_ACCOUNT_RANGE = AllDocsQuery.prefixed("account:")
_TOKEN_RANGE = AllDocsQuery.prefixed("token:")
_PENDING_RANGE = AllDocsQuery.prefixed("pending:")
