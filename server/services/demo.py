"""Demo data: a small, realistic Landkreis Kassel to click through, written on the first start.

Towns, organisations, events of the programmes (VIPs, WIR, INSIST, Vielfaltsorientierung,
Integrationsbüro Kassel), people, registrations, check-ins, volunteer hours, contact requests
and devices, plus one account per role. Names of clubs, places and people are invented.

Everything is written as an admin through :func:`documents.save_many`, so each document
passes the real schemas and write rules, and nothing is seeded into a store that already
holds data. The documents are deterministic (a fixed random seed, dates relative to
``now``); the passwords are not: they are new at every seeding and shown once, so a server
started without ``DEMO=0`` does not open with a password anyone can read in this file.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schemas import DocumentInvalid, validate_document
from sync.storage import Store

from ..access.policy import Principal
from . import accounts, documents

DEMO_SEED = 2019
EMAIL_DOMAIN = "demo.miteinander.de"

TOWNS: tuple[str, ...] = ("Baunatal", "Vellmar", "Hofgeismar", "Wolfhagen", "Kaufungen", "Lohfelden",
                          "Fuldabrück", "Söhrewald", "Kassel")
# How many of the generated people live where (Baunatal and Kassel are the largest).
_TOWN_WEIGHTS: tuple[int, ...] = (10, 7, 6, 5, 6, 5, 3, 3, 9)

PEOPLE = 60
WITHDRAWN_CONSENTS = 2  # people whose only consent is withdrawn: visible to nobody but admins

_VIPS = "org:vips-landkreis-kassel"
_WIR = "org:wir-landkreis-kassel"
_INSIST = "org:insist-nordhessen"
_VIELFALT = "org:vielfalt-baunatal"
_IB_KASSEL = "org:integrationsbuero-kassel"
_TSV = "org:tsv-altenbauna"
_DAFK = "org:dafk-vellmar"
_MOSCHEE = "org:tig-lohfelden"
_SCHOOL = "org:gs-lindenberg-hofgeismar"


class DemoError(RuntimeError):
    """The demo data did not pass the real write path: a bug in this module, not in the store."""


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as the ``flask demo seed`` table shows it."""

    email: str
    role: str
    password: str
    user_id: str
    note: str


@dataclass(frozen=True)
class DemoSummary:
    """What was seeded: documents by type (and ``account``), and the logins with their passwords."""

    counts: Mapping[str, int]
    logins: tuple[DemoLogin, ...]


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


# -- the service ------------------------------------------------------------------------------


def store_is_empty(store: Store, db_name: str) -> bool:
    """Whether the synced database holds no documents and no account exists."""
    database = store.database(db_name)
    try:
        doc_count = int(database.info()["doc_count"])
    finally:
        database.close()
    return doc_count == 0 and not accounts.list_accounts(store)


def seed(store: Store, db_name: str, now: datetime, rng_seed: int = DEMO_SEED, *,
         enabled: bool = True) -> DemoSummary | None:
    """Write the demo county into an empty store; None (and nothing written) otherwise.

    :param now: an aware datetime; events lie from three months before it to four weeks after
    :param enabled: False (``DEMO=0``) seeds nothing
    :raises DemoError: if any document is refused by the schemas or the write rules
    """
    if not enabled or not store_is_empty(store, db_name):
        return None
    demo = build(now, rng_seed)
    for doc in demo.docs:
        try:
            validate_document(doc)
        except DocumentInvalid as invalid:
            raise DemoError(f"demo document {doc['_id']} is invalid: {invalid.reason}") from None
    admin = next(plan for plan in demo.accounts if plan.role == "admin")
    results = documents.save_many(store, db_name, Principal(user_id=admin.user_id, role="admin"), demo.docs)
    failed = [result for result in results if "error" in result]
    if failed or len(results) != len(demo.docs):
        first = failed[0] if failed else {}
        raise DemoError(f"{len(failed)} demo documents were refused, e.g. {first.get('id')}: "
                        f"{first.get('error')} ({first.get('reason')})")
    logins = []
    for plan in demo.accounts:
        password = secrets.token_urlsafe(12)
        accounts.create_account(store, plan.email, plan.role, password, now, municipalities=plan.municipalities,
                                organizations=plan.organizations, person_id=plan.person_id, user_id=plan.user_id)
        logins.append(DemoLogin(plan.email, plan.role, password, plan.user_id, plan.note))
    return DemoSummary(counts={**demo.counts(), "account": len(demo.accounts)}, logins=tuple(logins))


# -- building the county ------------------------------------------------------------------------


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

    def __init__(self, now: datetime, rng_seed: int) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
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

    # -- accounts ---------------------------------------------------------------------------

    def plan_accounts(self) -> None:
        for key, local, role, note, scope in _ACCOUNTS:
            user_id = f"user:{self.hex_id(64)}"
            self.users[key] = user_id
            municipalities = tuple(s for s in scope if not s.startswith("org:"))
            organizations = tuple(s for s in scope if s.startswith("org:"))
            self.data.accounts.append(AccountPlan(key, f"{local}@{EMAIL_DOMAIN}", role, user_id, note,
                                                  municipalities, organizations))

    # -- organisations ----------------------------------------------------------------------

    def organizations(self) -> None:
        created = self.days_ago(400)
        for org_id, name, kind, municipality, programme, email in _ORGANIZATIONS:
            doc = self.base(org_id, "organization", created) | {"name": name, "kind": kind,
                                                                "municipality": municipality}
            if programme:
                doc["programme"] = programme
            if email:
                doc["contact_email"] = f"{email}@{EMAIL_DOMAIN}"
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
            doc["account_id"] = self.users[account]
        self.people.append(doc)
        return self.add(doc)

    def fixed_people(self) -> dict[str, dict[str, Any]]:
        fixed = {}
        for key, name, languages, municipality, account in _FIXED_PEOPLE:
            fixed[key] = self.person(name, languages, municipality, created=self.days_ago(self.rng.randint(100, 300)),
                                     extra_consents=("contact",), phone=account is None, email=account is not None,
                                     account=account)
        return fixed

    def generated_people(self, count: int) -> None:
        taken = {p["display_name"] for p in self.people}
        weights = [group[1] for group in _NAME_GROUPS]
        made = 0
        while made < count:
            _, _, languages, female, male, surnames, feminine = self.rng.choices(_NAME_GROUPS, weights)[0]
            is_female = self.rng.random() < 0.55
            first = self.rng.choice(female if is_female else male)
            last = self.rng.choice(surnames) + (feminine if is_female else "")
            name = f"{first} {last}"
            if name in taken:
                continue
            taken.add(name)
            municipality = self.rng.choices(TOWNS, _TOWN_WEIGHTS)[0]
            withdrawn = made >= count - WITHDRAWN_CONSENTS
            if made == count - 1:
                municipality = "Baunatal"  # so a Baunatal coordinator has someone they must not see
            extras = [p for p, share in (("contact", 0.5), ("photos", 0.3), ("newsletter", 0.2))
                      if self.rng.random() < share and not withdrawn]
            self.person(name, self.rng.choice(languages), municipality,
                        created=self.days_ago(self.rng.randint(95, 420)), extra_consents=extras,
                        phone=self.rng.random() < 0.4, email=self.rng.random() < 0.25, withdrawn=withdrawn)
            made += 1

    # -- devices ------------------------------------------------------------------------------

    def devices_of_volunteers(self) -> None:
        for owner, name, registered, revoked_days_ago in _DEVICES:
            device_id = f"device:{self.hex_id(64)}"
            start = self.days_ago(registered)
            end = self.days_ago(revoked_days_ago) if revoked_days_ago is not None else None
            doc = self.base(device_id, "device", start) | {
                "name": name, "user_id": self.users[owner], "registered_at": _iso(start),
                "revoked": end is not None, "last_sync_at": _iso(end or self.days_ago(self.rng.uniform(0.05, 2)))}
            if end is not None:
                doc["updated_at"] = _iso(end)
            self.add(doc)
            self.devices.setdefault(owner, []).append((start, end, device_id))

    def device_of(self, volunteer: str, moment: datetime) -> str:
        for start, end, device_id in self.devices[volunteer]:
            if start <= moment and (end is None or moment < end):
                return device_id
        return self.devices[volunteer][0][2]

    # -- events, registrations, check-ins ---------------------------------------------------

    def events_and_attendance(self, residents: Mapping[str, dict[str, Any]]) -> None:
        programmes = {org[0]: org[4] for org in _ORGANIZATIONS}
        pool = [p for p in self.people if p.get("account_id") is None
                and not any(c.get("withdrawn_at") for c in p["consents"])]
        for plan in _EVENTS:
            day = self.today + timedelta(days=plan.offset)
            start = self.at(day, plan.hour, plan.minute)
            end = start + timedelta(minutes=plan.minutes)
            event_id = f"event:{self.hex_id()}"
            event = self.base(event_id, "event", start - timedelta(days=30)) | {
                "title": dict(plan.title), "kind": plan.kind, "municipality": plan.municipality,
                "place": plan.place, "start": _iso(start), "end": _iso(end), "organization_id": plan.org,
                "assigned_volunteers": [self.users[v] for v in plan.volunteers]}
            if plan.description:
                event["description"] = dict(plan.description)
            if plan.capacity is not None:
                event["capacity"] = plan.capacity
            programme = plan.programme or programmes[plan.org]
            if programme:
                event["programme"] = programme
            self.add(event)
            self.events[plan.key] = event
            chosen = self.pick_participants(pool, plan.municipality, self.rng.randint(*plan.registrations))
            chosen += [residents[key] for key in plan.residents]
            for person in chosen:
                self.register_and_check_in(event, person, start, end, plan.volunteers)
            if end < self.now and self.rng.random() < 0.45:
                for _ in range(self.rng.randint(1, 3)):
                    self.walk_in(event, start, plan.volunteers)

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
            "by": self.users[volunteer], "device_id": self.device_of(volunteer, checked_in_at), **where})

    def walk_in(self, event: dict[str, Any], start: datetime, volunteers: Sequence[str]) -> None:
        checked_in_at = start + timedelta(minutes=self.rng.randint(0, 60))
        volunteer = self.rng.choice(volunteers)
        first, initial = self.rng.choice(_WALK_IN_NAMES), self.rng.choice("ABDEGHKMNORSTYZ")
        home = event["municipality"] if self.rng.random() < 0.7 else self.rng.choice(TOWNS)
        self.add(self.base(f"checkin:{event['_id']}:walkin:{self.hex_id(64)}", "checkin", checked_in_at) | {
            "event_id": event["_id"], "checked_in_at": _iso(checked_in_at),
            "walk_in": {"display_name": f"{first} {initial}.", "municipality": home,
                        "consent": {"purpose": "registration", "given_at": _iso(checked_in_at)}},
            "by": self.users[volunteer], "device_id": self.device_of(volunteer, checked_in_at),
            "municipality": event["municipality"], "organization_id": event["organization_id"]})

    # -- volunteer hours ------------------------------------------------------------------------

    def decider(self, municipality: str, organization_id: str | None) -> str | None:
        """The demo coordinator whose scope covers an entry, as the write rules require."""
        if organization_id == _WIR:
            return "coord_wir"
        if municipality in ("Baunatal", "Kaufungen"):
            return "coord_baunatal"
        return None

    def hours(self, volunteer: str, day: date, minutes: int, activity: str, municipality: str, *,
              event: dict[str, Any] | None = None, organization_id: str | None = None, note: str | None = None,
              status: str | None = None, reason: str | None = None) -> None:
        logged = min(self.at(day, 21) + timedelta(days=self.rng.randint(0, 2)), self.now - timedelta(hours=1))
        user_id = self.users[volunteer]
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
            doc |= {"decided_by": self.users[decider], "decided_at": _iso(decided), "updated_at": _iso(decided)}
            if reason:
                doc["reason"] = reason
        self.add(doc)

    def volunteer_hours(self) -> None:
        for plan in _EVENTS:
            event = self.events[plan.key]
            if datetime.fromisoformat(event["end"]) >= self.now:
                continue
            day = self.today + timedelta(days=plan.offset)
            for volunteer in plan.volunteers:
                minutes = plan.minutes + self.rng.choice((30, 45, 60))
                self.hours(volunteer, day, minutes, "event_support", plan.municipality, event=event,
                           organization_id=plan.org, note=self.rng.choice(_SUPPORT_NOTES))
        cafe = self.events["sprachcafe-2"]
        self.hours("mueller", self.today - timedelta(days=28), 150, "event_support", "Baunatal", event=cafe,
                   organization_id=_VIPS, note="Sprachcafé", status="rejected",
                   reason="Doppelt eingetragen: der Einsatz beim Sprachcafé an diesem Tag ist schon erfasst.")
        for key in ("lotsen-1", "lotsen-2"):
            plan = _PLANS[key]
            self.hours("mueller", self.today + timedelta(days=plan.offset), plan.minutes, "training",
                       plan.municipality, event=self.events[key], organization_id=_WIR,
                       note="Teilnahme an der Integrationslotsen-Schulung")
        self.hours("mueller", self.today - timedelta(days=12), 120, "accompaniment", "Baunatal",
                   note="Begleitung zur Wohnungsbesichtigung in Baunatal-Großenritte")
        self.hours("noori", self.today - timedelta(days=15), 150, "interpreting", "Vellmar", organization_id=_WIR,
                   note="Dolmetschen (Dari) beim Kinderarzt in Vellmar")
        self.hours("noori", self.today - timedelta(days=9), 600, "interpreting", "Kassel", organization_id=_WIR,
                   note="Dolmetschen (Dari) bei der Ausländerbehörde, mit Fahrt", status="rejected",
                   reason="Fahrtzeiten zählen nicht als Einsatzzeit; bitte die Zeit beim Termin neu eintragen.")
        self.hours("noori", self.today - timedelta(days=2), 90, "interpreting", "Hofgeismar", organization_id=_WIR,
                   note="Elterngespräch an der Gesamtschule am Lindenberg (Dari)")
        self.hours("boiko", self.today - timedelta(days=6), 180, "accompaniment", "Wolfhagen",
                   note="Begleitung zum Jobcenter Wolfhagen (Ukrainisch/Russisch)")
        self.hours("aydin", self.today - timedelta(days=4), 240, "other", "Kassel", organization_id=_IB_KASSEL,
                   note="Einladungen zum Runden Tisch ins Türkische übersetzt")

    # -- contact requests -----------------------------------------------------------------------

    def contact_requests(self, fixed: Mapping[str, dict[str, Any]]) -> None:
        for plan in _CONTACTS:
            created = self.days_ago(plan.days_ago)
            doc = self.base(f"contact:{self.hex_id()}", "contact_request", created) | {
                "topic": plan.topic, "language": plan.language, "municipality": plan.municipality,
                "message": plan.message, "status": plan.steps[-1][0]}
            if plan.person:
                doc["person_id"] = fixed[plan.person]["_id"]
                author = fixed[plan.person].get("account_id") or self.users[plan.steps[0][1]]
            else:
                doc["callback"] = dict(plan.callback or {})
                author = self.users[plan.steps[0][1]]
            if plan.org:
                doc["organization_id"] = plan.org
            history = [{"at": _iso(created), "by": author, "status": "new", "note": plan.steps[0][2]}]
            moment = created
            for status, by, note in plan.steps[1:]:
                moment = min(moment + timedelta(days=self.rng.uniform(0.2, 3)), self.now - timedelta(minutes=10))
                history.append({"at": _iso(moment), "by": self.users[by], "status": status, "note": note})
                if status == "assigned":
                    doc["assignee"] = self.users[by]
            if len(history) > 1:
                doc["updated_at"] = history[-1]["at"]
            doc["history"] = history
            self.add(doc)


def build(now: datetime, rng_seed: int = DEMO_SEED) -> DemoData:
    """The demo county as documents and account plans, without writing anything.

    Same ``now`` and seed, same documents (ids included).
    """
    builder = _Builder(now, rng_seed)
    builder.plan_accounts()
    builder.organizations()
    fixed = builder.fixed_people()
    builder.generated_people(PEOPLE - len(fixed))
    residents = {key: person for key, person in fixed.items() if person.get("account_id")}
    builder.data.accounts = [replace(plan, person_id=residents[plan.key]["_id"]) if plan.role == "resident" else plan
                             for plan in builder.data.accounts]
    builder.devices_of_volunteers()
    builder.events_and_attendance(residents)
    builder.volunteer_hours()
    builder.contact_requests(fixed)
    return builder.data


# -- the plan ---------------------------------------------------------------------------------------

# key, email local part, role, note, scope (municipalities and org ids)
_ACCOUNTS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("admin", "admin", "admin", "Projektbüro / Kreis-IT", ()),
    ("coord_baunatal", "koordination.baunatal", "coordinator", "Integrationsbeauftragte Baunatal und Kaufungen",
     ("Baunatal", "Kaufungen")),
    ("coord_wir", "koordination.wir", "coordinator", "WIR-Koordination: Lotsen und Laiendolmetscher", (_WIR,)),
    ("mueller", "lotsin.mueller", "volunteer", "Sabine Müller, Integrationslotsin (Baunatal)", ()),
    ("noori", "dolmetscher.noori", "volunteer", "Farid Noori, Laiendolmetscher Dari/Farsi (Vellmar)", ()),
    ("boiko", "lotsin.boiko", "volunteer", "Nataliia Boiko, Lotsin Ukrainisch/Russisch (Wolfhagen)", ()),
    ("aydin", "lotse.aydin", "volunteer", "Emre Aydın, Lotse Türkisch (Kassel)", ()),
    ("haidari", "mariam.haidari", "resident", "Mariam Haidari, Bewohnerin (Baunatal)", ()),
    ("kovalenko", "olena.kovalenko", "resident", "Olena Kovalenko, Bewohnerin (Kaufungen)", ()),
    ("becker", "lukas.becker", "resident", "Lukas Becker, Bewohner und Vereinsmitglied (Baunatal)", ()),
)

# id, name, kind, municipality, programme, contact email local part
_ORGANIZATIONS: tuple[tuple[str, str, str, str, str | None, str | None], ...] = (
    (_VIPS, "Projektbüro VIPs – Vielfalt, Integration, Partizipation (Landkreis Kassel)", "programme", "Kassel",
     "VIPs", "vips"),
    (_WIR, "WIR-Koordination Landkreis Kassel", "office", "Kassel", "WIR", "wir"),
    (_INSIST, "INSIST – Vereinsnetzwerk Nordhessen", "programme", "Kassel", "INSIST", "insist"),
    (_VIELFALT, "Vielfalt gestalten in Baunatal (Stadtteilbüro)", "programme", "Baunatal", "Vielfalt", "vielfalt"),
    (_IB_KASSEL, "Integrationsbüro der Stadt Kassel", "office", "Kassel", "Integrationsbuero", "integrationsbuero"),
    (_TSV, "TSV Grün-Weiß Altenbauna 1911 e.V.", "club", "Baunatal", None, "tsv-altenbauna"),
    (_DAFK, "Deutsch-Afghanischer Freundeskreis Vellmar e.V.", "migrant_organization", "Vellmar", None, "dafk"),
    (_MOSCHEE, "Türkisch-Islamische Gemeinde Lohfelden e.V.", "migrant_organization", "Lohfelden", None, None),
    (_SCHOOL, "Gesamtschule am Lindenberg Hofgeismar", "school", "Hofgeismar", None, "gs-lindenberg"),
)

# key, name, languages, municipality, account key (residents)
_FIXED_PEOPLE: tuple[tuple[str, str, tuple[str, ...], str, str | None], ...] = (
    ("haidari", "Mariam Haidari", ("prs", "fa", "de"), "Baunatal", "haidari"),
    ("kovalenko", "Olena Kovalenko", ("uk", "ru", "de"), "Kaufungen", "kovalenko"),
    ("becker", "Lukas Becker", ("de", "en"), "Baunatal", "becker"),
    ("rahimi", "Ahmad Rahimi", ("prs", "ps", "de"), "Vellmar", None),
    ("demir", "Ayşe Demir", ("tr", "de"), "Kaufungen", None),
    ("haddad", "Rania Haddad", ("ar", "en"), "Hofgeismar", None),
    ("tekle", "Senait Tekle", ("ti", "ar"), "Kassel", None),
    ("murad", "Dilan Murad", ("ku", "ar", "de"), "Baunatal", None),
)

# group, weight, language sets, female first names, male first names, surnames, feminine surname ending
_NAME_GROUPS: tuple[tuple[str, int, tuple[tuple[str, ...], ...], tuple[str, ...], tuple[str, ...],
                          tuple[str, ...], str], ...] = (
    ("de", 14, (("de",), ("de", "en"), ("de", "en", "fr")),
     ("Anna", "Sabine", "Monika", "Marie", "Hannah", "Ursula", "Leonie", "Petra", "Julia", "Gisela"),
     ("Jonas", "Klaus", "Felix", "Jürgen", "Thomas", "Wolfgang", "Matthias", "Tobias", "Heinz", "Stefan"),
     ("Schmidt", "Wagner", "Hoffmann", "Fischer", "Schäfer", "Krüger", "Hartmann", "Braun", "Zimmermann",
      "Vogel", "Möller", "Siebert", "Rudolph", "Kühn"), ""),
    ("ar", 9, (("ar", "de"), ("ar",), ("ar", "en", "de")),
     ("Rania", "Lina", "Nour", "Huda", "Amal", "Yasmin", "Salma", "Dalia"),
     ("Mohammed", "Khaled", "Omar", "Yousef", "Samer", "Tarek", "Bilal", "Hassan"),
     ("Al-Hassan", "Khalil", "Mansour", "Saleh", "Darwish", "Nasser", "Ibrahim", "Aldeeb", "Hamdan"), ""),
    ("prs", 8, (("prs", "fa", "de"), ("prs", "ps"), ("prs", "fa")),
     ("Zahra", "Fatima", "Parisa", "Nasrin", "Shakila", "Freshta", "Mursal", "Tahmina"),
     ("Hamid", "Sohrab", "Javad", "Mustafa", "Naweed", "Rahmatullah", "Ali", "Jawid"),
     ("Ahmadi", "Karimi", "Sultani", "Mohammadi", "Hosseini", "Jafari", "Sadat", "Popal", "Azizi"), ""),
    ("fa", 4, (("fa", "de", "en"), ("fa",), ("fa", "en")),
     ("Shirin", "Maryam", "Niloufar", "Leila", "Sara"),
     ("Mehdi", "Reza", "Amir", "Babak", "Kourosh"),
     ("Rezaei", "Moradi", "Tehrani", "Kazemi", "Farahani", "Bahrami"), ""),
    ("tr", 7, (("tr", "de"), ("tr", "ku", "de"), ("tr",)),
     ("Elif", "Zeynep", "Fatma", "Selin", "Emine", "Hatice", "Derya"),
     ("Mehmet", "Mustafa", "Hakan", "Murat", "Emre", "Yusuf", "Serkan"),
     ("Yılmaz", "Kaya", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç"), ""),
    ("uk", 7, (("uk", "ru", "de"), ("uk", "en"), ("uk", "ru")),
     ("Iryna", "Nataliia", "Oksana", "Yuliia", "Tetiana", "Kateryna", "Viktoriia"),
     ("Andrii", "Oleksandr", "Dmytro", "Serhii", "Mykola", "Bohdan", "Vitalii"),
     ("Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Lysenko", "Hnatiuk", "Savchuk"), ""),
    ("ru", 3, (("ru", "de"), ("ru", "de", "en")),
     ("Svetlana", "Irina", "Natalia", "Olga", "Elena"),
     ("Sergei", "Alexei", "Dmitri", "Pavel", "Viktor"),
     ("Ivanov", "Smirnov", "Volkov", "Sokolov", "Petrov", "Morozov"), "a"),
    ("ti", 3, (("ti", "ar"), ("ti", "de", "en"), ("ti",)),
     ("Senait", "Mebrat", "Feven", "Selam", "Helen", "Yordanos"),
     ("Yonas", "Tesfay", "Daniel", "Berhane", "Filmon", "Merhawi"),
     ("Tekle", "Gebremedhin", "Haile", "Kidane", "Tesfamariam", "Berhe", "Woldu"), ""),
    ("ku", 3, (("ku", "ar", "de"), ("ku", "tr"), ("ku", "ar")),
     ("Rojda", "Dilan", "Berfin", "Zozan", "Hêvî", "Nesrin"),
     ("Azad", "Baran", "Şiyar", "Rêber", "Kawa", "Delil"),
     ("Murad", "Khalaf", "Qasim", "Haji", "Hesen", "Xelîl"), ""),
)

_WALK_IN_NAMES: tuple[str, ...] = ("Samira", "Jan", "Hadi", "Oksana", "Gül", "Karin", "Yaser", "Aziz", "Mila",
                                   "Peter", "Hawa", "Ilyas", "Nadia", "Tim")

_SUPPORT_NOTES: tuple[str, ...] = (
    "Aufbau, Anmeldung am Eingang, Abbau",
    "Check-in am Tablet und Begrüßung",
    "Dolmetschen am Infotisch",
    "Kinderbetreuung während der Veranstaltung",
    "Moderation einer Gesprächsrunde",
)

# owner, name, registered (days ago), revoked (days ago) or None
_DEVICES: tuple[tuple[str, str, int, int | None], ...] = (
    ("mueller", "Tablet Sprachcafé Baunatal (Galaxy Tab A8)", 150, None),
    ("noori", "Smartphone Farid", 140, None),
    ("boiko", "Tablet Fahrradwerkstatt Wolfhagen", 120, None),
    ("aydin", "Tablet Integrationsbüro 2 (verloren)", 160, 20),
    ("aydin", "Smartphone Emre", 20, None),
)


@dataclass(frozen=True)
class _EventPlan:
    key: str
    offset: int  # days from today; past events are at least 3 days ago
    hour: int
    minute: int
    minutes: int
    kind: str
    municipality: str
    place: str
    org: str
    title: Mapping[str, str]
    volunteers: tuple[str, ...]
    registrations: tuple[int, int]
    capacity: int | None = None
    programme: str | None = None
    description: Mapping[str, str] | None = None
    residents: tuple[str, ...] = ()


_SPRACHCAFE = {"de": "Sprachcafé Baunatal", "en": "Language café Baunatal", "ar": "مقهى اللغة في باوناتال",
               "fa": "کافه زبان باوناتال", "uk": "Мовне кафе в Баунаталі"}
_SPRACHCAFE_TEXT = {"de": "Deutsch sprechen bei Kaffee und Kuchen – für alle Niveaus, mit Kinderbetreuung.",
                    "en": "Practise German over coffee and cake – all levels welcome, childcare on site."}
_ELTERNCAFE = {"de": "Elterncafé", "en": "Parents' café", "ar": "مقهى أولياء الأمور", "fa": "کافه والدین",
               "tr": "Veli kafesi", "uk": "Кафе для батьків"}
_ELTERNCAFE_TEXT = {"de": "Eltern aller Herkunft tauschen sich über Schule, Ausbildung und Alltag aus; "
                          "Dolmetschende für Dari und Arabisch sind da."}
_FAHRRAD = {"de": "Fahrradwerkstatt: gemeinsam reparieren", "en": "Bike workshop: fixing bikes together",
            "fa": "کارگاه دوچرخه: با هم تعمیر می‌کنیم", "ar": "ورشة الدراجات: نصلح معاً",
            "uk": "Велосипедна майстерня: ремонтуємо разом"}
_DOLMETSCHER = {"de": "Laiendolmetscher-Treffen: Austausch und Fallbesprechung",
                "en": "Lay interpreters' meeting: exchange and case review",
                "fa": "نشست مترجمان داوطلب", "ar": "لقاء المترجمين المتطوعين"}
_DEUTSCH = {"de": "Deutsch im Alltag – offener Gesprächskreis", "en": "German for everyday life – open conversation",
            "ar": "الألمانية في الحياة اليومية – حلقة حوار مفتوحة", "fa": "آلمانی در زندگی روزمره – حلقه گفت‌وگوی باز",
            "tr": "Günlük hayatta Almanca – açık sohbet grubu", "uk": "Німецька в повсякденні – розмовна група"}

_EVENTS: tuple[_EventPlan, ...] = (
    _EventPlan("sprachcafe-1", -56, 16, 0, 120, "language_cafe", "Baunatal", "Bürgerhaus Altenbauna, Clubraum",
               _VIPS, _SPRACHCAFE, ("mueller", "boiko"), (8, 14), 30, description=_SPRACHCAFE_TEXT),
    _EventPlan("sprachcafe-2", -28, 16, 0, 120, "language_cafe", "Baunatal", "Bürgerhaus Altenbauna, Clubraum",
               _VIPS, _SPRACHCAFE, ("mueller", "boiko"), (8, 14), 30, description=_SPRACHCAFE_TEXT,
               residents=("haidari",)),
    _EventPlan("sprachcafe-3", 3, 16, 0, 120, "language_cafe", "Baunatal", "Bürgerhaus Altenbauna, Clubraum",
               _VIPS, _SPRACHCAFE, ("mueller", "boiko"), (5, 9), 30, description=_SPRACHCAFE_TEXT,
               residents=("haidari",)),
    _EventPlan("begegnungsfest", -70, 14, 0, 300, "encounter", "Kaufungen",
               "Festplatz am Dorfgemeinschaftshaus Niederkaufungen", _VIPS,
               {"de": "Begegnungsfest Kaufungen", "en": "Kaufungen community festival",
                "tr": "Kaufungen tanışma şenliği", "ar": "مهرجان اللقاء في كاوفونغن",
                "uk": "Свято зустрічей у Кауфунгені"},
               ("mueller", "aydin"), (15, 22),
               description={"de": "Musik, Essen aus vielen Ländern, Spiele für Kinder und ein Markt der Vereine."}),
    _EventPlan("lotsen-1", -63, 9, 30, 390, "training", "Hofgeismar", "Stadthalle Hofgeismar, Seminarraum 1", _WIR,
               {"de": "Integrationslotsen-Schulung, Modul 1: Rollen und Grenzen im Ehrenamt",
                "en": "Integration guide training, module 1: roles and limits of volunteering"},
               ("noori",), (10, 16), 20),
    _EventPlan("lotsen-2", -49, 9, 30, 390, "training", "Vellmar", "Bürgerhaus Vellmar, Saal 2", _WIR,
               {"de": "Integrationslotsen-Schulung, Modul 2: Ämter und Wege im Landkreis",
                "en": "Integration guide training, module 2: offices and procedures in the county"},
               ("noori", "boiko"), (10, 16), 20),
    _EventPlan("lotsen-3", 10, 9, 30, 390, "training", "Hofgeismar", "Stadthalle Hofgeismar, Seminarraum 1", _WIR,
               {"de": "Integrationslotsen-Schulung, Modul 3: Interkulturelle Kommunikation",
                "en": "Integration guide training, module 3: intercultural communication",
                "ar": "تدريب مرشدي الاندماج، الوحدة 3: التواصل بين الثقافات"},
               ("noori",), (8, 12), 20),
    _EventPlan("vereinsboerse", -42, 15, 0, 240, "fair", "Kassel", "Kulturzentrum am Hafen, großer Saal", _INSIST,
               {"de": "Vereinsbörse mit Speed-Dating", "en": "Club fair with speed dating",
                "tr": "Dernek fuarı ve hızlı tanışma", "ar": "معرض الجمعيات مع لقاءات تعارف سريعة"},
               ("aydin", "mueller"), (18, 26), 120,
               description={"de": "Vereine mit und ohne Migrationsbezug stellen sich vor; in 7-Minuten-Runden "
                                  "finden sich Partner für gemeinsame Projekte."}),
    _EventPlan("vereinsforum", -21, 18, 30, 120, "information", "Baunatal", "Vereinsheim TSV Grün-Weiß Altenbauna",
               _INSIST, {"de": "Vereinsforum Sport: Training für alle öffnen",
                         "en": "Club forum sports: opening training to everyone",
                         "tr": "Dernek forumu spor: antrenmanları herkese açmak"},
               ("mueller",), (8, 12), 40, residents=("becker",)),
    _EventPlan("moschee", -35, 11, 0, 300, "culture", "Lohfelden", "Gemeindezentrum der Moschee, Lohfelden",
               _MOSCHEE, {"de": "Tag der offenen Moschee", "en": "Open Mosque Day", "tr": "Açık Cami Günü",
                          "ar": "يوم المسجد المفتوح"},
               ("aydin",), (10, 18), programme="WIR",
               description={"de": "Führungen, Gespräche über den Glauben und Tee im Gemeindesaal."}),
    _EventPlan("ikw", -77, 18, 0, 150, "culture", "Kassel", "Rathaus Kassel, Bürgersaal", _IB_KASSEL,
               {"de": "Interkulturelle Woche: Eröffnung", "en": "Intercultural Week: opening",
                "tr": "Kültürlerarası Hafta: Açılış", "ar": "الأسبوع بين الثقافات: الافتتاح",
                "uk": "Міжкультурний тиждень: відкриття"},
               ("aydin",), (20, 30), 150),
    _EventPlan("runder-tisch", -60, 17, 0, 120, "information", "Kassel", "Rathaus Kassel, Sitzungszimmer 3",
               _IB_KASSEL, {"de": "Runder Tisch der Religionen", "en": "Round table of religions"},
               ("aydin",), (6, 10), 25),
    _EventPlan("elterncafe-1", -30, 8, 0, 90, "encounter", "Hofgeismar", "Gesamtschule am Lindenberg, Mensa",
               _SCHOOL, _ELTERNCAFE, ("noori",), (6, 12), 25, programme="VIPs", description=_ELTERNCAFE_TEXT),
    _EventPlan("elterncafe-2", 12, 8, 0, 90, "encounter", "Hofgeismar", "Gesamtschule am Lindenberg, Mensa",
               _SCHOOL, _ELTERNCAFE, ("noori",), (4, 8), 25, programme="VIPs", description=_ELTERNCAFE_TEXT),
    _EventPlan("fahrrad-1", -45, 15, 0, 180, "encounter", "Wolfhagen", "Jugendzentrum Wolfhagen, Werkstatt im Hof",
               _VIPS, _FAHRRAD, ("boiko",), (6, 12), 15),
    _EventPlan("fahrrad-2", 5, 15, 0, 180, "encounter", "Wolfhagen", "Jugendzentrum Wolfhagen, Werkstatt im Hof",
               _VIPS, _FAHRRAD, ("boiko",), (4, 8), 15),
    _EventPlan("dolmetscher-1", -40, 18, 0, 120, "training", "Vellmar", "Rathaus Vellmar, Sitzungssaal", _WIR,
               _DOLMETSCHER, ("noori",), (6, 10), 20),
    _EventPlan("dolmetscher-2", 19, 18, 0, 120, "training", "Vellmar", "Rathaus Vellmar, Sitzungssaal", _WIR,
               _DOLMETSCHER, ("noori",), (4, 8), 20),
    _EventPlan("kochen", -25, 17, 0, 180, "encounter", "Fuldabrück", "Dorfgemeinschaftshaus Dittershausen, Küche",
               _VIPS, {"de": "Gemeinsam kochen – Rezepte aus aller Welt",
                       "en": "Cooking together – recipes from around the world",
                       "ar": "نطبخ معاً – وصفات من كل العالم", "uk": "Готуємо разом – рецепти з усього світу",
                       "fa": "آشپزی با هم – دستورهای غذایی از سراسر جهان"},
               ("boiko",), (8, 14), 20),
    _EventPlan("wanderung", -10, 10, 0, 240, "sports", "Söhrewald", "Treffpunkt: Dorfgemeinschaftshaus Wellerode",
               _VIPS, {"de": "Wanderung durch den Söhrewald", "en": "Hike through the Söhre forest",
                       "tr": "Söhrewald'da doğa yürüyüşü"},
               ("boiko", "mueller"), (8, 14), 30),
    _EventPlan("deutsch-1", -18, 18, 0, 90, "course", "Kaufungen", "Bücherei Kaufungen, Lesesaal", _WIR,
               _DEUTSCH, ("mueller",), (8, 14), 16, residents=("kovalenko",)),
    _EventPlan("deutsch-2", 2, 18, 0, 90, "course", "Kaufungen", "Bücherei Kaufungen, Lesesaal", _WIR,
               _DEUTSCH, ("mueller",), (6, 10), 16, residents=("kovalenko",)),
    _EventPlan("buergerwerkstatt", -7, 18, 0, 150, "information", "Baunatal", "Stadthalle Baunatal, Foyer", _VIELFALT,
               {"de": "Bürgerwerkstatt: Vielfalt in Baunatal gestalten",
                "en": "Citizens' workshop: shaping diversity in Baunatal",
                "tr": "Vatandaş atölyesi: Baunatal'da çeşitliliği birlikte şekillendirmek"},
               ("mueller",), (12, 20), 60, residents=("becker",)),
    _EventPlan("kulturabend", -3, 18, 30, 180, "culture", "Vellmar", "Bürgerhaus Vellmar, großer Saal", _DAFK,
               {"de": "Afghanischer Kulturabend mit Musik und Poesie",
                "en": "Afghan cultural evening with music and poetry",
                "prs": "شب فرهنگی افغانستان با موسیقی و شعر", "fa": "شب فرهنگی افغانستان با موسیقی و شعر"},
               ("noori",), (15, 25), programme="VIPs"),
    _EventPlan("foerdermittel", 21, 17, 0, 180, "information", "Kassel", "Rathaus Kassel, Seminarraum 2", _IB_KASSEL,
               {"de": "Workshop: Fördermittel für Vereinsprojekte beantragen",
                "en": "Workshop: applying for funding for club projects",
                "tr": "Atölye: dernek projeleri için hibe başvurusu",
                "ar": "ورشة عمل: التقدم بطلب تمويل لمشاريع الجمعيات"},
               ("aydin",), (5, 9), 20, residents=("becker",)),
)
_PLANS = {plan.key: plan for plan in _EVENTS}


@dataclass(frozen=True)
class _ContactPlan:
    days_ago: float
    topic: str
    language: str
    municipality: str
    message: str
    steps: tuple[tuple[str, str, str], ...]  # (status, account key, note); the first is "new"
    person: str | None = None
    callback: Mapping[str, str] | None = None
    org: str | None = None


_CONTACTS: tuple[_ContactPlan, ...] = (
    _ContactPlan(1.5, "interpreter", "prs", "Baunatal",
                 "Dolmetscher für Dari am Dienstag, 9 Uhr: Termin im Bürgerbüro Baunatal wegen der Anmeldung.",
                 (("new", "haidari", "Über die Web-App gestellt"),), person="haidari", org=_WIR),
    _ContactPlan(6, "interpreter", "prs", "Vellmar",
                 "Begleitung und Dolmetschen (Dari) beim Kinderarzt, Donnerstagvormittag.",
                 (("new", "coord_wir", "Telefonisch angenommen"),
                  ("assigned", "coord_wir", "Laiendolmetscher Farid Noori angefragt, Termin Do 10 Uhr")),
                 callback={"name": "Frau Sultani", "phone": "+49 561 0481516"}, org=_WIR),
    _ContactPlan(20, "interpreter", "ar", "Hofgeismar",
                 "Ich brauche Hilfe mit Arabisch beim Gespräch mit der Klassenlehrerin meines Sohnes.",
                 (("new", "coord_wir", "Beim Elterncafé aufgenommen"),
                  ("assigned", "coord_wir", "Übernehme ich, suche Dolmetscherin"),
                  ("done", "coord_wir", "Gespräch hat mit Dolmetscherin stattgefunden")),
                 person="haddad", org=_WIR),
    _ContactPlan(9, "club_partner", "de", "Baunatal",
                 "Partnerverein gesucht: Unsere Tischtennisabteilung möchte gemeinsam mit einem Kulturverein "
                 "ein offenes Training anbieten.",
                 (("new", "becker", "Über die Web-App gestellt"),
                  ("assigned", "coord_baunatal", "Kontakt zum Deutsch-Afghanischen Freundeskreis Vellmar angebahnt")),
                 person="becker", org=_INSIST),
    _ContactPlan(3, "club_partner", "tr", "Lohfelden",
                 "Partnerverein gesucht: Unser Elternverein sucht einen Musikverein für ein gemeinsames Sommerfest.",
                 (("new", "admin", "Über das Kontaktformular der Vereinsbörse"),),
                 callback={"name": "Hakan Öztürk (Elternverein Lohfelden)", "email": "elternverein@example.org"},
                 org=_INSIST),
    _ContactPlan(25, "course", "uk", "Kaufungen", "Ich suche einen Deutschkurs am Abend in Kaufungen (Niveau B1).",
                 (("new", "kovalenko", "Über die Web-App gestellt"),
                  ("assigned", "coord_baunatal", "Übernommen"),
                  ("done", "coord_baunatal", "Auf „Deutsch im Alltag“ in der Bücherei hingewiesen; angemeldet")),
                 person="kovalenko"),
    _ContactPlan(33, "counselling", "tr", "Kaufungen",
                 "Frage zur Anerkennung meines Berufsabschlusses als Erzieherin.",
                 (("new", "coord_baunatal", "Im Sprachcafé gefragt"),
                  ("assigned", "coord_baunatal", "Übernommen"),
                  ("closed", "coord_baunatal", "An die Anerkennungsberatung verwiesen; hier nichts weiter zu tun")),
                 person="demir"),
    _ContactPlan(14, "interpreter", "ti", "Kassel",
                 "Dolmetscher für Tigrinya für ein Elterngespräch in der Grundschule gesucht.",
                 (("new", "coord_wir", "Vom Integrationsbüro weitergeleitet"),
                  ("assigned", "coord_wir", "Suche im Pool der Laiendolmetscher läuft")),
                 person="tekle", org=_WIR),
    _ContactPlan(40, "event", "de", "Wolfhagen",
                 "Können wir mit einer Kita-Gruppe (8 Kinder) zur Fahrradwerkstatt kommen?",
                 (("new", "admin", "Per E-Mail eingegangen"),
                  ("closed", "admin", "Werkstatt ist für Jugendliche ab 12; Kita auf das Begegnungsfest verwiesen")),
                 callback={"name": "Kita Sonnenschein Wolfhagen", "email": "kita-sonnenschein@example.org"}),
    _ContactPlan(4, "other", "ku", "Baunatal",
                 "Wie kann ich selbst Integrationslotsin werden? Ich spreche Kurmandschi und Arabisch.",
                 (("new", "coord_baunatal", "Bei der Bürgerwerkstatt aufgenommen"),),
                 person="murad"),
)
