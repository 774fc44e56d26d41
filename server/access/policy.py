"""Pure access rules: what a principal may read and write. No Flask, no I/O.

Reading is decided by channels (``schemas/channels.py``): :func:`scope_for` turns an
account into the channels it reads, and the store adds what documents grant it. Writing is
decided here, per document, with the old and new version side by side, as CouchDB's
``validate_doc_update`` does, so the same rules hold for REST and for every sync path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from schemas import TYPES, DocumentInvalid, validate_document
from schemas.channels import PUBLIC, channels_of, grants_of, municipality_channel
from sync import errors
from sync.access import EVERYTHING, Scope, Validator

ROLES = ("admin", "coordinator", "volunteer", "resident")
# What coordinators write within their scope; a type added to the table is refused until named here.
COORDINATOR_TYPES = ("organization", "event", "person", "registration", "checkin", "hours", "contact_request")
# Accounts a coordinator may put on an event's team (its members then read its registrations).
ASSIGNABLE_ROLES = ("volunteer", "coordinator")

Doc = Mapping[str, Any]


@dataclass(frozen=True)
class Principal:
    """An authenticated account, as the rules need it."""

    user_id: str
    role: str
    municipalities: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()
    person_id: str | None = None
    token_id: str | None = field(default=None, compare=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def scope_for(principal: Principal) -> Scope:
    """The channels an account reads by itself; documents may grant more (assignments)."""
    if principal.is_admin:
        return EVERYTHING
    channels = {PUBLIC, principal.user_id}
    if principal.role == "coordinator":
        channels |= {municipality_channel(m) for m in principal.municipalities}
        channels |= set(principal.organizations)
    return Scope(user_id=principal.user_id, channels=frozenset(channels))


class Directory(Protocol):
    """What the rules look up beyond the two versions of a document."""

    def account(self, user_id: str) -> Principal | None:
        """The active account with this user id (None if unknown or revoked)."""

    def document(self, doc_id: str) -> Doc | None:
        """The live winner of a document in the synced database, whoever may read it."""


@dataclass(frozen=True)
class StaticDirectory:
    """A :class:`Directory` over documents and accounts in memory (rule tables, benchmarks)."""

    documents: Mapping[str, Doc] = field(default_factory=dict)
    accounts: Mapping[str, Principal] = field(default_factory=dict)

    def account(self, user_id: str) -> Principal | None:
        return self.accounts.get(user_id)

    def document(self, doc_id: str) -> Doc | None:
        return self.documents.get(doc_id)


@dataclass(frozen=True)
class WriteContext:
    """The writer's view when a rule is asked: what they read now, and the directory."""

    channels: frozenset[str]
    directory: Directory


def readable(doc: Doc, channels: frozenset[str]) -> bool:
    """Whether a reader of ``channels`` sees ``doc`` (a tombstone: whether they saw it)."""
    return bool(channels_of(doc) & channels)


def write_refusal(principal: Principal, new: Doc, old: Doc | None, context: WriteContext) -> str | None:
    """Why ``principal`` may not write ``new`` over ``old``, or None if they may.

    :param new: the incoming revision (``_deleted`` for a deletion)
    :param old: the revision it replaces: the leaf it extends, a losing branch or a
        tombstone (``_deleted``, holding the access fields the document had); None for an
        id never written
    """
    if principal.is_admin:
        return None
    deleting = bool(new.get("_deleted"))
    buried = old is not None and bool(old.get("_deleted"))
    if (old is not None and not readable(old, context.channels)) or (
            not deleting and not readable(new, context.channels | grants_of(new).get(principal.user_id, frozenset()))):
        # Nobody writes what they cannot read: one answer whether or not the document
        # exists, and nothing taken from it.
        return "you may not write this document"
    if deleting and (old is None or buried):
        return "nothing to delete"
    if old is not None and not deleting:
        if buried and "type" not in old:
            return "only an admin re-creates a deleted document whose owner is unknown"
        if new.get("type") != old.get("type"):
            return "type cannot change"
        entry = TYPES.get(str(old.get("type")))
        for name in entry.owner_fields if entry else ():
            if new.get(name) != old.get(name):
                return f"{name} cannot change"
    rule = _RULES.get(principal.role)
    if rule is None:
        return "unknown role"
    versions = [(old, False)] if deleting else [(new, True), (old, False)]
    for version, incoming in versions:
        if version is None:
            continue
        reason = rule(principal, version, old if incoming else None, context, incoming)
        if reason is not None:
            return reason
    return None


def _coordinator(principal: Principal, doc: Doc, old: Doc | None, context: WriteContext,
                 incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type not in COORDINATOR_TYPES:
        return f"coordinators may not write {doc_type} documents"
    in_scope = doc.get("municipality") in principal.municipalities or (
        doc.get("organization_id") in principal.organizations or doc.get("_id") in principal.organizations)
    if not in_scope:
        return "outside your municipalities and organizations"
    if not incoming:  # the version replaced (or deleted) only has to be in scope
        return None
    if doc_type in ("registration", "checkin"):
        return _event_reference(doc, context) or _person_reference(doc, context) or _checked_in_by(
            principal, doc, old)
    if doc_type == "hours":
        return _hours_decision(principal, doc, old, context)
    if doc_type == "event":
        return _assignments(principal, doc, old, context)
    if doc_type == "contact_request":
        return _contact_history(principal, doc, old)
    return None


def _volunteer(principal: Principal, doc: Doc, old: Doc | None, context: WriteContext,
               incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type in ("checkin", "registration"):
        if doc.get("event_id") not in context.channels:
            return "you are not assigned to this event"
        if incoming:
            return _event_reference(doc, context) or _checked_in_by(principal, doc, old, strict=True)
        return None
    if doc_type == "hours":
        if doc.get("volunteer_id") != principal.user_id:
            return "volunteers log only their own hours"
        if doc.get("status") != "pending" or doc.get("decided_by"):
            return "nobody decides on their own hours"
        return None
    return f"volunteers may not write {doc_type} documents"


def _resident(principal: Principal, doc: Doc, old: Doc | None, context: WriteContext,
              incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type == "person":
        if doc.get("account_id") != principal.user_id:
            return "residents write only their own record"
        if incoming and old is None and principal.person_id not in (None, doc.get("_id")):
            return "residents have one person record"
        return None
    if doc_type == "registration":
        if doc.get("person_id") != principal.person_id:
            return "residents register only themselves"
        return _event_reference(doc, context) if incoming else None
    if doc_type == "contact_request":
        if doc.get("person_id") != principal.person_id:
            return "residents write only their own contact requests"
        if doc.get("status") != "new" or doc.get("assignee"):
            return "only coordinators assign or close contact requests"
        return _contact_history(principal, doc, old) if incoming else None
    return f"residents may not write {doc_type} documents"


# Each role's rule judges one version: the incoming one (``incoming``, with the version it
# replaces as ``old``), or the version replaced or deleted, which must be the writer's too.
_RULES = {"coordinator": _coordinator, "volunteer": _volunteer, "resident": _resident}


def _event_reference(doc: Doc, context: WriteContext) -> str | None:
    """A registration or check-in names a live event and carries its town and organisation."""
    event = context.directory.document(str(doc.get("event_id")))
    if event is None or event.get("type") != "event":
        return "event_id names no event"
    for name in ("municipality", "organization_id"):
        if doc.get(name) != event.get(name):
            return f"{name} must be the event's"
    return None


def _person_reference(doc: Doc, context: WriteContext) -> str | None:
    """A coordinator registers or checks in only people they can see."""
    person_id = doc.get("person_id")
    if person_id is None:
        return None
    person = context.directory.document(str(person_id))
    if person is None or person.get("type") != "person" or not readable(person, context.channels):
        return "person_id names no person you can see"
    return None


def _checked_in_by(principal: Principal, doc: Doc, old: Doc | None, strict: bool = False) -> str | None:
    """A check-in records the volunteer who made it. Two volunteers checking one person in
    make two versions that the merge rule joins, so an edit may keep the recorded one."""
    if doc.get("type") != "checkin" or doc.get("by") == principal.user_id:
        return None
    if not strict and old is not None and not old.get("_deleted") and doc.get("by") == old.get("by"):
        return None
    return "a check-in records its own volunteer in 'by'"


def _hours_decision(principal: Principal, doc: Doc, old: Doc | None, context: WriteContext) -> str | None:
    """Decisions are the writer's own, on volunteers' hours, never on their own."""
    volunteer = doc.get("volunteer_id")
    if volunteer == principal.user_id:
        return None if doc.get("status") == "pending" else "nobody decides on their own hours"
    account = context.directory.account(str(volunteer))
    if account is None or account.role != "volunteer":
        return "hours belong to an active volunteer"
    decided = [doc.get(name) for name in ("status", "decided_by", "decided_at", "reason")]
    before = [old.get(name) for name in ("status", "decided_by", "decided_at", "reason")] if old else None
    if doc.get("status") != "pending" and decided != before and doc.get("decided_by") != principal.user_id:
        return "a decision records its own coordinator in 'decided_by'"
    return None


def _assignments(principal: Principal, doc: Doc, old: Doc | None, context: WriteContext) -> str | None:
    """Only active volunteers, and coordinators who share a town or organisation, join a team."""
    before = set(old.get("assigned_volunteers") or ()) if old and not old.get("_deleted") else set()
    for user_id in doc.get("assigned_volunteers") or ():
        if user_id in before:
            continue
        account = context.directory.account(str(user_id))
        if account is None or account.role not in ASSIGNABLE_ROLES:
            return "assigned_volunteers: no active volunteer or coordinator account has this id"
        if account.role == "coordinator" and not (account.municipalities & principal.municipalities
                                                  or account.organizations & principal.organizations):
            return "assigned_volunteers: coordinators join teams in their own towns only"
    return None


def _contact_history(principal: Principal, doc: Doc, old: Doc | None) -> str | None:
    """History entries are appended, each by its own writer."""
    earlier, now = _history(old), _history(doc)
    if now[:len(earlier)] != earlier:
        return "history entries cannot change"
    if any(not isinstance(entry, Mapping) or entry.get("by") != principal.user_id for entry in now[len(earlier):]):
        return "a history entry records its own coordinator in 'by'"
    return None


def _history(doc: Doc | None) -> list[Any]:
    history = doc.get("history") if doc is not None and not doc.get("_deleted") else None
    return list(history) if isinstance(history, list) else []


def document_validator(principal: Principal, reader_channels: Callable[[], frozenset[str]],
                       directory: Directory) -> Validator:
    """The check a store runs on every incoming revision written by ``principal``; for a
    deletion it gives the tombstone its type's access fields and nothing else.

    Schema errors and refusals are both answered as ``forbidden``, as CouchDB's
    ``validate_doc_update`` does: PouchDB's replicator counts those as denied and carries on
    with the rest, where any other error would stop the whole replication.
    """
    channels: list[frozenset[str]] = []

    def validate(new: Doc, old: Doc | None) -> dict[str, Any] | None:
        if not new.get("_deleted"):
            try:
                validate_document(dict(new))
            except DocumentInvalid as invalid:
                raise errors.forbidden(f"invalid document: {invalid.reason}") from None
        if not channels:
            channels.append(reader_channels())
        reason = write_refusal(principal, new, old, WriteContext(channels[0], directory))
        if reason is not None:
            raise errors.forbidden(reason)
        return tombstone(new, old) if new.get("_deleted") else None

    return validate


def tombstone(new: Doc, old: Doc | None) -> dict[str, Any]:
    """The body a deletion keeps: the access fields of the version it deletes (or of itself)."""
    source = old if old is not None else new
    entry = TYPES.get(str(source.get("type")))
    return entry.tombstone(source) if entry else {}
