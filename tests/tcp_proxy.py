"""A TCP proxy that stands for one node of a CouchDB cluster in front of a shared server.

Two proxies to one pouchdb-server model two nodes of one cluster: both serve the same data,
and stopping a proxy is a node that goes away (its port refuses connections and the
connections it held are cut) while the other stays up. ``mode`` makes it misbehave instead:
``"swallow"`` accepts a request and never forwards or answers it (a node that hangs after a
request was sent), ``"cut"`` reads the request and closes the connection (a node that fails
after a request was sent).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http import HTTPStatus

import orjson

from tests.conftest import free_port

_METHODS = (b"GET ", b"PUT ", b"POST ", b"DELETE ", b"HEAD ", b"COPY ")


@dataclass
class TcpProxy:
    target_port: int
    port: int = field(default_factory=free_port)
    mode: str = "forward"
    status: int = 503  # what mode "fail" answers
    requests: int = 0  # chunks that open an HTTP request: a count of requests, near enough
    _listener: socket.socket | None = None
    _sockets: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self._spawn(self._accept, listener)
        return self

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)

    def become(self, mode: str, status: int = 503) -> None:
        """Behave as ``mode`` from now on (``status`` for ``"fail"``), on the same port."""
        self.stop()
        self.mode, self.status = mode, status
        self.start()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._track(client)
            if self.mode == "forward":
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self._track(upstream)
                self._spawn(self._pump, client, upstream, True)
                self._spawn(self._pump, upstream, client, False)
            elif self.mode == "fail":
                self._spawn(self._fail, client)
            else:
                self._spawn(self._misbehave, client)

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if outbound and chunk.startswith(_METHODS):
                    with self._lock:
                        self.requests += 1
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _misbehave(self, client: socket.socket) -> None:
        try:
            if client.recv(65536).startswith(_METHODS):
                with self._lock:
                    self.requests += 1
            if self.mode == "cut":
                client.close()
                return
            while client.recv(65536):  # swallow: hold the connection, never answer
                pass
        except OSError:
            pass

    def _fail(self, client: socket.socket) -> None:
        """Read each request on the connection whole (head, then ``Content-Length`` bytes) and
        answer it with ``status`` and a CouchDB-style error body; keep the connection."""
        pending = b""
        try:
            while True:
                while b"\r\n\r\n" not in pending:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    pending += chunk
                head, _, pending = pending.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(pending) < length:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    pending += chunk
                pending = pending[length:]
                with self._lock:
                    self.requests += 1
                status = HTTPStatus(self.status)
                body = orjson.dumps({"error": status.phrase.lower().replace(" ", "_"),
                                     "reason": "a stand-in for an unhealthy node"})
                client.sendall(f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/json\r\n"
                               f"Content-Length: {len(body)}\r\n\r\n".encode()
                               + (b"" if head.startswith(b"HEAD ") else body))
        except OSError:
            pass
