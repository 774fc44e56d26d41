"""The document types and the check every write goes through, whichever way it arrives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from marshmallow import RAISE, ValidationError
from marshmallow.exceptions import SCHEMA

from schemas import checkin, contact_request, device, event, hours, organization, person, registration
from schemas.doctype import DocType, MergeRule
from schemas.document import DocumentSchema

# The table of document types (see schemas/doctype.py), in the order readers meet them.
TYPES: dict[str, DocType] = {
    entry.name: entry
    for entry in (organization.DOC_TYPE, event.DOC_TYPE, person.DOC_TYPE, registration.DOC_TYPE,
                  checkin.DOC_TYPE, hours.DOC_TYPE, contact_request.DOC_TYPE, device.DOC_TYPE)
}
DOC_TYPES: dict[str, type[DocumentSchema]] = {name: entry.schema for name, entry in TYPES.items()}
# Conflicts these types resolve by rule; the others wait for a coordinator.
MERGE_RULES: dict[str, MergeRule] = {name: entry.merge for name, entry in TYPES.items() if entry.merge}

# One instance per type: a replication batch loads thousands of documents, and schemas keep no state.
_SCHEMAS: dict[str, DocumentSchema] = {name: schema() for name, schema in DOC_TYPES.items()}

# A reason names at most this many problems: it is one line, read by people and written to logs.
MAX_PROBLEMS = 5
PLAIN_KEY = re.compile(r"[A-Za-z0-9_:-]{1,64}")


class DocumentInvalid(Exception):
    """A document does not fit its type's schema; ``reason`` says which fields and why, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_document(doc: Any) -> None:
    """Check a document as the client sent it, before it is stored; the document is not changed.

    Keys starting with "_" belong to CouchDB (_rev, _revisions, _attachments, _deleted,
    _conflicts) and are the sync layer's concern, except _id, which must follow the type's id
    pattern. Every other key must be a field of the type's schema.

    :param doc: the whole document, e.g. one item of a _bulk_docs request; any JSON value
    :raises DocumentInvalid: for any problem; never another exception, whatever the input
    """
    if not isinstance(doc, dict):
        raise DocumentInvalid("document: Must be a JSON object.")
    if "type" not in doc:
        raise DocumentInvalid("type: Missing data for required field.")
    doc_type = doc["type"]
    if not isinstance(doc_type, str) or doc_type not in DOC_TYPES:
        raise DocumentInvalid(f"type: Must be one of: {', '.join(DOC_TYPES)}.")
    body = {
        key: value for key, value in doc.items()
        if key == "_id" or not (isinstance(key, str) and key.startswith("_"))
    }
    try:
        _SCHEMAS[doc_type].load(body, unknown=RAISE)
    except ValidationError as error:
        raise DocumentInvalid(_reason(doc_type, error.messages)) from error


def _reason(doc_type: str, messages: Any) -> str:
    """One line such as "hours.minutes: Must be ...; hours.status: ..." from marshmallow's nested messages."""
    problems = sorted(set(_problems(messages, (doc_type,))))
    parts = [f"{path}: {message}" for path, message in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        parts.append(f"and {len(problems) - MAX_PROBLEMS} more")
    return "; ".join(parts)


def _problems(messages: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Flatten messages into (dotted path, message); schema-level messages belong to the enclosing path."""
    if isinstance(messages, dict):
        for key, nested in messages.items():
            yield from _problems(nested, path if key == SCHEMA else (*path, _path_part(key)))
    elif isinstance(messages, list):
        for message in messages:
            yield from _problems(message, path)
    else:
        yield ".".join(path), str(messages)


def _path_part(key: object) -> str:
    """Unknown field names and dict keys come from the client: quote odd ones and cut long ones."""
    text = str(key)
    return text if PLAIN_KEY.fullmatch(text) else repr(text[:40])
