"""Moving up: copy every database of the embedded store into CouchDB.

Each document goes over whole: every leaf of its revision tree with its ``_revisions``
history, written with ``new_edits=false`` so CouchDB keeps the same revision ids, branches
(conflicts) and deleted leaves, with attachments inline. ``_local`` documents (replication
checkpoints) are copied with identical bodies; CouchDB numbers their revisions itself.

Re-running is safe: revisions CouchDB already holds are skipped (``_revs_diff``), local
documents with the same body are left alone. Stop the gateways that write to the embedded
store first, so nothing is written behind the copy.

After the move the gateway reports CouchDB's server uuid, so replicators compute new
replication ids and start afresh. That costs one ``_revs_diff`` pass per device, not a
transfer of documents they hold, and it means no device resumes with an embedded-store
sequence number, which means nothing in CouchDB. A document deleted before the move keeps
no record of the channels it was in, so a device that had not yet synced that deletion
keeps its copy: sync every device before moving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sync import errors
from sync.storage import Database, Store
from sync.storage.base import ChangesQuery, ReadOptions
from sync.storage.couchdb import CouchStore

BATCH = 200


class MigrationError(RuntimeError):
    """CouchDB refused part of the copy; the message names the documents."""


@dataclass
class Copied:
    """What was copied from one database."""

    name: str
    documents: int = 0
    leaves: int = 0
    local_documents: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)


def migrate_to_couchdb(source: Store, target: CouchStore, report: Callable[[str], None] = lambda _: None,
                       batch: int = BATCH) -> list[Copied]:
    """Copy every database of ``source`` into ``target`` (a CouchDB store).

    :param report: told one line per database as it is done
    :raises MigrationError: if CouchDB refused any document (after copying the rest)
    """
    copied = []
    for name in source.all_dbs():
        try:
            target.create_db(name)
        except errors.CouchError as error:
            if error.error != "file_exists":
                raise
        with source.database(name) as source_db, target.database(name) as target_db:
            result = copy_database(source_db, target_db, batch)
        target.warm_views(name)
        report(f"{name}: {result.documents} documents, {result.leaves} leaves, "
               f"{result.local_documents} local documents")
        copied.append(result)
    failed = [failure for result in copied for failure in result.failures]
    if failed:
        raise MigrationError(f"CouchDB refused {len(failed)} revisions, e.g. {failed[:3]}")
    return copied


def copy_database(source: Database, target: Database, batch: int = BATCH) -> Copied:
    """Every document with all its leaves, then every ``_local`` document."""
    copied = Copied(source.name)
    since: Any = 0
    while True:
        page = source.changes(ChangesQuery(since=since, limit=batch, all_leaves=True))
        docs = []
        for change in page.results:
            leaves = source.open_revs(change.id, None, ReadOptions(revs=True, attachments=True))
            docs += [leaf["ok"] for leaf in leaves if "ok" in leaf]
        if docs:
            copied.failures += target.bulk_docs(docs, new_edits=False)
        copied.documents += len(page.results)
        copied.leaves += len(docs)
        since = page.last_seq
        if len(page.results) < batch:
            break
    for local_id in source.local_ids():
        body = {key: value for key, value in source.get_local(local_id).items() if not key.startswith("_")}
        try:
            current: dict[str, Any] | None = target.get_local(local_id)
        except errors.CouchError as error:
            if error.status != 404:
                raise
            current = None
        if current is not None and {k: v for k, v in current.items() if not k.startswith("_")} == body:
            continue
        target.put_local(local_id, {**body, **({"_rev": current["_rev"]} if current else {})})
        copied.local_documents += 1
    return copied

