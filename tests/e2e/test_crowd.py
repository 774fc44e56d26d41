"""A crowd of live tablets, small enough for the suite: the many-devices benchmark, untimed.

``bench/devices_bench.py`` runs real PouchDB 9 tablets in Node, each with its own database
and connections, in live two-way sync with retry, writing check-ins for ten seconds. Here it
runs against our gateway only, and what is asserted is correctness, not speed: every write
reached the server exactly once and every tablet holds exactly what it should.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


def crowd(tmp_path: Path, *options: str) -> dict[str, Any]:
    """One benchmark run against our gateway; its result for the one device count asked."""
    report = tmp_path / "crowd.json"
    finished = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "devices_bench.py"), "--servers", "ours", "--duration", "10",
         "--converge-timeout", "60", "--json-out", str(report), *options],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert report.exists(), f"the benchmark wrote no report:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    results = json.loads(report.read_text())["results"]
    assert len(results) == 1, results
    return dict(results[0])


def assert_every_write_once_everywhere(result: dict[str, Any]) -> None:
    check = result["server_check"]
    assert check["ok"], f"the server does not hold every write exactly once: {check}"
    assert result["writes_made"] > 0 and result["writes_made"] == check["expected_doc_count"] - result["public_docs"]
    assert result["converged"], f"devices did not converge: {result['missing']}"
    assert result["deliveries"] == result["deliveries_expected"], (result["deliveries"], result["deliveries_expected"])
    assert result["extra_received"] == 0, "a device received check-ins outside its events"
    assert result["errors_run"]["fatal_errors"] == 0 and result["errors_run"]["unhandled"] == 0, result["errors_run"]


@pytest.mark.parametrize("variant", [["--devices", "60"], ["--devices", "30", "--access"]],
                         ids=["60 devices, one database", "30 volunteers, scoped by their events"])
def test_live_tablets_converge_with_every_write_on_the_server_exactly_once(tmp_path: Path,
                                                                           variant: list[str]) -> None:
    assert_every_write_once_everywhere(crowd(tmp_path, *variant))
