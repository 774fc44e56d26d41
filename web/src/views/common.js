// Pieces the screens share: event headings, badges, durations.

import { h } from '../dom.js';
import { comma, formatDate, formatNumber, formatTime, localized, separator, t } from '../i18n.js';

export function eventTitle(event) {
  return event ? localized(event.title) : '';
}

export function eventWhen(event) {
  const start = new Date(event.start);
  const end = new Date(event.end);
  const sameDay = start.toDateString() === end.toDateString();
  return sameDay
    ? `${formatDate(start)}${comma()}${formatTime(start)}–${formatTime(end)}`
    : `${formatDate(start)} ${formatTime(start)} – ${formatDate(end)} ${formatTime(end)}`;
}

export function eventMeta(event) {
  return h('p', { class: 'meta' },
    h('span', { class: 'when' }, eventWhen(event)), separator(),
    h('span', { class: 'where' }, `${event.place}${comma()}${event.municipality}`));
}

export function badge(kind, text) {
  return h('span', { class: `badge ${kind}` }, text);
}

export function duration(minutes) {
  return t('hours.duration', { hours: formatNumber(minutes / 60, { maximumFractionDigits: 2 }) });
}

export function screen(title, ...children) {
  return h('section', { class: 'screen' }, h('h1', {}, title), ...children);
}

export function emptyState(text) {
  return h('p', { class: 'empty' }, text);
}

const DAY = 86_400_000;

export function startOfDay(date = new Date()) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

// Events that have not ended yet, split into today and later; sorted by start.
export function upcoming(events, now = new Date()) {
  const today = startOfDay(now).getTime();
  const sorted = events.filter((event) => new Date(event.end) >= now || new Date(event.start).getTime() >= today)
    .sort((a, b) => a.start.localeCompare(b.start));
  return {
    today: sorted.filter((event) => new Date(event.start).getTime() < today + DAY),
    later: sorted.filter((event) => new Date(event.start).getTime() >= today + DAY),
  };
}

// Events that ended in the last ``days`` days, newest first (for late corrections).
export function recent(events, days = 14, now = new Date()) {
  const since = now.getTime() - days * DAY;
  return events.filter((event) => new Date(event.end) < now && new Date(event.end).getTime() >= since)
    .sort((a, b) => b.start.localeCompare(a.start));
}
