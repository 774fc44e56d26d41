// The channel rules for CouchDB's views: a small interpreter of the type table that
// schemas/doctype.py declares and the store embeds above this file as `var TYPES = {...}`
// (sync/storage/couchdb/access.py). One table, read by Python (schemas/channels.py) and by
// this file; tests/sync/storage/test_couchdb_access.py checks they agree on generated documents.
// ES5 only: CouchDB's couchjs runs an old SpiderMonkey, and the views see live documents only.

function isText(value) { return typeof value === 'string' && value.length > 0; }

function isObject(value) { return value !== null && typeof value === 'object' && !Array.isArray(value); }

// Python's truth value of a JSON value ([] and {} are false there, unlike in JavaScript).
function truthy(value) {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') {
    for (var key in value) { if (Object.prototype.hasOwnProperty.call(value, key)) return true; }
    return false;
  }
  return true;
}

function hasValidConsent(person) {
  var consents = person.consents;
  if (!Array.isArray(consents)) return false;
  for (var i = 0; i < consents.length; i++) {
    var consent = consents[i];
    if (isObject(consent) && truthy(consent.given_at) && !truthy(consent.withdrawn_at)) return true;
  }
  return false;
}

function entryOf(doc) {
  var type = doc.type;
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(TYPES, type) ? TYPES[type] : null;
}

// channels_of: the channels a live document belongs to.
function channelsOf(doc) {
  var entry = entryOf(doc);
  var found = [];
  if (entry === null) return found;
  var candidates = [];
  for (var i = 0; i < entry.channel_fields.length; i++) candidates.push(doc[entry.channel_fields[i]]);
  if (entry.public) candidates.push('public');
  if (entry.own_channel) candidates.push(doc._id);
  var municipal = entry.municipal === 'always' || (entry.municipal === 'with_consent' && hasValidConsent(doc));
  if (municipal && isText(doc.municipality)) candidates.push('municipality:' + doc.municipality);
  for (var j = 0; j < candidates.length; j++) {
    if (isText(candidates[j]) && found.indexOf(candidates[j]) < 0) found.push(candidates[j]);
  }
  return found;
}

// grants_of: the document's own channel for each user its grant field names, as [user_id, channel].
function grantsOf(doc) {
  var entry = entryOf(doc);
  var pairs = [];
  if (entry === null || entry.grant_field === null || typeof doc._id !== 'string') return pairs;
  var named = doc[entry.grant_field];
  var users = Array.isArray(named) ? named : [named];
  for (var i = 0; i < users.length; i++) {
    if (isText(users[i])) pairs.push([users[i], doc._id]);
  }
  return pairs;
}
