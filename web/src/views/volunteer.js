// Volunteers: their events, checking participants in (also walk-ins), and their hours. All
// of it works offline: every write goes to the local database and syncs later.

import { attendance as count } from '../attendance.js';
import domain from '../domain.json';
import * as docs from '../docs.js';
import { field, fieldError, h, notice, replaceChildren, searchKey, select } from '../dom.js';
import { formatDate, formatNumber, formatTime, parseDecimal, separator, t } from '../i18n.js';
import { badge, duration, emptyState, eventMeta, eventTitle, recent, screen, upcoming } from './common.js';

async function myEvents(app) {
  const events = await app.store.byPrefix('event:');
  return events.filter((event) => (event.assigned_volunteers || []).includes(app.session.user_id));
}

async function attendance(app, eventId) {
  const [registrations, checkins] = await Promise.all([
    app.store.byPrefix(`registration:${eventId}:`),
    app.store.byPrefix(`checkin:${eventId}:`),
  ]);
  return count(registrations, checkins);
}

function eventCard(event, counts) {
  return h('li', { class: 'card event-card' },
    h('a', { href: `#/v/event/${encodeURIComponent(event._id)}`, class: 'card-link' },
      h('h3', {}, eventTitle(event)),
      eventMeta(event),
      h('p', { class: 'counts' }, t('attendance.detail', counts))));
}

export function eventsScreen(app) {
  const lists = h('div', { class: 'event-lists' }, h('p', { class: 'loading' }, t('loading')));
  const el = screen(t('volunteer.title'), lists);

  async function refresh() {
    const events = await myEvents(app);
    const counted = await Promise.all(events.map(async (event) => {
      return [event, (await attendance(app, event._id)).counts];
    }));
    const counts = new Map(counted.map(([event, count]) => [event._id, count]));
    const { today, later } = upcoming(events);
    const past = recent(events);
    const section = (title, items, empty, id) => h('section', { class: 'group', 'aria-labelledby': id },
      h('h2', { id }, title),
      items.length ? h('ul', { class: 'cards', role: 'list' }, items.map((event) => eventCard(event, counts.get(event._id))))
        : emptyState(empty));
    replaceChildren(lists,
      section(t('volunteer.today'), today, t('volunteer.noneToday'), 'today'),
      section(t('volunteer.upcoming'), later, t('volunteer.noneUpcoming'), 'upcoming'),
      past.length ? h('details', { class: 'group past' }, h('summary', {}, t('volunteer.recent')),
        h('ul', { class: 'cards', role: 'list' }, past.map((event) => eventCard(event, counts.get(event._id))))) : null);
  }

  refresh();
  return { el, refresh, title: t('volunteer.title') };
}

// Undo stays disabled this long after a check-in made here: a double tap, or a second tap
// by someone who thought the first did not register, must never take the check-in back.
const UNDO_GUARD_MS = 1500;

// One participant row: name and state, a large one-tap check-in button at the row's end, and,
// once the person is here, a "✓" mark in that place and a small undo button under the name.
// Check-in and undo never sit under the same finger.
function participantRow(registration, onCheckIn, onUndo) {
  const label = (key) => `${t(key)}: ${registration.display_name}`;
  const name = h('span', { class: 'name', dir: 'auto' }, registration.display_name);
  const state = h('span', { class: 'state' });
  const undo = h('button', { type: 'button', class: 'secondary undo', 'aria-label': label('checkin.undo') },
    t('checkin.undo'));
  const checkIn = h('button', { type: 'button', class: 'primary checkin', 'aria-label': label('checkin.do') },
    t('checkin.do'));
  const mark = h('span', { class: 'present-mark', 'aria-hidden': 'true' }, '✓');
  const row = h('li', { class: 'participant', dataset: { person: registration.person_id } },
    h('div', { class: 'who' }, name, h('div', { class: 'state-line' }, state, undo)), h('div', { class: 'action' }, checkIn, mark));
  let current = null;
  let busy = false;
  let armedAt = 0;
  let armTimer = null;
  row.keepUntil = 0; // a row just checked in stays in place, even under "not yet here"
  checkIn.addEventListener('click', async () => {
    if (busy || current) return; // taps while the first one is being saved
    busy = true;
    armedAt = Date.now() + UNDO_GUARD_MS;
    row.keepUntil = armedAt;
    try {
      await onCheckIn(registration);
    } finally {
      busy = false;
    }
  });
  undo.addEventListener('click', () => {
    if (current && Date.now() >= armedAt) onUndo(current);
  });
  row.key = searchKey(registration.display_name);
  row.update = (checkin, cancelled) => {
    current = checkin || null;
    row.classList.toggle('present', Boolean(checkin));
    row.dataset.present = checkin ? 'true' : 'false';
    replaceChildren(state, checkin ? `✓ ${t('checkin.at', { time: formatTime(checkin.checked_in_at) })}` : '',
      cancelled ? ` ${t('checkin.cancelledRegistration')}` : '');
    checkIn.hidden = Boolean(checkin);
    mark.hidden = !checkin;
    undo.hidden = !checkin;
    const wait = armedAt - Date.now();
    undo.disabled = Boolean(checkin) && wait > 0;
    clearTimeout(armTimer);
    if (undo.disabled) armTimer = setTimeout(() => { undo.disabled = false; }, wait);
  };
  return row;
}

export function eventScreen(app, eventId) {
  const header = h('div', { class: 'event-header' });
  const counts = h('p', { class: 'counts big', 'aria-live': 'polite' });
  const search = h('input', { type: 'search', id: 'participant-search', autocomplete: 'off', enterkeyhint: 'done',
    'aria-controls': 'participants', placeholder: t('checkin.searchPlaceholder') });
  const matches = h('p', { class: 'matches', 'aria-live': 'polite' });
  let filter = 'all';
  const filterButtons = ['all', 'open', 'present'].map((value) => h('button', {
    type: 'button', class: 'chip', 'aria-pressed': String(value === filter),
    onclick: () => {
      filter = value;
      filterButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.value === value)));
      applyFilter();
    },
    dataset: { value },
  }, t(`checkin.filter.${value}`)));
  const list = h('ul', { class: 'participants', id: 'participants', role: 'list', 'aria-label': t('checkin.list') });
  const message = h('div', { class: 'message' });
  const walkInName = h('input', { type: 'text', maxlength: 120, autocomplete: 'off' });
  const walkInConsent = h('input', { type: 'checkbox', id: 'walkin-consent' });
  const walkInNameField = field(t('checkin.walkInName'), walkInName);
  const walkInConsentBox = h('div', {},
    h('p', { class: 'consent-text', id: 'walkin-consent-text' }, t('consent.walkIn')),
    h('label', { class: 'check strong', for: 'walkin-consent' }, walkInConsent, t('consent.walkInAgree')));
  walkInConsentBox.control = walkInConsent;
  const walkIns = h('ul', { class: 'walkins', role: 'list' });
  const rows = new Map();
  let event = null;
  let data = null;

  const walkInForm = h('form', {
    class: 'walkin-form',
    novalidate: true,
    onsubmit: async (submitEvent) => {
      submitEvent.preventDefault();
      if (!event) return;
      const nameMissing = fieldError(walkInNameField, !walkInName.value.trim() && t('checkin.walkInNameMissing'));
      const consentMissing = fieldError(walkInConsentBox, !walkInConsent.checked && t('checkin.walkInConsentMissing'));
      if (nameMissing || consentMissing) {
        (nameMissing ? walkInName : walkInConsent).focus();
        return;
      }
      const doc = docs.walkIn(event, walkInName.value.trim(), app.session, app.deviceId);
      await app.store.save(doc);
      walkInName.value = '';
      walkInConsent.checked = false;
      notice(message, t('checkin.walkInSaved', { name: doc.walk_in.display_name }), 'success');
      refresh();
    },
  },
  walkInNameField,
  walkInConsentBox,
  h('button', { type: 'submit', class: 'primary' }, t('checkin.walkInSubmit')));
  walkInConsent.setAttribute('aria-describedby', 'walkin-consent-text');

  function applyFilter() {
    const tokens = searchKey(search.value).split(/\s+/).filter(Boolean);
    let visible = 0;
    const now = Date.now();
    for (const row of rows.values()) {
      const present = row.dataset.present === 'true';
      // Under "not yet here" a row just checked in stays for the undo guard, so the next row
      // does not slide under a finger that taps twice.
      const open = !present || now < row.keepUntil;
      const show = tokens.every((token) => row.key.includes(token))
        && (filter === 'all' || (filter === 'open' ? open : present));
      row.hidden = !show;
      if (show) visible += 1;
    }
    matches.textContent = tokens.length || filter !== 'all' ? t('checkin.matches', { count: visible }) : '';
    return visible;
  }

  async function checkIn(registration) {
    const doc = docs.checkin(event, registration.person_id, app.session, app.deviceId);
    const existing = await app.store.get(doc._id);
    if (!existing) await app.store.save(doc);
    await refresh();
    setTimeout(applyFilter, UNDO_GUARD_MS + 50); // the row leaves "not yet here" after the guard
  }

  // Every live version goes: a person checked in on two tablets has two (a conflict until a
  // rule merges them), and removing only the winner would let the other one take its place.
  async function undo(checkin) {
    const leaves = await app.store.liveLeaves(checkin._id);
    if (leaves.length) await app.store.bulk(leaves.map((leaf) => ({ _id: leaf._id, _rev: leaf._rev, _deleted: true })));
    await refresh();
  }

  async function refresh() {
    event = await app.store.get(eventId);
    if (!event) {
      replaceChildren(header, h('p', { class: 'notice warning' }, t('event.notFound')));
      return;
    }
    replaceChildren(header,
      h('a', { href: '#/v', class: 'back' }, t('back')),
      h('h1', {}, eventTitle(event)),
      eventMeta(event),
      h('a', { href: `#/v/hours/${encodeURIComponent(event._id)}`, class: 'button secondary' }, t('hours.logForEvent')));
    data = await attendance(app, eventId);
    const sorted = [...data.expected].sort((a, b) => a.display_name.localeCompare(b.display_name));
    const ids = sorted.map((r) => r.person_id);
    const changed = ids.length !== rows.size || ids.some((id) => !rows.has(id));
    if (changed) {
      for (const id of [...rows.keys()]) if (!ids.includes(id)) rows.delete(id);
      for (const registration of sorted) {
        if (!rows.has(registration.person_id)) rows.set(registration.person_id, participantRow(registration, checkIn, undo));
      }
      replaceChildren(list, sorted.map((r) => rows.get(r.person_id)));
    }
    for (const registration of sorted) {
      rows.get(registration.person_id).update(data.byPerson.get(registration.person_id), registration.status === 'cancelled');
    }
    counts.textContent = t('attendance.detail', data.counts);
    replaceChildren(walkIns, data.walkIns.map((checkin) => h('li', { class: 'participant present' },
      h('div', { class: 'who' }, h('span', { class: 'name', dir: 'auto' }, checkin.walk_in.display_name),
        h('span', { class: 'state' }, `✓ ${t('checkin.at', { time: formatTime(checkin.checked_in_at) })}`)),
      h('button', { type: 'button', class: 'secondary undo', onclick: () => undo(checkin),
        'aria-label': `${t('checkin.undo')}: ${checkin.walk_in.display_name}` }, t('checkin.undo')))));
    if (!sorted.length) replaceChildren(list, h('li', { class: 'empty' }, t('checkin.noRegistrations')));
    applyFilter();
  }

  search.addEventListener('input', applyFilter);
  // Enter checks in the one person the search found: type a few letters, press Enter, next.
  search.addEventListener('keydown', (keyEvent) => {
    if (keyEvent.key !== 'Enter') return;
    keyEvent.preventDefault();
    const visible = [...rows.values()].filter((row) => !row.hidden && row.dataset.present !== 'true');
    if (visible.length === 1) {
      visible[0].querySelector('button.checkin').click();
      search.select();
    }
  });

  const el = h('section', { class: 'screen event' },
    header,
    counts,
    h('div', { class: 'search-bar', role: 'search' },
      h('label', { for: 'participant-search' }, t('checkin.search')),
      search,
      h('div', { class: 'chips', role: 'group', 'aria-label': t('checkin.filter.label') }, filterButtons),
      matches),
    message,
    list,
    h('section', { class: 'group walkin', 'aria-labelledby': 'walkin-title' },
      h('h2', { id: 'walkin-title' }, t('checkin.walkInTitle')),
      walkIns,
      h('details', { class: 'walkin-add' }, h('summary', { class: 'button secondary' }, t('checkin.walkInAdd')), walkInForm)));
  refresh();
  return { el, refresh, title: t('checkin.title') };
}

// The most one entry may hold: a longer day is two entries, and "15" for "1,5" is caught.
const MAX_HOURS_PER_ENTRY = 12;

// Why an hours entry cannot be saved, or null: {field, key} names the field and the message.
export function checkHours(hours, date, event, now = new Date()) {
  if (!(hours > 0) || Math.round(hours * 60) < 1) return { field: 'amount', key: 'hours.invalidDuration' };
  if (hours > MAX_HOURS_PER_ENTRY) return { field: 'amount', key: 'hours.tooLong' };
  if (!date) return { field: 'date', key: 'hours.dateMissing' };
  if (date > docs.todayIso(now)) return { field: 'date', key: 'hours.futureDate' };
  if (event && new Date(event.start) > now) return { field: 'date', key: 'hours.eventNotYet' };
  return null;
}

export function hoursScreen(app, eventId) {
  const message = h('div', { class: 'message' });
  const date = h('input', { type: 'date', value: docs.todayIso(), max: docs.todayIso() });
  // Text, not type=number: a number field drops the "," of "1,5" before the app sees it.
  const amount = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', name: 'hours', maxlength: 6 });
  const amountField = field(t('hours.amount'), amount, t('hours.amountHint'));
  const dateField = field(t('hours.date'), date);
  const activity = select(domain.activities.map((a) => [a, t(`activity.${a}`)]), 'event_support');
  const eventSelect = h('select', {});
  const municipality = select([['', t('hours.chooseTown')], ...domain.municipalities.map((m) => [m, m])], '');
  const townField = field(t('hours.municipality'), municipality);
  const note = h('textarea', { maxlength: 1000, rows: 2 });
  const list = h('ul', { class: 'cards hours-list', role: 'list' });
  let events = [];

  function chosenEvent() {
    return events.find((event) => event._id === eventSelect.value) || null;
  }

  eventSelect.addEventListener('change', () => {
    const event = chosenEvent();
    if (event) {
      municipality.value = event.municipality;
      date.value = docs.todayIso(new Date(event.start));
    }
  });

  const form = h('form', {
    class: 'card',
    novalidate: true,
    onsubmit: async (submitEvent) => {
      submitEvent.preventDefault();
      replaceChildren(message);
      if (fieldError(townField, !municipality.value && t('hours.townMissing'))) municipality.focus();
      const problem = checkHours(parseDecimal(amount.value), date.value, chosenEvent());
      fieldError(amountField, problem && problem.field === 'amount' && t(problem.key));
      fieldError(dateField, problem && problem.field === 'date' && t(problem.key));
      if (problem) {
        (problem.field === 'amount' ? amount : date).focus();
        return;
      }
      if (!municipality.value) return;
      const minutes = Math.round(parseDecimal(amount.value) * 60);
      const doc = docs.hours(app.session, {
        date: date.value, minutes, activity: activity.value, municipality: municipality.value,
        event: chosenEvent(), note: note.value.trim(),
      });
      await app.store.save(doc);
      amount.value = '';
      note.value = '';
      [amountField, dateField, townField].forEach((wrapper) => fieldError(wrapper, null));
      notice(message, t('hours.saved'), 'success');
      refresh();
    },
  },
  h('h2', {}, t('hours.new')),
  field(t('hours.event'), eventSelect),
  dateField,
  amountField,
  field(t('hours.activity'), activity),
  townField,
  field(t('hours.note'), note),
  message,
  h('button', { type: 'submit', class: 'primary' }, t('hours.submit')));

  async function refresh() {
    const all = await myEvents(app);
    const firstLoad = !events.length;
    events = all.sort((a, b) => b.start.localeCompare(a.start));
    const chosen = eventSelect.value || eventId || '';
    replaceChildren(eventSelect, h('option', { value: '' }, t('hours.noEvent')),
      events.map((event) => h('option', { value: event._id, selected: event._id === chosen },
        `${eventTitle(event)} (${formatDate(event.start, { day: 'numeric', month: 'short' })})`)));
    if (firstLoad && eventId) eventSelect.dispatchEvent(new Event('change'));
    const entries = (await app.store.byPrefix(`hours:${app.session.user_id}:`))
      .sort((a, b) => b.date.localeCompare(a.date) || b.created_at.localeCompare(a.created_at));
    const titles = new Map((await app.store.byPrefix('event:')).map((event) => [event._id, eventTitle(event)]));
    replaceChildren(list, entries.length ? entries.map((entry) => h('li', { class: 'card hours-entry' },
      h('div', { class: 'row' },
        h('strong', {}, `${formatDate(entry.date + 'T12:00:00')}${separator()}${duration(entry.minutes)}`),
        badge(entry.status, t(`hours.status.${entry.status}`))),
      h('p', {}, [t(`activity.${entry.activity}`), entry.event_id ? titles.get(entry.event_id) : '', entry.municipality]
        .filter(Boolean).join(separator())),
      entry.note ? h('p', { class: 'note' }, entry.note) : null,
      entry.reason ? h('p', { class: 'note' }, `${t('hours.reason')}: ${entry.reason}`) : null,
      entry.status === 'pending' ? h('button', {
        type: 'button', class: 'secondary',
        onclick: async () => {
          if (!window.confirm(t('hours.confirmDelete'))) return;
          await app.store.remove(entry);
          refresh();
        },
      }, t('hours.delete')) : null)) : emptyState(t('hours.none')));
    const total = entries.filter((e) => e.status === 'approved').reduce((sum, e) => sum + e.minutes, 0);
    summary.textContent = t('hours.approvedTotal', { hours: formatNumber(total / 60, { maximumFractionDigits: 1 }) });
  }

  const summary = h('p', { class: 'lead' });
  const el = screen(t('hours.title'), form,
    h('section', { class: 'group', 'aria-labelledby': 'my-hours' }, h('h2', { id: 'my-hours' }, t('hours.mine')), summary, list));
  refresh();
  return { el, refresh, title: t('hours.title') };
}
