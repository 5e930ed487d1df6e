// Evaluation counts drawn as inline SVG, without a chart library: a
// sparkline per flag and environment in the list (from one bulk summary,
// GET /usage/summary), and on a flag's page its evaluations per variant
// over the last 7 days (GET /flags/{id}/usage), with a table that says the
// same for screen readers and for exact numbers.

import { api, seg } from './api.js';
import { h, fmtNum, plural, select, field, uid } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

/** points maps counts onto a width × height box, the largest at the top. */
function points(counts, width, height, max) {
  const step = counts.length > 1 ? width / (counts.length - 1) : 0;
  return counts.map((c, i) => `${(i * step).toFixed(1)},${(height - 1 - (max ? (c / max) * (height - 2) : 0)).toFixed(1)}`).join(' ');
}

// ---- the list's sparklines ----

let summary = null; // {days, flags: {id: {env: [counts]}}}
let summaryLoad = null;
const summaryListeners = new Set();

/**
 * loadSummary reads the last 7 days' daily counts of every flag in one
 * request (again with force) and tells the onSummary listeners.
 */
export function loadSummary(force = false) {
  if (summaryLoad && !force) return summaryLoad;
  summaryLoad = api('GET', '/usage/summary?days=7').then((res) => {
    summary = res.data;
    for (const fn of summaryListeners) fn();
  }, () => { summaryLoad = null; });
  return summaryLoad;
}

export function onSummary(fn) {
  summaryListeners.add(fn);
  return () => summaryListeners.delete(fn);
}

/** dailyCounts is the flag's daily counts in env, oldest first ([] if unknown). */
export function dailyCounts(f, env) {
  if (!summary) return [];
  return summary.flags?.[f._id]?.[env] || new Array(summary.days).fill(0);
}

/**
 * sparkline draws counts (one a day) as a small line; label says the same
 * in words (the SVG is an image with that name).
 */
export function sparkline(counts, label) {
  const w = 56;
  const ht = 16;
  const max = Math.max(0, ...counts);
  const el = svg('svg', { class: `spark${max ? '' : ' none'}`, width: w, height: ht, viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': label },
    svg('title', null, document.createTextNode(label)),
    counts.length ? svg('polyline', { points: points(counts, w, ht, max), fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-linejoin': 'round' }) : null);
  return el;
}

/** sparkLabel says what a sparkline of env shows. */
export function sparkLabel(counts, env) {
  const total = counts.reduce((a, b) => a + b, 0);
  return `${plural(total, 'evaluation')} in ${env} over the last ${plural(counts.length || 7, 'day')}${total ? `: ${counts.map(fmtNum).join(', ')} a day` : ''}`;
}

// ---- a flag's usage per variant ----

const COLORS = ['var(--accent)', 'var(--on)', 'var(--warn)', 'var(--danger)', 'var(--muted)'];

/** byVariant sums the usage answer's series of env per variant (errors apart). */
export function byVariant(answer, env) {
  const out = new Map();
  for (const s of answer.series) {
    if (s.environment !== env) continue;
    const key = s.errorCode ? `error ${s.errorCode}` : (s.variant || '(none)');
    const acc = out.get(key) || new Array(answer.times.length).fill(0);
    s.counts.forEach((c, i) => { acc[i] += c; });
    out.set(key, acc);
  }
  return out;
}

const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** usageChart draws one environment's series per variant, and its table. */
export function usageChart(answer, env) {
  const series = byVariant(answer, env);
  if (!series.size) return h('p', { class: 'muted usage-empty' }, `No evaluations in ${env} in the last 7 days.`);
  const w = 480;
  const ht = 120;
  const max = Math.max(1, ...[...series.values()].flat());
  const names = [...series.keys()];
  const descId = uid('usage');
  const chart = svg('svg', { class: 'usage-chart', viewBox: `0 0 ${w} ${ht}`, preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': descId },
    svg('line', { x1: 0, y1: ht - 1, x2: w, y2: ht - 1, stroke: 'var(--border-strong)' }),
    ...names.map((n, i) => svg('polyline', { points: points(series.get(n), w, ht, max), fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2, 'data-variant': n })));
  const totals = names.map((n) => series.get(n).reduce((a, b) => a + b, 0));
  const desc = h('p', { id: descId, class: 'usage-desc' },
    `Evaluations in ${env} per day over the last 7 days: ${names.map((n, i) => `${n} ${fmtNum(totals[i])}`).join(', ')}.`);
  const legend = h('ul', { class: 'usage-legend' }, names.map((n, i) => h('li', null,
    h('span', { class: 'swatch', style: { background: COLORS[i % COLORS.length] }, 'aria-hidden': 'true' }), h('span', { class: 'mono' }, n), ` ${fmtNum(totals[i])}`)));
  const table = h('table', { class: 'table usage-table' },
    h('caption', { class: 'sr-only' }, `Evaluations in ${env} per day and variant`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Day'), names.map((n) => h('th', { scope: 'col', class: 'mono' }, n)))),
    h('tbody', null, answer.times.map((t, i) => h('tr', null, h('th', { scope: 'row' }, dayFmt.format(new Date(t))),
      names.map((n) => h('td', { class: 'num' }, fmtNum(series.get(n)[i])))))));
  return h('div', { class: 'usage' }, desc, chart, legend,
    h('details', { class: 'usage-details' }, h('summary', null, 'Show the numbers'), table));
}

/**
 * usageCard is the flag page's usage section: an environment picker and
 * the chart of its evaluations per variant, one point a day.
 */
export function usageCard(flag, envs, initial) {
  const body = h('div', { class: 'usage-body' }, h('p', { class: 'muted' }, 'Loading evaluations…'));
  const pick = select(envs, initial, { id: 'usage-env' });
  const card = h('section', { class: 'card usage-card', 'aria-labelledby': 'usage-h' },
    h('div', { class: 'usage-head' }, h('h2', { id: 'usage-h' }, 'Evaluations'), field('Environment', pick)), body);
  let answer = null;
  const draw = () => { if (answer) body.replaceChildren(usageChart(answer, pick.value)); };
  pick.addEventListener('change', draw);
  const until = new Date();
  until.setUTCMinutes(0, 0, 0);
  until.setUTCHours(until.getUTCHours() + 1);
  const since = new Date(until.getTime() - 7 * 86400000);
  api('GET', `/flags/${seg(flag._id)}/usage?step=24h&since=${since.toISOString().replace(/\.\d+Z$/, 'Z')}&until=${until.toISOString().replace(/\.\d+Z$/, 'Z')}`)
    .then((res) => { answer = res.data; draw(); },
      (err) => body.replaceChildren(h('p', { class: 'muted' }, `Evaluations cannot be shown: ${err.message}`)));
  return card;
}
