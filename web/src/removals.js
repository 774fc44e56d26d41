// Dropping documents that left the user's scope from a local PouchDB (browser and Node).
//
// PouchDB ignores Sync Gateway's `_removed` markers, so the gateway lists the documents that
// left a user's scope at GET {db}/_removed?since=N. Adapters in general cannot purge, so a
// removed document is replaced locally by a tombstone and compacted away: its content is gone
// from the device. The ids are remembered so the push replication leaves those tombstones
// alone (`keepLocal`), and if a document comes back into scope, the server's live revision
// wins over the local tombstone, as CouchDB's winner rule says.

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

// Ask the gateway what left the scope since the last call and forget it locally.
// Returns the ids that were removed from this device.
export async function forgetRemoved(local, remoteDbUrl, extraHeaders = {}) {
  const { url, headers } = splitCredentials(remoteDbUrl);
  const checkpoint = await readCheckpoint(local);
  const response = await fetch(`${url}/_removed?since=${encodeURIComponent(checkpoint.since)}`,
    { headers: { Accept: 'application/json', ...headers, ...extraHeaders } });
  if (!response.ok) throw new Error(`_removed answered ${response.status}`);
  const { results, last_seq: lastSeq } = await response.json();
  const tombstones = [];
  for (const { id } of results) {
    try {
      const doc = await local.get(id);
      tombstones.push({ _id: id, _rev: doc._rev, _deleted: true });
    } catch (err) {
      if (err.status !== 404) throw err;
    }
  }
  if (tombstones.length) {
    await local.bulkDocs(tombstones);
    await local.compact(); // drops the bodies of the replaced revisions
  }
  const forgotten = new Set(checkpoint.forgotten);
  tombstones.forEach((doc) => forgotten.add(doc._id));
  await local.put({ ...checkpoint, since: lastSeq, forgotten: [...forgotten] });
  return tombstones.map((doc) => doc._id);
}

// A push filter: do not send the tombstones that only mean "forgotten on this device".
export async function keepLocal(local) {
  const { forgotten } = await readCheckpoint(local);
  const ids = new Set(forgotten);
  return (doc) => !(doc._deleted && ids.has(doc._id));
}
