"""L6: what the server tells someone who only asks: no database names, counts or source."""

from __future__ import annotations

import requests

from tests.attacks.conftest import County


def test_the_status_names_no_databases_without_an_admin_login(county: County) -> None:
    anonymous = requests.get(county.server.url + "/api/status", timeout=10).json()
    resident = county.olena.api("GET", "/api/status").json()
    admin = county.admin.api("GET", "/api/status").json()

    assert "databases" not in anonymous and "databases" not in resident
    assert "miteinander" in admin["databases"]


def test_a_resident_does_not_learn_how_many_records_the_county_holds(county: County) -> None:
    mine = requests.get(county.olena.db, timeout=10).json()
    everything = requests.get(county.admin.db, timeout=10).json()

    assert mine["doc_count"] == 0 and mine["doc_del_count"] == 0
    assert everything["doc_count"] > 0
    assert mine["update_seq"] is not None


def test_the_app_source_map_is_not_served(county: County) -> None:
    script = requests.get(county.server.url + "/assets/app.js", timeout=10)
    source_map = requests.get(county.server.url + "/assets/app.js.map", timeout=10)

    assert script.status_code == 200 and "sourceMappingURL" not in script.text[-200:]
    assert source_map.status_code == 404


def test_a_new_reader_does_not_learn_what_left_a_scope_before_they_synced(county: County) -> None:
    from tests.attacks.conftest import person

    tag = county.tag()
    withdrawn, = county.seed(person(tag, "Baunatal", "Zahra Ahmadi"))
    county.seed({**withdrawn, "consents": [{"purpose": "registration", "given_at": "2026-01-01T00:00:00Z",
                                            "withdrawn_at": "2026-02-01T00:00:00Z"}]})
    before = requests.get(f"{county.baunatal.db}/_removed", params={"since": "0"}, timeout=10)

    assert before.status_code == 200 and before.json()["results"] == []
    assert before.json()["last_seq"] not in (0, "0")
