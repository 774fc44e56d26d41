// Logging in, residents registering themselves, and the link from the registration mail
// that confirms it (all need the network).

import domain from '../domain.json';
import { field, fieldError, h, notice, replaceChildren, select } from '../dom.js';
import { languageName, t } from '../i18n.js';
import * as sessions from '../session.js';

// Shown while the browser is offline. An earlier error in ``message`` (such as "Bad Gateway")
// is cleared whenever the connection changes, so it never stands beside a newer state.
function offlineHint(message) {
  const hint = h('p', { class: 'notice warning', role: 'status', hidden: navigator.onLine }, t('login.offline'));
  const update = () => {
    hint.hidden = navigator.onLine;
    replaceChildren(message);
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  hint.cleanup = () => {
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  };
  return hint;
}

function errorText(err) {
  if (err.offline) return t('error.offline');
  if (err.status === 401) return t('login.wrong');
  if (err.status === 429) return t('error.tooMany');
  return `${t('error.generic')} (${err.message})`;
}

const MIN_PASSWORD = 10; // the server's minimum (server/services/accounts.py)

// The form's own checks, with messages in the app's language beside each field instead of
// the browser's bubbles (which speak the browser's language). ``checks`` are [field, message
// or null] pairs; the first field in error gets the focus. Returns whether all passed.
function validate(checks) {
  let first = null;
  for (const [wrapper, problem] of checks) {
    if (fieldError(wrapper, problem) && !first) first = wrapper.control;
  }
  if (first) first.focus();
  return !first;
}

const looksLikeEmail = (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());

export function loginScreen(app) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' });
  const emailField = field(t('login.email'), email);
  const passwordField = field(t('login.password'), password);
  const message = h('div', { class: 'message' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const hint = offlineHint(message);
  const form = h('form', {
    class: 'card narrow',
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      if (!validate([[emailField, looksLikeEmail(email.value) ? null : t('login.emailInvalid')],
        [passwordField, password.value ? null : t('login.passwordMissing')]])) return;
      button.disabled = true;
      notice(message, t('login.busy'));
      try {
        const session = await sessions.login(email.value, password.value);
        await app.signedIn(session);
      } catch (err) {
        notice(message, errorText(err), 'error');
        button.disabled = false;
      }
    },
  },
  h('h1', {}, t('login.title')),
  h('p', { class: 'lead' }, t('login.intro')),
  hint,
  emailField,
  passwordField,
  message,
  button,
  h('p', { class: 'alternative' }, t('login.newHere'), ' ', h('a', { href: '#/register' }, t('login.register'))));
  return { el: h('section', { class: 'screen login' }, form), title: t('login.title'), destroy: hint.cleanup };
}

export function registerScreen(app) {
  const email = h('input', { type: 'email', autocomplete: 'email' });
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  const name = h('input', { type: 'text', autocomplete: 'name', maxlength: 120 });
  const municipality = select([['', t('register.chooseTown')], ...domain.municipalities.map((m) => [m, m])], '');
  const nameField = field(t('register.name'), name);
  const emailField = field(t('login.email'), email);
  const passwordField = field(t('login.password'), password, t('register.passwordHint'));
  const townField = field(t('register.town'), municipality);
  const languages = domain.languages.map((code) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: code, name: 'languages' }), languageName(code)));
  const consent = h('input', { type: 'checkbox', id: 'consent' });
  const consentBox = h('div', { class: 'consent-box' },
    h('h2', {}, t('consent.title')),
    h('p', { id: 'consent-text' }, t('consent.resident')),
    h('label', { class: 'check strong', for: 'consent' }, consent, t('consent.agree')));
  consentBox.control = consent;
  const message = h('div', { class: 'message' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('register.submit'));
  const hint = offlineHint(message);
  const form = h('form', {
    class: 'card narrow',
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const valid = validate([
        [nameField, name.value.trim() ? null : t('register.nameMissing')],
        [emailField, looksLikeEmail(email.value) ? null : t('login.emailInvalid')],
        [passwordField, password.value.length >= MIN_PASSWORD ? null : t('register.passwordShort', { count: MIN_PASSWORD })],
        [townField, municipality.value ? null : t('register.townMissing')],
        [consentBox, consent.checked ? null : t('register.consentMissing')],
      ]);
      if (!valid) return;
      if (!navigator.onLine) {
        notice(message, t('register.needsNetwork'), 'error');
        return;
      }
      button.disabled = true;
      notice(message, t('register.busy'));
      try {
        await sessions.register({
          email: email.value,
          password: password.value,
          display_name: name.value.trim(),
          municipality: municipality.value,
          languages: languages.map((label) => label.firstChild).filter((box) => box.checked).map((box) => box.value),
          consent: consent.checked,
        });
        replaceChildren(section, mailboxCard(email.value.trim()));
        section.querySelector('h1').focus();
      } catch (err) {
        notice(message, errorText(err), 'error');
        button.disabled = false;
      }
    },
  },
  h('h1', {}, t('register.title')),
  h('p', { class: 'lead' }, t('register.intro')),
  hint,
  nameField,
  emailField,
  passwordField,
  townField,
  h('fieldset', { class: 'languages' }, h('legend', {}, t('register.languages')), h('div', { class: 'checks' }, languages)),
  consentBox,
  message,
  button,
  h('p', { class: 'alternative' }, h('a', { href: '#/login' }, t('register.haveAccount'))));
  consent.setAttribute('aria-describedby', 'consent-text');
  const section = h('section', { class: 'screen register' }, form);
  return { el: section, title: t('register.title'), destroy: hint.cleanup };
}

// After registering: the same words whether or not the address has an account (the server
// mailed either a link or a note to the owner), so the screen tells nobody which.
function mailboxCard(address) {
  return h('div', { class: 'card narrow mailbox' },
    h('h1', { tabindex: '-1' }, t('register.sentTitle')),
    h('p', { class: 'lead', role: 'status' }, t('register.sent', { email: address })),
    h('p', {}, t('register.sentSpam')),
    h('p', { class: 'alternative' }, h('a', { href: '#/login' }, t('register.toLogin'))));
}

// The link from the mail: confirm the registration, and sign in with the session it gives.
export function confirmScreen(app, token) {
  const message = h('div', { class: 'message' });
  const links = h('p', { class: 'alternative links', hidden: true },
    h('a', { href: '#/register' }, t('confirm.again')), h('a', { href: '#/login' }, t('register.toLogin')));
  const card = h('div', { class: 'card narrow' }, h('h1', {}, t('confirm.title')), message, links);
  notice(message, t('confirm.busy'));
  const failed = (text) => {
    notice(message, text, 'error');
    links.hidden = false;
  };
  (async () => {
    if (!token) return failed(t('confirm.invalid'));
    try {
      await app.signedIn(await sessions.confirm(token));
    } catch (err) {
      if (err.status === 404) failed(t('confirm.invalid'));
      else if (err.offline) failed(t('register.needsNetwork'));
      else failed(errorText(err));
    }
  })();
  return { el: h('section', { class: 'screen confirm' }, card), title: t('confirm.title') };
}
