// Who is logged in on this device, and the device's own id.
//
// The session (token, user id, role) lives in localStorage so the app opens offline. The
// device id is random, made once per browser profile, and sent at login so an admin can end
// every session of a lost tablet at once.

import { json } from './api.js';

const SESSION_KEY = 'miteinander.session';
const DEVICE_KEY = 'miteinander.device';
const REGISTRATION_KEY = 'miteinander.registration';

export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `device-${crypto.randomUUID()}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

// What the device calls itself at login ("Chrome · Android"), so an admin can tell a lost
// tablet from the office PC; the id stays the key.
export function deviceName(agent = navigator.userAgent) {
  const browser = [[/Edg\//, 'Edge'], [/Firefox\//, 'Firefox'], [/Chrom(e|ium)\//, 'Chrome'], [/Safari\//, 'Safari']]
    .find(([pattern]) => pattern.test(agent));
  const system = [[/Android/, 'Android'], [/iPhone|iPad/, 'iOS'], [/Windows/, 'Windows'], [/CrOS/, 'ChromeOS'],
    [/Mac OS X/, 'macOS'], [/Linux/, 'Linux']].find(([pattern]) => pattern.test(agent));
  return [browser ? browser[1] : 'Browser', system && system[1]].filter(Boolean).join(' · ');
}

export function load() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY));
    return session && session.token && session.user_id ? session : null;
  } catch {
    return null;
  }
}

export function expired(session, now = Date.now()) {
  return !session || new Date(session.expires_at).getTime() <= now;
}

function store(answer, extra) {
  const session = {
    token: answer.token,
    user_id: answer.user_id,
    role: answer.role,
    expires_at: new Date(Date.now() + answer.expires_in * 1000).toISOString(),
    ...extra,
  };
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export async function login(email, password) {
  const answer = await json('/api/auth/token', {
    method: 'POST',
    body: { email, password, device_id: deviceId(), device_name: deviceName() },
  });
  return store(answer, { email: email.trim().toLowerCase() });
}

// Self-registration of a resident; needs the network. The server mails a link that confirms
// it, and answers the same whether or not the address has an account. The address and town
// are remembered on this device, so that a session begun by opening the link here knows them.
export async function register(form) {
  await json('/api/auth/register', { method: 'POST', body: form });
  localStorage.setItem(REGISTRATION_KEY, JSON.stringify({
    email: form.email.trim().toLowerCase(), municipality: form.municipality }));
}

// Opening the link from the mail: the server makes the account and answers with a session.
export async function confirm(token) {
  const answer = await json('/api/auth/register/confirm', { method: 'POST', body: { token } });
  let remembered = {};
  try {
    remembered = JSON.parse(localStorage.getItem(REGISTRATION_KEY)) || {};
  } catch {
    // nothing remembered: the link was opened on another device
  }
  localStorage.removeItem(REGISTRATION_KEY);
  return store(answer, { email: remembered.email, municipality: remembered.municipality });
}

// Ends the token on the server if we can reach it; the local session ends either way.
export async function logout(session) {
  clear();
  if (!session) return;
  try {
    await json('/api/auth/token', { method: 'DELETE', token: session.token });
  } catch {
    // offline or already revoked: the token expires on its own
  }
}

export function clear() {
  localStorage.removeItem(SESSION_KEY);
}
