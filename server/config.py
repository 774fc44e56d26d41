"""Settings: one typed, frozen object built from the environment. Imports no Flask."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sync.storage.types import MAX_DOCUMENT_SIZE


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment, with the defaults ``make run`` uses."""

    data_dir: Path = Path("var")
    storage: str = "sqlite"
    # CouchDB's URL with credentials, or several nodes of one cluster comma-separated
    # (sync/storage/couchdb/nodes.py); set, it makes CouchDB the store. Kept out of repr().
    couchdb_url: str | None = field(default=None, repr=False)
    max_document_size: int = MAX_DOCUMENT_SIZE  # CouchDB 3.5's, in bytes
    # A request body (a push batch with inline attachments) and the documents or ids in it:
    # PouchDB sends 100 at a time, so the bound costs honest clients nothing.
    max_request_size: int = 16 * 1024 * 1024
    max_docs_per_request: int = 1000
    revs_limit: int = 1000
    changes_timeout_ms: int = 60_000
    changes_poll_interval: float = 0.05
    # A woken feed waits this long before it reads, so that changes arriving together go out
    # in one answer: under load each device then makes far fewer round trips.
    changes_batch_ms: int = 50
    # Open changes feeds one account may hold per worker process (several devices of one
    # user, each with a feed or two); past it, 429.
    max_feeds_per_account: int = 20
    # Failed logins a minute per account and per client address before 429.
    auth_failures_per_account: int = 10
    auth_failures_per_address: int = 30
    # How long a checked credential is trusted without a new check (changes to its account
    # or token end it sooner).
    credential_cache_seconds: int = 300
    gzip_level: int = 5
    main_db: str = "miteinander"
    token_ttl_days: int = 30
    demo: bool = True
    login_rate: str = "10/minute"
    proxy_hops: int = 0
    retention_contact_days: int = 180
    retention_person_days: int = 730
    job_intervals: Mapping[str, int] = field(default_factory=dict)
    # A resident's registration waits this long for its confirmation link to be opened.
    registration_ttl_seconds: int = 86_400
    # Where links in mails point (the web app's address, e.g. https://miteinander.landkreis-kassel.de).
    # Unset, links use the address the request came to, which only the outbox (development) accepts.
    public_url: str | None = None
    # Mail: SMTP when a host is set (STARTTLS unless turned off; user and password optional),
    # otherwise .eml files in the outbox directory (default: outbox/ in the data directory).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_timeout: float = 10.0
    mail_from: str = "Miteinander <miteinander@localhost>"
    outbox_dir: Path | None = None

    @property
    def outbox(self) -> Path:
        """The directory the outbox transport writes mails to."""
        return self.outbox_dir or self.data_dir / "outbox"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read ``MITEINANDER_*`` variables; unset ones keep their defaults.

        :raises ValueError: if a number is not a number, or SMTP is set up without a public URL
            (links in mails must not take the address from a request's Host header)
        """
        defaults = cls()

        def number(name: str, default: int) -> int:
            return int(environ.get(f"MITEINANDER_{name}", default))

        settings = cls(
            data_dir=Path(environ.get("MITEINANDER_DATA_DIR", str(defaults.data_dir))),
            storage="couchdb" if environ.get("COUCHDB_URL") else environ.get("MITEINANDER_STORAGE", defaults.storage),
            couchdb_url=environ.get("COUCHDB_URL") or None,
            max_document_size=number("MAX_DOCUMENT_SIZE", defaults.max_document_size),
            max_request_size=number("MAX_REQUEST_SIZE", defaults.max_request_size),
            max_docs_per_request=number("MAX_DOCS_PER_REQUEST", defaults.max_docs_per_request),
            revs_limit=number("REVS_LIMIT", defaults.revs_limit),
            changes_timeout_ms=number("CHANGES_TIMEOUT_MS", defaults.changes_timeout_ms),
            changes_poll_interval=float(environ.get("MITEINANDER_CHANGES_POLL_INTERVAL",
                                                    defaults.changes_poll_interval)),
            max_feeds_per_account=number("MAX_FEEDS_PER_ACCOUNT", defaults.max_feeds_per_account),
            auth_failures_per_account=number("AUTH_FAILURES_PER_ACCOUNT", defaults.auth_failures_per_account),
            auth_failures_per_address=number("AUTH_FAILURES_PER_ADDRESS", defaults.auth_failures_per_address),
            credential_cache_seconds=number("CREDENTIAL_CACHE_SECONDS", defaults.credential_cache_seconds),
            changes_batch_ms=number("CHANGES_BATCH_MS", defaults.changes_batch_ms),
            gzip_level=number("GZIP_LEVEL", defaults.gzip_level),
            main_db=environ.get("MITEINANDER_DB", defaults.main_db),
            token_ttl_days=number("TOKEN_TTL_DAYS", defaults.token_ttl_days),
            demo=environ.get("DEMO", "1") != "0",
            login_rate=environ.get("MITEINANDER_LOGIN_RATE", defaults.login_rate),
            proxy_hops=number("PROXY_HOPS", defaults.proxy_hops),
            retention_contact_days=number("RETENTION_CONTACT_DAYS", defaults.retention_contact_days),
            retention_person_days=number("RETENTION_PERSON_DAYS", defaults.retention_person_days),
            job_intervals=_intervals(environ.get("MITEINANDER_JOB_INTERVALS", "")),
            registration_ttl_seconds=number("REGISTRATION_TTL_SECONDS", defaults.registration_ttl_seconds),
            public_url=environ.get("MITEINANDER_PUBLIC_URL") or None,
            smtp_host=environ.get("MITEINANDER_SMTP_HOST") or None,
            smtp_port=number("SMTP_PORT", defaults.smtp_port),
            smtp_starttls=environ.get("MITEINANDER_SMTP_STARTTLS", "1") != "0",
            smtp_user=environ.get("MITEINANDER_SMTP_USER") or None,
            smtp_password=environ.get("MITEINANDER_SMTP_PASSWORD") or None,
            smtp_timeout=float(environ.get("MITEINANDER_SMTP_TIMEOUT", defaults.smtp_timeout)),
            mail_from=environ.get("MITEINANDER_MAIL_FROM", defaults.mail_from),
            outbox_dir=Path(environ["MITEINANDER_OUTBOX_DIR"]) if environ.get("MITEINANDER_OUTBOX_DIR") else None,
        )
        if settings.smtp_host and not settings.public_url:
            raise ValueError("MITEINANDER_SMTP_HOST needs MITEINANDER_PUBLIC_URL, the address links in mails open")
        return settings


def _intervals(spec: str) -> dict[str, int]:
    """``"conflicts=60,summary=3600"`` -> seconds per job name."""
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {name.strip(): int(seconds) for name, seconds in pairs}
