"""Who sees which document, as data the engine can apply without knowing the rules.

The rules themselves (which channels a document belongs to, whom it grants what) are pure
functions of document content that live in ``schemas/channels.py`` and reach the stores as
an :class:`AccessRules` argument, like a Sync Gateway sync function. A reader is a
:class:`Scope`: the channels their account gives them, plus whatever documents grant them
(a volunteer assigned to an event gets that event's channel), or everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Doc = Mapping[str, Any]


class AccessRules(Protocol):
    """The two pure functions a store indexes on every write, and the table they read."""

    def channels_of(self, doc: Doc) -> frozenset[str]:
        """The channels a live document belongs to."""

    def grants_of(self, doc: Doc) -> Mapping[str, frozenset[str]]:
        """Channels this document grants, by user id (e.g. an event to its volunteers)."""

    def table(self) -> Mapping[str, Any]:
        """The rules as JSON data, for a store that applies them elsewhere (CouchDB's views
        interpret it with ``couchdb/rules.js``)."""


class NoRules:
    """Rules for stores used without access control: no channels, no grants."""

    def channels_of(self, doc: Doc) -> frozenset[str]:
        return frozenset()

    def grants_of(self, doc: Doc) -> Mapping[str, frozenset[str]]:
        return {}

    def table(self) -> Mapping[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class Scope:
    """What one reader may see: static channels from their account, grants by ``user_id``."""

    user_id: str | None = None
    channels: frozenset[str] = frozenset()
    everything: bool = False


EVERYTHING = Scope(everything=True)

# Asked about every incoming revision before it is stored, with the revision as the client
# sent it (``_id``, body, ``_deleted``; see ``sync.documents.as_document``) and the revision
# it replaces: the leaf it extends (a losing branch or a tombstone too), else the current
# winner, live or deleted (``_deleted`` set); None for an id never written. Raises CouchError
# (forbidden, doc_validation) to reject that one document. For a deletion it returns the body
# the tombstone keeps (None keeps what the client sent), so a deleted document still says
# whose it was and nothing more.
Validator = Callable[[Doc, Doc | None], dict[str, Any] | None]
