"""What the rest of the system knows about a document type, declared once per type.

Each schema module ends with a :class:`DocType` naming its schema and the roles of its
fields: which fields put the document into channels, which grant channels to users, which
tie it to its owner, which name a person, which say when something happened, and how its
conflicts merge. Channels, write rules, tombstones, erasure, retention, id ranges and the
CouchDB design document all read this table (``schemas/registry.py`` collects it); adding a
type means one schema module and one entry there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.document import DocumentSchema

Doc = Mapping[str, Any]
MergeRule = Callable[[list[dict[str, Any]]], dict[str, Any]]


class Municipal(StrEnum):
    """Whether a document belongs to its municipality's channel (read by the town's coordinators)."""

    ALWAYS = "always"
    WITH_CONSENT = "with_consent"  # only while a consent is given and not withdrawn
    NEVER = "never"


@dataclass(frozen=True)
class DocType:
    """One document type and the roles of its fields.

    :param schema: the marshmallow schema; its TYPE and ID_PREFIX name the type and its ids
    :param public: everyone reads it (the ``public`` channel)
    :param own_channel: its id is a channel that other documents and grants refer to
    :param channel_fields: fields whose values (ids) are channels the document belongs to
    :param municipal: whether it belongs to ``municipality:<its municipality>``
    :param grant_field: a field naming the user (or list of users) granted the id's channel
    :param owner_fields: fields tying it to its owner or event; only admins change them
    :param rule_fields: further fields the write rules read (kept in a tombstone)
    :param person_field: the field naming the person it concerns ("_id" for a person itself)
    :param personal_fields: fields with names, contact data or messages (never in a tombstone)
    :param activity_fields: timestamps of activity; "list.field" reads each entry of a list
    :param merge: how its conflicts resolve without a coordinator, if they do
    :param nested_under: the type whose id its own id extends (``registration:<event id>:…``):
        it belongs to that document, so that one is never purged without it
    """

    schema: type[DocumentSchema]
    public: bool = False
    own_channel: bool = False
    channel_fields: tuple[str, ...] = ()
    municipal: Municipal = Municipal.ALWAYS
    grant_field: str | None = None
    owner_fields: tuple[str, ...] = ()
    rule_fields: tuple[str, ...] = ()
    person_field: str | None = None
    personal_fields: tuple[str, ...] = ()
    activity_fields: tuple[str, ...] = ("created_at", "updated_at")
    merge: MergeRule | None = None
    nested_under: str | None = None

    @property
    def name(self) -> str:
        return self.schema.TYPE

    @property
    def id_prefix(self) -> str:
        return self.schema.ID_PREFIX

    @property
    def id_range(self) -> tuple[str, str]:
        """``startkey`` and ``endkey`` that select exactly this type's ids in ``_all_docs``."""
        return self.id_prefix, self.id_prefix + "\uffff"

    def nested_range(self, parent_id: str) -> tuple[str, str]:
        """``startkey`` and ``endkey`` of this type's documents under the document ``parent_id``."""
        prefix = f"{self.id_prefix}{parent_id}:"
        return prefix, prefix + "\uffff"

    @property
    def access_fields(self) -> tuple[str, ...]:
        """Every field that decides who reads or writes the document."""
        municipality = ("municipality",) if self.municipal is not Municipal.NEVER else ()
        return tuple(dict.fromkeys((*self.channel_fields, *municipality, *self.owner_fields, *self.rule_fields)))

    def tombstone(self, doc: Doc) -> dict[str, Any]:
        """What a deleted document keeps: its type and access fields, so the write rules can
        still tell whose it was, and nothing personal (no names, messages or contact data)."""
        kept = {name: doc[name] for name in self.access_fields if name in doc and name not in self.personal_fields}
        return {"type": self.name, **kept}

    def person_of(self, doc: Doc) -> str | None:
        """The id of the person the document concerns, if any."""
        value = doc.get(self.person_field) if self.person_field else None
        return value if isinstance(value, str) else None

    def activity(self, doc: Doc) -> Iterator[str]:
        """Every activity timestamp the document carries."""
        for path in self.activity_fields:
            name, _, nested = path.partition(".")
            values = doc.get(name)
            if nested:
                values = [entry.get(nested) for entry in values if isinstance(entry, dict)] if isinstance(
                    values, list) else []
            else:
                values = [values]
            yield from (value for value in values if isinstance(value, str))

    def as_json(self) -> dict[str, Any]:
        """The access part of the entry, as the CouchDB design document embeds it."""
        return {"public": self.public, "own_channel": self.own_channel, "channel_fields": list(self.channel_fields),
                "municipal": self.municipal.value, "grant_field": self.grant_field}
