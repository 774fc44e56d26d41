"""The web app in a real headless Chromium against the live server.

pytest prepares accounts and documents over HTTP as the admin, runs ``browser.mjs`` once
(playwright-core driving Debian's /usr/bin/chromium; one JSON report), and then asserts on
the report and, over HTTP, on what arrived on the server. Screenshots of each role's main
screen in German, Arabic and Farsi go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import requests

from tests import factories
from tests.conftest import ADMIN, NODE_MODULES, ROOT, LiveServer, User

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(__file__).with_name("browser.mjs")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DB = "miteinander"
TOWN = "Vellmar"

NAMES = (
    "Amal Haddad", "Jonas Becker", "Olena Kovalenko", "Reza Ahmadi", "Fatma Yılmaz", "Sabine Krüger",
    "Mohammed Al-Sayed", "Hanna Schäfer", "Tesfay Gebremedhin", "Zahra Rahimi", "Lukas Wagner",
    "Nadia Haidari", "Emre Demir", "Iryna Shevchenko", "Leonie Hartmann", "Bilal Nasser", "Dilan Murad",
    "Sergej Petrow", "Ayşe Öztürk", "Farid Noori", "Mariam Sultani", "Paul Zimmermann", "Yusuf Karimi",
    "Anastasia Morozova", "Gül Arslan",
)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def admin_write(server: LiveServer, docs: list[dict[str, Any]]) -> None:
    response = requests.post(f"{server.url}/sync/{DB}/_bulk_docs", json={"docs": docs}, auth=ADMIN, timeout=30)
    assert response.status_code == 201, response.text
    failed = [result for result in response.json() if "error" in result]
    assert not failed, failed


def make_event(key: str, title: str, volunteers: list[str], org: str, now: datetime, *, days: int = 0
               ) -> dict[str, Any]:
    start = now + timedelta(days=days, minutes=-30)
    return factories.event(f"event:{key}", TOWN, created_at=iso(now), title={"de": title, "ar": f"{title} (ar)"},
                           kind="encounter", place="Bürgerhaus Vellmar, Saal 2", start=iso(start),
                           end=iso(start + timedelta(hours=4)), organization_id=org, assigned_volunteers=volunteers)


def registrations(event: dict[str, Any], names: tuple[str, ...], now: datetime) -> list[dict[str, Any]]:
    return [factories.registration(event["_id"], f"person:{uuid.uuid4().hex}", name, TOWN, created_at=iso(now),
                                   organization_id=event["organization_id"], registered_at=iso(now))
            for name in names]


def named_user(server: LiveServer, role: str, name: str, *scopes: str) -> User:
    """A new account with a display name (``users create --name``), as coordinators see it."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@test.example"
    password = f"pw-{uuid.uuid4().hex}"
    args = ["users", "create", email, "--role", role, "--password", password, "--name", name]
    for scope in scopes:
        args += ["--scope", scope]
    return User(email, password, server.flask(*args).stdout.split(" as ")[1].strip(), server)


VOLUNTEER_NAMES = ("Sabine Lotz", "Tarek Aziz", "Ute Brandt")
STALLED_CHECKINS = 8


def credentials(user: User) -> dict[str, str]:
    return {"email": user.email, "password": user.password, "user_id": user.user_id}


@pytest.fixture(scope="module")
def web_app() -> None:
    """The built app (``make test`` builds it too; building here keeps a direct pytest run honest)."""
    if not (NODE_MODULES / "esbuild").exists() or not (NODE_MODULES / "playwright-core").exists():
        raise RuntimeError("esbuild or playwright-core is not installed: run `make test`, which runs npm ci")
    completed = subprocess.run(["node", str(ROOT / "web" / "build.mjs")], cwd=ROOT, capture_output=True,  # noqa: S603,S607
                               text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="module")
def run(server: LiveServer, web_app: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Prepare the county, run every browser scenario once, and return the setup and the report."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `apt-get install -y chromium` (see .ci/run)")
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    org = f"org:e2e-{tag}"
    admin_write(server, [factories.organization(org, "Integrationsbüro Vellmar (Test)", TOWN, kind="office",
                                                created_at=iso(now))])

    volunteer = named_user(server, "volunteer", VOLUNTEER_NAMES[0])
    event = make_event(f"{tag}-sprachcafe", "Sprachcafé Vellmar", [volunteer.user_id], org, now)
    event_regs = registrations(event, NAMES, now)

    tablet_users = [named_user(server, "volunteer", name) for name in VOLUNTEER_NAMES[1:]]
    shared = make_event(f"{tag}-fest", "Begegnungsfest Vellmar", [u.user_id for u in tablet_users], org, now)
    shared_regs = registrations(shared, ("Ahmad Rahimi", "Claudia Weber", "Samira Aziz"), now)

    upcoming = make_event(f"{tag}-elterncafe", f"Elterncafé {tag}", [], org, now, days=3)
    coordinator = named_user(server, "coordinator", "Petra Vogt", f"municipality:{TOWN}")
    stalled_volunteer = named_user(server, "volunteer", "Jana Roth")
    stalled = make_event(f"{tag}-funklock", "Nähcafé Vellmar", [stalled_volunteer.user_id], org, now)
    stalled_regs = registrations(stalled, NAMES[:STALLED_CHECKINS], now)
    admin_write(server, [event, *event_regs, shared, *shared_regs, upcoming, stalled, *stalled_regs])

    resident = {"name": "Mina Ahmadi", "email": f"mina-{tag}@test.example", "password": f"pw-{uuid.uuid4().hex}",
                "municipality": TOWN}
    args = {
        "base": server.url,
        "outbox": str(server.outbox),
        "chromium": str(CHROMIUM),
        "screenshots": str(SCREENSHOTS),
        "volunteer": {"volunteer": credentials(volunteer), "event": {
            "id": event["_id"],
            "participants": [{"person": r["person_id"], "name": r["display_name"]} for r in event_regs]}},
        "two_tablets": [
            # Two volunteers on their own tablets, and one volunteer with two tablets.
            {"name": "two_volunteers", "tablets": [credentials(u) for u in tablet_users],
             "event": {"id": shared["_id"]}, "person": shared_regs[0]["person_id"]},
            {"name": "one_volunteer", "tablets": [credentials(tablet_users[0])] * 2,
             "event": {"id": shared["_id"]}, "person": shared_regs[1]["person_id"]},
            # The same again, then one tablet takes the check-in back.
            {"name": "undo_on_one", "tablets": [credentials(tablet_users[1])] * 2,
             "event": {"id": shared["_id"]}, "person": shared_regs[2]["person_id"], "undo": True},
        ],
        "resident": {"resident": resident, "event": {"id": upcoming["_id"], "title": upcoming["title"]["de"],
                                                     "municipality": TOWN, "organization_id": org},
                     "token": f"[e2e {tag}]"},
        "coordinator": credentials(coordinator),
        "stalled": {"volunteer": credentials(stalled_volunteer), "event": {"id": stalled["_id"]},
                    "count": STALLED_CHECKINS},
        "names": {"volunteer": VOLUNTEER_NAMES[0]},
        "admin": {"email": ADMIN[0], "password": ADMIN[1]},
    }
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    workdir = tmp_path_factory.mktemp("browser")
    completed = subprocess.run(["node", str(SCRIPT), json.dumps(args)], cwd=workdir,  # noqa: S603,S607
                               capture_output=True, timeout=240, check=False)
    lines = completed.stdout.decode().strip().splitlines()
    report = orjson.loads(lines[-1]) if lines else {}
    (ROOT / "test-output" / "browser-report.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    if completed.returncode != 0 or "error" in report:
        raise AssertionError(f"browser.mjs failed ({completed.returncode}): {report.get('error')}\n"
                             f"steps: {report.get('steps')}\nstderr: {completed.stderr.decode()[-3000:]}")
    return {"report": report, "args": args, "volunteer": volunteer, "tablets": tablet_users,
            "coordinator": coordinator, "event": event, "shared": shared, "upcoming": upcoming, "stalled": stalled}


def prefix_docs(server: LiveServer, prefix: str) -> list[dict[str, Any]]:
    response = requests.get(f"{server.url}/sync/{DB}/_all_docs", auth=ADMIN, timeout=30, params={
        "startkey": json.dumps(prefix), "endkey": json.dumps(prefix + "\uffff"), "include_docs": "true",
        "conflicts": "true"})
    assert response.status_code == 200, response.text
    return [row["doc"] for row in response.json()["rows"]]


def test_the_app_is_installable(run: dict[str, Any], server: LiveServer) -> None:
    report = run["report"]
    manifest = report["manifest"]
    assert manifest["name"].startswith("Miteinander") and manifest["short_name"] == "Miteinander"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["theme_color"]
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert all(icon["status"] == 200 and icon["content_type"].startswith(icon["type"]) for icon in manifest["icons"])
    assert report["sw_controller_after_reload"] is True
    assert report["sw_scope"] == server.url + "/"
    # The shell is public, data is not.
    assert requests.get(server.url + "/", timeout=10).status_code == 200
    assert requests.get(server.url + "/sw.js", timeout=10).headers["Content-Type"].startswith("text/javascript")
    assert requests.get(f"{server.url}/sync/{DB}/_all_docs", timeout=10).status_code == 401


def test_a_volunteer_checks_in_twenty_people_offline_and_everything_arrives_once(
        run: dict[str, Any], server: LiveServer) -> None:
    report, volunteer, event = run["report"], run["volunteer"], run["event"]
    assert report["offline"]["rows_after_reload"] == 25, "the app and its data came back offline"
    assert report["offline"]["connection"] == "offline"
    # 20 check-ins, 1 walk-in, 1 hours entry, and the check-in made and undone
    assert report["offline"]["pending_before_online"] == 20 + 1 + 1 + 1
    assert report["search_ms_max"] < 2000
    assert report["refused_after_sync"] == 0

    docs = prefix_docs(server, f"checkin:{event['_id']}:")
    checkins = [doc for doc in docs if "person_id" in doc]
    walk_ins = [doc for doc in docs if "walk_in" in doc]
    assert len(checkins) == 20 and len(walk_ins) == 1 and len(docs) == 21
    assert walk_ins[0]["_id"].startswith(f"checkin:{event['_id']}:walkin:")
    assert walk_ins[0]["walk_in"]["display_name"] == "Walid Younes"
    assert walk_ins[0]["walk_in"]["consent"]["purpose"] == "registration"
    report["volunteer_local_checkins"] = [i for i in report["volunteer_local_checkins"] if ":walkin:" not in i]
    assert sorted(doc["_id"] for doc in checkins) == sorted(report["volunteer_local_checkins"])
    registered = {f"checkin:{event['_id']}:{p['person']}" for p in run["args"]["volunteer"]["event"]["participants"]}
    for doc in checkins:
        assert doc["_id"] in registered
        assert doc["_rev"].startswith("1-") and "_conflicts" not in doc, "written once, no duplicates"
        assert doc["by"] == volunteer.user_id and doc["device_id"] == report["volunteer_device_id"]
        assert doc["municipality"] == TOWN and doc["organization_id"] == event["organization_id"]
    undone = requests.get(f"{server.url}/sync/{DB}/checkin:{event['_id']}:{report['undone_person']}",
                          auth=ADMIN, timeout=10)
    assert undone.status_code == 404, "the undone check-in is deleted on the server as well"

    hours = prefix_docs(server, f"hours:{volunteer.user_id}:")
    assert len(hours) == 1
    assert hours[0]["minutes"] == 90, "typed as 1,5"
    assert hours[0]["event_id"] == event["_id"] and hours[0]["municipality"] == TOWN
    assert hours[0]["_rev"].startswith("2-"), "logged once (pending), then decided once by the coordinator"


def test_a_double_tap_checks_in_and_never_undoes(run: dict[str, Any]) -> None:
    tap = run["report"]["double_tap"]
    assert tap["present"] == "true" and tap["local"] is True, "two taps 250 ms apart leave the person checked in"
    assert tap["newly_present"] == 1, "and check in nobody else: the next row does not slide under the finger"
    assert "undo" not in tap["under_finger"], "undo never takes the place of the check-in button"
    assert "present-mark" in tap["under_finger"]


def test_hours_are_typed_with_a_comma_and_implausible_ones_are_refused(run: dict[str, Any]) -> None:
    hours = run["report"]["hours"]
    assert hours["input_type"] == "text" and hours["inputmode"] == "decimal"
    assert "12 Stunden" in hours["too_long"], hours
    assert "Zukunft" in hours["future"], hours
    assert hours["errors_after_save"] == 0
    # What was stored (1,5 -> 90 minutes) is asserted in the offline volunteer test above.


def test_attendance_counts_agree_on_every_screen(run: dict[str, Any]) -> None:
    counts = run["report"]["counts"]
    expected = "20 von 25 Angemeldeten da · 1 ohne Anmeldung"
    assert counts["card"] == counts["detail"] == counts["coordinator_detail"] == expected, counts
    assert counts["coordinator_table"] == {"registered": "25", "present": "20", "walkIns": "1", "participants": "21"}


def test_farsi_dates_are_gregorian_and_no_dot_reads_as_a_zero(run: dict[str, Any]) -> None:
    farsi = run["report"]["volunteer_fa"]
    assert farsi["dir"] == "rtl" and farsi["lang"] == "fa"
    year = str(datetime.fromisoformat(run["event"]["start"]).year).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert year in farsi["meta"], farsi["meta"]
    assert "۱۴۰" not in farsi["meta"], "not the Solar Hijri year"
    assert "·" not in farsi["body"], farsi["body"]
    assert "،" in farsi["counts"] and "۲۰" in farsi["counts"], farsi["counts"]


def test_an_undo_on_one_of_two_tablets_removes_every_version(run: dict[str, Any], server: LiveServer) -> None:
    report = run["report"]["two_tablets"]["undo_on_one"]
    assert report["states"][0]["live_leaves"] == 2, "the same account on two tablets left two versions"
    after = report["after_undo"]
    assert after["present_on_tablets"] == ["false", "false"] and after["local_live_leaves"] == [0, 0]
    assert len(after["server_leaves"]) == 2 and all(leaf["deleted"] for leaf in after["server_leaves"])
    case = run["args"]["two_tablets"][2]
    gone = requests.get(f"{server.url}/sync/{DB}/checkin:{case['event']['id']}:{case['person']}",
                        auth=ADMIN, timeout=10)
    assert gone.status_code == 404


def test_a_coordinator_approves_hours_and_decides_a_conflict(run: dict[str, Any], server: LiveServer) -> None:
    report, coordinator = run["report"], run["coordinator"]
    [hours] = prefix_docs(server, f"hours:{run['volunteer'].user_id}:")
    assert hours["status"] == "approved" and hours["decided_by"] == coordinator.user_id
    assert "1" in report["hours_decision"]
    case = run["args"]["two_tablets"][1]
    decided = requests.get(f"{server.url}/sync/{DB}/checkin:{case['event']['id']}:{case['person']}",
                           params={"conflicts": "true"}, auth=ADMIN, timeout=10).json()
    assert "_conflicts" not in decided, "the coordinator's decision removed the other version"


def test_coordinators_see_people_by_name_and_conflicts_in_plain_words(run: dict[str, Any]) -> None:
    names = run["report"]["names"]
    assert names["hours_volunteer"] == VOLUNTEER_NAMES[0]
    assert VOLUNTEER_NAMES[0] in names["event_detail"], "who checked people in, by name"
    assert {f"{name} (Ehrenamt)" for name in VOLUNTEER_NAMES} <= set(names["assignees"]), names["assignees"]
    conflict = names["conflict"]
    # "Claudia Weber · Begegnungsfest Vellmar · <date>", each version by its volunteer, device and local time.
    assert "Claudia Weber" in conflict and "Begegnungsfest Vellmar" in conflict, conflict
    assert VOLUNTEER_NAMES[1] in conflict and "Gerät A" in conflict and "Gerät B" in conflict, conflict
    for page in (conflict, names["event_detail"], "\n".join(names["assignees"])):
        assert "user:" not in page and "checkin:" not in page and "device-" not in page, page
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page), "no UTC ISO timestamps"


@pytest.mark.parametrize("pair", ["two_volunteers", "one_volunteer"])
def test_two_tablets_checking_in_the_same_person_converge_on_one_document(
        run: dict[str, Any], server: LiveServer, pair: str) -> None:
    report, shared = run["report"]["two_tablets"][pair], run["shared"]
    person = next(case["person"] for case in run["args"]["two_tablets"] if case["name"] == pair)
    doc_id = f"checkin:{shared['_id']}:{person}"
    assert report["offline_pending"] == [1, 1], "each tablet checked the person in offline"
    first, second = report["states"]
    assert first == second, "both tablets end on the same winning revision, conflicts and leaves"
    assert first["refused"] == 0 and report["present_on_tablets"] == ["true", "true"]
    assert len(set(report["device_ids"])) == 2
    assert report["server"]["rev"] == first["rev"] and report["server"]["conflicts"] == first["conflicts"]
    assert report["server"]["device_id"] in report["device_ids"]
    if pair == "one_volunteer":
        # The same account on two tablets: the server keeps both versions until a rule or a person decides.
        assert len(first["conflicts"]) == 1 and first["live_leaves"] == 2
    ids = [doc["_id"] for doc in prefix_docs(server, f"checkin:{shared['_id']}:")]
    assert ids.count(doc_id) == 1, "one check-in document, never two"


def test_a_resident_registers_and_asks_for_contact_which_a_coordinator_takes_on(
        run: dict[str, Any], server: LiveServer) -> None:
    report, coordinator = run["report"], run["coordinator"]
    resident = run["args"]["resident"]["resident"]
    token = run["args"]["resident"]["token"]
    login = requests.post(server.url + "/api/auth/token", json={"email": resident["email"],
                                                               "password": resident["password"]}, timeout=10)
    assert login.status_code == 201 and login.json()["role"] == "resident"
    people = [doc for doc in prefix_docs(server, "person:") if doc.get("display_name") == resident["name"]]
    assert len(people) == 1
    person = people[0]
    assert person["contact"] == {"phone": "+49 561 123456"}
    assert sorted(person["languages"]) == ["ar", "de"]

    signup = requests.get(f"{server.url}/sync/{DB}/registration:{run['upcoming']['_id']}:{person['_id']}",
                          auth=ADMIN, timeout=10)
    assert signup.status_code == 200 and signup.json()["status"] == "registered"

    assert report["resident_export"] == {"name": resident["name"], "email": resident["email"], "registrations": 1,
                                         "contact_requests": 1, "checkins": 1, "file": "miteinander-meine-daten.json"}
    erasure = [doc for doc in prefix_docs(server, "contact:")
               if doc.get("person_id") == person["_id"] and doc.get("message") == "Bitte meine Daten löschen."]
    assert len(erasure) == 1 and erasure[0]["topic"] == "other" and erasure[0]["status"] == "new"
    requests_ = [doc for doc in prefix_docs(server, "contact:") if token in doc.get("message", "")]
    assert len(requests_) == 1
    request = requests_[0]
    assert report["coordinator_saw_request"]["id"] == request["_id"]
    assert report["coordinator_saw_request"]["status"] == "new"
    assert "Mina Ahmadi" in report["coordinator_saw_request"]["requester"]
    assert request["person_id"] == person["_id"] and request["topic"] == "interpreter" and request["language"] == "fa"
    assert request["status"] == "assigned" and request["assignee"] == coordinator.user_id
    assert [step["status"] for step in request["history"]] == ["new", "assigned"]
    assert report["coordinator_assigned_status"] == "assigned"
    assert report["report_charts"] == 4
    assert report["register_errors"] == [
        "Das Passwort ist zu kurz: Es braucht mindestens 10 Zeichen.", "Bitte Ihren Wohnort wählen.",
        "Ohne Ihre Einwilligung können wir kein Konto anlegen. Bitte lesen Sie den Text und setzen Sie das Häkchen."]
    assert report["register_hash_after_errors"] == "#/register"
    assert report["register_sent"].startswith("Bitte prüfen Sie Ihr Postfach"), report["register_sent"]
    assert f"eine E-Mail an {resident['email']} geschickt" in report["register_sent"]
    assert report["register_sent_focus"] == "H1", "the new heading takes the focus, so a screen reader reads it"
    assert report["confirm_invalid"] == ("Dieser Link ist ungültig oder abgelaufen. Bitte registrieren Sie sich "
                                         "noch einmal – oder melden Sie sich an, wenn Ihr Konto schon bestätigt ist.")
    assert report["resident_safe_shown"] == 0 and report["volunteer_safe_shown"] == 1


def test_my_data_shows_and_exports_everything_in_words(run: dict[str, Any]) -> None:
    report, resident = run["report"], run["args"]["resident"]["resident"]
    screen, text = report["resident_data_screen"], report["resident_export_text"]
    assert resident["email"] in screen, "the stored address is shown, not '–'"
    assert "Ihre Teilnahmen (Check-ins)" in screen and f"{run['upcoming']['title']['de']} · da um" in screen, screen
    for page in (screen, text):
        for prefix in ("person:", "event:", "user:", "registration:", "checkin:", "contact:", "device-"):
            assert prefix not in page, (prefix, page)
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page), "local dates, not ISO strings"
    assert '"Veranstaltung": "' + run["upcoming"]["title"]["de"] in text and '"Stand": "angemeldet"' in text


def test_the_csv_export_is_ready_for_a_german_spreadsheet(run: dict[str, Any]) -> None:
    report = run["report"]
    assert report["csv_head"] == ("\ufeffMonat;Programm;Ort;Art der Veranstaltung;Veranstaltungen;Teilnehmende;"
                                  "davon ohne Anmeldung")
    header, *rows = [line for line in report["csv_hours"] if line]
    assert header == "\ufeffMonat;Ort;Tätigkeit;Stunden;Einträge;Ehrenamtliche"
    # The month of the day worked: the form offers the event's day (in Berlin), which around
    # midnight at a month's end is not the month of the moment the test runs.
    month = report["hours"]["date"][:7]
    assert report["hours"]["date"] == datetime.fromisoformat(run["event"]["start"]).astimezone(
        ZoneInfo("Europe/Berlin")).date().isoformat()
    assert f"{month};{TOWN};Unterstützung bei Veranstaltung;1,5;1;1" in rows, rows
    assert not any("event_support" in row for row in rows)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS "rgb(r, g, b)" colours."""
    def luminance(color: str) -> float:
        channels = [int(value) / 255 for value in color[color.index("(") + 1:].rstrip(")").split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_focus_ring_borders_links_and_headings_are_accessible(run: dict[str, Any]) -> None:
    looks = run["report"]["register_looks"]
    assert looks["focused"] == "email" and looks["outline_style"] == "solid"
    page = "rgb(244, 246, 247)"  # --background, around the card
    for ground in (looks["surface"], page):
        assert contrast(looks["outline"], ground) >= 3, looks
        assert contrast(looks["border"], ground) >= 3, looks
    assert looks["link_height"] >= 24
    headings = run["report"]["resident_headings"]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False)), headings


def test_every_tap_target_is_at_least_44_px_on_the_tablet(run: dict[str, Any]) -> None:
    """Buttons, links, fields and checkbox labels on every screen of every role, at 1024x768
    (links inside a sentence excepted, WCAG 2.5.8; see ``tapTargets`` in browser.mjs)."""
    measured = run["report"]["tap_targets"]
    screens = {"login-ar", "register-de", "register-sent-de", "confirm-invalid-de",
               "volunteer-de", "volunteer-checkin-offline-de", "volunteer-walkin-de",
               "volunteer-hours-de", "resident-de", "resident-contact-de", "resident-data-de", "coordinator-de",
               "coordinator-contacts-de", "coordinator-hours-de", "coordinator-conflicts-de",
               "coordinator-reports-de", "coordinator-ar", "admin-devices-de"}
    assert screens <= set(measured), sorted(screens - set(measured))
    assert {name: small for name, small in measured.items() if small} == {}


def test_an_admin_blocks_a_tablet_on_the_devices_screen_and_it_logs_out_and_wipes(
        run: dict[str, Any], server: LiveServer) -> None:
    revoked, volunteer = run["report"]["revoked"], run["volunteer"]
    # The admin found the tablet by the volunteer and the device, with when it signed in and was last used.
    assert volunteer.email in revoked["row"] and revoked["device"] in revoked["row"], revoked["row"]
    assert "Chrome" in revoked["row"] and "Ehrenamt" in revoked["row"], revoked["row"]
    assert str(datetime.now(ZoneInfo("Europe/Berlin")).year) in revoked["row"], "when it signed in"
    assert "sperren" in revoked["dialogs"][0] and revoked["device"] not in revoked["dialogs"][0], revoked["dialogs"]
    assert "abgemeldet" in revoked["notice"]
    assert not [s for s in requests.get(server.url + "/api/devices/sessions", auth=ADMIN, timeout=10).json()
                if s["device_id"] == revoked["device"]], "every session of the tablet ended"
    assert revoked["db_before"] is True and revoked["db_after"] is False, "personal data left the device"
    assert revoked["session_after"] is None and revoked["hash"] == "#/login"
    assert "gelöscht" in revoked["message"]
    # The check-in tapped after the revocation never reached the server.
    assert len(prefix_docs(server, f"checkin:{run['event']['_id']}:")) == 20 + 1


def test_arabic_renders_right_to_left_and_screenshots_exist(run: dict[str, Any]) -> None:
    report = run["report"]
    for key in ("login_ar", "volunteer_ar", "resident_ar", "coordinator_ar"):
        assert report[key] == {"dir": "rtl", "lang": "ar"}, key
    for role in ("volunteer", "resident", "coordinator"):
        for language in ("de", "ar"):
            shot = SCREENSHOTS / f"{role}-{language}.png"
            assert shot.exists() and shot.stat().st_size > 10_000, shot


def test_farsi_renders_right_to_left_and_screenshots_exist_for_every_role(run: dict[str, Any]) -> None:
    report = run["report"]
    for key in ("volunteer_fa", "resident_fa", "coordinator_fa"):
        assert {k: report[key][k] for k in ("dir", "lang")} == {"dir": "rtl", "lang": "fa"}, key
    for role in ("volunteer", "resident", "coordinator"):
        shot = SCREENSHOTS / f"{role}-fa.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot


def test_the_run_is_quick_and_clean(run: dict[str, Any]) -> None:
    report = run["report"]
    assert report["total_ms"] < 180_000, report["steps"]
    assert report["sync_after_online_ms"] < 30_000
    assert report["console_errors"] == []


def test_a_stalled_replication_is_restarted_and_everything_arrives_once(
        run: dict[str, Any], server: LiveServer) -> None:
    stalled = run["report"]["stalled"]
    assert stalled["held"] == 1 and stalled["cut_off"] == 1, "the link cut a push and a feed after their headers"
    assert stalled["notice"] == "Die Übertragung hing und wurde neu gestartet.", stalled
    docs = prefix_docs(server, f"checkin:{run['stalled']['_id']}:")
    assert len(docs) == STALLED_CHECKINS
    assert all(doc["_rev"].startswith("1-") and "_conflicts" not in doc for doc in docs), "each written once"


def test_uploads_are_gzipped(run: dict[str, Any]) -> None:
    uploads = run["report"]["stalled"]["uploads"]
    pushes = [upload for upload in uploads if upload["endpoint"] == "_bulk_docs"]
    assert pushes and all(upload["gzip"] == (upload["plain"] >= 512) for upload in uploads), uploads
    assert sum(u["wire"] for u in pushes) * 2 < sum(u["plain"] for u in pushes), pushes


def test_axe_finds_no_violation_on_any_screen(run: dict[str, Any]) -> None:
    axe = run["report"]["axe"]
    assert len(axe) >= 12, sorted(axe)
    assert {name: found for name, found in axe.items() if found} == {}


def test_the_tablet_keeps_a_token_never_the_password(run: dict[str, Any]) -> None:
    """Revoking a device ends its token at once; that is enough only if the device never held
    the password (HTTP Basic, for tools, is ended by a new password or a blocked account)."""
    searched = run["report"]["password_on_device"]
    assert searched["databases"] >= 1, "the app's local databases were searched"
    assert searched["found"] == [] and searched["cached"] is False, searched
