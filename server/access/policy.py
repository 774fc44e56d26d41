"""Pure access rules: what a principal may read and write. No Flask, no I/O.

Reading is decided by channels (``schemas/channels.py``): :func:`scope_for` turns an
account into the channels it reads, and the store adds what documents grant it. Writing is
decided here, per document, with the old and new version side by side, as CouchDB's
``validate_doc_update`` does, so the same rules hold for REST and for every sync path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas import DocumentInvalid, validate_document
from schemas.channels import PUBLIC, municipality_channel
from sync import errors
from sync.access import EVERYTHING, Scope, Validator

ROLES = ("admin", "coordinator", "volunteer", "resident")

# Fields that tie a document to its owner or its event; nobody but an admin changes them.
OWNER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "registration": ("event_id", "person_id"),
    "checkin": ("event_id", "person_id"),
    "hours": ("volunteer_id",),
    "contact_request": ("person_id",),
    "person": ("account_id",),
    "device": ("user_id",),
}

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


def write_refusal(principal: Principal, new: Doc, old: Doc | None, channels: frozenset[str]) -> str | None:
    """Why ``principal`` may not write ``new`` over ``old``, or None if they may.

    :param new: the incoming revision (``_deleted`` for a deletion)
    :param old: the current live version, None for a new document
    :param channels: every channel the principal reads now, grants included
    """
    if principal.is_admin:
        return None
    deleting = bool(new.get("_deleted"))
    subject = old if deleting and old is not None else new
    doc_type = subject.get("type")
    if old is not None and not deleting:
        if new.get("type") != old.get("type"):
            return "type cannot change"
        for name in OWNER_FIELDS.get(str(doc_type), ()):
            if new.get(name) != old.get(name):
                return f"{name} cannot change"
    rule = _RULES.get(principal.role)
    if rule is None:
        return "unknown role"
    versions = [(old, False)] if deleting else [(new, True), (old, False)]
    for version, incoming in versions:
        if version is None:
            continue
        reason = rule(principal, version, channels, deleting, incoming)
        if reason is not None:
            return reason
    if old is None and deleting:
        return "nothing to delete"
    return None


def _coordinator(principal: Principal, doc: Doc, channels: frozenset[str], deleting: bool,
                 incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type == "device" or doc_type not in OWNER_FIELDS and doc_type not in ("event", "organization"):
        return f"coordinators may not write {doc_type} documents"
    in_scope = doc.get("municipality") in principal.municipalities or (
        doc.get("organization_id") in principal.organizations or doc.get("_id") in principal.organizations)
    if not in_scope:
        return "outside your municipalities and organizations"
    if doc_type == "hours" and doc.get("volunteer_id") == principal.user_id and doc.get("status") != "pending":
        return "nobody decides on their own hours"
    return None


def _volunteer(principal: Principal, doc: Doc, channels: frozenset[str], deleting: bool,
               incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type in ("checkin", "registration"):
        if doc.get("event_id") not in channels:
            return "you are not assigned to this event"
        # Only the new version must name its writer: two volunteers checking the same person
        # in at one event make two versions of one document, which the merge rule joins.
        if doc_type == "checkin" and incoming and not deleting and doc.get("by") != principal.user_id:
            return "a check-in records its own volunteer in 'by'"
        return None
    if doc_type == "hours":
        if doc.get("volunteer_id") != principal.user_id:
            return "volunteers log only their own hours"
        if doc.get("status") != "pending" or doc.get("decided_by"):
            return "nobody decides on their own hours"
        return None
    return f"volunteers may not write {doc_type} documents"


def _resident(principal: Principal, doc: Doc, channels: frozenset[str], deleting: bool,
              incoming: bool) -> str | None:
    doc_type = doc.get("type")
    if doc_type == "person":
        return None if doc.get("account_id") == principal.user_id else "residents write only their own record"
    if doc_type == "registration":
        return None if doc.get("person_id") == principal.person_id else "residents register only themselves"
    if doc_type == "contact_request":
        if doc.get("person_id") != principal.person_id:
            return "residents write only their own contact requests"
        if doc.get("status") != "new" or doc.get("assignee"):
            return "only coordinators assign or close contact requests"
        return None
    return f"residents may not write {doc_type} documents"


_RULES = {"coordinator": _coordinator, "volunteer": _volunteer, "resident": _resident}


def document_validator(principal: Principal, reader_channels: Callable[[], frozenset[str]]) -> Validator:
    """The check a store runs on every incoming revision written by ``principal``.

    Schema errors and refusals are both answered as ``forbidden``, as CouchDB's
    ``validate_doc_update`` does: PouchDB's replicator counts those as denied and carries on
    with the rest, where any other error would stop the whole replication.
    """
    channels: list[frozenset[str]] = []

    def validate(new: Doc, old: Doc | None) -> None:
        if not new.get("_deleted"):
            try:
                validate_document(dict(new))
            except DocumentInvalid as invalid:
                raise errors.forbidden(f"invalid document: {invalid.reason}") from None
        if not channels:
            channels.append(reader_channels())
        reason = write_refusal(principal, new, old, channels[0])
        if reason is not None:
            raise errors.forbidden(reason)

    return validate
