"""Field types the document schemas share.

Documents are stored as the client sent them, not as marshmallow loads them, so these fields accept
only values that every reader (Python, the JavaScript app, CouchDB views) reads the same way: no
"5" for 5, no 1 for true, no ISO 8601 variants that JavaScript's Date cannot parse.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate

from schemas.languages import LANGUAGES
from schemas.municipalities import MUNICIPALITIES

# Extended calendar format with an offset, as JavaScript's toISOString() writes it. Python's
# fromisoformat also accepts week dates ("2026-W47-6") and the basic format ("20261121T1000Z").
# [0-9], not \d: Python's \d takes every script's digits, JSON Schema's (ECMA-262) only these.
ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
                          r"(?:Z|[+-][0-9]{2}:[0-9]{2})")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDateTime(fields.AwareDateTime):
    """A point in time with its offset, e.g. "2026-11-21T10:00:00Z" or "2026-11-21T11:00:00+01:00"."""

    default_error_messages = {"invalid": "Not a date and time with offset, like 2026-11-21T10:00:00Z."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.datetime:
        if not isinstance(value, str) or not ISO_DATETIME.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class IsoDate(fields.Date):
    """A calendar day, e.g. "2026-11-21": volunteer hours are logged per day, not per instant."""

    default_error_messages = {"invalid": "Not a date like 2026-11-21."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """true or false only: fields.Boolean also takes 1, "yes" and "on", which JavaScript reads differently."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Reference(fields.String):
    """The _id of another document, e.g. "user:anna"; the prefix says which type it must be."""

    default_error_messages = {"prefix": "Must be an id starting with '{prefix}'."}

    def __init__(self, prefix: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if not text.startswith(self.prefix) or text == self.prefix:
            raise self.make_error("prefix", prefix=self.prefix)
        return text


class Municipality(fields.String):
    """One of MUNICIPALITIES, spelt exactly as there."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=validate.OneOf(MUNICIPALITIES, error="Must be a municipality of the Landkreis Kassel, or Kassel."),
            **kwargs,
        )


class Language(fields.String):
    """One of LANGUAGES."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(LANGUAGES), **kwargs)


class TranslatedText(fields.Dict):
    """A text in several languages, keyed by language code: {"de": "Sprachcafé", "ar": "مقهى اللغة"}."""

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        super().__init__(keys=Language(), values=fields.String(validate=validate.Length(1, max_length)), **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, str]:
        """Report problems per language ("title.xx: ...") rather than per key and value of the mapping."""
        try:
            # marshmallow leaves Mapping._deserialize unannotated.
            texts: dict[str, str] = super()._deserialize(value, attr, data, **kwargs)  # type: ignore[no-untyped-call]
        except ValidationError as error:
            if not isinstance(error.messages, dict):
                raise
            raise ValidationError(
                {language: [*problems.get("key", []), *problems.get("value", [])]
                 for language, problems in error.messages.items()}
            ) from error
        return texts


def require_german(text: Mapping[str, str]) -> None:
    """German comes first: every reader understands it, and the other languages are translations of it.

    :param text: a TranslatedText value
    :raises ValidationError: when there is no "de" text
    """
    if "de" not in text:
        raise ValidationError('Must have a German ("de") text.')
