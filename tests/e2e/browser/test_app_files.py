"""The web app's own files agree with the server: domain lists, translations, public endpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from schemas import TYPES
from schemas.contact_request import CONTACT_STATUSES, CONTACT_TOPICS
from schemas.event import EVENT_KINDS
from schemas.hours import ACTIVITIES, HOURS_STATUSES
from schemas.languages import LANGUAGES
from schemas.municipalities import MUNICIPALITIES
from server.access.identity import PUBLIC_ENDPOINTS
from tests.conftest import ROOT

SRC = ROOT / "web" / "src"
I18N = SRC / "i18n"
UI_LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru")


def messages(language: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
    return loaded


def test_the_apps_lists_are_the_schemas_lists() -> None:
    domain = json.loads((SRC / "domain.json").read_text(encoding="utf-8"))
    assert domain == {
        "municipalities": list(MUNICIPALITIES), "languages": list(LANGUAGES),
        "contact_topics": list(CONTACT_TOPICS), "contact_statuses": list(CONTACT_STATUSES),
        "activities": list(ACTIVITIES), "hours_statuses": list(HOURS_STATUSES), "event_kinds": list(EVENT_KINDS),
        "id_prefixes": {name: entry.id_prefix for name, entry in TYPES.items()},
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
    keys |= {f"eventKind.{k}" for k in EVENT_KINDS}
    keys |= {f"csv.{c}" for c in ("month", "programme", "municipality", "kind", "events", "participants", "walk_ins",
                                  "activity", "hours", "entries", "volunteers", "file.participants", "file.hours")}
    return keys


def plural_base(key: str) -> str:
    return re.sub(r"\.(zero|one|two|few|many|other)$", "", key)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_language_has_every_string() -> None:
    """Each of the seven languages has every key of German: nothing falls back to English or German."""
    german = messages("de")
    assert {key for key in used_keys() if key not in german and f"{key}.other" not in german} == set()
    for language in UI_LANGUAGES[1:]:
        translated = messages(language)
        missing = {key for key in german if key not in translated}
        assert not missing, (language, sorted(missing))
        extra = {key for key in translated if key not in german and f"{plural_base(key)}.other" not in german}
        assert not extra, (language, sorted(extra))
        for key, text in translated.items():
            # A plural form may name {count} where German's "one" does not (Russian "one" is also 21, 31 ...).
            variants = [german[k] for k in german if k == key or plural_base(k) == plural_base(key) != k]
            assert placeholders(text) <= set().union(*map(placeholders, variants)), (language, key)


def test_only_the_app_shell_is_public() -> None:
    web = {endpoint for endpoint in PUBLIC_ENDPOINTS if endpoint.startswith("web.")}
    assert web == {"web.shell", "web.service_worker", "web.manifest", "web.asset"}
    assert all(PUBLIC_ENDPOINTS[endpoint] == frozenset({"GET", "HEAD"}) for endpoint in web)


def test_the_service_worker_never_caches_data() -> None:
    worker = (SRC / "sw.js").read_text(encoding="utf-8")
    assert "NETWORK_ONLY = ['/api/', '/sync/']" in worker
    assert Path(SRC / "index.html").read_text(encoding="utf-8").count("https://") == 0, "nothing from the internet"
