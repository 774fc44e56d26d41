"""M2: after an erasure nothing names the person: no store file, audit record, conflict
record, tombstone, registration waiting for confirmation or log line holds their name,
address or message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import requests

from tests import factories
from tests.attacks.conftest import NOW, Actor, County, contact, event, organization, registration
from tests.conftest import User


def _conflicted_contact_request(county: County, resident: Actor, tag: str, message: str) -> str:
    """A resident's request, edited by her, and a coordinator's offline edit of the first
    version arriving later: two branches, both carrying the message."""
    request = contact(tag, resident.person_id or "", "Baunatal", message=message)
    first = resident.put(request).json()["rev"]
    assert resident.put({**request, "_rev": first, "message": message + " (Nachtrag)"}).status_code == 201
    offline = {**request, "status": "assigned", "assignee": county.baunatal.user_id,
               "history": [{"at": NOW, "by": county.baunatal.user_id, "status": "assigned"}],
               "_rev": f"2-{'0' * 32}", "_revisions": {"start": 2, "ids": ["0" * 32, first.split("-")[1]]}}
    assert county.baunatal.bulk([offline], new_edits=False).json() == []
    return request["_id"]


def test_an_erased_resident_leaves_nothing_in_any_store_file(county: County) -> None:
    tag = county.tag()
    name, email, message = f"Erika Mustermann {tag}", f"erika-{tag}@test.example", f"Geheimnis {tag}"
    # A second registration with the address, never confirmed, waits in the accounts database.
    waiting = requests.post(county.server.url + "/api/auth/register",
                            json=factories.resident_form(email, display_name=name), timeout=30)
    assert waiting.status_code == 202, waiting.text
    factories.receive_mail(county.server.outbox, email)
    registered = factories.register_resident(county.server, email, display_name=name)
    resident = Actor(User(email, "resident-pw-1", registered.json()["user_id"], county.server))
    person_id = resident.person_id = next(i for i in resident.changed_ids() if i.startswith("person:"))
    org = organization(tag, "Baunatal")
    ev = event(tag, "Baunatal", org["_id"], [])
    county.seed(org, ev)
    assert resident.put(registration(ev, {"_id": person_id, "display_name": name})).status_code == 201
    request_id = _conflicted_contact_request(county, resident, tag, message)
    job = county.server.flask("jobs", "run", "conflicts")
    assert request_id in job.stdout, job.stdout
    deleted_request = contact(f"{tag}-old", person_id, "Baunatal", message=message)
    rev = resident.put(deleted_request).json()["rev"]
    assert resident.delete(deleted_request["_id"], rev).status_code == 200

    if county.store == "sqlite":
        assert len(_files_naming(county.server.data_dir, name, email, message)) >= 3, "the search finds them"

    erased = county.baunatal.api("POST", f"/api/people/{person_id}/erase")

    if county.store == "couchdb":  # pouchdb-server, our stand-in, has no _purge; CouchDB 3.5 has
        assert erased.status_code == 501 and "cannot purge" in erased.text
        return
    assert erased.status_code == 200, erased.text
    assert county.winner(person_id).status_code == 404
    assert _files_naming(county.server.data_dir, name, email, message) == []


def _files_naming(directory: Path, *needles: str) -> list[str]:
    """Files under ``directory`` whose bytes contain any of the needles (as UTF-8)."""
    found = subprocess.run(["grep", "-rlaF", *sum((["-e", needle] for needle in needles), [])],  # noqa: S603, S607
                           cwd=directory, capture_output=True, text=True, check=False)
    return found.stdout.split()


def test_after_an_erasure_the_old_password_opens_nothing_even_for_a_new_account_with_that_address(
        county: County) -> None:
    tag = county.tag()
    email = f"again-{tag}@test.example"

    def register(password: str) -> Actor:
        answer = factories.register_resident(county.server, email, password, display_name=f"Wieder {tag}")
        actor = Actor(User(email, password, answer.json()["user_id"], county.server))
        actor.person_id = next(i for i in actor.changed_ids() if i.startswith("person:"))
        return actor

    first = register("first-password-1")
    assert requests.get(first.db, timeout=10).status_code == 200  # the Basic credential is cached now
    erased = county.baunatal.api("POST", f"/api/people/{first.person_id}/erase")
    if county.store == "couchdb":  # erasure needs _purge, which pouchdb-server lacks (see above)
        assert erased.status_code == 501 and requests.get(first.db, timeout=10).status_code == 200
        return
    assert erased.status_code == 200
    second = register("second-password-2")

    assert requests.get(first.db, timeout=10).status_code == 401
    assert requests.get(second.db, timeout=10).status_code == 200
