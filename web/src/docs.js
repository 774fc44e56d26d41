// The documents the app writes, with exactly the fields of schemas/*.py. Ids carry the type,
// and where two devices may record the same fact the id is derived from it, so their
// writes meet as one document (a conflict resolved by rule) instead of counting twice.

import domain from './domain.json';

const now = () => new Date().toISOString();
// Each type's id prefix, from the type table (schemas/doctype.py) through domain.json.
const id = (type, ...parts) => domain.id_prefixes[type] + parts.join(':');
const base = (id, type) => ({ _id: id, type, schema_version: 1, created_at: now() });

export function todayIso(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export const checkinId = (eventId, personId) => id('checkin', eventId, personId);

export function checkin(event, personId, session, deviceId) {
  const at = now();
  return {
    ...base(checkinId(event._id, personId), 'checkin'),
    created_at: at,
    event_id: event._id,
    person_id: personId,
    checked_in_at: at,
    by: session.user_id,
    device_id: deviceId,
    municipality: event.municipality,
    organization_id: event.organization_id,
  };
}

export function walkIn(event, displayName, session, deviceId) {
  const at = now();
  return {
    ...base(id('checkin', event._id, 'walkin', crypto.randomUUID()), 'checkin'),
    created_at: at,
    event_id: event._id,
    walk_in: { display_name: displayName, consent: { purpose: 'registration', given_at: at } },
    checked_in_at: at,
    by: session.user_id,
    device_id: deviceId,
    municipality: event.municipality,
    organization_id: event.organization_id,
  };
}

export function hours(session, { date, minutes, activity, municipality, event, note }) {
  const doc = {
    ...base(id('hours', session.user_id, crypto.randomUUID()), 'hours'),
    volunteer_id: session.user_id,
    date,
    minutes,
    activity,
    municipality,
    status: 'pending',
  };
  if (event) {
    doc.event_id = event._id;
    doc.organization_id = event.organization_id;
  }
  if (note) doc.note = note;
  return doc;
}

export function decideHours(entry, session, decision, reason) {
  const decided = { ...entry, status: decision === 'approve' ? 'approved' : 'rejected', decided_by: session.user_id,
    decided_at: now(), updated_at: now() };
  if (decision === 'reject') decided.reason = reason;
  else delete decided.reason;
  return decided;
}

export const registrationId = (eventId, personId) => id('registration', eventId, personId);

export function registration(event, person) {
  const at = now();
  return {
    ...base(registrationId(event._id, person._id), 'registration'),
    event_id: event._id,
    person_id: person._id,
    display_name: person.display_name,
    municipality: event.municipality,
    organization_id: event.organization_id,
    registered_at: at,
    status: 'registered',
  };
}

export function contactRequest(person, session, { topic, language, message }) {
  const at = now();
  const doc = {
    ...base(id('contact_request', crypto.randomUUID()), 'contact_request'),
    person_id: person._id,
    topic,
    language,
    municipality: person.municipality,
    status: 'new',
    history: [{ at, by: session.user_id, status: 'new' }],
  };
  if (message) doc.message = message;
  return doc;
}

// A coordinator's step on a request, recorded in its history as the REST API does it.
export function contactStep(request, session, changes, note) {
  const at = now();
  const step = { at, by: session.user_id, status: changes.status };
  if (note) step.note = note;
  return { ...request, ...changes, history: [...(request.history || []), step], updated_at: at };
}
