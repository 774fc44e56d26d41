"""The demo county built into documents and account plans, in memory, without writing anything.

What the county holds comes from ``county.toml`` (:mod:`.county`); this module adds what
follows from it: ids, dates relative to ``now``, the generated people, who registered for
and came to which event, the hours of each event's volunteers, and who decided what.
Every random choice comes from one generator with a fixed seed, so the same ``now`` and
seed give the same documents, ids included.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .county import County, DemoError, EventRow, HoursRow, load_county

DEMO_SEED = 2019


@dataclass(frozen=True)
class AccountPlan:
    """An account to create after the documents; the password is chosen when it is created."""

    key: str
    email: str
    role: str
    user_id: str
    note: str
    municipalities: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    person_id: str | None = None
    display_name: str | None = None


@dataclass
class DemoData:
    """The whole demo, built in memory before anything is written."""

    docs: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for doc in self.docs:
            found[doc["type"]] = found.get(doc["type"], 0) + 1
        return found


def build(now: datetime, rng_seed: int = DEMO_SEED, county: County | None = None) -> DemoData:
    """The demo county as documents and account plans, without writing anything.

    Same ``now``, seed and county, same documents (ids included).

    :param now: an aware datetime; events lie around it as the county's ``day`` offsets say
    :param county: what to build; the demo county of ``county.toml`` by default
    :raises DemoError: if the county names an account, person or event it does not hold
    """
    builder = _Builder(county or load_county(), now, rng_seed)
    builder.plan_accounts()
    builder.organizations()
    named = builder.named_people()
    builder.generated_people(builder.county.crowd.people)
    residents = {key: person for key, person in named.items() if person.get("account_id")}
    builder.data.accounts = [replace(plan, person_id=residents[plan.key]["_id"]) if plan.role == "resident" else plan
                             for plan in builder.data.accounts]
    builder.devices_of_volunteers()
    builder.events_and_attendance(residents)
    builder.volunteer_hours()
    builder.contact_requests(named)
    return builder.data


def _local_zone() -> tzinfo:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:  # a slim image without tzdata: winter time is close enough for a demo
        return timezone(timedelta(hours=1))


def _iso(moment: datetime) -> str:
    """As JavaScript's toISOString() writes it, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ascii(text: str) -> str:
    text = text.replace("ı", "i").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class _Builder:
    """Builds :class:`DemoData` step by step; every random choice comes from one seeded generator."""

    def __init__(self, county: County, now: datetime, rng_seed: int) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.county = county
        self.now = now.replace(microsecond=0)
        self.rng = random.Random(rng_seed)  # noqa: S311 -- reproducible demo data, not secrets
        self.zone = _local_zone()
        self.today = self.now.astimezone(self.zone).date()
        self.data = DemoData()
        self.users: dict[str, str] = {}
        self.people: list[dict[str, Any]] = []
        self.events: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, list[tuple[datetime, datetime | None, str]]] = {}

    def hex_id(self, bits: int = 128) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def add(self, doc: dict[str, Any]) -> dict[str, Any]:
        self.data.docs.append(doc)
        return doc

    def base(self, doc_id: str, doc_type: str, created: datetime) -> dict[str, Any]:
        return {"_id": doc_id, "type": doc_type, "schema_version": 1, "created_at": _iso(min(created, self.now))}

    def user(self, key: str) -> str:
        """The user id of the county's account ``key``."""
        if key not in self.users:
            raise DemoError(f"the demo county has no account {key!r}")
        return self.users[key]

    def event_row(self, key: str) -> EventRow:
        for row in self.county.events:
            if row.key == key:
                return row
        raise DemoError(f"the demo county has no event {key!r}")

    # -- accounts ---------------------------------------------------------------------------

    def plan_accounts(self) -> None:
        for row in self.county.accounts:
            user_id = f"user:{self.hex_id(64)}"
            self.users[row.key] = user_id
            self.data.accounts.append(AccountPlan(row.key, f"{row.email_local}@{self.county.email_domain}", row.role,
                                                  user_id, row.note, tuple(row.municipalities),
                                                  tuple(row.organizations), display_name=row.name))

    # -- organisations ----------------------------------------------------------------------

    def organizations(self) -> None:
        created = self.days_ago(400)
        for row in self.county.organizations:
            doc = self.base(row.id, "organization", created) | {"name": row.name, "kind": row.kind,
                                                                "municipality": row.municipality}
            if row.programme:
                doc["programme"] = row.programme
            if row.email_local:
                doc["contact_email"] = f"{row.email_local}@{self.county.email_domain}"
            self.add(doc)

    # -- people -------------------------------------------------------------------------------

    def person(self, name: str, languages: Sequence[str], municipality: str, *, created: datetime,
               extra_consents: Sequence[str] = (), phone: bool = False, email: bool = False,
               account: str | None = None, withdrawn: bool = False) -> dict[str, Any]:
        consent: dict[str, Any] = {"purpose": "registration", "given_at": _iso(created)}
        if withdrawn:
            consent["withdrawn_at"] = _iso(self.days_ago(self.rng.randint(5, 40)))
        consents = [consent]
        for purpose in extra_consents:
            consents.append({"purpose": purpose, "given_at": _iso(created + timedelta(days=self.rng.randint(0, 20)))})
        doc = self.base(f"person:{self.hex_id()}", "person", created) | {
            "display_name": name, "languages": list(languages), "municipality": municipality, "consents": consents}
        contact: dict[str, str] = {}
        if phone:
            contact["phone"] = f"+49 561 0{self.rng.randint(10000, 99999)}"
        if email:
            contact["email"] = ".".join(_ascii(part) for part in name.split()) + "@example.org"
        if contact:
            doc["contact"] = contact
        if account:
            doc["account_id"] = self.user(account)
        self.people.append(doc)
        return self.add(doc)

    def named_people(self) -> dict[str, dict[str, Any]]:
        """The people the county names (residents with an account, and people who asked for contact)."""
        named = {}
        for row in self.county.people:
            named[row.key] = self.person(row.name, row.languages, row.municipality,
                                         created=self.days_ago(self.rng.randint(100, 300)), extra_consents=("contact",),
                                         phone=row.account is None, email=row.account is not None, account=row.account)
        return named

    def generated_people(self, count: int) -> None:
        crowd = self.county.crowd
        towns, town_weights = list(self.county.towns), list(self.county.towns.values())
        taken = {p["display_name"] for p in self.people}
        weights = [group.weight for group in crowd.name_groups]
        made = 0
        while made < count:
            group = self.rng.choices(crowd.name_groups, weights)[0]
            is_female = self.rng.random() < 0.55
            first = self.rng.choice(group.female if is_female else group.male)
            last = self.rng.choice(group.surnames) + (group.feminine_ending if is_female else "")
            name = f"{first} {last}"
            if name in taken:
                continue
            taken.add(name)
            municipality = self.rng.choices(towns, town_weights)[0]
            withdrawn = made >= count - crowd.withdrawn_consents
            if made == count - 1:
                municipality = crowd.last_lives_in
            extras = [p for p, share in (("contact", 0.5), ("photos", 0.3), ("newsletter", 0.2))
                      if self.rng.random() < share and not withdrawn]
            self.person(name, self.rng.choice(group.languages), municipality,
                        created=self.days_ago(self.rng.randint(95, 420)), extra_consents=extras,
                        phone=self.rng.random() < 0.4, email=self.rng.random() < 0.25, withdrawn=withdrawn)
            made += 1

    # -- devices ------------------------------------------------------------------------------

    def devices_of_volunteers(self) -> None:
        for row in self.county.devices:
            device_id = f"device:{self.hex_id(64)}"
            start = self.days_ago(row.registered_days_ago)
            end = self.days_ago(row.revoked_days_ago) if row.revoked_days_ago is not None else None
            doc = self.base(device_id, "device", start) | {
                "name": row.name, "user_id": self.user(row.owner), "registered_at": _iso(start),
                "revoked": end is not None, "last_sync_at": _iso(end or self.days_ago(self.rng.uniform(0.05, 2)))}
            if end is not None:
                doc["updated_at"] = _iso(end)
            self.add(doc)
            self.devices.setdefault(row.owner, []).append((start, end, device_id))

    def device_of(self, volunteer: str, moment: datetime) -> str:
        for start, end, device_id in self.devices[volunteer]:
            if start <= moment and (end is None or moment < end):
                return device_id
        return self.devices[volunteer][0][2]

    # -- events, registrations, check-ins ---------------------------------------------------

    def events_and_attendance(self, residents: Mapping[str, dict[str, Any]]) -> None:
        programmes = {row.id: row.programme for row in self.county.organizations}
        pool = [p for p in self.people if p.get("account_id") is None
                and not any(c.get("withdrawn_at") for c in p["consents"])]
        for row in self.county.events:
            start = self.at(self.today + timedelta(days=row.day), *row.hour_minute)
            end = start + timedelta(minutes=row.minutes)
            event_id = f"event:{self.hex_id()}"
            event = self.base(event_id, "event", start - timedelta(days=30)) | {
                "title": dict(row.title), "kind": row.kind, "municipality": row.municipality,
                "place": row.place, "start": _iso(start), "end": _iso(end), "organization_id": row.organization,
                "assigned_volunteers": [self.user(v) for v in row.volunteers]}
            if row.description:
                event["description"] = dict(row.description)
            if row.capacity is not None:
                event["capacity"] = row.capacity
            programme = row.programme or programmes.get(row.organization)
            if programme:
                event["programme"] = programme
            self.add(event)
            self.events[row.key] = event
            low, high = row.registrations
            chosen = self.pick_participants(pool, row.municipality, self.rng.randint(low, high))
            chosen += [residents[key] for key in row.residents]
            for person in chosen:
                self.register_and_check_in(event, person, start, end, row.volunteers)
            if end < self.now and self.rng.random() < 0.45:
                for _ in range(self.rng.randint(1, 3)):
                    self.walk_in(event, start, row.volunteers)

    def pick_participants(self, pool: list[dict[str, Any]], municipality: str, count: int) -> list[dict[str, Any]]:
        """People of the event's town are four times as likely to come (weighted sampling, no repeats)."""
        keyed = sorted(pool, key=lambda p: -self.rng.random() ** (1 / (4 if p["municipality"] == municipality else 1)))
        return keyed[:count]

    def register_and_check_in(self, event: dict[str, Any], person: dict[str, Any], start: datetime,
                              end: datetime, volunteers: Sequence[str]) -> None:
        registered_at = start - timedelta(days=self.rng.randint(1, 14), hours=self.rng.randint(0, 10))
        if registered_at >= self.now:
            registered_at = self.now - timedelta(hours=self.rng.randint(1, 48))
        cancelled = person.get("account_id") is None and self.rng.random() < 0.08
        where = {"municipality": event["municipality"], "organization_id": event["organization_id"]}
        self.add(self.base(f"registration:{event['_id']}:{person['_id']}", "registration", registered_at) | {
            "event_id": event["_id"], "person_id": person["_id"], "display_name": person["display_name"],
            **where, "registered_at": _iso(registered_at), "status": "cancelled" if cancelled else "registered"})
        if cancelled or end >= self.now or self.rng.random() >= 0.8:
            return
        checked_in_at = start + timedelta(minutes=self.rng.randint(-10, 25))
        volunteer = self.rng.choice(volunteers)
        self.add(self.base(f"checkin:{event['_id']}:{person['_id']}", "checkin", checked_in_at) | {
            "event_id": event["_id"], "person_id": person["_id"], "checked_in_at": _iso(checked_in_at),
            "by": self.user(volunteer), "device_id": self.device_of(volunteer, checked_in_at), **where})

    def walk_in(self, event: dict[str, Any], start: datetime, volunteers: Sequence[str]) -> None:
        crowd = self.county.crowd
        checked_in_at = start + timedelta(minutes=self.rng.randint(0, 60))
        volunteer = self.rng.choice(volunteers)
        first, initial = self.rng.choice(crowd.walk_in_names), self.rng.choice(crowd.walk_in_initials)
        home = event["municipality"] if self.rng.random() < 0.7 else self.rng.choice(list(self.county.towns))
        self.add(self.base(f"checkin:{event['_id']}:walkin:{self.hex_id(64)}", "checkin", checked_in_at) | {
            "event_id": event["_id"], "checked_in_at": _iso(checked_in_at),
            "walk_in": {"display_name": f"{first} {initial}.", "municipality": home,
                        "consent": {"purpose": "registration", "given_at": _iso(checked_in_at)}},
            "by": self.user(volunteer), "device_id": self.device_of(volunteer, checked_in_at),
            "municipality": event["municipality"], "organization_id": event["organization_id"]})

    # -- volunteer hours ------------------------------------------------------------------------

    def decider(self, municipality: str, organization_id: str | None) -> str | None:
        """The demo coordinator whose scope covers an entry, as the write rules require.

        A coordinator of the entry's organisation comes before one of its town.
        """
        coordinators = [row for row in self.county.accounts if row.role == "coordinator"]
        for row in coordinators:
            if organization_id in row.organizations:
                return row.key
        for row in coordinators:
            if municipality in row.municipalities:
                return row.key
        return None

    def hours(self, volunteer: str, day: date, minutes: int, activity: str, municipality: str, *,
              event: dict[str, Any] | None = None, organization_id: str | None = None, note: str | None = None,
              status: str | None = None, reason: str | None = None) -> None:
        logged = min(self.at(day, 21) + timedelta(days=self.rng.randint(0, 2)), self.now - timedelta(hours=1))
        user_id = self.user(volunteer)
        doc = self.base(f"hours:{user_id}:{self.hex_id(64)}", "hours", logged) | {
            "volunteer_id": user_id, "date": day.isoformat(), "minutes": minutes, "activity": activity,
            "municipality": municipality}
        if event is not None:
            doc["event_id"] = event["_id"]
        if organization_id:
            doc["organization_id"] = organization_id
        if note:
            doc["note"] = note
        decider = self.decider(municipality, organization_id)
        if status is None:
            status = "approved" if decider and (self.today - day).days > 7 else "pending"
        doc["status"] = status
        if status != "pending":
            if decider is None:
                raise DemoError(f"no demo coordinator may decide hours in {municipality}")
            decided = min(logged + timedelta(days=self.rng.randint(1, 6), hours=self.rng.randint(0, 8)),
                          self.now - timedelta(minutes=30))
            doc |= {"decided_by": self.user(decider), "decided_at": _iso(decided), "updated_at": _iso(decided)}
            if reason:
                doc["reason"] = reason
        self.add(doc)

    def volunteer_hours(self) -> None:
        """Each volunteer of a past event logs its support; then the county's other entries."""
        for row in self.county.events:
            event = self.events[row.key]
            if datetime.fromisoformat(event["end"]) >= self.now:
                continue
            day = self.today + timedelta(days=row.day)
            for volunteer in row.volunteers:
                minutes = row.minutes + self.rng.choice((30, 45, 60))
                self.hours(volunteer, day, minutes, "event_support", row.municipality, event=event,
                           organization_id=row.organization,
                           note=self.rng.choice(self.county.hours.event_support_notes))
        for entry in self.county.hours.entries:
            self.hours_entry(entry)

    def hours_entry(self, entry: HoursRow) -> None:
        """One of ``[[hours.entries]]``; one that names an event takes its day, length, town and organisation."""
        event = self.event_row(entry.event) if entry.event else None
        if event is not None:
            entry = replace(entry, day=entry.day if entry.day is not None else event.day,
                            minutes=entry.minutes or event.minutes,
                            municipality=entry.municipality or event.municipality,
                            organization=entry.organization or event.organization)
        if entry.day is None or entry.minutes is None or entry.municipality is None:
            raise DemoError(f"hours of {entry.volunteer}: give an event, or a day, minutes and a municipality")
        self.hours(entry.volunteer, self.today + timedelta(days=entry.day), entry.minutes, entry.activity,
                   entry.municipality, event=self.events[event.key] if event else None,
                   organization_id=entry.organization, note=entry.note, status=entry.status, reason=entry.reason)

    # -- contact requests -----------------------------------------------------------------------

    def contact_requests(self, named: Mapping[str, dict[str, Any]]) -> None:
        for row in self.county.contact_requests:
            created = self.days_ago(row.days_ago)
            doc = self.base(f"contact:{self.hex_id()}", "contact_request", created) | {
                "topic": row.topic, "language": row.language, "municipality": row.municipality,
                "message": row.message, "status": row.steps[-1].status}
            if row.person:
                doc["person_id"] = named[row.person]["_id"]
                author = named[row.person].get("account_id") or self.user(row.steps[0].by)
            else:
                doc["callback"] = dict(row.callback or {})
                author = self.user(row.steps[0].by)
            if row.organization:
                doc["organization_id"] = row.organization
            history = [{"at": _iso(created), "by": author, "status": "new", "note": row.steps[0].note}]
            moment = created
            for step in row.steps[1:]:
                moment = min(moment + timedelta(days=self.rng.uniform(0.2, 3)), self.now - timedelta(minutes=10))
                history.append({"at": _iso(moment), "by": self.user(step.by), "status": step.status,
                                "note": step.note})
                if step.status == "assigned":
                    doc["assignee"] = self.user(step.by)
            if len(history) > 1:
                doc["updated_at"] = history[-1]["at"]
            doc["history"] = history
            self.add(doc)
