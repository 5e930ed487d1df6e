// The audit trail: who changed what, when, with the change itself (before
// → after). The Audit screen shows every event with filters; a flag's
// History tab shows that flag's.

import { api, seg } from './api.js';
import { state, can, subscribe } from './store.js';
import { revert } from './undo.js';
import { setQuery } from './nav.js';
import { targetingChanges, changeList } from './tdiff.js';
import { h, field, select, fmtDate, showError, clearErrors, confirmDialog } from './dom.js';

const ACTIONS = {
  'flag.create': 'created flag',
  'flag.update': 'edited flag',
  'flag.delete': 'deleted flag',
  'flag.toggle': 'switched flag',
  'flag.targeting': 'changed the targeting of',
  'flag.revert': 'restored a version of',
  'environment.create': 'created environment',
  'environment.delete': 'deleted environment',
  'segment.create': 'created segment',
  'segment.update': 'edited segment',
  'segment.delete': 'deleted segment',
  'token.create': 'created token',
  'token.revoke': 'revoked token',
  import: 'imported',
};

// Not shown as leaves: bookkeeping, and targeting (tdiff.js shows it by rule).
const NOISE = new Set(['version', 'updatedAt', 'targeting']);
const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);

/** diff lists the leaves that differ between two JSON values. */
export function diff(a, b, path = '', out = []) {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (Array.isArray(a) && Array.isArray(b) && a.length && b.length) {
    // Structurally: which rule, which condition, which weight changed.
    for (let i = 0; i < Math.max(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return out;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!path && NOISE.has(k)) continue;
      diff(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
    return out;
  }
  if (isObj(a) && b === undefined && path.split('.').length < 3) {
    for (const k of Object.keys(a).sort()) diff(a[k], undefined, path ? `${path}.${k}` : k, out);
    return out;
  }
  if (a === undefined && isObj(b) && path.split('.').length < 3) {
    for (const k of Object.keys(b).sort()) diff(undefined, b[k], path ? `${path}.${k}` : k, out);
    return out;
  }
  out.push({ path, before: a, after: b });
  return out;
}

function show(v, path) {
  if (v === undefined) return '(none)';
  if (typeof v === 'boolean' && /^environments\./.test(path)) return v ? 'on' : 'off';
  const s = JSON.stringify(v);
  return s.length > 140 ? `${s.slice(0, 137)}…` : s;
}

const parse = (raw) => {
  if (raw == null) return undefined;
  if (typeof raw === 'object') return raw;
  try { return JSON.parse(raw); } catch { return raw; }
};

export function actorOf(ev) {
  const a = ev.actor || {};
  if (a.type === 'token') return a.name || `token ${a.id}`;
  if (a.type === 'local') return 'local (no access control)';
  return a.type || 'unknown';
}

function target(ev) {
  const name = ev.targetName || ev.targetId;
  if (ev.targetType === 'flag') {
    return state.flags.has(ev.targetId) ? h('a', { class: 'mono', href: `#/flags/${encodeURIComponent(state.flags.get(ev.targetId).name)}` }, state.flags.get(ev.targetId).name) : h('span', { class: 'mono' }, name);
  }
  if (ev.targetType === 'segment' && state.segments.some((s) => s._id === ev.targetId)) {
    return h('a', { class: 'mono', href: `#/segments/${encodeURIComponent(name)}` }, name);
  }
  return h('span', { class: 'mono' }, name);
}

const MAX_CHANGES = 12;

/** changesOf lists what an event changed: fields as leaves, a flag's
 * targeting structurally (rule, condition, weight). */
export function changesOf(type, before, after) {
  const leaves = diff(before, after).map((c) => ({ where: c.path || 'value', before: show(c.before, c.path), after: show(c.after, c.path) }));
  return type === 'flag' ? [...leaves, ...targetingChanges(before?.targeting, after?.targeting)] : leaves;
}

/**
 * eventItem renders one event; withTarget names what it changed; restore,
 * when given, is offered for events whose "after" is a whole version.
 */
export function eventItem(ev, { withTarget = true, restore } = {}) {
  const before = parse(ev.before);
  const after = parse(ev.after);
  const changes = ev.action.endsWith('.create') || ev.action.endsWith('.delete') || ev.action === 'import' || ev.action === 'token.revoke'
    ? [] : changesOf(ev.targetType, before, after);
  const li = h('li', { class: 'event', dataset: { action: ev.action } },
    h('div', { class: 'line' },
      h('strong', null, actorOf(ev)),
      h('span', { class: 'what' }, ACTIONS[ev.action] || ev.action),
      withTarget ? target(ev) : null,
      ev.environment ? h('span', { class: 'badge' }, ev.environment) : null,
      h('time', { datetime: ev.time, title: ev.time }, fmtDate(ev.time))),
    changes.length ? changeList(changes.slice(0, MAX_CHANGES)) : null,
    changes.length > MAX_CHANGES ? h('p', { class: 'hint' }, `and ${changes.length - MAX_CHANGES} more changes`) : null);
  if (!changes.length && (before !== undefined || after !== undefined)) { // a whole document: created, deleted, imported
    li.append(h('details', null, h('summary', null, 'Before and after'),
      h('div', { class: 'diffcols' },
        h('div', null, h('p', { class: 'label' }, 'Before'), h('pre', null, before === undefined ? '(none)' : JSON.stringify(before, null, 2))),
        h('div', null, h('p', { class: 'label' }, 'After'), h('pre', null, after === undefined ? '(none)' : JSON.stringify(after, null, 2))))));
  }
  if (restore && after?.version && ev.action !== 'flag.delete' && after.version !== state.flags.get(ev.targetId)?.version) {
    li.querySelector('.line').append(h('button', { type: 'button', class: 'btn btn-sm restore', dataset: { version: after.version },
      onclick: () => restore(after.version) }, `Restore version ${after.version}`));
  }
  if (ev.requestId) li.title = `Request ${ev.requestId}`;
  return li;
}

/**
 * pager loads pages of events from path (with query params) into a list,
 * with "Load more" while the server has a next cursor.
 */
function pager(path, params, { withTarget, emptyText, onError, restore }) {
  const list = h('ul', { class: 'events' });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  const status = h('p', { class: 'muted small', role: 'status' });
  const el = h('div', null, h('div', { class: 'card', style: { padding: '0' } }, list), h('div', { class: 'actions' }, more, status));
  let cursor = '';
  let pages = 0;
  async function load(reset) {
    const q = new URLSearchParams(params);
    q.set('limit', '50');
    if (!reset && cursor) q.set('cursor', cursor);
    status.textContent = 'Loading…';
    try {
      const res = await api('GET', `${path}?${q}`);
      if (reset) { list.replaceChildren(); pages = 0; }
      pages++;
      for (const ev of res.data.events) list.append(eventItem(ev, { withTarget, restore }));
      cursor = res.data.nextCursor || '';
      more.hidden = !cursor;
      status.textContent = list.children.length ? '' : emptyText;
      if (!list.children.length) list.append(h('li', { class: 'event muted' }, emptyText));
    } catch (err) {
      status.textContent = '';
      onError(err);
    }
  }
  more.addEventListener('click', () => load(false));
  return { el, load, pages: () => pages };
}

/** restoreVersion asks, then restores a version of the flag as it is now. */
async function restoreVersion(id, version) {
  const flag = state.flags.get(id);
  if (!flag) return;
  const ok = await confirmDialog({
    title: `Restore ${flag.name} to version ${version}?`,
    body: `Its name, description, variants, state and targeting in every environment become what they were at version ${version}, as a new version ${flag.version + 1}. The history keeps every version.`,
    confirm: `Restore version ${version}`,
  });
  if (ok) await revert(flag, version, flag.version);
}

/** historyList is a flag's History tab. */
export function historyList(flag) {
  const err = h('div');
  const p = pager(`/flags/${seg(flag._id)}/history`, {}, {
    withTarget: false, emptyText: 'No changes recorded.',
    restore: can.write ? (version) => restoreVersion(flag._id, version) : undefined,
    onError: (e) => err.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, e.message)),
  });
  p.load(true);
  return { el: h('div', null, err, p.el), reload: () => { if (p.pages() <= 1) p.load(true); } };
}

/** The Audit screen. */
export function auditView(root, { query }) {
  const f = {
    flag: h('input', { type: 'search', 'data-field': 'flag', value: query.get('flag') || '', placeholder: 'name or id', autocomplete: 'off', spellcheck: 'false' }),
    environment: select([['', 'All'], ...state.envs], query.get('environment') || '', { 'data-field': 'environment' }),
    actor: h('input', { type: 'search', 'data-field': 'actor', value: query.get('actor') || '', placeholder: 'token name or id', autocomplete: 'off' }),
    since: h('input', { type: 'datetime-local', 'data-field': 'since', value: query.get('since') || '' }),
    until: h('input', { type: 'datetime-local', 'data-field': 'until', value: query.get('until') || '' }),
  };
  const apply = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply');
  const form = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Filter the audit trail', novalidate: true },
    field('Flag', f.flag), field('Environment', f.environment), field('Actor', f.actor),
    field('Since', f.since), field('Until', f.until), h('div', { class: 'field' }, apply));
  const box = h('div');
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Audit')),
    h('p', { class: 'lead' }, 'Every change, newest first: who made it, when, and what it changed. Events cannot be edited or deleted.'),
    form, box);

  let p = null;
  const iso = (v) => (v ? new Date(v).toISOString() : '');
  function run() {
    clearErrors(form);
    const params = {};
    for (const k of ['flag', 'environment', 'actor']) if (f[k].value.trim()) params[k] = f[k].value.trim();
    for (const k of ['since', 'until']) if (f[k].value) params[k] = iso(f[k].value);
    setQuery({ flag: f.flag.value.trim(), environment: f.environment.value, actor: f.actor.value.trim(), since: f.since.value, until: f.until.value });
    p = pager('/audit', params, {
      withTarget: true, emptyText: 'No events match.',
      onError: (err) => showError(form, err, { formTop: box }),
    });
    box.replaceChildren(p.el);
    p.load(true);
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  run();
  const unsubscribe = subscribe((c) => { if (c.remote && p && p.pages() <= 1) p.load(true); });
  return { title: 'Audit', destroy: unsubscribe };
}

