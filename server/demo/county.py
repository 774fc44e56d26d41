"""The demo county's content, read from ``county.toml`` into typed plans.

The file holds what a person would write down about the county (towns, accounts,
organisations, named people, the name pools of the generated ones, devices, events, hours
and contact requests); :mod:`.builder` turns it into documents. A key the plans do not know,
or a missing one, is a :class:`DemoError` naming the table.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

COUNTY_FILE = Path(__file__).with_name("county.toml")

T = TypeVar("T")


class DemoError(RuntimeError):
    """The demo data is inconsistent, or did not pass the real write path: a bug in the demo, not in the store."""


@dataclass(frozen=True)
class AccountRow:
    key: str
    email_local: str
    role: str
    note: str
    name: str | None = None  # the account's display name, as coordinators see it
    municipalities: Sequence[str] = ()
    organizations: Sequence[str] = ()


@dataclass(frozen=True)
class OrganizationRow:
    id: str
    name: str
    kind: str
    municipality: str
    programme: str | None = None
    email_local: str | None = None


@dataclass(frozen=True)
class PersonRow:
    key: str
    name: str
    languages: Sequence[str]
    municipality: str
    account: str | None = None


@dataclass(frozen=True)
class NameGroup:
    group: str
    weight: int
    languages: Sequence[Sequence[str]]
    female: Sequence[str]
    male: Sequence[str]
    surnames: Sequence[str]
    feminine_ending: str = ""


@dataclass(frozen=True)
class Crowd:
    people: int
    withdrawn_consents: int
    walk_in_names: Sequence[str]
    walk_in_initials: str
    last_lives_in: str
    name_groups: Sequence[NameGroup]


@dataclass(frozen=True)
class DeviceRow:
    owner: str
    name: str
    registered_days_ago: int
    revoked_days_ago: int | None = None


@dataclass(frozen=True)
class EventRow:
    key: str
    day: int
    start: str
    minutes: int
    kind: str
    municipality: str
    place: str
    organization: str
    title: Mapping[str, str]
    volunteers: Sequence[str]
    registrations: Sequence[int]
    capacity: int | None = None
    programme: str | None = None
    description: Mapping[str, str] | None = None
    residents: Sequence[str] = ()

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.start.split(":")
        return int(hour), int(minute)


@dataclass(frozen=True)
class HoursRow:
    volunteer: str
    activity: str
    note: str
    event: str | None = None
    day: int | None = None
    minutes: int | None = None
    municipality: str | None = None
    organization: str | None = None
    status: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Hours:
    event_support_notes: Sequence[str]
    entries: Sequence[HoursRow]


@dataclass(frozen=True)
class Step:
    status: str
    by: str
    note: str


@dataclass(frozen=True)
class ContactRow:
    days_ago: float
    topic: str
    language: str
    municipality: str
    message: str
    steps: Sequence[Step]
    person: str | None = None
    callback: Mapping[str, str] | None = None
    organization: str | None = None


@dataclass(frozen=True)
class County:
    email_domain: str
    towns: Mapping[str, int]
    accounts: Sequence[AccountRow]
    organizations: Sequence[OrganizationRow]
    people: Sequence[PersonRow]
    crowd: Crowd
    devices: Sequence[DeviceRow]
    events: Sequence[EventRow]
    hours: Hours
    contact_requests: Sequence[ContactRow]


def _row(cls: type[T], values: Mapping[str, Any], where: str) -> T:
    try:
        return cls(**values)
    except TypeError as error:  # an unknown or a missing key
        raise DemoError(f"{COUNTY_FILE.name} [{where}]: {error}") from None


def _rows(cls: type[T], values: Sequence[Mapping[str, Any]], where: str) -> tuple[T, ...]:
    return tuple(_row(cls, value, where) for value in values)


def _text(texts: Mapping[str, Mapping[str, str]], value: str | Mapping[str, str], where: str) -> Mapping[str, str]:
    """A text by language: given in place, or the name of one under ``[texts]``."""
    if not isinstance(value, str):
        return value
    if value not in texts:
        raise DemoError(f"{COUNTY_FILE.name} [{where}]: no text {value!r} under [texts]")
    return texts[value]


@cache
def load_county(path: Path = COUNTY_FILE) -> County:
    """The county as the file describes it (read once per path).

    :raises DemoError: if a table has a key the plans do not know, misses one, or names a text that does not exist
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    texts = data.pop("texts", {})
    crowd = data.pop("crowd", {})
    hours = data.pop("hours", {})
    events = []
    for event in data.pop("events", ()):
        where = f"events {event.get('key')}"
        event["title"] = _text(texts, event["title"], where)
        if "description" in event:
            event["description"] = _text(texts, event["description"], where)
        events.append(_row(EventRow, event, where))
    contacts = [_row(ContactRow, contact | {"steps": _rows(Step, contact.get("steps", ()), "contact_requests.steps")},
                     "contact_requests") for contact in data.pop("contact_requests", ())]
    return _row(County, data | {
        "accounts": _rows(AccountRow, data.get("accounts", ()), "accounts"),
        "organizations": _rows(OrganizationRow, data.get("organizations", ()), "organizations"),
        "people": _rows(PersonRow, data.get("people", ()), "people"),
        "crowd": _row(Crowd, crowd | {"name_groups": _rows(NameGroup, crowd.get("name_groups", ()),
                                                            "crowd.name_groups")}, "crowd"),
        "devices": _rows(DeviceRow, data.get("devices", ()), "devices"),
        "events": tuple(events),
        "hours": _row(Hours, hours | {"entries": _rows(HoursRow, hours.get("entries", ()), "hours.entries")}, "hours"),
        "contact_requests": tuple(contacts),
    }, "county")
