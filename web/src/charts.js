// Simple bar charts drawn as SVG, each with its numbers in a table for screen readers and
// for anyone who wants the exact figures. Right-to-left languages get mirrored charts.

import { h } from './dom.js';
import { formatNumber, isRtl, t } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
let chartCount = 0;

function s(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  // Positions are computed for each direction here; text anchors must not flip again with the page.
  if (tag === 'svg') element.style.direction = 'ltr';
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function dataTable(caption, rows, valueLabel) {
  return h('details', { class: 'chart-data' }, h('summary', {}, t('chart.showNumbers')),
    h('table', {}, h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('chart.label')), h('th', { scope: 'col' }, valueLabel))),
      h('tbody', {}, rows.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label),
        h('td', {}, formatNumber(value, { maximumFractionDigits: 1 })))))));
}

const labelText = (label) => (Array.isArray(label) ? label.filter(Boolean).join(' ') : label);

// Bars standing up, one per label (months): rows = [[label, value], ...] in reading order; a
// label may be two lines (["Jan.", "2026"]).
export function columnChart(title, rows, valueLabel) {
  const id = `chart-${++chartCount}`;
  const width = Math.max(320, rows.length * 40 + 40);
  const height = 220;
  const top = 24;
  const bottom = 40;
  const max = Math.max(1, ...rows.map(([, value]) => value));
  const slot = (width - 40) / Math.max(1, rows.length);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title`,
    class: 'chart', preserveAspectRatio: 'xMidYMid meet' });
  svg.append(s('title', { id: `${id}-title` }, title));
  svg.append(s('line', { x1: 20, x2: width - 20, y1: height - bottom, y2: height - bottom, class: 'axis' }));
  rows.forEach(([label, value], index) => {
    const position = isRtl() ? rows.length - 1 - index : index;
    const barHeight = ((height - top - bottom) * value) / max;
    const x = 20 + position * slot + slot * 0.15;
    const barWidth = slot * 0.7;
    const y = height - bottom - barHeight;
    svg.append(s('rect', { x, y, width: barWidth, height: Math.max(barHeight, value ? 1 : 0), rx: 3, class: 'bar' }));
    svg.append(s('text', { x: x + barWidth / 2, y: y - 6, 'text-anchor': 'middle', class: 'value' },
      formatNumber(value, { maximumFractionDigits: 1 })));
    const lines = Array.isArray(label) ? label : [label];
    lines.forEach((line, number) => line && svg.append(s('text', {
      x: x + barWidth / 2, y: height - bottom + 17 + number * 15, 'text-anchor': 'middle', class: 'label' }, line)));
  });
  if (!rows.length) svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'label' }, t('chart.empty')));
  return h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), svg,
    dataTable(title, rows.map(([label, value]) => [labelText(label), value]), valueLabel));
}

// Bars lying down, one per label (towns), largest first.
export function barChart(title, rows, valueLabel) {
  const id = `chart-${++chartCount}`;
  const sorted = [...rows].sort((a, b) => b[1] - a[1]);
  const width = 480;
  const labelWidth = 130;
  const rowHeight = 30;
  const height = Math.max(60, sorted.length * rowHeight + 16);
  const max = Math.max(1, ...sorted.map(([, value]) => value));
  const room = width - labelWidth - 60;
  const rtl = isRtl();
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title`, class: 'chart' });
  svg.append(s('title', { id: `${id}-title` }, title));
  sorted.forEach(([label, value], index) => {
    const y = 8 + index * rowHeight;
    const barWidth = (room * value) / max;
    const barX = rtl ? width - labelWidth - barWidth : labelWidth;
    svg.append(s('text', { x: rtl ? width - labelWidth + 8 : labelWidth - 8, y: y + rowHeight / 2 + 5,
      'text-anchor': rtl ? 'start' : 'end', class: 'label' }, label));
    svg.append(s('rect', { x: barX, y: y + 4, width: Math.max(barWidth, value ? 1 : 0), height: rowHeight - 10, rx: 3, class: 'bar' }));
    svg.append(s('text', { x: rtl ? barX - 6 : barX + barWidth + 6, y: y + rowHeight / 2 + 5,
      'text-anchor': rtl ? 'end' : 'start', class: 'value' }, formatNumber(value, { maximumFractionDigits: 1 })));
  });
  if (!sorted.length) svg.append(s('text', { x: width / 2, y: 36, 'text-anchor': 'middle', class: 'label' }, t('chart.empty')));
  return h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), svg, dataTable(title, sorted, valueLabel));
}
