"""A real PouchDB on a volunteer's tablet holds exactly that volunteer's scope, before and
after an assignment ends, and an erased person leaves no trace in the store or on devices."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import requests

from tests.conftest import LiveServer, pouch_command, pouch_report
from tests.factories import checkin, event, organization, person, registration


def erasable_name(tag: str) -> str:
    """A name that occurs nowhere else, so finding it in a file means it was not erased."""
    return f"Zarghuna Qasimi-{tag}"


def seed(admin_url: str, tag: str, volunteer: str) -> dict[str, Any]:
    org, ev1, ev2 = f"org:{tag}", f"event:{tag}-1", f"event:{tag}-2"
    event_fields = {"kind": "encounter", "place": "Dorfgemeinschaftshaus", "end": "2026-11-21T13:00:00Z",
                    "organization_id": org}
    people = [f"person:{tag}-{i}" for i in range(4)]
    names = ["Ahmad Rahimi", "Ayşe Demir", erasable_name(tag), "Olena Kovalenko"]
    docs = [organization(org, "Heimatverein Wolfhagen", "Wolfhagen", kind="association"),
            event(ev1, "Wolfhagen", title={"de": "Begegnungscafé"}, assigned_volunteers=[volunteer], **event_fields),
            event(ev2, "Wolfhagen", title={"de": "Fahrradwerkstatt"}, **event_fields)]
    for person_id, name in zip(people, names, strict=True):
        docs.append(person(person_id, name, "Wolfhagen"))
    for event_id, members in ((ev1, people[:3]), (ev2, people[3:])):
        for person_id, name in zip(members, names, strict=False):
            docs.append(registration(event_id, person_id, name if event_id == ev1 else names[3], "Wolfhagen",
                                     organization_id=org))
    docs.append(checkin(ev1, volunteer, "Wolfhagen", person_id=people[2], device_id="tablet-wolfhagen",
                        organization_id=org))
    results = requests.post(admin_url + "/_bulk_docs", json={"docs": docs}, timeout=30).json()
    assert all(result.get("ok") for result in results), results
    return {"org": org, "ev1": ev1, "ev2": ev2, "people": people,
            "revs": {result["id"]: result["rev"] for result in results}}


def tablet(workdir: Path, url: str, removed_revs: dict[str, str] | None = None) -> Any:
    completed = subprocess.run(pouch_command("pull_scope", url=url, name="tablet", removed_revs=removed_revs or {}),  # noqa: S603
                               cwd=workdir, capture_output=True, timeout=120, check=False)
    return pouch_report(completed, "pull_scope")


def ours(tag: str, ids: list[str]) -> set[str]:
    return {doc_id for doc_id in ids if tag in doc_id}


def test_tablet_holds_the_volunteers_scope_and_drops_what_leaves_it(server: LiveServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    volunteer = server.create_user("volunteer")
    admin_url = server.db_url("miteinander")
    world = seed(admin_url, tag, volunteer.user_id)
    ev1, ev2, people = world["ev1"], world["ev2"], world["people"]
    assigned = {f"registration:{ev1}:{p}" for p in people[:3]} | {f"checkin:{ev1}:{people[2]}"}
    public = {world["org"], ev1, ev2}

    first = tablet(tmp_path, volunteer.db_url())
    assert first["status"] == "complete"
    assert ours(tag, first["live"]) == public | assigned, "exactly the scope: no person records, no other event"

    event = requests.get(f"{admin_url}/{ev1}", timeout=10).json()
    unassigned = requests.put(f"{admin_url}/{ev1}", json={**event, "assigned_volunteers": []}, timeout=10)
    assert unassigned.status_code == 201

    second = tablet(tmp_path, volunteer.db_url(), {doc_id: world["revs"][doc_id] for doc_id in assigned})
    assert ours(tag, second["live"]) == public
    assert set(second["forgotten"]) == assigned
    assert second["leftovers"] == [], "the old revisions' content is compacted away on the device"

    event = requests.get(f"{admin_url}/{ev1}", timeout=10).json()
    requests.put(f"{admin_url}/{ev1}", json={**event, "assigned_volunteers": [volunteer.user_id]}, timeout=10)
    third = tablet(tmp_path, volunteer.db_url())
    assert set(third["reentered"]) == assigned
    assert ours(tag, third["live"]) == public | assigned, "a new assignment brings the older documents back"


def test_erasure_leaves_no_trace_in_the_store_or_on_devices(server: LiveServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    volunteer = server.create_user("volunteer")
    admin_url = server.db_url("miteinander")
    world = seed(admin_url, tag, volunteer.user_id)
    person = world["people"][2]
    before = tablet(tmp_path, volunteer.db_url())
    assert any(erasable_name(tag).encode() in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()), \
        "the device held the name before the erasure (else the last check proves nothing)"
    assert f"registration:{world['ev1']}:{person}" in before["live"]

    referring = [doc_id for doc_id in world["revs"] if doc_id.endswith(person)]
    assert len(referring) == 3  # the person record, a registration and a check-in
    body = {doc_id: [world["revs"][doc_id]] for doc_id in referring}
    purged = requests.post(admin_url + "/_purge", json=body, timeout=30)
    assert purged.status_code == 201 and set(purged.json()["purged"]) == set(referring)

    for doc_id in referring:
        assert requests.get(f"{admin_url}/{doc_id}", timeout=10).status_code == 404
    store_files = list((server.data_dir / "sync").glob("miteinander.sqlite*"))
    assert store_files
    name = erasable_name(tag).encode()
    for path in store_files:
        assert name not in path.read_bytes(), f"{path.name} still holds the erased name"

    after = tablet(tmp_path, volunteer.db_url(), {doc_id: world["revs"][doc_id] for doc_id in referring})
    assert not set(referring) & set(after["live"])
    assert set(after["forgotten"]) == set(referring) - {person}, "the device drops what it held"
    assert after["leftovers"] == []
    leveldb = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert name not in leveldb, "no copy of the name is left in the device's database files"


def test_non_admins_cannot_purge(server: LiveServer) -> None:
    coordinator = server.create_user("coordinator", "municipality:Wolfhagen")
    response = requests.post(coordinator.db_url() + "/_purge", json={"x": ["1-a"]}, timeout=10)
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
