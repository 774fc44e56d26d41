// Report rows in the shape of GET /api/reports/participants and /hours, computed from the
// local database when the server cannot be reached (the coordinator's device holds their scope).

export function participantRows(checkins, events) {
  const groups = new Map();
  for (const checkin of checkins) {
    const event = events.get(checkin.event_id);
    const month = (event ? event.start : checkin.checked_in_at).slice(0, 7);
    const municipality = event ? event.municipality : checkin.municipality;
    const key = `${month}|${municipality}`;
    const group = groups.get(key) || { month, municipality, events: new Set(), participants: 0, walk_ins: 0 };
    group.events.add(checkin.event_id);
    group.participants += 1;
    group.walk_ins += checkin.walk_in ? 1 : 0;
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({ ...group, events: group.events.size }));
}

export function hoursRows(entries) {
  const groups = new Map();
  for (const entry of entries.filter((e) => e.status === 'approved')) {
    const month = entry.date.slice(0, 7);
    const key = `${month}|${entry.municipality}|${entry.activity}`;
    const group = groups.get(key) || { month, municipality: entry.municipality, activity: entry.activity, minutes: 0, entries: 0 };
    group.minutes += entry.minutes;
    group.entries += 1;
    groups.set(key, group);
  }
  return [...groups.values()].map(({ minutes, ...group }) => ({ ...group, hours: Math.round(minutes / 6) / 10 }));
}

// Sum ``value`` per ``key`` ("month" or "municipality"); months come out in calendar order.
export function totals(rows, key, value) {
  const sums = new Map();
  for (const row of rows) sums.set(row[key], (sums.get(row[key]) || 0) + row[value]);
  const entries = [...sums.entries()];
  if (key === 'month') entries.sort((a, b) => a[0].localeCompare(b[0]));
  return entries.map(([label, total]) => [label, Math.round(total * 10) / 10]);
}

// The last ``count`` months as "YYYY-MM", oldest first.
export function lastMonths(count, now = new Date()) {
  const months = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    const date = new Date(now.getFullYear(), now.getMonth() - back, 1);
    months.push(`${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`);
  }
  return months;
}

// The columns of the server's reports (server/services/reports.py), in its order.
export const REPORT_COLUMNS = {
  participants: ['month', 'programme', 'municipality', 'kind', 'events', 'participants', 'walk_ins'],
  hours: ['month', 'municipality', 'activity', 'hours', 'entries', 'volunteers'],
};

// Rows as a CSV file a spreadsheet opens as it is, in the conventions of the user's language:
// where the decimal mark is a comma (German, Turkish, Ukrainian, Russian) the fields are
// separated by ";" and 1.5 is written "1,5", as Excel and LibreOffice expect there; otherwise
// "," and "1.5". Headers and codes come out as words (``heading(column)``, ``label(column,
// value)``); a UTF-8 byte order mark keeps "Söhrewald" intact. The API's own CSV
// (?format=csv) stays the stable format for machines.
export function spreadsheetCsv(rows, columns, { heading, label, decimalComma }) {
  const separator = decimalComma ? ';' : ',';
  const cell = (value) => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'number') return decimalComma ? String(value).replace('.', ',') : String(value);
    // A text starting with = + - @ would run as a formula in a spreadsheet.
    const text = /^[=+\-@]/.test(value) ? `'${value}` : String(value);
    return /["\r\n;,]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map((column) => cell(heading(column))),
    ...rows.map((row) => columns.map((column) => cell(typeof row[column] === 'number' ? row[column]
      : label(column, row[column]))))];
  return `\ufeff${lines.map((cells) => cells.join(separator)).join('\r\n')}\r\n`;
}

// Whether the language writes 1.5 as "1,5".
export function usesDecimalComma(locale) {
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal');
  return Boolean(decimal) && decimal.value === ',';
}
