"""Writing to CouchDB: its ``_bulk_docs`` after the gateway's checks (attachment stubs,
replays, the validator against the replaced revision, exit records), ``_purge``, and
``_local`` documents."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

import orjson

from ... import errors
from ...documents import DocEdit
from ..ranges import chunks
from .access import CHANNELS_LOCAL
from .handle import CHUNK, HIDDEN
from .http import couch_error
from .scope import CouchScope

log = logging.getLogger(__name__)

# CouchDB's defaults for one _purge request: [purge] max_document_id_number and
# max_revisions_number (docs.couchdb.org, "Configuration: purge"); above them it answers 400.
PURGE_MAX_IDS = 100
PURGE_MAX_REVS = 1000


class CouchWrites(CouchScope):
    """The write primitives of the CouchDB backend."""

    def _bulk_docs(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes: list[str | errors.CouchError | None] = [None] * len(edits)
        for index, edit in enumerate(edits):
            if edit.id in HIDDEN:
                outcomes[index] = errors.forbidden("This design document belongs to the gateway.")
        if not new_edits:
            held = self._held_revs([(i, edit) for i, edit in enumerate(edits) if outcomes[i] is None])
            for index in held:
                outcomes[index] = edits[index].path[0]
        if new_edits:
            # Edits of one document apply in order, as in CouchDB: a second edit of the same
            # revision (or a second creation) finds it no longer a leaf.
            seen: set[tuple[str, str | None]] = set()
            for index, edit in enumerate(edits):
                if outcomes[index] is None and (edit.id, edit.parent) in seen:
                    outcomes[index] = errors.conflict()
                seen.add((edit.id, edit.parent))
        for index, error in self._resolve_stubs([(i, e) for i, e in enumerate(edits) if outcomes[i] is None],
                                                new_edits).items():
            outcomes[index] = error
        pending = [(i, edit) for i, edit in enumerate(edits) if outcomes[i] is None]
        tracked = self.validate is not None or self.store.rules is not None
        heads = self._heads([edit.id for _, edit in pending]) if tracked and pending else {}
        old = {doc_id: doc for doc_id, (_, doc) in heads.items()}
        replaced = self._replaced(pending, heads) if self.validate is not None and pending else {}
        sending: list[tuple[int, DocEdit]] = []
        for index, edit in pending:
            try:
                self._check_edit(edit, replaced.get(index))
            except errors.CouchError as error:
                outcomes[index] = error
                continue
            sending.append((index, edit))
        if sending and self.store.rules is not None:
            self._record_exits(old, [edit for _, edit in sending])
        for (index, _), outcome in zip(sending, self._send([edit for _, edit in sending], new_edits), strict=True):
            outcomes[index] = outcome
        if sending:
            self.store.changes.notify(self.name)
        if not new_edits and sending and self.store.rules is not None:
            self._record_replaced_winners(old, [edit for _, edit in sending if edit.deleted])
        return [outcome if outcome is not None else errors.bad_request("not written") for outcome in outcomes]

    def _resolve_stubs(self, edits: list[tuple[int, DocEdit]], new_edits: bool) -> dict[int, errors.CouchError]:
        """Attachment stubs resolved as CouchDB does, whatever the server: a new edit's stub
        names an attachment of the revision it extends; a replicated stub one this document
        already holds (by digest). Found stubs get their digest; others are missing_stub."""
        failed: dict[int, errors.CouchError] = {}
        for index, edit in edits:
            stubs = {name: att for name, att in edit.attachments.items() if att.data is None}
            if not stubs:
                continue
            held = self._held_attachments(edit, new_edits)
            if held is None:
                continue  # the revision it extends is not there: CouchDB answers conflict
            for name, att in stubs.items():
                known = held.get(name) if new_edits else next(
                    (meta for meta in held.values() if meta.get("digest") == att.digest), None)
                if known is None or att.digest not in (None, known.get("digest")):
                    failed[index] = errors.missing_stub(f"Invalid attachment stub in {edit.id} for {name}")
                    break
                att.digest = known.get("digest")
                att.revpos = known.get("revpos") if att.revpos is None else att.revpos
                if "content_type" in known:
                    att.content_type = known["content_type"]
        return failed

    def _held_attachments(self, edit: DocEdit, new_edits: bool) -> dict[str, dict[str, Any]] | None:
        """Attachment stubs of the parent revision (new edits), or of every leaf."""
        if new_edits:
            if edit.parent is None:
                return {}
            try:
                parent = self.client.json("GET", self.name, edit.id, params={"rev": edit.parent})
            except errors.CouchError as error:
                if error.status == 404:
                    return None
                raise
            return dict(parent.get("_attachments", {}))
        try:
            leaves = self.client.json("GET", self.name, edit.id, params={"open_revs": "all"})
        except errors.CouchError as error:
            if error.status == 404:
                return {}
            raise
        return {f"{index}:{name}": meta for index, entry in enumerate(leaves) if "ok" in entry
                for name, meta in entry["ok"].get("_attachments", {}).items()}

    def _held_revs(self, edits: list[tuple[int, DocEdit]]) -> set[int]:
        """Which replicated edits CouchDB already holds (replays are answered, not re-checked)."""
        if not edits:
            return set()
        request: dict[str, list[str]] = {}
        for _, edit in edits:
            request.setdefault(edit.id, []).append(edit.path[0])
        missing = self.client.json("POST", self.name, "_revs_diff", body=request)
        return {index for index, edit in edits
                if edit.path[0] not in set(missing.get(edit.id, {}).get("missing", []))}

    def _send(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        """CouchDB's ``_bulk_docs``; one outcome per edit. CouchDB fails a whole batch for a
        missing stub, so such a batch is sent again one document at a time."""
        docs = [_couch_doc(edit, new_edits) for edit in edits]
        try:
            rows = self.client.json("POST", self.name, "_bulk_docs", body={"docs": docs, "new_edits": new_edits},
                                    idempotent=not new_edits)
        except errors.CouchError as error:
            if error.status >= 500:
                raise
            if len(edits) == 1:
                return [error]
            return [self._send([edit], new_edits)[0] for edit in edits]
        if new_edits:
            return [couch_error(400, str(row["error"]), str(row.get("reason", ""))) if "error" in row
                    else str(row["rev"]) for row in rows]
        failed = {(row.get("id"), row.get("rev")): couch_error(400, str(row["error"]), str(row.get("reason", "")))
                  for row in rows if isinstance(row, dict) and "error" in row}
        by_id = {doc_id: error for (doc_id, _), error in failed.items()}
        return [failed.get((edit.id, edit.path[0])) or by_id.get(edit.id) or edit.path[0] for edit in edits]

    def _replaced(self, edits: list[tuple[int, DocEdit]],
                  heads: dict[str, tuple[str, dict[str, Any] | None]]) -> dict[int, dict[str, Any]]:
        """The revision each edit replaces, by index: its parent, or for a replicated edit
        the revision its path extends if CouchDB has it, else the winner, live or deleted.
        Live winners come with ``heads``; every other body in one ``_bulk_get`` for the batch."""
        found: dict[tuple[str, str], dict[str, Any]] = {
            (doc_id, rev): doc for doc_id, (rev, doc) in heads.items() if doc is not None}
        candidates = {index: (edit.id, [*([edit.parent] if edit.parent else edit.path[1:2]), heads[edit.id][0]])
                      for index, edit in edits if edit.id in heads}
        wanted = sorted({(doc_id, rev) for doc_id, revs in candidates.values() for rev in revs} - set(found))
        for part in chunks(wanted, CHUNK):
            answer = self.client.json("POST", self.name, "_bulk_get", body={
                "docs": [{"id": doc_id, "rev": rev} for doc_id, rev in part]})
            for result in answer.get("results", []):
                for entry in result.get("docs", []):
                    doc = entry.get("ok")
                    if isinstance(doc, dict):
                        doc.pop("_revisions", None)
                        found[(doc["_id"], doc["_rev"])] = doc
        replaced: dict[int, dict[str, Any]] = {}
        for index, (doc_id, revs) in candidates.items():
            doc = next((found[(doc_id, rev)] for rev in revs if (doc_id, rev) in found), None)
            if doc is not None:
                replaced[index] = dict(doc)
        return replaced

    # -- erasure ----------------------------------------------------------------------------

    def _purge(self, doc_ids: list[str]) -> dict[str, list[str]]:
        """CouchDB's ``_purge`` of every leaf, after recording where the documents were, then
        a compaction so that the old bodies leave the file (CouchDB's purge alone leaves
        them until the next compaction)."""
        leaves: dict[str, list[str]] = {}
        channels: dict[str, set[str]] = {}
        rules = self.store.rules
        for doc_id in dict.fromkeys(doc_ids):
            try:
                found = [entry["ok"] for entry in self.client.json("GET", self.name, doc_id,
                                                                   params={"open_revs": "all"}) if "ok" in entry]
            except errors.CouchError as error:
                if error.status != 404:
                    raise
                continue
            if not found:
                continue
            leaves[doc_id] = [leaf["_rev"] for leaf in found]
            if rules is not None:
                channels[doc_id] = {channel for leaf in found if not leaf.get("_deleted")
                                    for channel in rules.channels_of(leaf)}
        if not leaves:
            return {}
        if rules is not None:
            self._update_records({doc_id: set() for doc_id in leaves}, channels, purged=leaves)
        purged: dict[str, list[str]] = {}
        for batch in purge_batches(leaves):
            try:
                result = self.client.json("POST", self.name, "_purge", body=batch, idempotent=True)
            except errors.CouchError as error:
                if error.status >= 500:
                    raise
                raise errors.CouchError(501, "not_implemented",
                                        "this CouchDB-compatible server cannot purge documents") from None
            for doc_id, revs in batch.items():
                purged.setdefault(doc_id, []).extend(result.get("purged", {}).get(doc_id, revs))
        try:
            self.client.request("POST", self.name, "_compact", body={})
        except errors.CouchError as error:
            log.warning("compaction after purge of %s failed: %s", self.name, error.error)
        self.store.changes.notify(self.name)
        return purged

    # -- local documents ----------------------------------------------------------------------

    def _get_local(self, local_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self.client.json("GET", self.name, "_local/" + local_id)
        return doc

    def _local_ids(self) -> list[str]:
        """CouchDB's ``_local_docs`` (2.2 and later), page by page, without the channel sets
        the backend names there (:mod:`.access`)."""
        found: list[str] = []
        params: dict[str, Any] = {"limit": str(CHUNK)}
        while True:
            try:
                rows = self.client.json("GET", self.name, "_local_docs", params=params).get("rows", [])
            except errors.CouchError as error:
                if error.status >= 500 or error.status == 401:
                    raise
                raise errors.CouchError(501, "not_implemented",
                                        "this CouchDB-compatible server cannot list local documents") from None
            ids = [str(row["id"]).removeprefix("_local/") for row in rows if isinstance(row.get("id"), str)]
            found += [local_id for local_id in ids if not local_id.startswith(CHANNELS_LOCAL)]
            if len(rows) < CHUNK:
                return sorted(found)
            params = {"limit": str(CHUNK), "startkey": orjson.dumps(rows[-1]["id"]).decode(), "skip": "1"}

    def _put_local(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        doc = {**body, **({"_rev": rev} if rev is not None else {})}
        result = self.client.json("PUT", self.name, "_local/" + local_id, body=doc, idempotent=False)
        return {"ok": True, "id": "_local/" + local_id, "rev": str(result.get("rev"))}

    def _delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]:
        current = self._get_local(local_id)  # pouchdb-server would delete with any rev
        if rev != current.get("_rev"):
            raise errors.conflict()
        self.client.request("DELETE", self.name, "_local/" + local_id, params={"rev": rev}, idempotent=False)
        return {"ok": True, "id": "_local/" + local_id, "rev": "0-0"}


def purge_batches(leaves: dict[str, list[str]], max_ids: int = PURGE_MAX_IDS,
                  max_revs: int = PURGE_MAX_REVS) -> Iterator[dict[str, list[str]]]:
    """``leaves`` cut into ``_purge`` requests CouchDB accepts: at most ``max_ids`` documents
    and ``max_revs`` revisions each (a document with more leaves spans several requests).

    :param leaves: the revisions to purge, by document id
    """
    batch: dict[str, list[str]] = {}
    count = 0
    for doc_id, revs in leaves.items():
        for part in chunks(revs, max_revs):
            if batch and (len(batch) >= max_ids or count + len(part) > max_revs):
                yield batch
                batch, count = {}, 0
            batch.setdefault(doc_id, []).extend(part)
            count += len(part)
    if batch:
        yield batch


def _couch_doc(edit: DocEdit, new_edits: bool) -> dict[str, Any]:
    """An edit as CouchDB's ``_bulk_docs`` takes it."""
    doc: dict[str, Any] = {"_id": edit.id, **edit.body}
    if new_edits:
        if edit.parent is not None:
            doc["_rev"] = edit.parent
    else:
        top = edit.path[0]
        doc["_rev"] = top
        doc["_revisions"] = {"start": int(top.split("-", 1)[0]), "ids": [rev.split("-", 1)[1] for rev in edit.path]}
    if edit.deleted:
        doc["_deleted"] = True
    if edit.attachments:
        atts: dict[str, Any] = {}
        for name, att in edit.attachments.items():
            if att.data is not None:
                atts[name] = {"content_type": att.content_type, "data": base64.b64encode(att.data).decode()}
            else:
                atts[name] = {"stub": True, "content_type": att.content_type,
                              **({"digest": att.digest} if att.digest else {})}
            if att.revpos is not None and (att.data is None or not new_edits):
                atts[name]["revpos"] = att.revpos
        doc["_attachments"] = atts
    return doc
