"""L3: what a client puts in a request line cannot forge or split an access-log line."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import LiveServer, wait_for


def test_a_line_break_in_a_path_stays_on_its_own_log_line(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    server = LiveServer(tmp_path / "data", env={"ACCESS_LOG": str(log)}).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(b"GET /sync/x%0d%0a127.0.0.1%20%22GET%20/forged%22%20200 HTTP/1.1\r\n"
                               b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            connection.recv(65536)
        lines = wait_for(lambda: [line for line in log.read_text().splitlines() if "/sync/x" in line], 10)
    finally:
        server.stop()
    assert len(lines) == 1, lines
    assert "\\x0d\\x0a" in lines[0]
    assert not any(line.lstrip().startswith('127.0.0.1 "GET /forged') for line in log.read_text().splitlines())
