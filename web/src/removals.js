// Dropping documents that left the user's scope from a local PouchDB (browser and Node).
//
// PouchDB ignores Sync Gateway's `_removed` markers, so the gateway lists the documents that
// left a user's scope at GET {db}/_removed?since=N. Where the adapter can purge (the browser's
// "indexeddb" adapter), the document is purged and comes back by itself if it re-enters the
// scope. Elsewhere it is replaced by a local tombstone and compacted away, so its content is
// gone from the device; the ids are remembered so the push leaves those tombstones alone
// (`keepLocal`). Such a tombstone sits on top of the server's revision, so a document that
// re-enters the scope would stay hidden: `reentered` finds those, and the app then rebuilds
// its local database from the server (rare: an assignment that ended and came back).

const CHECKPOINT = '_local/miteinander-removals';

async function readCheckpoint(local) {
  try {
    return await local.get(CHECKPOINT);
  } catch (err) {
    if (err.status !== 404) throw err;
    return { _id: CHECKPOINT, since: 0, forgotten: [] };
  }
}

// fetch() refuses URLs with credentials in them; move them into a Basic header.
export function splitCredentials(url) {
  const parsed = new URL(url);
  const headers = {};
  if (parsed.username) {
    const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.Authorization = 'Basic ' + btoa(String.fromCharCode(...new TextEncoder().encode(pair)));
    parsed.username = '';
    parsed.password = '';
  }
  return { url: parsed.toString().replace(/\/$/, ''), headers };
}

// Before the first pull, the position from which removals concern this device. The gateway
// lists nothing from 0 (a device that starts from nothing holds nothing to remove, and nobody
// learns what left a scope before they synced), so the device takes its position first and
// then pulls: every later removal reaches it. Offline at the very first start, the first
// forgetRemoved takes the position instead.
export async function beginRemovals(local, remoteDbUrl, extraHeaders = {}) {
  try {
    await local.get(CHECKPOINT);
    return;
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  const { url, headers } = splitCredentials(remoteDbUrl);
  const response = await fetch(`${url}/_removed?since=0`,
    { headers: { Accept: 'application/json', ...headers, ...extraHeaders } });
  if (!response.ok) return;
  const { last_seq: lastSeq } = await response.json();
  await local.put({ _id: CHECKPOINT, since: lastSeq, forgotten: [] });
}

// Ask the gateway what left the scope since the last call and forget it locally.
// Returns the ids that were removed from this device.
export async function forgetRemoved(local, remoteDbUrl, extraHeaders = {}) {
  const { url, headers } = splitCredentials(remoteDbUrl);
  const checkpoint = await readCheckpoint(local);
  const response = await fetch(`${url}/_removed?since=${encodeURIComponent(checkpoint.since)}`,
    { headers: { Accept: 'application/json', ...headers, ...extraHeaders } });
  if (!response.ok) throw new Error(`_removed answered ${response.status}`);
  const { results, last_seq: lastSeq } = await response.json();
  const canPurge = typeof local._purge === 'function';
  const removed = [];
  const tombstones = [];
  for (const { id } of results) {
    let leaves;
    try {
      leaves = (await local.get(id, { open_revs: 'all' })).filter((leaf) => leaf.ok).map((leaf) => leaf.ok);
    } catch (err) {
      if (err.status === 404) continue;
      throw err;
    }
    if (!leaves.some((leaf) => !leaf._deleted)) continue; // nothing readable left here
    removed.push(id);
    if (canPurge) {
      for (const leaf of leaves) await local.purge(id, leaf._rev);
    } else {
      tombstones.push(...leaves.filter((leaf) => !leaf._deleted)
        .map((leaf) => ({ _id: id, _rev: leaf._rev, _deleted: true })));
    }
  }
  if (tombstones.length) {
    await local.bulkDocs(tombstones);
    await local.compact(); // drops the bodies of the replaced revisions
  }
  const forgotten = new Set(checkpoint.forgotten);
  tombstones.forEach((doc) => forgotten.add(doc._id));
  await local.put({ ...checkpoint, since: lastSeq, forgotten: [...forgotten] });
  return removed;
}

// Forgotten documents that the user may read again (a renewed assignment). Their local
// tombstones hide them, so the caller rebuilds the local database when this is not empty.
export async function reentered(local, remoteDbUrl, extraHeaders = {}) {
  const { forgotten } = await readCheckpoint(local);
  if (!forgotten.length) return [];
  const { url, headers } = splitCredentials(remoteDbUrl);
  const response = await fetch(`${url}/_all_docs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers, ...extraHeaders },
    body: JSON.stringify({ keys: forgotten }),
  });
  if (!response.ok) throw new Error(`_all_docs answered ${response.status}`);
  return (await response.json()).rows.filter((row) => row.value && !row.value.deleted).map((row) => row.id);
}

// A push filter: do not send the tombstones that only mean "forgotten on this device".
export async function keepLocal(local) {
  const { forgotten } = await readCheckpoint(local);
  const ids = new Set(forgotten);
  return (doc) => !(doc._deleted && ids.has(doc._id));
}
