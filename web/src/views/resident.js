// Residents: events near them and signing up, asking for contact, and their own data.
// The resident's person record is the one whose account_id is their user id; the gateway
// syncs it (and only it) to their device.

import domain from '../domain.json';
import * as docs from '../docs.js';
import { download, field, h, notice, replaceChildren, select } from '../dom.js';
import { formatDate, formatDateTime, formatList, language, languageName, localized, separator, t } from '../i18n.js';
import { badge, emptyState, eventMeta, eventTitle, screen, upcoming } from './common.js';

export const ERASURE_MESSAGE = 'Bitte meine Daten löschen.';

async function findPerson(app) {
  const people = await app.store.byPrefix('person:');
  return people.find((person) => person.account_id === app.session.user_id) || null;
}

function waitingForPerson() {
  return h('p', { class: 'notice info', role: 'status' }, t('resident.loadingProfile'));
}

export function eventsScreen(app) {
  const chooser = select([['', t('resident.allTowns')], ...domain.municipalities.map((m) => [m, m])],
    app.session.municipality || '', { id: 'town-filter' });
  const list = h('div', { class: 'event-lists' }, h('p', { class: 'loading' }, t('loading')));
  const message = h('div', { class: 'message' });
  let person = null;
  let chosenByUser = false;
  chooser.addEventListener('change', () => {
    chosenByUser = true;
    refresh();
  });

  async function signUp(event, existing) {
    const doc = existing ? { ...existing, status: 'registered', updated_at: new Date().toISOString() }
      : docs.registration(event, person);
    await app.store.save(doc);
    notice(message, t('resident.signedUp', { title: eventTitle(event) }), 'success');
    refresh();
  }

  async function cancel(event, existing) {
    await app.store.save({ ...existing, status: 'cancelled', updated_at: new Date().toISOString() });
    notice(message, t('resident.cancelled', { title: eventTitle(event) }), 'info');
    refresh();
  }

  async function refresh() {
    person = await findPerson(app);
    if (person && !chosenByUser && !chooser.value) chooser.value = person.municipality;
    const town = chooser.value;
    const events = (await app.store.byPrefix('event:')).filter((event) => !town || event.municipality === town);
    const { today, later } = upcoming(events);
    const shown = [...today, ...later];
    const mine = person ? new Map((await app.store.byPrefix('registration:'))
      .filter((r) => r.person_id === person._id).map((r) => [r.event_id, r])) : new Map();
    replaceChildren(list,
      person ? null : waitingForPerson(),
      shown.length ? h('ul', { class: 'cards', role: 'list' }, shown.map((event) => {
        const registration = mine.get(event._id);
        const registered = registration && registration.status === 'registered';
        const description = localized(event.description);
        return h('li', { class: 'card event-card' },
          h('h2', { class: 'card-title' }, eventTitle(event)),
          eventMeta(event),
          description ? h('p', { class: 'description' }, description) : null,
          h('div', { class: 'row' },
            registered ? badge('approved', t('resident.registered')) : null,
            registered
              ? h('button', { type: 'button', class: 'secondary', onclick: () => cancel(event, registration) },
                t('resident.cancel'))
              : h('button', { type: 'button', class: 'primary', disabled: !person,
                onclick: () => signUp(event, registration), 'aria-label': `${t('resident.signUp')}: ${eventTitle(event)}` },
              t('resident.signUp'))));
      })) : emptyState(t('resident.noEvents')));
  }

  const el = screen(t('resident.eventsTitle'),
    h('p', { class: 'lead' }, t('resident.eventsIntro')),
    h('div', { class: 'toolbar' }, field(t('resident.town'), chooser)),
    message,
    list);
  refresh();
  return { el, refresh, title: t('resident.eventsTitle') };
}

export function contactScreen(app) {
  const topic = select(domain.contact_topics.map((code) => [code, t(`topic.${code}`)]), 'interpreter');
  const wanted = domain.languages.includes(language()) ? language() : 'de';
  const languageSelect = select(domain.languages.map((code) => [code, languageName(code)]), wanted);
  const phone = h('input', { type: 'tel', autocomplete: 'tel', maxlength: 40 });
  const email = h('input', { type: 'email', autocomplete: 'email' });
  const text = h('textarea', { rows: 4, maxlength: 2000, required: true });
  const message = h('div', { class: 'message' });
  const list = h('ul', { class: 'cards', role: 'list' });
  let person = null;

  const form = h('form', {
    class: 'card',
    onsubmit: async (submitEvent) => {
      submitEvent.preventDefault();
      if (!person) return;
      const contact = {};
      if (phone.value.trim()) contact.phone = phone.value.trim();
      if (email.value.trim()) contact.email = email.value.trim();
      // A registered person's request names the person; how to call back is kept once, on
      // the person record, not copied into every request.
      if (JSON.stringify(contact) !== JSON.stringify(person.contact || {}) && Object.keys(contact).length) {
        person = await app.store.save({ ...person, contact, updated_at: new Date().toISOString() });
      }
      await app.store.save(docs.contactRequest(person, app.session, {
        topic: topic.value, language: languageSelect.value, message: text.value.trim(),
      }));
      text.value = '';
      notice(message, t('contact.saved'), 'success');
      refresh();
    },
  },
  field(t('contact.topic'), topic),
  field(t('contact.language'), languageSelect),
  h('fieldset', {}, h('legend', {}, t('contact.callback')),
    h('p', { class: 'hint' }, t('contact.callbackHint')),
    field(t('contact.phone'), phone),
    field(t('contact.email'), email)),
  field(t('contact.message'), text, t('contact.messageHint')),
  message,
  h('button', { type: 'submit', class: 'primary' }, t('contact.submit')));

  let filled = false;
  async function refresh() {
    person = await findPerson(app);
    form.querySelector('button[type=submit]').disabled = !person;
    if (person && !filled) {
      filled = true;
      phone.value = (person.contact && person.contact.phone) || '';
      email.value = (person.contact && person.contact.email) || '';
    }
    const requests = person ? (await app.store.byPrefix('contact:')).filter((r) => r.person_id === person._id)
      .sort((a, b) => b.created_at.localeCompare(a.created_at)) : [];
    replaceChildren(list, requests.length ? requests.map(requestCard) : emptyState(t('contact.none')));
  }

  const el = screen(t('contact.title'), h('p', { class: 'lead' }, t('contact.intro')), form,
    h('section', { class: 'group', 'aria-labelledby': 'my-requests' }, h('h2', { id: 'my-requests' }, t('contact.mine')), list));
  refresh();
  return { el, refresh, title: t('contact.title') };
}

function requestCard(request) {
  return h('li', { class: 'card' },
    h('div', { class: 'row' }, h('strong', {}, t(`topic.${request.topic}`)),
      badge(request.status, t(`contactStatus.${request.status}`))),
    h('p', { class: 'meta' }, formatDateTime(request.created_at), separator(), languageName(request.language)),
    request.message ? h('p', { dir: 'auto' }, request.message) : null);
}

// "My data": everything the server holds about the resident (GET /api/me/data: person record,
// registrations, check-ins, contact requests, account and sessions), or offline what this
// device holds; shown and downloaded in words and local dates, never internal ids.
export function dataScreen(app) {
  const body = h('div', {}, h('p', { class: 'loading' }, t('loading')));
  const message = h('div', { class: 'message' });
  let snapshot = null;

  async function collect() {
    try {
      return { ...(await app.api('/api/me/data')), server: true };
    } catch (err) {
      if (!err.offline) throw err;
    }
    const person = await findPerson(app);
    if (!person) return null;
    const mine = async (prefix) => (await app.store.byPrefix(prefix)).filter((doc) => doc.person_id === person._id);
    return { person, registrations: await mine('registration:'), checkins: await mine('checkin:'),
      contact_requests: await mine('contact:'), account: { email: app.session.email }, sessions: [], server: false };
  }

  async function requestErasure() {
    if (!snapshot || !window.confirm(t('data.confirmErasure'))) return;
    await app.store.save(docs.contactRequest(snapshot.person, app.session,
      { topic: 'other', language: 'de', message: ERASURE_MESSAGE }));
    notice(message, t('data.erasureRequested'), 'success');
    refresh();
  }

  // The same facts as the screen, labelled in the app's language, for the download.
  function readable(data, events) {
    const { person, account } = data;
    const title = (id) => (events.get(id) ? eventTitle(events.get(id)) : t('data.unknownEvent'));
    const when = (id) => (events.get(id) ? formatDateTime(events.get(id).start) : '–');
    return {
      [t('data.title')]: `Miteinander${separator()}${formatDateTime(new Date())}`,
      [t('data.profile')]: {
        [t('register.name')]: person.display_name,
        [t('register.town')]: person.municipality,
        [t('data.languages')]: formatList((person.languages || []).map(languageName)),
        [t('contact.phone')]: (person.contact && person.contact.phone) || '–',
        [t('contact.email')]: email(data) || '–',
        [t('data.consents')]: (person.consents || []).map(consentText),
      },
      [t('data.registrations')]: data.registrations.map((r) => ({
        [t('data.event')]: title(r.event_id), [t('data.when')]: when(r.event_id),
        [t('data.status')]: t(`registrationStatus.${r.status}`) })),
      [t('data.checkins')]: data.checkins.map((c) => ({
        [t('data.event')]: title(c.event_id), [t('data.checkedInAt')]: formatDateTime(c.checked_in_at) })),
      [t('contact.mine')]: data.contact_requests.map((r) => ({
        [t('data.topic')]: t(`topic.${r.topic}`), [t('data.created')]: formatDateTime(r.created_at),
        [t('data.status')]: t(`contactStatus.${r.status}`), [t('data.message')]: r.message || '',
        [t('coordinator.history')]: (r.history || []).map((step) => `${formatDateTime(step.at)}: ${t(`contactStatus.${step.status}`)}`
          + (step.note ? ` – ${step.note}` : '')) })),
      [t('data.account')]: {
        [t('contact.email')]: (account && account.email) || '–',
        [t('data.created')]: account && account.created_at ? formatDateTime(account.created_at) : '–',
        [t('data.sessions')]: (data.sessions || []).map((session) => `${session.device_name || t('devices.unnamed')}: `
          + `${session.issued_at ? formatDateTime(session.issued_at) : '–'}`),
      },
    };
  }

  function email(data) {
    return (data.person.contact && data.person.contact.email) || (data.account && data.account.email);
  }

  function consentText(c) {
    return `${t(`consent.purpose.${c.purpose}`)}: ${formatDate(c.given_at)}${
      c.withdrawn_at ? ` (${t('data.withdrawn')} ${formatDate(c.withdrawn_at)})` : ''}`;
  }

  async function refresh() {
    snapshot = await collect();
    if (!snapshot) {
      replaceChildren(body, waitingForPerson());
      return;
    }
    const { person, registrations, checkins, contact_requests: requests } = snapshot;
    const events = new Map((await app.store.byPrefix('event:')).map((event) => [event._id, event]));
    const erasure = requests.find((r) => r.message === ERASURE_MESSAGE && ['new', 'assigned'].includes(r.status));
    const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || '–')];
    replaceChildren(body,
      snapshot.server ? null : h('p', { class: 'notice info', role: 'status' }, t('data.offlinePart')),
      h('section', { class: 'card' }, h('h2', {}, t('data.profile')),
        h('dl', { class: 'facts' },
          row(t('register.name'), person.display_name),
          row(t('register.town'), person.municipality),
          row(t('data.languages'), formatList((person.languages || []).map(languageName))),
          row(t('contact.phone'), person.contact && person.contact.phone),
          row(t('contact.email'), email(snapshot)),
          row(t('data.consents'), (person.consents || []).map(consentText).join('; ')))),
      h('section', { class: 'card' }, h('h2', {}, t('data.registrations')),
        registrations.length ? h('ul', {}, registrations.map((r) => {
          const event = events.get(r.event_id);
          return h('li', {}, event ? eventTitle(event) : t('data.unknownEvent'), ' – ', t(`registrationStatus.${r.status}`),
            event ? h('div', {}, eventMeta(event)) : null);
        })) : emptyState(t('data.noRegistrations'))),
      h('section', { class: 'card' }, h('h2', {}, t('data.checkins')),
        checkins.length ? h('ul', { class: 'checkins' }, checkins.map((c) => {
          const event = events.get(c.event_id);
          return h('li', {}, event ? eventTitle(event) : t('data.unknownEvent'), separator(),
            t('data.checkedInAtTime', { time: formatDateTime(c.checked_in_at) }));
        })) : emptyState(t('data.noCheckins'))),
      h('section', { class: 'card' }, h('h2', {}, t('contact.mine')),
        requests.length ? h('ul', { class: 'cards', role: 'list' }, requests.map(requestCard)) : emptyState(t('contact.none'))),
      h('section', { class: 'card actions' }, h('h2', {}, t('data.rights')),
        h('p', {}, t('data.rightsText')),
        h('div', { class: 'row' },
          h('button', {
            type: 'button', class: 'secondary',
            onclick: () => download(`${t('data.fileName')}.json`, new Blob([JSON.stringify(readable(snapshot, events), null, 2)],
              { type: 'application/json' })),
          }, t('data.download')),
          erasure ? badge('pending', t('data.erasurePending'))
            : h('button', { type: 'button', class: 'danger', onclick: requestErasure }, t('data.requestErasure')))));
  }

  const el = screen(t('data.title'), h('p', { class: 'lead' }, t('data.intro')), message, body);
  refresh();
  return { el, refresh, title: t('data.title') };
}
