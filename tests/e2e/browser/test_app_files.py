"""The web app's own files agree with the server: domain lists, translations, public endpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from schemas.contact_request import CONTACT_STATUSES, CONTACT_TOPICS
from schemas.event import EVENT_KINDS
from schemas.hours import ACTIVITIES, HOURS_STATUSES
from schemas.languages import LANGUAGES
from schemas.municipalities import MUNICIPALITIES
from server.access.identity import PUBLIC_ENDPOINTS
from tests.conftest import ROOT

SRC = ROOT / "web" / "src"
I18N = SRC / "i18n"
COMPLETE = ("de", "en", "ar", "fa")
MAIN_SCREENS = ("nav.", "sync.", "login.", "register.", "consent.", "volunteer.", "checkin.", "hours.", "resident.",
                "contact.", "data.", "topic.", "contactStatus.", "role.")


def messages(language: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
    return loaded


def test_the_apps_lists_are_the_schemas_lists() -> None:
    domain = json.loads((SRC / "domain.json").read_text(encoding="utf-8"))
    assert domain == {
        "municipalities": list(MUNICIPALITIES), "languages": list(LANGUAGES),
        "contact_topics": list(CONTACT_TOPICS), "contact_statuses": list(CONTACT_STATUSES),
        "activities": list(ACTIVITIES), "hours_statuses": list(HOURS_STATUSES), "event_kinds": list(EVENT_KINDS),
    }


def used_keys() -> set[str]:
    """Keys passed literally to t(), plus the families built from the domain lists."""
    keys: set[str] = set()
    for path in SRC.rglob("*.js"):
        keys |= set(re.findall(r"\bt\(\s*'([\w.]+)'", path.read_text(encoding="utf-8")))
    keys |= {f"activity.{a}" for a in ACTIVITIES} | {f"topic.{t}" for t in CONTACT_TOPICS}
    keys |= {f"contactStatus.{s}" for s in CONTACT_STATUSES} | {f"hours.status.{s}" for s in HOURS_STATUSES}
    keys |= {f"sync.{c}" for c in ("online", "offline", "syncing", "connecting")}
    keys |= {f"role.{r}" for r in ("volunteer", "resident", "coordinator", "admin")}
    return keys


def plural_base(key: str) -> str:
    return re.sub(r"\.(zero|one|two|few|many|other)$", "", key)


def test_german_english_arabic_and_farsi_are_complete() -> None:
    german = messages("de")
    assert {key for key in used_keys() if key not in german and f"{key}.other" not in german} == set()
    for language in COMPLETE[1:]:
        translated = messages(language)
        missing = {key for key in german if key not in translated}
        assert not missing, (language, sorted(missing))
        for key, text in translated.items():
            placeholders = set(re.findall(r"\{(\w+)\}", text))
            source = german.get(key) or german[f"{plural_base(key)}.other"]
            assert placeholders <= set(re.findall(r"\{(\w+)\}", source)), (language, key)


def test_turkish_ukrainian_and_russian_cover_the_main_screens() -> None:
    german = messages("de")
    for language in ("tr", "uk", "ru"):
        translated = messages(language)
        assert set(translated) <= set(german) | {k for k in translated if plural_base(k) + ".other" in german}
        main = {plural_base(key) for key in german if key.startswith(MAIN_SCREENS)}
        covered = {plural_base(key) for key in translated}
        assert len(main & covered) / len(main) > 0.95, (language, sorted(main - covered))


def test_only_the_app_shell_is_public() -> None:
    web = {endpoint for endpoint in PUBLIC_ENDPOINTS if endpoint.startswith("web.")}
    assert web == {"web.shell", "web.service_worker", "web.manifest", "web.asset"}
    assert all(PUBLIC_ENDPOINTS[endpoint] == frozenset({"GET", "HEAD"}) for endpoint in web)


def test_the_service_worker_never_caches_data() -> None:
    worker = (SRC / "sw.js").read_text(encoding="utf-8")
    assert "NETWORK_ONLY = ['/api/', '/sync/']" in worker
    assert Path(SRC / "index.html").read_text(encoding="utf-8").count("https://") == 0, "nothing from the internet"
