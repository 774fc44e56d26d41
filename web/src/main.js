// The app shell: session, local database and sync, the header with navigation, language and
// sync status, and a hash router that mounts one screen at a time.

import { json, onUnauthorized } from './api.js';
import { h, replaceChildren, select } from './dom.js';
import {
  formatDateTime, formatRelative, language, onLanguageChange, preferredLanguage, setLanguage, t, UI_LANGUAGES,
} from './i18n.js';
import * as sessions from './session.js';
import { destroyLocal, Store } from './store.js';
import { Sync } from './sync.js';
import * as coordinator from './views/coordinator.js';
import * as login from './views/login.js';
import * as resident from './views/resident.js';
import * as volunteer from './views/volunteer.js';

const LAST_USER_KEY = 'miteinander.lastUser';

const NAVIGATION = {
  volunteer: [['#/v', 'nav.events'], ['#/v/hours', 'nav.hours']],
  resident: [['#/r', 'nav.eventsNearMe'], ['#/r/contact', 'nav.contact'], ['#/r/data', 'nav.myData']],
  coordinator: [['#/c', 'nav.attendance'], ['#/c/hours', 'nav.approveHours'], ['#/c/contacts', 'nav.contacts'],
    ['#/c/conflicts', 'nav.conflicts'], ['#/c/devices', 'nav.devices'], ['#/c/reports', 'nav.reports']],
};
NAVIGATION.admin = NAVIGATION.coordinator;

// Route patterns per area; the first capture group is passed to the screen.
const ROUTES = [
  [/^#\/login$/, null, login.loginScreen],
  [/^#\/register$/, null, login.registerScreen],
  [/^#\/confirm(?:\/(.+))?$/, null, login.confirmScreen],
  [/^#\/v$/, ['volunteer'], volunteer.eventsScreen],
  [/^#\/v\/event\/(.+)$/, ['volunteer'], volunteer.eventScreen],
  [/^#\/v\/hours(?:\/(.+))?$/, ['volunteer'], volunteer.hoursScreen],
  [/^#\/r$/, ['resident'], resident.eventsScreen],
  [/^#\/r\/contact$/, ['resident'], resident.contactScreen],
  [/^#\/r\/data$/, ['resident'], resident.dataScreen],
  [/^#\/c$/, ['coordinator', 'admin'], coordinator.attendanceScreen],
  [/^#\/c\/event\/(.+)$/, ['coordinator', 'admin'], coordinator.eventScreen],
  [/^#\/c\/hours$/, ['coordinator', 'admin'], coordinator.hoursScreen],
  [/^#\/c\/contacts$/, ['coordinator', 'admin'], coordinator.contactsScreen],
  [/^#\/c\/conflicts$/, ['coordinator', 'admin'], coordinator.conflictsScreen],
  [/^#\/c\/devices$/, ['coordinator', 'admin'], coordinator.devicesScreen],
  [/^#\/c\/reports$/, ['coordinator', 'admin'], coordinator.reportsScreen],
];

// A small globe before the language menu, so the menu is found in any language.
function globe() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'language-icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 9'
    + 'c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z"/>';
  return svg;
}

const home = (role) => (NAVIGATION[role] ? NAVIGATION[role][0][0] : '#/login');

class App {
  constructor() {
    this.session = null;
    this.store = null;
    this.sync = null;
    this.screen = null;
    this.flash = null; // a message for the next screen (e.g. why the session ended)
    this.header = h('header', { class: 'topbar' });
    this.statusBar = h('div', { class: 'sync-status', id: 'sync-status', role: 'status', 'aria-live': 'polite' });
    this.main = h('main', { id: 'main', tabindex: '-1' });
    this.onStoreChange = () => this.screen && this.screen.refresh && this.screen.refresh();
    this.onStatus = (event) => this.renderStatus(event.detail);
  }

  get deviceId() {
    return sessions.deviceId();
  }

  navigate(hash) {
    if (location.hash !== hash) location.hash = hash;
    this.route();
  }

  api(path, options = {}) {
    return json(path, { ...options, token: this.session && this.session.token });
  }

  async boot() {
    await setLanguage(preferredLanguage());
    this.skip = h('a', { class: 'skip-link', href: '#main',
      onclick: (event) => { event.preventDefault(); this.main.focus(); } });
    document.body.replaceChildren(this.skip, this.header, this.statusBar, this.main);
    onUnauthorized(() => this.revoked());
    onLanguageChange(() => this.render());
    window.addEventListener('hashchange', () => this.route());
    this.registerServiceWorker();
    const saved = sessions.load();
    if (saved && !sessions.expired(saved)) {
      await this.open(saved);
    } else if (saved) {
      this.flash = ['session.expired', 'info'];
      sessions.clear();
    }
    setInterval(() => this.sync && this.renderStatus(this.sync.status()), 30_000);
    this.render();
  }

  registerServiceWorker() {
    if (!('serviceWorker' in navigator)) return;
    const hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (!hadController) return; // the first install, not an update
      const banner = h('div', { class: 'update-banner', role: 'status' }, t('app.updated'), ' ',
        h('button', { type: 'button', class: 'secondary', onclick: () => location.reload() }, t('app.reload')));
      document.body.prepend(banner);
    });
  }

  // Open the local database of ``session`` and start syncing it.
  async open(session) {
    const previous = localStorage.getItem(LAST_USER_KEY);
    if (previous && previous !== session.user_id) await destroyLocal(previous);
    localStorage.setItem(LAST_USER_KEY, session.user_id);
    this.session = session;
    this.store = new Store(session);
    this.store.addEventListener('change', this.onStoreChange);
    this.sync = new Sync(this.store, session.token);
    this.sync.addEventListener('status', this.onStatus);
    await this.sync.start();
  }

  async signedIn(session) {
    await this.open(session);
    location.hash = home(session.role);
    this.render();
  }

  async close() {
    if (this.sync) {
      this.sync.removeEventListener('status', this.onStatus);
      this.sync.stop();
    }
    if (this.store) {
      this.store.removeEventListener('change', this.onStoreChange);
      await this.store.destroy();
    }
    localStorage.removeItem(LAST_USER_KEY);
    this.sync = null;
    this.store = null;
    this.session = null;
  }

  async logout() {
    const pending = this.store ? this.store.outbox.size : 0;
    if (pending && !window.confirm(t('logout.confirmPending', { count: pending }))) return;
    const session = this.session;
    await this.close();
    await sessions.logout(session);
    location.hash = '#/login';
    this.render();
  }

  // The server refused our token although it has not expired: account or device revoked.
  async revoked() {
    if (!this.session || this.closing) return;
    this.closing = true;
    try {
      await this.close();
      sessions.clear();
      this.flash = ['session.revoked', 'error'];
      location.hash = '#/login';
      this.render();
    } finally {
      this.closing = false;
    }
  }

  render() {
    this.renderHeader();
    if (this.sync) this.renderStatus(this.sync.status());
    else replaceChildren(this.statusBar);
    this.statusBar.hidden = !this.sync;
    this.route(true);
  }

  renderHeader() {
    this.skip.textContent = t('app.skip');
    const role = this.session && this.session.role;
    const links = (NAVIGATION[role] || []).map(([hash, key]) => h('a', {
      href: hash,
      class: 'nav-link',
      'aria-current': location.hash === hash || (hash !== home(role) && location.hash.startsWith(hash)) ? 'page' : null,
    }, t(key)));
    const languages = select(UI_LANGUAGES.map(({ code, name }) => [code, name]), language(), {
      id: 'language', class: 'language', onchange: (event) => setLanguage(event.target.value),
    });
    replaceChildren(this.header,
      h('div', { class: 'brand' },
        h('img', { src: '/assets/icons/icon.svg', alt: '', width: 32, height: 32 }),
        h('span', { class: 'brand-name' }, 'Miteinander'),
        role ? h('span', { class: 'role-badge' }, t(`role.${role}`)) : null),
      links.length ? h('nav', { class: 'main-nav', 'aria-label': t('nav.label') }, links) : null,
      h('div', { class: 'header-tools' },
        h('label', { for: 'language', class: 'visually-hidden' }, t('language.label')),
        globe(),
        languages,
        this.session ? h('button', { type: 'button', class: 'secondary logout', onclick: () => this.logout() },
          t('logout')) : null));
  }

  renderStatus(status) {
    const { connection, pending, refused, lastSyncAt } = status;
    this.statusBar.dataset.connection = connection;
    this.statusBar.dataset.pending = String(pending);
    const last = lastSyncAt
      ? h('span', { class: 'last-sync', title: formatDateTime(lastSyncAt) },
        t('sync.last', { time: formatRelative(lastSyncAt) }))
      : h('span', { class: 'last-sync' }, t('sync.never'));
    replaceChildren(this.statusBar,
      h('span', { class: `connection ${connection}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }),
        t(`sync.${connection}`)),
      h('span', { class: `pending ${pending ? 'waiting' : 'done'}` },
        pending ? t('sync.pending', { count: pending }) : t('sync.allSent')),
      refused ? h('span', { class: 'refused' }, t('sync.refused', { count: refused })) : null,
      status.restartedAt ? h('span', { class: 'restarted' }, t('sync.restarted')) : null,
      last,
      // "You can switch the device off" is for shared tablets, not for a resident's own phone.
      !pending && connection === 'online' && this.session && this.session.role !== 'resident'
        ? h('span', { class: 'safe' }, t('sync.safe')) : null);
  }

  // Mount the screen of the current hash; unless forced, not again if it is already mounted.
  route(force = false) {
    const hash = location.hash || '';
    if (!force && this.screen && this.mountedHash === hash) return;
    const role = this.session && this.session.role;
    const match = ROUTES.map(([pattern, roles, screen]) => [hash.match(pattern), roles, screen])
      .find(([found]) => found);
    // Logged out: only the login and registration screens; logged in: only the role's own.
    const allowed = match && (this.session ? Boolean(match[1] && match[1].includes(role)) : !match[1]);
    if (!allowed) {
      const target = this.session ? home(role) : '#/login';
      if (hash !== target) location.replace(target);
      return;
    }
    const [found, , screen] = match;
    if (this.screen && this.screen.destroy) this.screen.destroy();
    this.mountedHash = hash;
    this.screen = screen(this, found[1] && decodeURIComponent(found[1]));
    replaceChildren(this.main, this.screen.el);
    this.renderHeader();
    if (this.flash) {
      this.screen.el.prepend(h('p', { class: `notice ${this.flash[1]}`, role: 'alert' }, t(this.flash[0])));
      this.flash = null;
    }
    document.title = `${this.screen.title || ''} · Miteinander`;
  }
}

const app = new App();
window.miteinander = app; // for debugging and the browser tests
app.boot();
