"""Imports go one way, ``server -> sync``: the replication engine must load without Flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Imports every module of the sync package (so a new module is covered without editing this
# test), then prints how many it imported and which web-layer modules came along.
PROBE = """
import pkgutil, sys
{extra}
import sync, sync.storage
names = [info.name for info in pkgutil.walk_packages(sync.__path__, "sync.")]
for name in names:
    __import__(name)
print(len(names))
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {{"flask", "flask_smorest", "server"}})))
"""


def probe(extra: str = "") -> tuple[int, str]:
    """Run the probe in a fresh interpreter: (sync modules imported, web modules loaded)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(extra=extra)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    count, web_modules = (result.stdout.splitlines() + [""])[:2]
    return int(count), web_modules


def test_sync_imports_no_flask_and_no_server() -> None:
    count, web_modules = probe()
    assert count >= 8, "the probe should import every module of sync"
    assert web_modules == ""


def test_probe_sees_flask_when_it_is_loaded() -> None:
    """The check above can fail: the same probe reports Flask once something imports it."""
    _, web_modules = probe("import flask")
    assert "flask" in web_modules.split()
