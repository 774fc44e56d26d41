"""Demo data: a small, realistic Landkreis Kassel to click through, written on the first start.

Towns, organisations, events of the programmes (VIPs, WIR, INSIST, Vielfaltsorientierung,
Integrationsbüro Kassel), people, registrations, check-ins, volunteer hours, contact requests
and devices, plus one account per role. The county is data (``county.toml``, read by
:mod:`.county`); :mod:`.builder` turns it into documents; this module writes them.

Everything is written as an admin through :func:`documents.save_many`, so each document
passes the real schemas and write rules, and nothing is seeded into a store that already
holds data. The documents are deterministic (a fixed random seed, dates relative to
``now``); the passwords are not: they are new at every seeding and shown once, so a server
started without ``DEMO=0`` does not open with a password anyone can read in the sources.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from schemas import DocumentInvalid, validate_document
from sync.storage import Store

from ..access.policy import Principal
from ..services import accounts, documents
from .builder import DEMO_SEED, AccountPlan, DemoData, build
from .county import DemoError

__all__ = ["DEMO_SEED", "AccountPlan", "DemoData", "DemoError", "DemoLogin", "DemoSummary", "build", "seed",
           "store_is_empty"]


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


def store_is_empty(store: Store, db_name: str) -> bool:
    """Whether the synced database holds no documents and no account exists."""
    with store.database(db_name) as database:
        doc_count = int(database.info()["doc_count"])
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
                                organizations=plan.organizations, person_id=plan.person_id, user_id=plan.user_id,
                                display_name=plan.display_name)
        logins.append(DemoLogin(plan.email, plan.role, password, plan.user_id, plan.note))
    return DemoSummary(counts={**demo.counts(), "account": len(demo.accounts)}, logins=tuple(logins))
