// Logging in, and residents registering themselves (both need the network).

import domain from '../domain.json';
import { field, h, notice, select } from '../dom.js';
import { languageName, t } from '../i18n.js';
import * as sessions from '../session.js';

function offlineHint() {
  const hint = h('p', { class: 'notice warning', role: 'status', hidden: navigator.onLine }, t('login.offline'));
  const update = () => { hint.hidden = navigator.onLine; };
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
  if (err.status === 409) return t('register.exists');
  if (err.status === 429) return t('error.tooMany');
  return `${t('error.generic')} (${err.message})`;
}

export function loginScreen(app) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const message = h('div', { class: 'message' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const hint = offlineHint();
  const form = h('form', {
    class: 'card narrow',
    onsubmit: async (event) => {
      event.preventDefault();
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
  field(t('login.email'), email),
  field(t('login.password'), password),
  message,
  button,
  h('p', { class: 'alternative' }, t('login.newHere'), ' ', h('a', { href: '#/register' }, t('login.register'))));
  return { el: h('section', { class: 'screen login' }, form), title: t('login.title'), destroy: hint.cleanup };
}

export function registerScreen(app) {
  const email = h('input', { type: 'email', autocomplete: 'email', required: true });
  const password = h('input', { type: 'password', autocomplete: 'new-password', minlength: 10, required: true });
  const name = h('input', { type: 'text', autocomplete: 'name', maxlength: 120, required: true });
  const municipality = select([['', t('register.chooseTown')], ...domain.municipalities.map((m) => [m, m])], '',
    { required: true });
  const languages = domain.languages.map((code) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: code, name: 'languages' }), languageName(code)));
  const consent = h('input', { type: 'checkbox', id: 'consent', required: true });
  const message = h('div', { class: 'message' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('register.submit'));
  const hint = offlineHint();
  const form = h('form', {
    class: 'card narrow',
    onsubmit: async (event) => {
      event.preventDefault();
      if (!navigator.onLine) {
        notice(message, t('register.needsNetwork'), 'error');
        return;
      }
      button.disabled = true;
      notice(message, t('register.busy'));
      try {
        const session = await sessions.register({
          email: email.value,
          password: password.value,
          display_name: name.value.trim(),
          municipality: municipality.value,
          languages: languages.map((label) => label.firstChild).filter((box) => box.checked).map((box) => box.value),
          consent: consent.checked,
        });
        await app.signedIn(session);
      } catch (err) {
        notice(message, errorText(err), 'error');
        button.disabled = false;
      }
    },
  },
  h('h1', {}, t('register.title')),
  h('p', { class: 'lead' }, t('register.intro')),
  hint,
  field(t('register.name'), name),
  field(t('login.email'), email),
  field(t('login.password'), password, t('register.passwordHint')),
  field(t('register.town'), municipality),
  h('fieldset', { class: 'languages' }, h('legend', {}, t('register.languages')), h('div', { class: 'checks' }, languages)),
  h('div', { class: 'consent-box' },
    h('h2', {}, t('consent.title')),
    h('p', { id: 'consent-text' }, t('consent.resident')),
    h('label', { class: 'check strong', for: 'consent' }, consent, t('consent.agree'))),
  message,
  button,
  h('p', { class: 'alternative' }, h('a', { href: '#/login' }, t('register.haveAccount'))));
  consent.setAttribute('aria-describedby', 'consent-text');
  return { el: h('section', { class: 'screen register' }, form), title: t('register.title'), destroy: hint.cleanup };
}
