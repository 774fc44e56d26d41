"""The HTTP client the CouchDB backend talks through: one pooled session, a timeout on every
request, and CouchDB's answers turned into :mod:`sync.errors`.

Whatever goes wrong on the way to CouchDB (refused connection, reset, timeout, a 5xx, our own
credentials refused) becomes ``503 service_unavailable`` with a reason that says what
happened, never a hang and never a 500; the server's error mapping adds ``Retry-After``.
The session's pool reconnects by itself, so service resumes when CouchDB is back.

The URL may hold credentials (``http://user:pass@host:5984``); they go into a Basic auth
header and never into a message or log line. It may name several nodes of one cluster,
comma-separated (:mod:`sync.storage.couchdb.nodes`); the client then fails over between them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from ... import errors
from .nodes import DEFAULT_BACKOFF, Backoff, Node, NodePool, parse_nodes

log = logging.getLogger(__name__)

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait: for a connection, and for an answer to an ordinary request."""

    connect: float = 3.0
    read: float = 30.0


DEFAULT_TIMEOUTS = Timeouts()


class CouchClient:
    """A thread-safe, pooled HTTP client for a CouchDB server or the nodes of one cluster.

    With several nodes (:mod:`sync.storage.couchdb.nodes`), requests go round the healthy
    ones. A request whose node cannot be reached (connection refused, connect timeout: the
    request was never sent) goes to the next node, whatever the request; so does a request
    the caller marks ``idempotent`` whose node timed out or broke the connection after it was
    sent. A write that may have been applied (not idempotent, sent, no answer) is not sent
    again anywhere: it is a 503 that says so, and the client decides (CouchDB applies a
    timed-out write once it proceeds, see ``couchdb-3.5-behaviour.md`` section 12).

    A node that answers 500, 502, 503 or 504 is up but unwell (a CouchDB node that has lost
    its peers answers 500 ``internal_server_error``): a read (:func:`only_reads`) is asked once
    more, of another healthy node; a write is not, since the node may have applied it, or
    the write itself may be what fails (a malformed ``_local`` rev is a 500, section 8), and
    is a 503 like a write that timed out. Nodes that fail in any of these ways are left out
    for a bounded time and come back after one success; only reads try them again.

    With one node, a connection error before sending is retried once by urllib3, an
    idempotent request is tried again once if the connection broke after sending (a pooled
    keep-alive connection the server had just closed), and a 5xx is a 503.
    """

    def __init__(self, url: str, timeouts: Timeouts = DEFAULT_TIMEOUTS, pool_size: int = 64,
                 backoff: Backoff = DEFAULT_BACKOFF) -> None:
        self.nodes = NodePool(parse_nodes(url), backoff)
        self.timeouts = timeouts
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment
        # Several nodes: a node that refuses is not asked twice; the next node is.
        connect_retries = 1 if len(self.nodes.nodes) == 1 else 0
        retry = Retry(total=1, connect=connect_retries, read=0, status=0, other=0, redirect=0,
                      raise_on_status=False)
        adapter = HTTPAdapter(pool_connections=max(4, len(self.nodes.nodes)), pool_maxsize=pool_size,
                              max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": JSON})

    @staticmethod
    def path(*segments: str) -> str:
        """The path of a resource below the server, each segment escaped (``_design/x`` stays one)."""
        return "".join("/" + quote(segment, safe="/" if segment.startswith(("_design/", "_local/")) else "")
                       for segment in segments)

    def request(
        self,
        method: str,
        *segments: str,
        params: Mapping[str, Any] | None = None,
        body: object = None,
        timeout: float | None = None,
        idempotent: bool = True,
        raw: bool = False,
    ) -> requests.Response:
        """Send one request and return the response if it is a success (2xx).

        :param params: query parameters; non-string values are sent as JSON
        :param body: a JSON body
        :param timeout: the read timeout for this request instead of the default
        :param idempotent: whether sending it twice does no harm, so that it may be sent
            again (to another node) after a timeout or a connection broken after sending
        :raises CouchError: CouchDB's own 4xx errors as ours; 503 for everything that means
            CouchDB cannot answer now
        """
        query = {key: value if isinstance(value, str) else orjson.dumps(value).decode()
                 for key, value in (params or {}).items()}
        return self._send(method, segments, query, body, timeout, idempotent, raw)

    def _send(self, method: str, segments: tuple[str, ...], query: Mapping[str, str], body: object,
              timeout: float | None, idempotent: bool, raw: bool, waits: bool = False) -> requests.Response:
        """Send one request to the nodes in turn until one answers (see the class docstring);
        return the answer if it is a success.

        :param waits: a read timeout is the end of a wait, not a failure of the node
        :raises _WaitOver: if it ``waits`` and the read timeout came
        :raises CouchError: as :meth:`request`
        """
        path = self.path(*segments)
        data = None if body is None else orjson.dumps(body)
        headers = {"Content-Type": JSON} if data is not None else None
        read_timeout = self.timeouts.read if timeout is None else timeout
        reads = only_reads(method, segments)
        several = len(self.nodes.nodes) > 1
        unreachable = errors.service_unavailable("CouchDB is unreachable; try again later")
        failure = unreachable
        attempts = self.nodes.plan(probe=reads)
        resent = rerouted = False
        while attempts:
            node = attempts.pop(0)
            try:
                response = self.session.request(method, node.base + path, params=query, data=data,
                                                headers=headers, auth=node.auth, stream=raw,
                                                timeout=(self.timeouts.connect, read_timeout))
            except (requests.Timeout, requests.ConnectionError) as error:
                outcome = _failure(error)
                if outcome == _TIMED_OUT and waits:
                    raise _WaitOver from None
                if outcome == _BROKEN and idempotent and not resent:
                    resent = True  # perhaps a stale keep-alive connection: once more, same node
                    attempts.insert(0, node)
                    continue
                self._failed(node, outcome)
                if outcome == _TIMED_OUT:
                    failure = errors.service_unavailable(
                        f"CouchDB did not answer within {read_timeout:g} s; try again later")
                else:
                    failure = unreachable
                if outcome != _UNSENT and not idempotent:
                    break  # it may have been applied: never send it twice
                continue
            except requests.RequestException as error:
                log.warning("CouchDB request failed: %s", type(error).__name__)
                raise errors.service_unavailable("CouchDB request failed; try again later") from None
            if several and response.status_code in _UNWELL:
                failure = _error_of(response)
                response.close()
                self._failed(node, f"answered {response.status_code}")
                if not reads or rerouted:
                    break  # a write may have been applied; a read is asked again once only
                rerouted = True
                attempts = [other for other in attempts if not self.nodes.is_down(other)][:1]
                continue
            self.nodes.succeeded(node)
            if response.status_code < 300:
                return response
            raise _error_of(response)
        raise failure

    def _failed(self, node: Node, outcome: str) -> None:
        """Leave a node that did not answer, or answered that it is unwell, out for a while."""
        self.nodes.failed(node)
        if len(self.nodes.nodes) > 1:
            log.warning("CouchDB node %s %s; leaving it out for a while", node, outcome)

    def json(self, method: str, *segments: str, **kwargs: Any) -> Any:
        """:meth:`request`, returning the decoded JSON body.

        :raises CouchError: as :meth:`request`; 503 if the body is not JSON
        """
        response = self.request(method, *segments, **kwargs)
        try:
            return orjson.loads(response.content)
        except (orjson.JSONDecodeError, requests.RequestException):
            raise errors.service_unavailable("CouchDB sent an unreadable answer; try again later") from None

    def longpoll(self, db: str, since: str, timeout: float, limit: int) -> dict[str, Any]:
        """Changes of ``db`` after ``since`` with their documents, waiting up to ``timeout``
        seconds for one; an empty page at ``since`` if none came.

        The wait is bounded by our own read timeout too, since pouchdb-server ignores
        ``timeout``; so a wait that ends without an answer is an empty page, not a failure,
        and the node is not left out for it. A node that cannot be reached or answers a 5xx
        is, and the wait goes to another node (a cluster's sequences are valid on every node).
        :raises CouchError: CouchDB's own errors; 503 if no node can be reached
        """
        params = {"feed": "longpoll", "since": since, "limit": str(limit), "include_docs": "true",
                  "timeout": str(max(int(timeout * 1000), 1))}
        try:
            response = self._send("GET", (db, "_changes"), params, None, timeout + 1.0, True, False, waits=True)
        except _WaitOver:
            return {"results": [], "last_seq": since}
        try:
            page: dict[str, Any] = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise errors.service_unavailable("CouchDB sent an unreadable answer; try again later") from None
        return page

    def close(self) -> None:
        """Close every pooled connection."""
        self.session.close()


class _WaitOver(Exception):
    """A wait (a longpoll) ended without an answer."""


# The answers that say a node is unwell rather than the request wrong: CouchDB's 500 and 503
# (a node cut off from its peers), and the 502 and 504 of a proxy in front of a node. Other
# 5xx (501) say the same on every node.
_UNWELL = frozenset({500, 502, 503, 504})

# The POSTs the store sends that only read, by their path below the database; asking one of
# them again changes nothing. Every other POST, PUT or DELETE is taken for a write.
_READING_POSTS = frozenset({("_all_docs",), ("_bulk_get",), ("_revs_diff",), ("_changes",)})


def only_reads(method: str, segments: tuple[str, ...]) -> bool:
    """Whether a request only reads: a GET or HEAD, one of :data:`_READING_POSTS`, or several
    view queries at once (``POST /db/_design/d/_view/v/queries``)."""
    if method in ("GET", "HEAD"):
        return True
    below = segments[1:]
    return method == "POST" and (below in _READING_POSTS
                                 or (len(below) == 4 and below[1] == "_view" and below[3] == "queries"))


# How a request to a node failed: never sent (nothing reached CouchDB), sent and no answer in
# time, or the connection broke after sending (the request may have been applied).
_UNSENT = "cannot be reached"
_TIMED_OUT = "did not answer in time"
_BROKEN = "broke the connection"


def _failure(error: requests.RequestException) -> str:
    """Which of the three ways a request failed."""
    if isinstance(error, requests.ConnectTimeout):
        return _UNSENT
    if _timed_out(error):
        return _TIMED_OUT
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NewConnectionError (refused, no route, name not resolved) is a ConnectTimeoutError.
    return _UNSENT if isinstance(reason, ConnectTimeoutError) else _BROKEN


def _timed_out(error: requests.RequestException) -> bool:
    """Whether CouchDB accepted the connection but did not answer in time (requests reports
    a read timeout that went through urllib3's retry accounting as a ConnectionError)."""
    if isinstance(error, requests.ReadTimeout):
        return True
    reason = error.args[0] if error.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, ReadTimeoutError)


def _error_of(response: requests.Response) -> errors.CouchError:
    """CouchDB's error answer as our error; the ones a client cannot cause become 503."""
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    error = str(payload.get("error", "unknown_error"))
    reason = str(payload.get("reason", ""))
    status = response.status_code
    if status >= 500:
        log.warning("CouchDB answered %s %s", status, error)
        return errors.service_unavailable(f"CouchDB answered {status} ({error}); try again later")
    if status in (401, 403):  # per-document refusals come as rows of _bulk_docs, not as the answer
        log.error("CouchDB refused the gateway's credentials (%s)", status)
        return errors.service_unavailable("CouchDB refused the gateway's credentials")
    return couch_error(status, error, reason)


def couch_error(status: int, error: str, reason: str) -> errors.CouchError:
    """A CouchDB error (whole answer or one row of ``_bulk_docs``) as our table's entry, so
    reasons read the same whichever store answers."""
    if error == "conflict":
        return errors.conflict()
    if error == "not_found":
        return errors.not_found(reason or "missing")
    if error == "file_exists":
        return errors.file_exists()
    if error == "missing_stub":
        return errors.missing_stub(reason)
    if error == "forbidden":
        return errors.forbidden(reason)
    if error in ("too_large", "document_too_large"):
        return errors.request_too_large(reason) if error == "too_large" else errors.document_too_large(reason)
    if error == "illegal_database_name":
        return errors.illegal_database_name(reason)
    if status == 400 or error == "bad_request":
        return errors.bad_request(reason or error)
    return errors.CouchError(status, error, reason)
