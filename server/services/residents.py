"""Residents registering themselves: an account and a person record with their consent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sync.storage import Store

from . import accounts, documents


def register_resident(store: Store, db_name: str, form: dict[str, Any], now: datetime) -> accounts.Account:
    """Create the account, which claims the e-mail address in one write, and then the person
    record it owns (written as the new resident, under the usual rules). Parallel
    registrations with one address make one account and one person record.

    :raises AccountError: if the email is taken or the password too short
    :raises CouchError: if the person record is refused (the account is then removed again)
    """
    user_id = f"user:{uuid.uuid4().hex[:16]}"
    person_id = f"person:{uuid.uuid4().hex}"
    account = accounts.create_account(store, form["email"], "resident", form["password"], now,
                                      person_id=person_id, user_id=user_id, display_name=form["display_name"])
    person = {
        "_id": person_id, "type": "person", "schema_version": 1, "created_at": now.isoformat(),
        "display_name": form["display_name"], "languages": form.get("languages", []),
        "municipality": form["municipality"], "account_id": user_id,
        "consents": [{"purpose": "registration", "given_at": now.isoformat()}],
    }
    try:
        documents.save(store, db_name, account.principal(), person)
    except Exception:
        accounts.erase_account(store, user_id)
        raise
    return account
