"""Funders' reports as JSON and CSV over the live server's REST API."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.factories import checkin, doc, event, hours, tag
from tests.server.api import Team, seed, team


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Team:
    return team(server)


def decided(people: Team, town: str, minutes: int, activity: str, day: str, status: str = "approved") -> dict[str, Any]:
    decision = {} if status == "pending" else {"decided_by": people.coordinator.user_id,
                                                 "decided_at": f"{day}T20:00:00Z"}
    return hours(people.volunteer.user_id, town, minutes, activity=activity, date=day, status=status, **decision)


@pytest.fixture(scope="module")
def month(server: LiveServer, people: Team) -> str:
    """A month of a far year that only this module uses, with events, check-ins and hours in it."""
    month = f"{random.randint(3000, 9999)}-03"  # a far year keeps the shared server's data apart
    at, day = f"{month}-14T18:00:00+01:00", f"{month}-14"
    org = f"org:wir-{tag()}"
    cafe1, cafe2, course, vellmar = (f"event:{tag()}" for _ in range(4))
    by = people.volunteer.user_id
    seed(server,
         doc("organization", org, name="WIR-Lotsen Fuldabrück", kind="programme", programme="WIR"),
         event(cafe1, "Söhrewald", programme="VIPs", start=at, end=at),
         event(cafe2, "Söhrewald", programme="VIPs", start=at, end=at),
         event(course, "Fuldabrück", kind="course", organization_id=org, start=at, end=at),
         event(vellmar, "Vellmar", programme="VIPs", start=at, end=at),
         checkin(cafe1, by, "Söhrewald", person_id=f"person:{tag()}", at=at),
         checkin(cafe1, by, "Söhrewald", person_id=f"person:{tag()}", at=at),
         checkin(cafe1, by, "Söhrewald", walk_in="Jürgen Müller", at=at),
         checkin(cafe2, by, "Söhrewald", person_id=f"person:{tag()}", at=at),
         checkin(course, by, "Fuldabrück", person_id=f"person:{tag()}", at=at),
         checkin(vellmar, by, "Vellmar", person_id=f"person:{tag()}", at=at),
         decided(people, "Söhrewald", 90, "event_support", day),
         decided(people, "Söhrewald", 60, "event_support", day),
         decided(people, "Söhrewald", 45, "event_support", day, status="pending"),
         decided(people, "Fuldabrück", 125, "interpreting", day),
         decided(people, "Vellmar", 30, "interpreting", day))
    return month


def test_participants_per_month_programme_town_and_kind(people: Team, month: str) -> None:
    response = people.coordinator.get("/reports/participants", params={"from": month, "to": month})
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"month": month, "programme": "VIPs", "municipality": "Söhrewald", "kind": "language_cafe",
         "events": 2, "participants": 4, "walk_ins": 1},
        {"month": month, "programme": "WIR", "municipality": "Fuldabrück", "kind": "course",
         "events": 1, "participants": 1, "walk_ins": 0},
    ], "the Vellmar event is not in this coordinator's towns"
    only = people.coordinator.get("/reports/participants", params={"from": month, "to": month,
                                                                   "municipality": "Söhrewald"}).json()
    assert [row["municipality"] for row in only] == ["Söhrewald"]
    everything = people.admin.get("/reports/participants", params={"from": month, "to": month}).json()
    assert {row["municipality"] for row in everything} == {"Fuldabrück", "Söhrewald", "Vellmar"}


def test_approved_hours_per_month_town_and_activity(people: Team, month: str) -> None:
    response = people.coordinator.get("/reports/hours", params={"from": month, "to": month})
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"month": month, "municipality": "Fuldabrück", "activity": "interpreting", "hours": 2.1, "entries": 1,
         "volunteers": 1},
        {"month": month, "municipality": "Söhrewald", "activity": "event_support", "hours": 2.5, "entries": 2,
         "volunteers": 1},
    ]
    assert people.vellmar.get("/reports/hours", params={"from": month, "to": month}).json() == [
        {"month": month, "municipality": "Vellmar", "activity": "interpreting", "hours": 0.5, "entries": 1,
         "volunteers": 1}]


def test_csv_opens_in_a_spreadsheet_with_umlauts(people: Team, month: str) -> None:
    for report, header in (("participants", "month,programme,municipality,kind,events,participants,walk_ins"),
                           ("hours", "month,municipality,activity,hours,entries,volunteers")):
        response = people.coordinator.get(f"/reports/{report}", params={"from": month, "to": month, "format": "csv"})
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith(b"\xef\xbb\xbf"), "a BOM, so spreadsheets read UTF-8"
        text = response.content.decode("utf-8-sig")
        assert "Söhrewald" in text and "Fuldabrück" in text
        rows = list(csv.reader(io.StringIO(text)))
        assert ",".join(rows[0]) == header and len(rows) == 3
    hours_rows = list(csv.DictReader(io.StringIO(people.coordinator.get(
        "/reports/hours", params={"from": month, "to": month, "format": "csv"}).content.decode("utf-8-sig"))))
    assert [row["hours"] for row in hours_rows] == ["2.1", "2.5"]


def test_bad_report_arguments_and_roles(people: Team) -> None:
    for params in ({"from": "2026-13"}, {"to": "März"}, {"format": "xlsx"}, {"from": "2026-05", "to": "2026-04"},
                   {"municipality": "Berlin"}):
        assert people.coordinator.get("/reports/hours", params=params).status_code == 422, params
    assert people.volunteer.get("/reports/participants").status_code == 403
    assert people.resident.get("/reports/hours", params={"format": "csv"}).status_code == 403
