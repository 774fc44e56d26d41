// Coordinators (and admins): attendance, hours to decide, contact requests, conflicts,
// devices, and figures for funders. Lists come from the synced local database, so they work
// offline; decisions go through the REST API when the server is reachable and are written
// locally otherwise. Both paths pass the same write rules on the server.

import { attendance } from '../attendance.js';
import { barChart, columnChart } from '../charts.js';
import * as docs from '../docs.js';
import { download, h, notice, replaceChildren, searchKey } from '../dom.js';
import {
  comma, formatDate, formatDateTime, formatList, formatMonth, formatNumber, formatRelative, formatTime, language,
  languageName, separator, t,
} from '../i18n.js';
import {
  hoursRows, lastMonths, participantRows, REPORT_COLUMNS, spreadsheetCsv, totals, usesDecimalComma,
} from '../reports.js';
import { nameOf, people } from '../names.js';
import { badge, duration, emptyState, eventTitle, screen } from './common.js';

const RULE_MERGED = new Set(['checkin', 'hours', 'contact_request']);

function scopeKey(app) {
  return `miteinander.scope.${app.session.user_id}`;
}

// Events the coordinator is responsible for: as the server lists them (remembered for offline
// use), plus any event whose registrations or check-ins reached this device.
async function scopeEvents(app, registrations, checkins) {
  const remembered = JSON.parse(localStorage.getItem(scopeKey(app)) || '[]');
  const ids = new Set([...remembered, ...registrations.map((r) => r.event_id), ...checkins.map((c) => c.event_id)]);
  const events = await app.store.byPrefix('event:');
  return events.filter((event) => ids.has(event._id));
}

async function rememberScope(app) {
  try {
    const events = await app.api('/api/events');
    localStorage.setItem(scopeKey(app), JSON.stringify(events.map((event) => event.id)));
    return true;
  } catch {
    return false; // offline: the remembered list and the local documents do
  }
}

function table(headers, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows)));
}

export function attendanceScreen(app) {
  const search = h('input', { type: 'search', id: 'event-search', placeholder: t('coordinator.searchEvents') });
  const body = h('div', {}, h('p', { class: 'loading' }, t('loading')));

  async function refresh() {
    const [registrations, checkins] = await Promise.all([app.store.byPrefix('registration:'), app.store.byPrefix('checkin:')]);
    const events = (await scopeEvents(app, registrations, checkins)).sort((a, b) => b.start.localeCompare(a.start));
    const tokens = searchKey(search.value).split(/\s+/).filter(Boolean);
    const shown = events.filter((event) => tokens.every((token) =>
      searchKey(`${eventTitle(event)} ${event.municipality} ${event.place}`).includes(token)));
    const count = (list, event) => list.filter((doc) => doc.event_id === event._id);
    if (!shown.length) {
      replaceChildren(body, emptyState(t('coordinator.noEvents')));
      return;
    }
    const columns = ['registered', 'present', 'walkIns', 'participants'];
    replaceChildren(body, table(
      [t('coordinator.event'), t('coordinator.date'), t('coordinator.town'), ...columns.map((column) => t(`coordinator.${column}`))],
      shown.map((event) => {
        const { counts } = attendance(count(registrations, event), count(checkins, event));
        return h('tr', { dataset: { event: event._id } },
          h('th', { scope: 'row' }, h('a', { href: `#/c/event/${encodeURIComponent(event._id)}` }, eventTitle(event))),
          h('td', {}, formatDate(event.start)),
          h('td', {}, event.municipality),
          columns.map((column) => h('td', { class: 'number', dataset: { count: column } }, formatNumber(counts[column]))));
      })));
  }

  search.addEventListener('input', refresh);
  const el = screen(t('coordinator.attendanceTitle'),
    h('div', { class: 'toolbar', role: 'search' }, h('label', { for: 'event-search' }, t('coordinator.searchEvents')), search),
    body);
  refresh();
  rememberScope(app).then((fresh) => fresh && refresh());
  return { el, refresh, title: t('coordinator.attendanceTitle') };
}

export function eventScreen(app, eventId) {
  const body = h('div', {}, h('p', { class: 'loading' }, t('loading')));
  let users = people(app, (fresh) => { users = fresh; refresh(); });

  async function refresh() {
    const event = await app.store.get(eventId);
    const [registrations, checkins] = await Promise.all([
      app.store.byPrefix(`registration:${eventId}:`), app.store.byPrefix(`checkin:${eventId}:`)]);
    const { byPerson, counts } = attendance(registrations, checkins);
    const rows = [
      ...registrations.map((r) => ({ name: r.display_name, status: r.status, checkin: byPerson.get(r.person_id) })),
      ...checkins.filter((c) => c.walk_in).map((c) => ({ name: c.walk_in.display_name, status: 'walk_in', checkin: c })),
    ].sort((a, b) => a.name.localeCompare(b.name));
    replaceChildren(body,
      h('a', { href: '#/c', class: 'back' }, t('back')),
      h('h1', {}, event ? eventTitle(event) : eventId),
      event ? h('p', { class: 'meta' }, `${formatDateTime(event.start)}${separator()}${event.place}${comma()}${event.municipality}`) : null,
      h('p', { class: 'counts big' }, t('attendance.detail', counts)),
      rows.length ? table([t('coordinator.name'), t('coordinator.registration'), t('coordinator.checkedIn'), t('coordinator.checkedInBy')],
        rows.map((row) => h('tr', {},
          h('th', { scope: 'row' }, row.name),
          h('td', {}, t(`registrationStatus.${row.status}`)),
          h('td', {}, row.checkin ? formatTime(row.checkin.checked_in_at) : '–'),
          h('td', {}, row.checkin && row.checkin.by ? nameOf(users, row.checkin.by) : '–'))))
        : emptyState(t('checkin.noRegistrations')));
  }

  refresh();
  return { el: h('section', { class: 'screen' }, body), refresh, title: t('coordinator.attendanceTitle') };
}

export function hoursScreen(app) {
  const message = h('div', { class: 'message' });
  const reason = h('input', { type: 'text', id: 'reject-reason', maxlength: 1000, placeholder: t('coordinator.reasonPlaceholder') });
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': t('coordinator.selectAll') });
  const body = h('div', {}, h('p', { class: 'loading' }, t('loading')));
  const decided = h('div', {});
  const deciding = new Set();
  let boxes = [];
  let users = people(app, (fresh) => { users = fresh; refresh(); });

  selectAll.addEventListener('change', () => boxes.forEach((box) => { box.checked = selectAll.checked; }));

  async function decide(decision) {
    const ids = boxes.filter((box) => box.checked).map((box) => box.value);
    if (!ids.length) {
      notice(message, t('coordinator.selectFirst'), 'error');
      return;
    }
    if (decision === 'reject' && !reason.value.trim()) {
      notice(message, t('coordinator.reasonNeeded'), 'error');
      reason.focus();
      return;
    }
    ids.forEach((id) => deciding.add(id));
    try {
      const results = await app.api('/api/hours/decisions', {
        method: 'POST', body: { ids, decision, ...(decision === 'reject' ? { reason: reason.value.trim() } : {}) },
      });
      const failed = results.filter((result) => !result.ok);
      failed.forEach((result) => deciding.delete(result.id));
      notice(message, t(`coordinator.decided.${decision}`, { count: results.length - failed.length })
        + (failed.length ? ` ${t('coordinator.decisionFailed', { count: failed.length, reason: failed[0].reason || failed[0].error })}` : ''),
      failed.length ? 'error' : 'success');
    } catch (err) {
      if (!err.offline) {
        ids.forEach((id) => deciding.delete(id));
        notice(message, `${t('error.generic')} (${err.message})`, 'error');
        return;
      }
      const entries = (await Promise.all(ids.map((id) => app.store.get(id)))).filter(Boolean);
      await app.store.bulk(entries.map((entry) => docs.decideHours(entry, app.session, decision, reason.value.trim())));
      notice(message, t('coordinator.decidedOffline', { count: entries.length }), 'success');
    }
    reason.value = '';
    refresh();
  }

  async function refresh() {
    const [entries, events] = await Promise.all([app.store.byPrefix('hours:'), app.store.byPrefix('event:')]);
    const titles = new Map(events.map((event) => [event._id, eventTitle(event)]));
    const pending = entries.filter((e) => e.status === 'pending' && !deciding.has(e._id))
      .sort((a, b) => a.date.localeCompare(b.date));
    for (const id of [...deciding]) if (!entries.some((e) => e._id === id && e.status === 'pending')) deciding.delete(id);
    const checked = new Set(boxes.filter((box) => box.checked).map((box) => box.value));
    boxes = pending.map((entry) => h('input', { type: 'checkbox', value: entry._id, checked: checked.has(entry._id),
      'aria-label': `${t('coordinator.select')}: ${formatDate(entry.date + 'T12:00:00')}, ${duration(entry.minutes)}` }));
    selectAll.checked = false;
    replaceChildren(body, pending.length ? table(
      [h('label', { class: 'hit' }, selectAll), t('hours.date'), t('coordinator.volunteer'), t('hours.amount'), t('hours.activity'), t('hours.event'),
        t('coordinator.town'), t('hours.note')],
      pending.map((entry, index) => h('tr', {},
        h('td', {}, h('label', { class: 'hit' }, boxes[index])),
        h('td', {}, formatDate(entry.date + 'T12:00:00')),
        h('td', { class: 'volunteer' }, nameOf(users, entry.volunteer_id)),
        h('td', { class: 'number' }, duration(entry.minutes)),
        h('td', {}, t(`activity.${entry.activity}`)),
        h('td', {}, entry.event_id ? titles.get(entry.event_id) || '' : '–'),
        h('td', {}, entry.municipality),
        h('td', {}, entry.note || '')))) : emptyState(t('coordinator.noPendingHours')));
    const recent = entries.filter((e) => e.status !== 'pending' && e.decided_at)
      .sort((a, b) => b.decided_at.localeCompare(a.decided_at)).slice(0, 10);
    replaceChildren(decided, recent.length ? h('ul', { class: 'plain' }, recent.map((entry) => h('li', {},
      badge(entry.status, t(`hours.status.${entry.status}`)), ' ',
      [formatDate(entry.date + 'T12:00:00'), nameOf(users, entry.volunteer_id), duration(entry.minutes)].join(separator()),
      entry.reason ? ` – ${entry.reason}` : ''))) : emptyState(t('coordinator.noDecisions')));
  }

  const el = screen(t('coordinator.hoursTitle'),
    h('p', { class: 'lead' }, t('coordinator.hoursIntro')),
    body,
    h('div', { class: 'decision-bar' },
      h('button', { type: 'button', class: 'primary', onclick: () => decide('approve') }, t('coordinator.approve')),
      h('label', { for: 'reject-reason', class: 'visually-hidden' }, t('coordinator.reason')),
      reason,
      h('button', { type: 'button', class: 'danger', onclick: () => decide('reject') }, t('coordinator.reject'))),
    message,
    h('section', { class: 'group', 'aria-labelledby': 'recent-decisions' },
      h('h2', { id: 'recent-decisions' }, t('coordinator.recentDecisions')), decided));
  refresh();
  return { el, refresh, title: t('coordinator.hoursTitle') };
}

const STATUSES = ['new', 'assigned', 'done', 'closed'];

export function contactsScreen(app) {
  let status = 'new';
  const message = h('div', { class: 'message' });
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('coordinator.byStatus') });
  const list = h('ul', { class: 'cards', role: 'list', id: 'contact-requests' });
  let users = people(app, (fresh) => { users = fresh; refresh(); });

  // The REST API when reachable (it checks the assignee and keeps an audit trail); offline,
  // the same change is written locally and synced.
  async function act(request, changes, note) {
    try {
      const id = encodeURIComponent(request._id);
      if (changes.status === 'assigned') {
        await app.api(`/api/contact-requests/${id}/assign`, { method: 'POST', body: { assignee: changes.assignee, ...(note ? { note } : {}) } });
      } else {
        await app.api(`/api/contact-requests/${id}/status`, { method: 'POST', body: { status: changes.status, rev: request._rev, ...(note ? { note } : {}) } });
      }
      notice(message, t('coordinator.requestUpdated'), 'success');
    } catch (err) {
      if (!err.offline) {
        notice(message, `${t('error.generic')} (${err.message})`, 'error');
        return;
      }
      await app.store.save(docs.contactStep(request, app.session, changes, note));
      notice(message, t('coordinator.savedOffline'), 'success');
    }
    refresh();
  }

  async function requester(request) {
    if (request.callback) {
      const { name, phone, email } = request.callback;
      return [name, phone, email].filter(Boolean).join(separator());
    }
    const person = await app.store.get(request.person_id);
    if (!person) return t('coordinator.unknownPerson');
    const contact = person.contact || {};
    return [person.display_name, contact.phone, contact.email].filter(Boolean).join(separator());
  }

  async function card(request) {
    const note = h('input', { type: 'text', maxlength: 1000, placeholder: t('coordinator.notePlaceholder'),
      'aria-label': t('coordinator.note') });
    // Whom else to give it to: by name, from the accounts the server accepts as assignees.
    const other = h('select', { 'aria-label': t('coordinator.assignee'), class: 'assignee' },
      h('option', { value: '' }, t('coordinator.choosePerson')),
      users.filter((user) => user.user_id !== app.session.user_id).map((user) => h('option', { value: user.user_id },
        `${nameOf(users, user.user_id)} (${t(`role.${user.role}`)})`)));
    const mine = request.assignee === app.session.user_id;
    const actions = [];
    if (request.status === 'new' || (request.status === 'assigned' && !mine)) {
      actions.push(h('button', { type: 'button', class: 'primary', onclick: () => act(request,
        { status: 'assigned', assignee: app.session.user_id }, note.value.trim()) }, t('coordinator.assignMe')));
    }
    if (request.status === 'assigned') {
      actions.push(h('button', { type: 'button', class: 'secondary', onclick: () => act(request, { status: 'done' }, note.value.trim()) },
        t('coordinator.markDone')));
    }
    if (request.status !== 'closed') {
      // Closing takes the request off every list and starts its retention clock: ask first.
      actions.push(h('button', { type: 'button', class: 'secondary', onclick: () => window.confirm(t('coordinator.confirmClose'))
        && act(request, { status: 'closed' }, note.value.trim()) }, t('coordinator.close')));
    }
    return h('li', { class: 'card contact-request', dataset: { id: request._id, status: request.status } },
      h('div', { class: 'row' }, h('strong', {}, t(`topic.${request.topic}`)), badge(request.status, t(`contactStatus.${request.status}`))),
      h('p', { class: 'meta' }, [formatDateTime(request.created_at), languageName(request.language), request.municipality].join(separator())),
      h('p', { class: 'requester', dir: 'auto' }, await requester(request)),
      request.message ? h('p', { class: 'request-message', dir: 'auto' }, request.message) : null,
      request.assignee ? h('p', { class: 'meta' }, t('coordinator.assignedTo', { who: mine ? t('coordinator.me') : nameOf(users, request.assignee) })) : null,
      (request.history || []).length ? h('details', {}, h('summary', {}, t('coordinator.history')),
        h('ol', {}, request.history.map((step) => h('li', {},
          `${formatDateTime(step.at)} – ${t(`contactStatus.${step.status}`)}${step.note ? `: ${step.note}` : ''}`)))) : null,
      actions.length ? h('div', { class: 'row actions' }, note, ...actions) : null,
      request.status !== 'closed' ? h('details', { class: 'assign-other' }, h('summary', {}, t('coordinator.assignOther')),
        h('div', { class: 'row' }, other, h('button', {
          type: 'button', class: 'secondary',
          onclick: () => other.value && act(request, { status: 'assigned', assignee: other.value }, note.value.trim()),
        }, t('coordinator.assign')))) : null);
  }

  async function refresh() {
    const requests = await app.store.byPrefix('contact:');
    const counts = Object.fromEntries(STATUSES.map((s) => [s, requests.filter((r) => r.status === s).length]));
    replaceChildren(chips, STATUSES.map((value) => h('button', {
      type: 'button', class: 'chip', 'aria-pressed': String(value === status),
      onclick: () => {
        status = value;
        refresh();
      },
    }, `${t(`contactStatus.${value}`)} (${formatNumber(counts[value])})`)));
    const shown = requests.filter((r) => r.status === status).sort((a, b) => a.created_at.localeCompare(b.created_at));
    const cards = await Promise.all(shown.map(card));
    replaceChildren(list, cards.length ? cards : emptyState(t('coordinator.noRequests')));
  }

  const el = screen(t('coordinator.contactsTitle'), chips, message, list);
  refresh();
  return { el, refresh, title: t('coordinator.contactsTitle') };
}

function body(doc) {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !key.startsWith('_')));
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const FIELDS = ['checked_in_at', 'by', 'device_id', 'devices', 'status', 'minutes', 'note', 'updated_at', 'assignee',
  'decided_by', 'decided_at', 'reason', 'date', 'created_at'];

// A conflict in plain words: whose check-in (or hours, or request) at which event, each version
// by who wrote it, on which device (A, B ...) and when, in local time; ids never show.
export function conflictsScreen(app) {
  const message = h('div', { class: 'message' });
  const list = h('div', {}, h('p', { class: 'loading' }, t('loading')));
  let users = people(app, (fresh) => { users = fresh; refresh(); });

  async function keep(winner, chosen, leaves) {
    if (chosen._rev !== winner._rev) await app.store.save({ ...body(chosen), _id: winner._id, _rev: winner._rev });
    for (const leaf of leaves) {
      if (leaf._rev !== winner._rev) await app.store.remove(leaf);
    }
    notice(message, t('conflicts.resolved'), 'success');
    refresh();
  }

  async function subject(doc) {
    const event = doc.event_id ? await app.store.get(doc.event_id) : null;
    let who = null;
    if (doc.walk_in) who = doc.walk_in.display_name;
    else if (doc.person_id) {
      const found = (doc.event_id && await app.store.get(`registration:${doc.event_id}:${doc.person_id}`))
        || await app.store.get(doc.person_id);
      who = found ? found.display_name : t('coordinator.unknownPerson');
    } else if (doc.volunteer_id) who = nameOf(users, doc.volunteer_id);
    const when = event ? formatDate(event.start) : doc.date ? formatDate(`${doc.date}T12:00:00`) : null;
    return [who, event ? eventTitle(event) : null, when].filter(Boolean).join(separator())
      || t(`docType.${doc.type}`);
  }

  function show(key, value, deviceLetter) {
    if (value === undefined || value === null || value === '') return '–';
    if (Array.isArray(value)) return formatList(value.map((item) => show(key, item, deviceLetter)));
    if (key === 'device_id' || key === 'devices') return t('conflicts.device', { letter: deviceLetter(value) });
    if (typeof value === 'string' && value.startsWith('user:')) return nameOf(users, value);
    if (typeof value === 'string' && ISO_TIME.test(value)) return formatDateTime(value);
    if (key === 'minutes') return duration(value);
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  async function refresh() {
    const all = await app.store.local.allDocs({ conflicts: true, include_docs: true });
    const conflicted = all.rows.filter((row) => row.doc && row.doc._conflicts && row.doc._conflicts.length);
    const cards = await Promise.all(conflicted.map(async ({ doc: winner }) => {
      const leaves = (await app.store.liveLeaves(winner._id))
        .sort((a, b) => (a._rev === winner._rev ? -1 : b._rev === winner._rev ? 1 : 0));
      const devices = [...new Set(leaves.flatMap((leaf) => [leaf.device_id, ...(leaf.devices || [])]).filter(Boolean))];
      const deviceLetter = (id) => String.fromCharCode(65 + Math.max(0, devices.indexOf(id)));
      const keys = [...new Set(leaves.flatMap((leaf) => Object.keys(body(leaf))))]
        .filter((key) => new Set(leaves.map((leaf) => JSON.stringify(leaf[key]))).size > 1)
        .sort((a, b) => (FIELDS.indexOf(a) + 1 || 99) - (FIELDS.indexOf(b) + 1 || 99));
      const version = (leaf, index) => {
        const author = leaf.by || leaf.decided_by || leaf.volunteer_id;
        const when = leaf.updated_at || leaf.checked_in_at || leaf.created_at;
        return [index === 0 ? t('conflicts.current') : t('conflicts.other', { n: index }),
          author ? nameOf(users, author) : null, leaf.device_id ? show('device_id', leaf.device_id, deviceLetter) : null,
          when ? formatDateTime(when) : null].filter(Boolean).join(separator());
      };
      return h('article', { class: 'card conflict', dataset: { id: winner._id } },
        h('h2', {}, `${t(`docType.${winner.type}`)}: `, h('span', { class: 'subject', dir: 'auto' }, await subject(winner))),
        RULE_MERGED.has(winner.type) ? h('p', { class: 'hint' }, t('conflicts.ruleWillMerge')) : null,
        table([t('conflicts.field'), ...leaves.map(version)],
          keys.map((key) => h('tr', {}, h('th', { scope: 'row' }, FIELDS.includes(key) ? t(`field.${key}`) : key),
            leaves.map((leaf) => h('td', {}, show(key, leaf[key], deviceLetter)))))),
        h('div', { class: 'row actions' }, leaves.map((leaf, index) => h('button', {
          type: 'button', class: index === 0 ? 'primary' : 'secondary', onclick: () => keep(winner, leaf, leaves),
        }, index === 0 ? t('conflicts.keepCurrent') : t('conflicts.keepOther', { n: index })))));
    }));
    replaceChildren(list, cards.length ? cards : emptyState(t('conflicts.none')));
  }

  const el = screen(t('conflicts.title'), h('p', { class: 'lead' }, t('conflicts.intro')), message, list);
  refresh();
  return { el, refresh, title: t('conflicts.title') };
}

// Admins see every signed-in session (who, on which device, since when, last used) and can
// end one with a button: a device with an id is blocked as a whole (every session on it ends,
// its record is marked revoked), a session without one ends alone. The device learns it at its
// next request (a 401) and deletes its local data. Coordinators see their own device only.
export function devicesScreen(app) {
  const here = h('section', { class: 'card' });
  const message = h('div', { class: 'message' });
  const sessionList = h('div', {});
  const list = h('div', {}, h('p', { class: 'loading' }, t('loading')));
  const admin = app.session.role === 'admin';
  let users = people(app, (fresh) => { users = fresh; refresh(); });

  function deviceTable(devices) {
    return table([t('devices.name'), t('devices.user'), t('devices.registered'), t('devices.lastSync'), t('devices.state')],
      devices.sort((a, b) => String(b.last_sync_at || '').localeCompare(String(a.last_sync_at || ''))).map((device) => h('tr', {},
        h('th', { scope: 'row' }, device.name),
        h('td', {}, nameOf(users, device.user_id)),
        h('td', {}, formatDate(device.registered_at)),
        h('td', { title: device.last_sync_at ? formatDateTime(device.last_sync_at) : '' },
          device.last_sync_at ? formatRelative(device.last_sync_at) : t('sync.never')),
        h('td', {}, device.revoked ? badge('rejected', t('devices.revoked')) : badge('approved', t('devices.active'))))));
  }

  async function revoke(session) {
    const who = session.display_name || session.email;
    const device = session.device_name || session.device_id || t('devices.unnamed');
    if (!window.confirm(t('devices.confirmRevoke', { who, device }))) return;
    const path = session.device_id
      ? `/api/devices/${encodeURIComponent(session.device_id)}/revoke`
      : `/api/devices/sessions/${encodeURIComponent(session.id)}/revoke`;
    try {
      await app.api(path, { method: 'POST' });
      notice(message, t('devices.revokedNotice', { who }), 'success');
    } catch (err) {
      notice(message, err.offline ? t('devices.needsNetwork') : `${t('error.generic')} (${err.message})`, 'error');
    }
    refresh();
  }

  function sessionTable(sessions) {
    return table([t('devices.person'), t('devices.name'), t('devices.signedIn'), t('devices.lastUsed'),
      h('span', { class: 'visually-hidden' }, t('devices.revoke'))],
      sessions.map((session) => h('tr', { dataset: { session: session.id, device: session.device_id || '' } },
        h('th', { scope: 'row' }, h('span', { class: 'who', dir: 'auto' }, session.display_name || session.email),
          h('br'), h('small', { class: 'meta' }, `${t(`role.${session.role}`)}${separator()}${session.email}`)),
        h('td', {}, session.device_name || t('devices.unnamed'),
          session.device_id ? [h('br'), h('small', { class: 'meta device-id' }, session.device_id)] : null),
        h('td', {}, session.issued_at ? formatDateTime(session.issued_at) : '–'),
        h('td', { title: session.last_seen ? formatDateTime(session.last_seen) : '' },
          session.last_seen ? formatRelative(session.last_seen) : '–'),
        h('td', {}, h('button', { type: 'button', class: 'danger revoke', onclick: () => revoke(session) },
          t('devices.revoke'))))));
  }

  async function refresh() {
    const status = app.sync.status();
    replaceChildren(here, h('h2', {}, t('devices.thisDevice')), h('dl', { class: 'facts' },
      h('dt', {}, t('devices.id')), h('dd', {}, app.deviceId),
      h('dt', {}, t('devices.lastSync')), h('dd', {}, status.lastSyncAt ? formatDateTime(status.lastSyncAt) : t('sync.never')),
      h('dt', {}, t('devices.pending')), h('dd', {}, formatNumber(status.pending))));
    let devices = null;
    if (admin) {
      try {
        const sessions = await app.api('/api/devices/sessions');
        replaceChildren(sessionList, sessions.length ? sessionTable(sessions) : emptyState(t('devices.noSessions')));
        devices = await app.api('/api/devices');
      } catch (err) {
        if (!err.offline) throw err;
        replaceChildren(sessionList, emptyState(t('devices.needsNetwork')));
      }
    }
    if (!devices) devices = await app.store.byPrefix('device:');
    replaceChildren(list, devices.length ? deviceTable(devices) : emptyState(t('devices.none')),
      admin ? null : h('p', { class: 'hint' }, t('devices.adminHint')));
  }

  const el = screen(t('devices.title'), here, message,
    admin ? h('section', { class: 'group', 'aria-labelledby': 'sessions-heading' },
      h('h2', { id: 'sessions-heading' }, t('devices.sessions')), sessionList) : null,
    h('h2', {}, t('devices.registeredDevices')), list);
  refresh();
  return { el, refresh, title: t('devices.title') };
}

// "Jan." with the year under it for the first bar and each January.
function monthLabel(month, index) {
  const [year, number] = month.split('-').map(Number);
  const date = new Date(year, number - 1, 15);
  const short = formatDate(date, { month: 'short' });
  return [short, index === 0 || number === 1 ? formatDate(date, { year: 'numeric' }) : ''];
}

// Words instead of codes in an exported table.
function csvLabel(column, value) {
  if (value === null || value === undefined || value === '') return '';
  if (column === 'activity') return t(`activity.${value}`);
  if (column === 'kind') return t(`eventKind.${value}`);
  if (column === 'programme' && value === 'other') return t('activity.other');
  return value;
}

export function reportsScreen(app) {
  const months = lastMonths(12);
  const range = `from=${months[0]}&to=${months[months.length - 1]}`;
  const source = h('p', { class: 'hint', role: 'status' });
  const charts = h('div', { class: 'charts' }, h('p', { class: 'loading' }, t('loading')));
  const message = h('div', { class: 'message' });

  async function rows() {
    try {
      const [participants, hours] = await Promise.all([
        app.api(`/api/reports/participants?${range}`), app.api(`/api/reports/hours?${range}`)]);
      return { participants, hours, server: true };
    } catch (err) {
      if (!err.offline) throw err;
      const [checkins, events, entries] = await Promise.all([
        app.store.byPrefix('checkin:'), app.store.byPrefix('event:'), app.store.byPrefix('hours:')]);
      const byId = new Map(events.map((event) => [event._id, event]));
      const inRange = (row) => row.month >= months[0] && row.month <= months[months.length - 1];
      return { participants: participantRows(checkins, byId).filter(inRange), hours: hoursRows(entries).filter(inRange), server: false };
    }
  }

  // The server's figures, written as a spreadsheet in the user's language expects them.
  async function exportCsv(kind) {
    try {
      const data = await app.api(`/api/reports/${kind}?${range}`);
      const text = spreadsheetCsv(data, REPORT_COLUMNS[kind], {
        heading: (column) => t(`csv.${column}`),
        label: csvLabel,
        decimalComma: usesDecimalComma(language()),
      });
      download(`${t(`csv.file.${kind}`)}-${months[0]}-${months[months.length - 1]}.csv`,
        new Blob([text], { type: 'text/csv;charset=utf-8' }));
    } catch (err) {
      notice(message, err.offline ? t('reports.csvNeedsNetwork') : `${t('error.generic')} (${err.message})`, 'error');
    }
  }

  async function refresh() {
    const data = await rows();
    source.textContent = data.server ? t('reports.fromServer', { time: formatTime(new Date()) }) : t('reports.fromDevice');
    const byMonth = (list, value) => {
      const sums = new Map(totals(list, 'month', value));
      return months.map((month, index) => [monthLabel(month, index), sums.get(month) || 0]);
    };
    replaceChildren(charts,
      columnChart(t('reports.participantsPerMonth'), byMonth(data.participants, 'participants'), t('reports.participants')),
      barChart(t('reports.participantsPerTown'), totals(data.participants, 'municipality', 'participants'), t('reports.participants')),
      columnChart(t('reports.hoursPerMonth'), byMonth(data.hours, 'hours'), t('reports.hours')),
      barChart(t('reports.hoursPerTown'), totals(data.hours, 'municipality', 'hours'), t('reports.hours')));
  }

  const el = screen(t('reports.title'),
    h('p', { class: 'lead' }, t('reports.intro', { from: formatMonth(months[0]), to: formatMonth(months[months.length - 1]) })),
    h('div', { class: 'row actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => exportCsv('participants') }, t('reports.csvParticipants')),
      h('button', { type: 'button', class: 'secondary', onclick: () => exportCsv('hours') }, t('reports.csvHours'))),
    message, source, charts);
  refresh();
  // Figures from the server do not change with local documents; refresh on demand only.
  return { el, title: t('reports.title') };
}
