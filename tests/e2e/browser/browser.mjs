// The web app in a real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// against the live server. Usage: node browser.mjs '<json args>' (test_browser.py prepares the
// accounts and documents and passes their ids). Prints one JSON report line; pytest asserts on
// it and checks the server side over HTTP. Every wait is bounded.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const args = JSON.parse(process.argv[2]);
const WAIT = 30_000;
const TABLET = { width: 1280, height: 800 }; // a 10-inch tablet, landscape
const PHONE = { width: 390, height: 844 }; // a small phone
const TAP_VIEWPORT = { width: 1024, height: 768 }; // the tablet tap targets are measured on (issue 10)
const report = { steps: {}, screenshots: [], console_errors: [], axe: {}, tap_targets: {} };
const shared = {}; // ids one scenario hands to a later one

const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function adminAuth() {
  return `Basic ${Buffer.from(`${args.admin.email}:${args.admin.password}`).toString('base64')}`;
}

function step(name, started) {
  report.steps[name] = Date.now() - started;
}

async function newPage(browser, viewport, label) {
  const context = await browser.newContext({
    viewport, locale: 'de-DE', timezoneId: 'Europe/Berlin', hasTouch: viewport === PHONE,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (err) => report.console_errors.push(`${label}: ${err.message}`));
  page.on('console', (message) => {
    // Expected: PouchDB's checkpoint lookups answer 404 on a first sync, offline requests
    // fail, and the revoked tablet gets its 401.
    if (message.type() === 'error' && !/404|401|Failed to fetch|ERR_INTERNET_DISCONNECTED|net::/.test(message.text())) {
      report.console_errors.push(`${label}: ${message.text()}`);
    }
  });
  const dialogs = []; // what the app asked before acting (confirmations), accepted
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  return { context, page, dialogs };
}

const AXE = fs.readFileSync(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

// axe-core over the whole screen: its violations by rule, with the first offending element.
async function accessibility(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;true`); // CDP, not an inline script: the app's CSP stays as it is
  const violations = await page.evaluate(async () => (await window.axe.run(document, {
    resultTypes: ['violations'] })).violations.map((v) => ({ rule: v.id, target: v.nodes[0].target.join(' '),
    count: v.nodes.length })));
  report.axe[name] = violations;
}

// Every target a finger has to hit on this screen, on the 1024x768 tablet: buttons, links,
// inputs, selects, textareas, summaries and other focusable controls; for a checkbox or radio
// the larger of the box and what makes it clickable (its label, or the .hit square around it).
// Report those smaller than 44x44 CSS px. Not measured: what no finger can hit (hidden, or a
// 1px visually-hidden control, or the skip link parked off screen until it has focus) and, by
// WCAG 2.5.8's inline exception, a link inside running text (a text node beside it in the
// same parent), whose height is the line's.
async function tapTargets(page, name) {
  const viewport = page.viewportSize();
  await page.setViewportSize(TAP_VIEWPORT);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  report.tap_targets[name] = await page.evaluate((min) => {
    const selector = 'a[href], button, input, select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
    const inSentence = (el) => el.tagName === 'A' && [...el.parentElement.childNodes]
      .some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '');
    const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string'
      ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}${el.name ? `[name=${el.name}]` : ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}"`;
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest('[hidden]') || el.type === 'hidden') continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      let rect = el.getBoundingClientRect();
      if (rect.width <= 1 && rect.height <= 1) continue; // visually hidden; its label is the target
      if (rect.right <= 0 || rect.left >= document.documentElement.scrollWidth) continue; // parked off screen
      if (inSentence(el)) continue;
      if (el.type === 'checkbox' || el.type === 'radio') {
        const areas = [el, el.closest('.hit'), ...el.labels].filter(Boolean).map((area) => area.getBoundingClientRect());
        rect = areas.reduce((best, area) => (area.width * area.height > best.width * best.height ? area : best));
      }
      if (rect.width < min - 0.5 || rect.height < min - 0.5) {
        small.push(`${describe(el)} ${Math.round(rect.width)}x${Math.round(rect.height)}`);
      }
    }
    return small;
  }, 44);
  await page.setViewportSize(viewport);
}

async function screenshot(page, name) {
  const file = path.join(args.screenshots, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300); // let the last render settle
  await accessibility(page, name);
  await tapTargets(page, name);
  await page.screenshot({ path: file });
  report.screenshots.push(file);
}

// The link in the one mail to ``address`` in the server's outbox (the .eml files a server
// without SMTP writes), taken out of the outbox as a mail client would.
async function confirmationLink(address) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    for (const name of fs.existsSync(args.outbox) ? fs.readdirSync(args.outbox) : []) {
      if (!name.endsWith('.eml')) continue;
      const file = path.join(args.outbox, name);
      const mail = fs.readFileSync(file, 'utf8');
      if (!new RegExp(`^To: ${address.replace(/[.+]/g, '\\$&')}\\s*$`, 'mi').test(mail)) continue;
      fs.unlinkSync(file);
      const text = mail.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks
      const link = text.match(/https?:\/\/\S+\/#\/confirm\/[\w-]+/);
      if (!link) throw new Error('the mail has no confirmation link');
      return link[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${address} in ${args.outbox}`);
}

async function login(page, email, password, base = args.base) {
  await page.goto(`${base}/#/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#sync-status:not([hidden])');
}

// Online, with nothing left to push: what a volunteer waits for before switching off.
async function synced(page, timeout = WAIT) {
  await page.waitForSelector('#sync-status[data-connection="online"][data-pending="0"]', { timeout });
}

async function setLanguage(page, code) {
  await page.selectOption('#language', code);
  await page.waitForFunction((lang) => document.documentElement.lang === lang, code);
}

async function direction(page) {
  return page.evaluate(() => ({ dir: document.dir, lang: document.documentElement.lang }));
}

async function goto(page, hash) {
  await page.evaluate((target) => { location.hash = target; }, hash);
}

async function installability(page) {
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector('link[rel=manifest]').href;
    const text = await (await fetch(link)).text();
    const parsed = JSON.parse(text);
    const icons = await Promise.all(parsed.icons.map(async (icon) => {
      const response = await fetch(icon.src);
      return { src: icon.src, sizes: icon.sizes, type: icon.type, status: response.status,
        content_type: response.headers.get('content-type') };
    }));
    return { ...parsed, icons };
  });
  return manifest;
}

// Scenario 1: a volunteer checks 20 people in and logs hours while offline, after reloading
// the app from the service worker; then the tablet comes back online and syncs.
async function volunteerOffline(browser) {
  const started = Date.now();
  const { context, page } = await newPage(browser, TABLET, 'volunteer');
  const { event, volunteer } = args.volunteer;
  await page.goto(`${args.base}/`);
  report.manifest = await installability(page);
  await login(page, volunteer.email, volunteer.password);
  await page.waitForSelector(`.event-card a[href="#/v/event/${encodeURIComponent(event.id)}"]`);
  await synced(page);
  // Reload: the service worker now controls the page (installability and offline start).
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  report.sw_controller_after_reload = await page.evaluate(() => Boolean(navigator.serviceWorker.controller));
  report.sw_scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
  await page.waitForSelector('.event-card');
  await synced(page);
  await screenshot(page, 'volunteer-de');
  step('volunteer_ready', started);

  await page.click(`.event-card a[href="#/v/event/${encodeURIComponent(event.id)}"]`);
  await page.waitForFunction((n) => document.querySelectorAll('.participant[data-person]').length === n,
    event.participants.length);

  // No network from here on; reloading must still bring the app (and the data) back.
  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction((n) => document.querySelectorAll('.participant[data-person]').length === n,
    event.participants.length);
  report.offline = {
    rows_after_reload: await page.locator('.participant[data-person]').count(),
    connection: await page.getAttribute('#sync-status', 'data-connection'),
    navigator_online: await page.evaluate(() => navigator.onLine),
  };
  step('offline_reload', started);

  // Ten by type-ahead: type the name, Enter checks in the one match.
  const names = [...event.participants].sort((a, b) => a.name.localeCompare(b.name));
  const searchTimes = [];
  let present = 0;
  for (const { name } of names.slice(0, 10)) {
    const before = Date.now();
    await page.fill('#participant-search', name);
    await page.waitForFunction(() => document.querySelectorAll('.participant[data-person]:not([hidden])').length === 1);
    searchTimes.push(Date.now() - before);
    await page.press('#participant-search', 'Enter');
    present += 1;
    await page.waitForFunction((n) => document.querySelectorAll('.participant[data-present="true"]').length === n, present);
  }
  // Ten by tapping the first one not yet here; the first of them with a double tap (two taps
  // 250 ms apart on the same spot), which must check in and never undo.
  await page.fill('#participant-search', '');
  await page.click('.chip[data-value="open"]');
  const first = page.locator('.participant:not([hidden]) button.checkin:not([hidden])').first();
  const doubleTapped = await first.evaluate((button) => button.closest('.participant').dataset.person);
  await first.scrollIntoViewIfNeeded();
  const box = await first.boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  const presentBefore = await page.locator('.participant[data-present="true"]').count();
  await page.mouse.click(x, y);
  await page.waitForTimeout(250);
  await page.mouse.click(x, y);
  await page.waitForTimeout(50);
  const underFinger = await page.evaluate(([px, py]) => {
    const element = document.elementFromPoint(px, py);
    return element ? `${element.tagName.toLowerCase()}.${element.className}` : null;
  }, [x, y]);
  await page.waitForTimeout(2000); // past the undo guard: a late undo would have happened by now
  report.double_tap = {
    under_finger: underFinger,
    present: await page.getAttribute(`.participant[data-person="${doubleTapped}"]`, 'data-present'),
    newly_present: await page.locator('.participant[data-present="true"]').count() - presentBefore,
    local: await page.evaluate(async (id) => Boolean(await window.miteinander.store.get(id)),
      `checkin:${event.id}:${doubleTapped}`),
  };
  present += 1;
  for (let i = 1; i < 10; i += 1) {
    await page.locator('.participant:not([hidden]) button.checkin:not([hidden])').first().click();
    present += 1;
    await page.waitForFunction((n) => document.querySelectorAll('.participant[data-present="true"]').length === n, present);
  }
  report.search_ms_max = Math.max(...searchTimes);
  await page.click('.chip[data-value="all"]');
  await screenshot(page, 'volunteer-checkin-offline-de');

  // A mistaken check-in, undone: checked in, then the same row's Undo.
  const extra = page.locator('.participant:not([data-present="true"])').first();
  const extraPerson = await extra.getAttribute('data-person');
  await extra.locator('button.checkin').click();
  await page.waitForFunction((n) => document.querySelectorAll('.participant[data-present="true"]').length === n, present + 1);
  await page.locator(`.participant[data-person="${extraPerson}"] button.undo`).click();
  await page.waitForFunction((n) => document.querySelectorAll('.participant[data-present="true"]').length === n, present);
  report.undone_person = extraPerson;

  // Someone who came without registering, with their consent, still offline.
  await page.click('details.walkin-add summary');
  await page.fill('.walkin-form input[type=text]', 'Walid Younes');
  await page.check('#walkin-consent');
  await page.click('.walkin-form button[type=submit]');
  await page.waitForSelector('.walkins .participant');
  await tapTargets(page, 'volunteer-walkin-de');
  report.counts = { detail: await page.locator('.counts.big').innerText() };

  // Hours for the event, still offline: "15" (for 1,5) and a day not yet come are refused with
  // a message beside the field; "1,5" is an hour and a half.
  await page.click('a.button[href^="#/v/hours/"]');
  await page.waitForSelector('form input[name=hours]');
  await page.waitForFunction(() => document.querySelector('form select').value !== '');
  await tapTargets(page, 'volunteer-hours-de');
  const today = await page.inputValue('form input[type=date]');
  const hoursError = async () => {
    await page.click('form button[type=submit]');
    const error = page.locator('form .field-error');
    await error.waitFor();
    return error.innerText();
  };
  report.hours = { input_type: await page.getAttribute('form input[name=hours]', 'type'),
    inputmode: await page.getAttribute('form input[name=hours]', 'inputmode'), date: today };
  await page.fill('form input[name=hours]', '15');
  report.hours.too_long = await hoursError();
  await page.fill('form input[name=hours]', '1,5');
  await page.fill('form input[type=date]', await page.evaluate(() => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    return `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  }));
  report.hours.future = await hoursError();
  await page.fill('form input[type=date]', today);
  await page.fill('form textarea', 'Check-in am Tablet, offline');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.notice.success');
  report.hours.errors_after_save = await page.locator('form .field-error').count();
  shared.hoursId = await page.evaluate(async (prefix) => (await window.miteinander.store.local.allDocs(
    { startkey: prefix, endkey: `${prefix}\uffff` })).rows[0].id, `hours:${volunteer.user_id}:`);
  report.offline.pending_before_online = Number(await page.getAttribute('#sync-status', 'data-pending'));
  report.offline.connection_before_online = await page.getAttribute('#sync-status', 'data-connection');
  step('offline_work', started);

  const back = Date.now();
  await context.setOffline(false);
  await synced(page);
  report.sync_after_online_ms = Date.now() - back;
  report.last_sync_text = await page.locator('#sync-status .last-sync').innerText();
  report.refused_after_sync = await page.evaluate(() => window.miteinander.store.outbox.refusedCount);
  report.volunteer_device_id = await page.evaluate(() => localStorage.getItem('miteinander.device'));
  // The device keeps a revocable token, never the password: every stored byte, searched.
  report.password_on_device = await page.evaluate(async (password) => {
    const found = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i += 1) {
        if (`${store.key(i)}=${store.getItem(store.key(i))}`.includes(password)) found.push(store.key(i));
      }
    }
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const storeName of db.objectStoreNames) {
        const rows = await new Promise((resolve, reject) => {
          const all = db.transaction(storeName).objectStore(storeName).getAll();
          all.onsuccess = () => resolve(all.result);
          all.onerror = () => reject(all.error);
        });
        if (JSON.stringify(rows).includes(password)) found.push(`${name}/${storeName}`);
      }
      db.close();
    }
    const cache = [];
    for (const key of await caches.keys()) {
      for (const request of await (await caches.open(key)).keys()) cache.push(request.url);
    }
    return { found, databases: (await indexedDB.databases()).length, cached: cache.some((url) => url.includes(password)) };
  }, volunteer.password);
  report.volunteer_local_checkins = await page.evaluate(async (prefix) => {
    const rows = await window.miteinander.store.local.allDocs({ startkey: prefix, endkey: `${prefix}\uffff` });
    return rows.rows.map((row) => row.id);
  }, `checkin:${event.id}:`);

  await goto(page, '#/v');
  await page.waitForSelector('.event-card');
  const card = page.locator(`.event-card:has(a[href="#/v/event/${encodeURIComponent(event.id)}"])`);
  report.counts.card = await card.locator('.counts').innerText();
  await synced(page);
  report.volunteer_safe_shown = await page.locator('#sync-status .safe').count();
  await setLanguage(page, 'ar');
  await page.waitForSelector('.event-card');
  report.volunteer_ar = await direction(page);
  await screenshot(page, 'volunteer-ar');
  // Farsi: Gregorian dates in Persian digits, and no "·" that reads as a zero beside them.
  await setLanguage(page, 'fa');
  await page.waitForSelector('.event-card');
  report.volunteer_fa = { ...(await direction(page)), meta: await card.locator('.meta').innerText(),
    counts: await card.locator('.counts').innerText(), body: await page.locator('main').innerText() };
  await screenshot(page, 'volunteer-fa');
  step('volunteer_done', started);
  await revokedTablet(browser, page, event);
  await context.close();
}

// Scenario 4: the tablet is reported lost. An admin finds its session on the devices screen
// (by the volunteer's name and the device) and blocks it with one button and a confirmation.
// At the tablet's next request the gateway answers 401; the app logs out and deletes its
// local database.
async function revokedTablet(browser, page, event) {
  const started = Date.now();
  await setLanguage(page, 'de');
  const name = await page.evaluate(() => window.miteinander.store.name);
  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name));
  const before = await databases();
  const device = await page.evaluate(() => localStorage.getItem('miteinander.device'));

  const desk = await newPage(browser, TABLET, 'admin');
  await login(desk.page, args.admin.email, args.admin.password);
  await goto(desk.page, '#/c/devices');
  const row = desk.page.locator(`tr[data-device="${device}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  await screenshot(desk.page, 'admin-devices-de');
  await row.locator('button.revoke').click();
  await desk.page.waitForSelector('.notice.success');
  const notice = await desk.page.locator('.notice.success').innerText();
  await desk.page.waitForSelector(`tr[data-device="${device}"]`, { state: 'detached' });
  const dialogs = [...desk.dialogs];
  await desk.context.close();

  // The next write is pushed at once and refused: the device learns it was revoked.
  await goto(page, `#/v/event/${encodeURIComponent(event.id)}`);
  await page.locator('.participant:not([data-present="true"]) button.checkin').first().click();
  await page.waitForSelector('.screen.login .notice.error');
  report.revoked = {
    device,
    row: rowText,
    dialogs,
    notice,
    db_before: before.some((db) => db.includes(name)),
    db_after: (await databases()).some((db) => db.includes(name)),
    session_after: await page.evaluate(() => localStorage.getItem('miteinander.session')),
    hash: await page.evaluate(() => location.hash),
    message: await page.locator('.screen.login .notice.error').innerText(),
  };
  step('revoked', started);
}

// Scenario 2: two tablets check the same person in while offline; the check-ins meet as one
// document (same id) on the server and both tablets end on the same revision. Run twice: two
// volunteers on two tablets, and one volunteer on two tablets.
async function twoTablets(browser, { name, event, tablets, person, undo }) {
  const started = Date.now();
  const sessions = [];
  for (const [index, user] of tablets.entries()) {
    const session = await newPage(browser, TABLET, `${name}-${index + 1}`);
    await login(session.page, user.email, user.password);
    await goto(session.page, `#/v/event/${encodeURIComponent(event.id)}`);
    await session.page.waitForSelector(`.participant[data-person="${person}"]`);
    await synced(session.page);
    sessions.push(session);
  }
  for (const { context } of sessions) await context.setOffline(true);
  for (const { page } of sessions) {
    await page.click(`.participant[data-person="${person}"] button.checkin`);
    await page.waitForSelector(`.participant[data-person="${person}"][data-present="true"]`);
  }
  const result = { offline_pending: [] };
  for (const { page } of sessions) {
    result.offline_pending.push(Number(await page.getAttribute('#sync-status', 'data-pending')));
  }
  for (const { context } of sessions) await context.setOffline(false);
  for (const { page } of sessions) await synced(page);
  // Both tablets must end on the same winning revision, the same conflicts and the same leaves.
  const id = `checkin:${event.id}:${person}`;
  const read = (page) => page.evaluate(async (docId) => {
    const { local } = window.miteinander.store;
    const doc = await local.get(docId, { conflicts: true });
    const leaves = (await local.get(docId, { open_revs: 'all' })).filter((leaf) => leaf.ok && !leaf.ok._deleted);
    return { rev: doc._rev, conflicts: (doc._conflicts || []).sort(), live_leaves: leaves.length,
      refused: window.miteinander.store.outbox.refusedCount };
  }, id);
  const deadline = Date.now() + WAIT;
  let states = [];
  while (Date.now() < deadline) {
    states = await Promise.all(sessions.map(({ page }) => read(page)));
    if (JSON.stringify(states[0]) === JSON.stringify(states[1])) break;
    await sessions[0].page.waitForTimeout(200);
  }
  result.states = states;
  // The server's view at this moment (a coordinator may decide the conflict later in the run).
  const onServer = await (await fetch(`${args.base}/sync/miteinander/${encodeURIComponent(id)}?conflicts=true`,
    { headers: { Authorization: adminAuth() } })).json();
  result.server = { rev: onServer._rev, conflicts: (onServer._conflicts || []).sort(), device_id: onServer.device_id };
  result.present_on_tablets = await Promise.all(sessions.map(({ page }) =>
    page.getAttribute(`.participant[data-person="${person}"]`, 'data-present')));
  result.device_ids = await Promise.all(sessions.map(({ page }) =>
    page.evaluate(() => localStorage.getItem('miteinander.device'))));
  result.checkins_on_tablets = await Promise.all(sessions.map(({ page }) => page.evaluate(async (prefix) =>
    (await window.miteinander.store.local.allDocs({ startkey: prefix, endkey: `${prefix}\uffff` })).rows.length,
  `checkin:${event.id}:`)));
  if (undo) {
    // The first tablet takes the check-in back: every version goes, on both tablets and the server.
    const [{ page }, other] = sessions;
    await page.click(`.participant[data-person="${person}"] button.undo`);
    await page.waitForSelector(`.participant[data-person="${person}"][data-present="false"]`);
    await synced(page);
    await other.page.waitForSelector(`.participant[data-person="${person}"][data-present="false"]`);
    const liveLeaves = (p) => p.evaluate(async (docId) => (await window.miteinander.store.liveLeaves(docId)).length, id);
    const leaves = await (await fetch(`${args.base}/sync/miteinander/${encodeURIComponent(id)}?open_revs=all`,
      { headers: { Authorization: adminAuth(), Accept: 'application/json' } })).json();
    result.after_undo = {
      present_on_tablets: await Promise.all(sessions.map((session) =>
        session.page.getAttribute(`.participant[data-person="${person}"]`, 'data-present'))),
      local_live_leaves: await Promise.all(sessions.map((session) => liveLeaves(session.page))),
      server_leaves: leaves.map((leaf) => ({ rev: leaf.ok && leaf.ok._rev, deleted: Boolean(leaf.ok && leaf.ok._deleted) })),
    };
  }
  for (const { context } of sessions) await context.close();
  step(`two_tablets_${name}`, started);
  return result;
}

// Scenario 3: a resident registers in the app, signs up for an event and asks for contact;
// a coordinator sees the request and takes it on.
async function residentAndCoordinator(browser) {
  const started = Date.now();
  const { resident, event, token } = args.resident;
  const { context, page } = await newPage(browser, PHONE, 'resident');
  await page.goto(`${args.base}/#/login`);
  await setLanguage(page, 'ar');
  report.login_ar = await direction(page);
  await screenshot(page, 'login-ar');
  await setLanguage(page, 'de');
  await page.click('a[href="#/register"]');
  await page.waitForSelector('.screen.register');
  await tapTargets(page, 'register-de');
  // Contrast of what a keyboard user and a reader of the form rely on, and the inline link's height.
  await page.focus('.screen.register input[type=email]');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab'); // focus by keyboard, so :focus-visible applies
  report.register_looks = await page.evaluate(() => {
    const input = document.activeElement;
    const style = getComputedStyle(input);
    return { focused: input.type, outline: style.outlineColor, outline_style: style.outlineStyle, border: style.borderTopColor,
      surface: getComputedStyle(input.closest('.card')).backgroundColor,
      page: getComputedStyle(document.body).backgroundColor || 'rgb(255, 255, 255)',
      link_height: document.querySelector('.alternative a').getBoundingClientRect().height };
  });
  const form = page.locator('.screen.register form');
  await form.locator('input[autocomplete=name]').fill(resident.name);
  await form.locator('input[type=email]').fill(resident.email);
  // A short password and no consent: the app says so in its language, beside the fields.
  await form.locator('input[type=password]').fill('kurz');
  await form.locator('button[type=submit]').click();
  await form.locator('.field-error').first().waitFor();
  report.register_errors = await form.locator('.field-error').allInnerTexts();
  report.register_hash_after_errors = await page.evaluate(() => location.hash);
  await form.locator('input[type=password]').fill(resident.password);
  await form.locator('select').selectOption(resident.municipality);
  await form.locator('input[name=languages][value=ar]').check();
  await form.locator('input[name=languages][value=de]').check();
  await form.locator('#consent').check();
  await form.locator('button[type=submit]').click();
  // No account yet: the app asks her to open the link the server mailed her.
  await page.waitForSelector('.screen.register .mailbox');
  report.register_sent = await page.locator('.screen.register').innerText();
  report.register_sent_focus = await page.evaluate(() => document.activeElement.tagName);
  await screenshot(page, 'register-sent-de');
  // A wrong link says so, and offers to register again or to log in.
  await page.goto(`${args.base}/#/confirm/not-a-real-token`);
  await page.waitForSelector('.screen.confirm .notice.error');
  report.confirm_invalid = await page.locator('.screen.confirm .notice.error').innerText();
  await screenshot(page, 'confirm-invalid-de');
  // The link from her mail (the server's outbox): it opens the app, which confirms and signs her in.
  await page.goto(await confirmationLink(resident.email));
  await page.waitForFunction(() => location.hash === '#/r');
  await synced(page);
  report.resident_safe_shown = await page.locator('#sync-status .safe').count();
  // The person record arrives by sync; then signing up is possible.
  const signUp = page.locator('.event-card', { hasText: event.title }).locator('button.primary');
  await signUp.waitFor();
  await page.waitForFunction((title) => [...document.querySelectorAll('.event-card')]
    .some((card) => card.textContent.includes(title) && !card.querySelector('button.primary').disabled), event.title);
  await signUp.click();
  await page.waitForSelector('.event-card .badge.approved');
  report.resident_headings = await page.evaluate(() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')]
    .map((heading) => Number(heading.tagName[1])));
  await synced(page);
  await screenshot(page, 'resident-de');

  await goto(page, '#/r/contact');
  await page.waitForSelector('.screen form select');
  await page.waitForFunction(() => !document.querySelector('.screen form button[type=submit]').disabled);
  await tapTargets(page, 'resident-contact-de');
  const contactForm = page.locator('.screen form');
  await contactForm.locator('select').first().selectOption('interpreter');
  await contactForm.locator('select').nth(1).selectOption('fa');
  await contactForm.locator('input[type=tel]').fill('+49 561 123456');
  await contactForm.locator('textarea').fill(`Ich brauche eine Dolmetscherin für Farsi am Dienstag. ${token}`);
  await contactForm.locator('button[type=submit]').click();
  await page.waitForSelector('.notice.success');
  await synced(page);
  report.resident_requests_shown = await page.locator('.cards .card').count();

  // She came to the event: a volunteer's tablet checked her in (written here as the admin).
  const personId = await page.evaluate(async () => {
    const { user_id: userId } = JSON.parse(localStorage.getItem('miteinander.session'));
    return (await window.miteinander.store.byPrefix('person:')).find((p) => p.account_id === userId)._id;
  });
  const now = new Date().toISOString();
  const checkin = { _id: `checkin:${event.id}:${personId}`, type: 'checkin', schema_version: 1, created_at: now,
    event_id: event.id, person_id: personId, checked_in_at: now, by: args.volunteer.volunteer.user_id,
    device_id: 'device-e2e', municipality: event.municipality, organization_id: event.organization_id };
  const written = await fetch(`${args.base}/sync/miteinander/${encodeURIComponent(checkin._id)}`, {
    method: 'PUT', headers: { Authorization: adminAuth(), 'Content-Type': 'application/json' }, body: JSON.stringify(checkin) });
  if (written.status !== 201) throw new Error(`check-in for the resident: ${written.status}`);

  // My data: everything the server holds, in words; a readable copy; a request for erasure.
  await goto(page, '#/r/data');
  await page.waitForSelector('dl.facts');
  await page.waitForSelector('ul.checkins li');
  await tapTargets(page, 'resident-data-de');
  report.resident_data_screen = await page.locator('main').innerText();
  const exportFile = page.waitForEvent('download');
  await page.click('.actions button.secondary');
  const download = await exportFile;
  const exportedText = fs.readFileSync(await download.path(), 'utf8');
  const exported = JSON.parse(exportedText);
  const profile = exported['Ihre Angaben'];
  report.resident_export = { name: profile['Ihr Name'], email: profile['E-Mail'],
    registrations: exported['Ihre Anmeldungen'].length, contact_requests: exported['Meine Anfragen'].length,
    checkins: exported['Ihre Teilnahmen (Check-ins)'].length, file: download.suggestedFilename() };
  report.resident_export_text = exportedText;
  await page.click('.actions button.danger');
  await page.waitForSelector('.notice.success');
  await synced(page);

  await goto(page, '#/r');
  await page.waitForSelector('.event-card');
  await setLanguage(page, 'ar');
  await page.waitForSelector('.event-card');
  report.resident_ar = await direction(page);
  await screenshot(page, 'resident-ar');
  await setLanguage(page, 'fa');
  await page.waitForSelector('.event-card');
  report.resident_fa = await direction(page);
  await screenshot(page, 'resident-fa');
  await context.close();
  step('resident', started);

  const coordinatorStart = Date.now();
  const { coordinator } = args;
  const desk = await newPage(browser, TABLET, 'coordinator');
  await login(desk.page, coordinator.email, coordinator.password);
  await desk.page.waitForSelector('table a[href^="#/c/event/"]');
  await synced(desk.page);
  const volunteerEvent = desk.page.locator(`tr[data-event="${args.volunteer.event.id}"]`);
  await volunteerEvent.waitFor();
  report.counts.coordinator_table = Object.fromEntries(await Promise.all(['registered', 'present', 'walkIns', 'participants']
    .map(async (column) => [column, await volunteerEvent.locator(`td[data-count="${column}"]`).innerText()])));
  await goto(desk.page, `#/c/event/${encodeURIComponent(args.volunteer.event.id)}`);
  await desk.page.waitForSelector('.counts.big');
  report.counts.coordinator_detail = await desk.page.locator('.counts.big').innerText();
  report.names = {};
  await desk.page.waitForFunction((name) => document.querySelector('main table').innerText.includes(name),
    args.names.volunteer);
  report.names.event_detail = await desk.page.locator('main table').innerText();
  await screenshot(desk.page, 'coordinator-de');
  await goto(desk.page, '#/c/contacts');
  const card = desk.page.locator('.contact-request', { hasText: token });
  await card.waitFor();
  report.coordinator_saw_request = {
    status: await card.getAttribute('data-status'),
    id: await card.getAttribute('data-id'),
    requester: await card.locator('.requester').innerText(),
  };
  await screenshot(desk.page, 'coordinator-contacts-de');
  // Someone else by name, not by a typed id.
  await desk.page.waitForFunction((t) => [...document.querySelectorAll('.contact-request')]
    .find((el) => el.textContent.includes(t)).querySelectorAll('select.assignee option').length > 1, token);
  report.names.assignees = await card.locator('select.assignee option').evaluateAll((options) => options.map((o) => o.textContent));
  await card.locator('input[type=text]').first().fill('Übernehme ich, suche eine Dolmetscherin');
  await card.locator('button.primary').click();
  await desk.page.waitForSelector('.notice.success');
  // The assignment comes back through sync: the card leaves "new" and shows under "assigned".
  await desk.page.waitForFunction((t) => ![...document.querySelectorAll('.contact-request')]
    .some((el) => el.textContent.includes(t)), token);
  await desk.page.locator('.chips .chip').nth(1).click();
  const assigned = desk.page.locator('.contact-request', { hasText: token });
  await assigned.waitFor();
  report.coordinator_assigned_status = await assigned.getAttribute('data-status');

  // The volunteer's hours from scenario 1, approved.
  await goto(desk.page, '#/c/hours');
  const hoursRow = desk.page.locator('tr', { has: desk.page.locator(`input[type=checkbox][value="${shared.hoursId}"]`) });
  await hoursRow.locator('td.volunteer', { hasText: args.names.volunteer }).waitFor();
  report.names.hours_volunteer = await hoursRow.locator('td.volunteer').innerText();
  await tapTargets(desk.page, 'coordinator-hours-de');
  await desk.page.check(`input[type=checkbox][value="${shared.hoursId}"]`);
  await desk.page.click('.decision-bar button.primary');
  await desk.page.waitForSelector('.notice.success');
  report.hours_decision = await desk.page.locator('.notice.success').innerText();

  // The conflict the one-volunteer tablets left (no rule has run on the server yet): decided here.
  const conflictId = `checkin:${args.two_tablets[1].event.id}:${args.two_tablets[1].person}`;
  await goto(desk.page, '#/c/conflicts');
  const conflict = desk.page.locator(`article.conflict[data-id="${conflictId}"]`);
  await conflict.waitFor();
  report.names.conflict = await conflict.innerText();
  await screenshot(desk.page, 'coordinator-conflicts-de');
  await conflict.locator('button.primary').click();
  await desk.page.waitForSelector('.notice.success');
  await desk.page.waitForSelector(`article.conflict[data-id="${conflictId}"]`, { state: 'detached' });
  await synced(desk.page);

  await goto(desk.page, '#/c/reports');
  await desk.page.waitForSelector('.chart-figure svg');
  report.report_charts = await desk.page.locator('.chart-figure svg').count();
  await tapTargets(desk.page, 'coordinator-reports-de');
  const csv = async (index, name) => {
    const download = desk.page.waitForEvent('download');
    await desk.page.click(`.actions button >> nth=${index}`);
    const csvPath = path.join(args.screenshots, '..', name);
    await (await download).saveAs(csvPath);
    return fs.readFileSync(csvPath, 'utf8');
  };
  const participantsCsv = await csv(0, 'participants.csv');
  report.csv_head = participantsCsv.split('\r\n')[0];
  report.csv_hours = (await csv(1, 'hours.csv')).split('\r\n');

  await goto(desk.page, '#/c');
  await desk.page.waitForSelector('table a[href^="#/c/event/"]');
  await setLanguage(desk.page, 'ar');
  await desk.page.waitForSelector('table a[href^="#/c/event/"]');
  report.coordinator_ar = await direction(desk.page);
  await screenshot(desk.page, 'coordinator-ar');
  await setLanguage(desk.page, 'fa');
  await desk.page.waitForSelector('table a[href^="#/c/event/"]');
  report.coordinator_fa = await direction(desk.page);
  await screenshot(desk.page, 'coordinator-fa');
  await desk.context.close();
  step('coordinator', coordinatorStart);
}

// A link that drops mid-transfer, between the browser and the server: it forwards everything,
// counts what the app uploads (on the wire and inflated), and on demand answers the next
// _bulk_docs with its headers and then silence (the connection stays open, no body ever comes),
// or the next _changes with its headers and then a cut connection.
async function faultyLink(target) {
  const upstream = new URL(target);
  const faults = { hold: 0, cut: 0, held: 0, cutOff: 0, uploads: [] };
  const sockets = new Set();
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const gzipped = req.headers['content-encoding'] === 'gzip';
      if (req.method === 'POST' && /\/_(bulk_docs|revs_diff|bulk_get)/.test(req.url)) {
        faults.uploads.push({ endpoint: req.url.split('?')[0].split('/').pop(), gzip: gzipped, wire: body.length,
          plain: gzipped ? zlib.gunzipSync(body).length : body.length });
      }
      const headers = { ...req.headers, host: upstream.host };
      if (headers.origin) headers.origin = upstream.origin;
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method,
        path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        let fault = null;
        if (faults.hold > 0 && /\/_bulk_docs/.test(req.url)) fault = 'hold';
        else if (faults.cut > 0 && /\/_changes/.test(req.url)) fault = 'cut';
        if (!fault) {
          answer.pipe(res);
          return;
        }
        res.flushHeaders();
        answer.resume();
        if (fault === 'hold') {
          faults.hold -= 1;
          faults.held += 1;
        } else {
          faults.cut -= 1;
          faults.cutOff += 1;
          setTimeout(() => res.socket.destroy(), 50);
        }
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  proxy.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`, faults,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}

// Scenario: a tablet checks people in over a link that cuts responses after their headers.
// The watchdog (set short here) restarts the stalled replication, the status bar says so, and
// everything arrives; the uploads go gzipped.
async function stalledLink(browser) {
  const started = Date.now();
  const { volunteer, event, count } = args.stalled;
  const link = await faultyLink(args.base);
  const { context, page } = await newPage(browser, TABLET, 'stalled');
  try {
    await context.addInitScript(() => { window.MITEINANDER_STALL_MS = 3000; });
    await login(page, volunteer.email, volunteer.password, link.url);
    const card = `.event-card a[href="#/v/event/${encodeURIComponent(event.id)}"]`;
    await page.waitForSelector(card);
    await synced(page);
    await page.click(card);
    await page.waitForFunction((n) => document.querySelectorAll('.participant[data-person]').length === n, count);
    link.faults.hold = 1;
    link.faults.cut = 1;
    const restarted = page.waitForSelector('#sync-status .restarted', { timeout: WAIT }).then(
      async (notice) => notice.innerText(), () => null);
    for (let present = 1; present <= count; present += 1) {
      await page.locator('.participant:not([hidden]) button.checkin:not([hidden])').first().click();
      await page.waitForFunction((n) => document.querySelectorAll('.participant[data-present="true"]').length === n,
        present);
    }
    await synced(page, WAIT);
    report.stalled = { notice: await restarted, held: link.faults.held, cut_off: link.faults.cutOff,
      uploads: link.faults.uploads, ms: Date.now() - started };
  } finally {
    await context.close();
    await link.close();
  }
  step('stalled_link', started);
}

async function main() {
  fs.mkdirSync(args.screenshots, { recursive: true });
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: args.chromium, args: launchArgs, headless: true });
  report.browser_version = browser.version();
  try {
    await volunteerOffline(browser);
    report.two_tablets = {};
    for (const pair of args.two_tablets) report.two_tablets[pair.name] = await twoTablets(browser, pair);
    await residentAndCoordinator(browser);
    await stalledLink(browser);
  } finally {
    await browser.close();
  }
  report.total_ms = Date.now() - started;
}

const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ ...report, error: 'timed out after 170 s' }));
  process.exit(2);
}, 170_000);

main().then(() => {
  clearTimeout(watchdog);
  console.log(JSON.stringify(report));
}, (err) => {
  clearTimeout(watchdog);
  console.log(JSON.stringify({ ...report, error: String(err && err.stack || err) }));
  process.exit(1);
});
