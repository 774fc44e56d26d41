"""Documents as the tests write them: valid for their type by default, every field overridable by keyword.

At the end: a resident registering as the web app does, confirming through the link the
server mails (read from its outbox directory).

Each factory takes what tells its documents apart (ids, town, who) and fills in the rest;
any other keyword becomes a field or replaces a default. Ids that a test does not give are
fresh (:func:`tag`), so tests on a shared server never meet each other's documents.
"""

from __future__ import annotations

import re
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from tests.conftest import LiveServer

NOW = "2026-11-21T10:00:00Z"
ORG = "org:test-verein"


def tag() -> str:
    """A fresh id part."""
    return uuid.uuid4().hex[:12]


def doc(doc_type: str, doc_id: str, *, created_at: str = NOW, **fields: Any) -> dict[str, Any]:
    """Any document: the fields every type has, then ``fields``."""
    return {"_id": doc_id, "type": doc_type, "schema_version": 1, "created_at": created_at, **fields}


def consent(at: str = NOW) -> list[dict[str, str]]:
    """A person's consents: registration, given at ``at``."""
    return [{"purpose": "registration", "given_at": at}]


def organization(org_id: str, name: str, municipality: str, kind: str = "club", **fields: Any) -> dict[str, Any]:
    return doc("organization", org_id, name=name, kind=kind, municipality=municipality, **fields)


def event(event_id: str, municipality: str, **fields: Any) -> dict[str, Any]:
    """A two-hour language café at :data:`NOW`, of :data:`ORG`, with no volunteers."""
    values = {"title": {"de": "Sprachcafé"}, "kind": "language_cafe", "place": "Bürgerhaus", "start": NOW,
              "end": "2026-11-21T12:00:00Z", "organization_id": ORG, "assigned_volunteers": [],
              "municipality": municipality, **fields}
    return doc("event", event_id, **values)


def person(person_id: str, name: str, municipality: str, **fields: Any) -> dict[str, Any]:
    values = {"display_name": name, "municipality": municipality, "languages": ["prs", "de"],
              "consents": consent(), **fields}
    return doc("person", person_id, **values)


def registration(event_id: str, person_id: str, name: str, municipality: str, **fields: Any) -> dict[str, Any]:
    values = {"event_id": event_id, "person_id": person_id, "display_name": name, "municipality": municipality,
              "organization_id": ORG, "registered_at": NOW, "status": "registered", **fields}
    return doc("registration", f"registration:{event_id}:{person_id}", **values)


def checkin(event_id: str, by: str, municipality: str, person_id: str | None = None,
            walk_in: str | None = None, at: str = NOW, *, doc_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A registered person's check-in, or with ``walk_in`` (a name) a walk-in's."""
    values: dict[str, Any] = {"event_id": event_id, "checked_in_at": at, "by": by, "device_id": "tablet-1",
                              "municipality": municipality, "organization_id": ORG, **fields}
    if person_id is not None:
        return doc("checkin", doc_id or f"checkin:{event_id}:{person_id}", person_id=person_id, **values)
    walk = {"display_name": walk_in, "consent": {"purpose": "registration", "given_at": at}}
    return doc("checkin", doc_id or f"checkin:{event_id}:walkin:{tag()}", walk_in=walk, **values)


def hours(volunteer_id: str, municipality: str, minutes: int = 90, *, doc_id: str | None = None,
          **fields: Any) -> dict[str, Any]:
    """Pending event support on the day before :data:`NOW`."""
    values = {"volunteer_id": volunteer_id, "date": "2026-11-20", "minutes": minutes, "activity": "event_support",
              "municipality": municipality, "status": "pending", **fields}
    return doc("hours", doc_id or f"hours:{volunteer_id}:{tag()}", **values)


def contact_request(municipality: str, *, doc_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A new request for an interpreter in German; give ``person_id`` or ``callback``."""
    values = {"topic": "interpreter", "language": "de", "municipality": municipality, "status": "new",
              "history": [], **fields}
    return doc("contact_request", doc_id or f"contact:{tag()}", **values)


def device(device_id: str, user_id: str, name: str = "Tablet Bürgerhaus", **fields: Any) -> dict[str, Any]:
    return doc("device", device_id, name=name, user_id=user_id, registered_at=NOW, **fields)


def replicated(doc_id: str, path: list[str], deleted: bool = False, **body: Any) -> dict[str, Any]:
    """A document as a replicator sends it with ``new_edits=false``: ``_rev`` and ``_revisions``.

    :param path: the revisions from the leaf back, e.g. ``["2-b", "1-a"]``
    """
    replica: dict[str, Any] = {
        "_id": doc_id,
        "_rev": path[0],
        "_revisions": {"start": int(path[0].split("-")[0]), "ids": [rev.split("-", 1)[1] for rev in path]},
        **body,
    }
    if deleted:
        replica["_deleted"] = True
    return replica


def receive_mails(outbox: Path, to: str) -> list[EmailMessage]:
    """Every mail in ``outbox`` to ``to``, oldest first, taken out of it (as a mail client
    fetches them), so that the outbox never keeps what a test means to be erased and a later
    mail is told apart from an earlier one."""
    found = []
    for path in outbox.glob("*.eml") if outbox.exists() else []:
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if isinstance(mail, EmailMessage) and str(mail["To"]).lower() == to.lower():
            found.append((path.stat().st_mtime_ns, path, mail))
    for _, path, _ in found:
        path.unlink()
    return [mail for *_, mail in sorted(found, key=lambda entry: entry[0])]


def receive_mail(outbox: Path, to: str) -> EmailMessage:
    """The one mail in ``outbox`` to ``to``, taken out of it.

    :raises AssertionError: unless exactly one mail went to ``to``
    """
    mails = receive_mails(outbox, to)
    assert len(mails) == 1, f"{len(mails)} mails to {to} in {outbox}"
    return mails[0]


def mail_text(mail: EmailMessage) -> str:
    """The plain-text body of ``mail``, decoded."""
    return str(mail.get_content())


def confirmation_token(mail: EmailMessage) -> str:
    """The token of the confirmation link in ``mail``."""
    found = re.search(r"/#/confirm/([\w-]+)", mail_text(mail))
    assert found, mail_text(mail)
    return found.group(1)


def resident_form(email: str, password: str = "resident-pw-1", display_name: str = "Mina Testfrau",
                  municipality: str = "Baunatal", **fields: Any) -> dict[str, Any]:
    """What the web app's registration form sends, with consent."""
    return {"email": email, "password": password, "display_name": display_name, "municipality": municipality,
            "languages": ["de"], "consent": True, **fields}


def register_resident(server: LiveServer, email: str, password: str = "resident-pw-1", **fields: Any
                      ) -> requests.Response:
    """Register a resident and open the link mailed to them: the confirmation's answer (201
    with the session: ``token``, ``user_id``, ``role``)."""
    asked = requests.post(server.url + "/api/auth/register", json=resident_form(email, password, **fields),
                          timeout=30)
    assert asked.status_code == 202, asked.text
    token = confirmation_token(receive_mail(server.outbox, email))
    confirmed = requests.post(server.url + "/api/auth/register/confirm", json={"token": token}, timeout=30)
    assert confirmed.status_code == 201, confirmed.text
    return confirmed
