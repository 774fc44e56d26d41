// schemas/channels.py ported to JavaScript for CouchDB's views: the one place these rules exist
// in JavaScript. sync/storage/couchdb/access.py wraps them into the map functions of
// _design/miteinander_access; tests/sync/storage/test_couchdb_access.py runs this port and the
// Python rules over the same documents and compares what they emit.
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

// channels_of: the channels a live document belongs to.
function channelsOf(doc) {
  var found = [];
  function add() {
    for (var i = 0; i < arguments.length; i++) {
      var value = arguments[i];
      if (isText(value) && found.indexOf(value) < 0) found.push(value);
    }
  }
  var type = doc.type;
  var id = doc._id;
  var local = isText(doc.municipality) ? 'municipality:' + doc.municipality : null;
  if (type === 'organization') {
    add('public', id);
  } else if (type === 'event') {
    add('public', id, doc.organization_id, local);
  } else if (type === 'person') {
    add(id);
    if (hasValidConsent(doc)) add(local);
  } else if (type === 'registration' || type === 'checkin') {
    add(doc.event_id, doc.person_id, doc.organization_id, local);
  } else if (type === 'hours') {
    add(doc.volunteer_id, doc.organization_id, local);
  } else if (type === 'contact_request') {
    add(doc.person_id, doc.organization_id, doc.assignee, local);
  } else if (type === 'device') {
    add(doc.user_id);
  }
  return found;
}

// grants_of: the channels a document grants, as [user_id, channel] pairs.
function grantsOf(doc) {
  var pairs = [];
  var id = doc._id;
  if (typeof id !== 'string') return pairs;
  if (doc.type === 'event' && Array.isArray(doc.assigned_volunteers)) {
    for (var i = 0; i < doc.assigned_volunteers.length; i++) {
      var user = doc.assigned_volunteers[i];
      if (typeof user === 'string') pairs.push([user, id]);
    }
    return pairs;
  }
  if (doc.type === 'person' && typeof doc.account_id === 'string') pairs.push([doc.account_id, id]);
  return pairs;
}
