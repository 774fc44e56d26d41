"""SIGKILL in the middle of a large push: the store stays consistent and the next sync completes."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from tests.conftest import LiveServer, pouch_command, pouch_report, stop_process

COUNT = 10_000


def push(workdir: Path, url: str) -> Any:
    completed = subprocess.run(pouch_command("push_named", url=url, name="tablet", count=COUNT),  # noqa: S603
                               cwd=workdir, capture_output=True, timeout=300, check=False)
    return pouch_report(completed, "push_named")


def check_consistent(path: Path) -> int:
    """Open the file as SQLite recovery does and check every invariant the store relies on."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        meta = dict(db.execute("SELECT key, value FROM meta"))
        docs = db.execute("SELECT count(*), coalesce(max(seq), 0) FROM docs").fetchone()
        assert docs[0] == meta["doc_count"] + meta["doc_del_count"]
        assert docs[1] == meta["update_seq"], "the counter and the newest sequence move together"
        orphans = db.execute(
            "SELECT count(*) FROM docs WHERE NOT EXISTS "
            "(SELECT 1 FROM revs WHERE revs.doc_id = docs.id AND revs.rev = docs.winner)").fetchone()[0]
        assert orphans == 0, "every winning revision has its body"
        return int(meta["update_seq"])
    finally:
        db.close()


def test_sigkill_during_push_then_next_sync_completes(own_server: LiveServer, tmp_path: Path) -> None:
    url = own_server.db_url("crashdb")
    workdir = tmp_path / "tablet"
    workdir.mkdir()
    client = subprocess.Popen(pouch_command("push_named", url=url, name="tablet", count=COUNT),  # noqa: S603
                              cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        seq = 0
        while time.monotonic() < deadline and seq < 2_000:
            response = requests.get(url, timeout=5)
            seq = response.json()["update_seq"] if response.status_code == 200 else 0
            time.sleep(0.05)
        assert 2_000 <= seq < COUNT, f"the kill must land in the middle of the push (seq {seq})"
        own_server.kill()
        out, err = client.communicate(timeout=120)
        first = pouch_report(subprocess.CompletedProcess(client.args, client.returncode, out, err), "push_named")
    finally:
        stop_process(client)
    assert first["status"] == "error", "the client saw the server die"

    survived = check_consistent(own_server.data_dir / "sync" / "crashdb.sqlite")
    assert survived >= 2_000

    own_server.start()
    second = push(workdir, url)
    assert second["status"] == "complete"
    assert second["docs_read"] < COUNT, "the resumed push starts from its last checkpoint, not from zero"

    clean_url = own_server.db_url("cleandb")
    clean = push(workdir, clean_url)
    assert clean["status"] == "complete" and clean["docs_written"] == COUNT

    recovered = requests.get(url + "/_all_docs", timeout=60).json()["rows"]
    reference = requests.get(clean_url + "/_all_docs", timeout=60).json()["rows"]
    assert len(recovered) == COUNT
    assert recovered == reference, "the recovered database equals a clean run, rev for rev"
    assert {row["id"]: row["value"]["rev"] for row in recovered} == {
        doc_id: info["rev"] for doc_id, info in clean["snapshot"].items()}
    assert check_consistent(own_server.data_dir / "sync" / "crashdb.sqlite") >= COUNT
