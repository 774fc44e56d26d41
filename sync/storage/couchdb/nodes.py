"""The nodes of one CouchDB cluster behind ``COUCHDB_URL``, and which of them to ask next.

``COUCHDB_URL`` names one node or several, comma-separated. Every entry is a URL; an entry
without a scheme (``b:5984``) takes the scheme and credentials of the first entry, so a
cluster's one admin is written once: ``http://admin:pw@a:5984,b:5984,c:5984``. An entry with
its own credentials keeps them. A comma inside a password is written ``%2C``.

Every node of a CouchDB cluster serves the whole cluster's data, and its sequences are valid
on every node (they name shard copies, not the coordinator), so any healthy node will do. The
pool hands them out in rotation. A node that stops answering, or answers that it is unwell
(a 5xx), is left out for a while, twice as long after each failure in a row (up to a bound);
when that time is up, one request tries it again (the others keep to the healthy nodes
meanwhile), and one success brings it back into the rotation. That request is a read, which
can go on to another node however the node fails it again; writes keep to the healthy nodes.
If every node is down, they are all still tried, the one due back first first: a request
costs a refused connection, and service resumes as soon as one answers.

Pure apart from the clock, which is passed in, so the tests drive it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class Node:
    """One CouchDB node: its base URL (no credentials) and the Basic auth to send it."""

    base: str
    auth: tuple[str, str] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.base


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds a failed node is left out: ``first`` after one failure, doubling with each
    further failure in a row, never more than ``most``; ``probe`` is how long the other
    requests keep off a node while one request tries it again."""

    first: float = 1.0
    most: float = 10.0
    probe: float = 5.0


DEFAULT_BACKOFF = Backoff()


@dataclass(slots=True)
class _Health:
    failures: int = 0  # in a row; 0 means healthy
    down_until: float = 0.0


def parse_nodes(url: str) -> list[Node]:
    """The nodes ``COUCHDB_URL`` names (see the module's docstring for the forms).

    :param url: one URL, or several separated by commas
    :raises ValueError: if an entry is not an http(s) URL with a host, or a node is named twice
    """
    entries = [entry.strip() for entry in url.split(",") if entry.strip()]
    if not entries:
        raise ValueError("COUCHDB_URL must be an http(s) URL")
    nodes: list[Node] = []
    first = urlsplit(entries[0])
    for entry in entries:
        parts = urlsplit(entry if "://" in entry else f"{first.scheme}://{entry}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("COUCHDB_URL must be an http(s) URL, or several separated by commas")
        credentials = parts if parts.username is not None or "://" in entry else first
        auth = None
        if credentials.username is not None:
            auth = (unquote(credentials.username), unquote(credentials.password or ""))
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        if ":" in parts.hostname:  # IPv6 literal
            host = f"[{parts.hostname}]" + ("" if parts.port is None else f":{parts.port}")
        nodes.append(Node(urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")), auth))
    if len({node.base for node in nodes}) != len(nodes):
        raise ValueError("COUCHDB_URL names the same node twice")
    return nodes


class NodePool:
    """Which node to ask: healthy ones in rotation, failed ones left out for a bounded time.

    Thread-safe. :meth:`plan` gives the order in which one request tries the nodes; the
    request reports each outcome with :meth:`succeeded` or :meth:`failed`.
    """

    def __init__(self, nodes: list[Node], backoff: Backoff = DEFAULT_BACKOFF,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not nodes:
            raise ValueError("at least one node")
        self.nodes = list(nodes)
        self.backoff = backoff
        self._clock = clock
        self._lock = threading.Lock()
        self._health = {node: _Health() for node in self.nodes}
        self._next = 0

    def plan(self, probe: bool = True) -> list[Node]:
        """Every node once, in the order to try them: first a node whose rest is over (this
        request tries it; concurrent plans keep it last for ``Backoff.probe`` seconds), then
        the healthy ones starting at the next in rotation, then the nodes still left out, the
        one due back first first.

        :param probe: whether this request may be the one that tries a node whose rest is
            over; a request that could not go on to another node if that node failed it
            again (a write answered with a 5xx) passes ``False``, and such a node comes after
            the healthy ones and stays due for the next request that may try it
        """
        with self._lock:
            now = self._clock()
            start = self._next
            self._next = (self._next + 1) % len(self.nodes)
            rotated = self.nodes[start:] + self.nodes[:start]
            probing: list[Node] = []
            ready: list[Node] = []
            resting: list[Node] = []
            for node in rotated:
                health = self._health[node]
                if health.failures and health.down_until <= now:
                    if probe:
                        health.down_until = now + self.backoff.probe  # this request tries it first
                    probing.append(node)
                elif health.down_until <= now:
                    ready.append(node)
                else:
                    resting.append(node)
            resting.sort(key=lambda node: self._health[node].down_until)
            return probing + ready + resting if probe else ready + probing + resting

    def succeeded(self, node: Node) -> None:
        """The node answered: it is healthy again."""
        with self._lock:
            self._health[node] = _Health()

    def failed(self, node: Node) -> None:
        """The node did not answer: leave it out, longer with each failure in a row."""
        with self._lock:
            health = self._health[node]
            health.failures += 1
            pause = min(self.backoff.first * 2 ** min(health.failures - 1, 30), self.backoff.most)
            health.down_until = self._clock() + pause

    def is_down(self, node: Node) -> bool:
        """Whether the node is being left out now."""
        with self._lock:
            return self._health[node].down_until > self._clock()
