// Translations and locale-aware formatting. German is the default; every language has every
// string (tests/e2e/browser/test_app_files.py), so the English and German fallbacks only
// cover a key in flight. Arabic and Farsi switch the page to RTL.

const STORAGE_KEY = 'miteinander.lang';
const RTL = new Set(['ar', 'fa']);

export const UI_LANGUAGES = [
  { code: 'de', name: 'Deutsch' },
  { code: 'en', name: 'English' },
  { code: 'ar', name: 'العربية' },
  { code: 'fa', name: 'فارسی' },
  { code: 'tr', name: 'Türkçe' },
  { code: 'uk', name: 'Українська' },
  { code: 'ru', name: 'Русский' },
];
const CODES = new Set(UI_LANGUAGES.map((language) => language.code));

let current = 'de';
let tables = [];
const listeners = new Set();

async function table(code) {
  const response = await fetch(`/assets/i18n/${code}.json`);
  if (!response.ok) throw new Error(`translations ${code}: ${response.status}`);
  return response.json();
}

// The language to start with: the one chosen before, else the browser's if we have it, else German.
export function preferredLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && CODES.has(saved)) return saved;
  const browser = (navigator.languages || []).map((tag) => tag.slice(0, 2).toLowerCase()).find((code) => CODES.has(code));
  return browser || 'de';
}

export async function setLanguage(code) {
  if (!CODES.has(code)) code = 'de';
  const chain = [...new Set([code, 'en', 'de'])];
  tables = await Promise.all(chain.map(table));
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  const root = document.documentElement;
  root.lang = code;
  root.dir = RTL.has(code) ? 'rtl' : 'ltr';
  listeners.forEach((listener) => listener(code));
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const language = () => current;
export const isRtl = () => RTL.has(current);

// Between parts of a line ("Sa., 5. Dez. · Bürgerhaus"). Not "·" in Arabic and Farsi, where
// a dot beside Arabic-Indic or Persian digits reads as a zero ("۱ · ۲" as "۱۰۲").
export function separator() {
  return RTL.has(current) ? '، ' : ' · ';
}

// A comma between parts of a name or place: "،" in Arabic and Farsi.
export function comma() {
  return RTL.has(current) ? '، ' : ', ';
}

// "Arabisch, Deutsch und Farsi" with the language's own commas (Arabic "،" in ar and fa).
export function formatList(items) {
  return new Intl.ListFormat(current, { type: 'conjunction' }).format(items.map(String));
}

// Dates always in the Gregorian calendar, the one of every German letter and appointment
// (Farsi would otherwise get the Solar Hijri one), with the language's own digits.
const dateLocale = () => `${current}-u-ca-gregory`;

function lookup(key) {
  for (const messages of tables) {
    if (Object.prototype.hasOwnProperty.call(messages, key)) return messages[key];
  }
  return undefined;
}

// t('sync.pending', { count: 3 }) picks "sync.pending.one" / ".other" by the language's plural rules.
export function t(key, vars = {}) {
  let text;
  if (typeof vars.count === 'number') {
    const category = new Intl.PluralRules(current).select(vars.count);
    text = lookup(`${key}.${category}`) ?? lookup(`${key}.other`);
  }
  text = text ?? lookup(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => {
    if (!(name in vars)) return match;
    const value = vars[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

// A number as people type it in any of the app's languages: "1,5", "1.5", "۱٫۵" or "١,٥"
// (Persian and Arabic digits and decimal separators). NaN for anything else, so "1.500,5"
// or "2 h" are refused rather than guessed.
export function parseDecimal(text) {
  const ascii = String(text).trim()
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[,\u066b]/, '.');
  return /^\d+(\.\d+)?$|^\.\d+$/.test(ascii) ? Number(ascii) : NaN;
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(current, options).format(value);
}

const asDate = (value) => (value instanceof Date ? value : new Date(value));

export function formatDate(value, options = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) {
  return new Intl.DateTimeFormat(dateLocale(), options).format(asDate(value));
}

export function formatTime(value) {
  return new Intl.DateTimeFormat(dateLocale(), { hour: '2-digit', minute: '2-digit' }).format(asDate(value));
}

export function formatDateTime(value) {
  return new Intl.DateTimeFormat(dateLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(asDate(value));
}

export function formatMonth(month) {
  const [year, number] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(dateLocale(), { month: 'short', year: 'numeric' }).format(new Date(year, number - 1, 15));
}

// "vor 5 Minuten", "in 2 Tagen"
export function formatRelative(value, now = Date.now()) {
  const seconds = Math.round((asDate(value).getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(current, { numeric: 'auto' });
  const steps = [[60, 'second'], [3600, 'minute'], [86400, 'hour'], [604800, 'day'], [Infinity, 'week']];
  const units = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };
  for (const [limit, unit] of steps) {
    if (Math.abs(seconds) < limit) return format.format(Math.round(seconds / units[unit]), unit);
  }
  return formatDate(value);
}

// Names of the languages people speak or ask an interpreter for (ISO 639 codes from the schemas).
export function languageName(code) {
  if (code === 'prs') return lookup('language.prs') ?? 'Dari';
  try {
    return new Intl.DisplayNames([current], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}

// A translated text of a document ({de: ..., ar: ...}) in the UI language, else German.
export function localized(text) {
  if (!text) return '';
  return text[current] || text.de || Object.values(text)[0] || '';
}
