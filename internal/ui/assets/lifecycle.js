// Knowing your flags: who owns one, what kind it is, when it expires, why
// it is stale (GET /flags?stale=any explains it in words), and archiving
// instead of deleting: an archived flag evaluates as not found but keeps
// its history, counts and name; only an archived flag can be deleted.

import { api, seg, STALE } from './api.js';
import { putFlag, removeFlag } from './store.js';
import { deleteFlag, reload } from './actions.js';
import { h, toast, confirmDialog, relTime, fmtDate, select, field, time } from './dom.js';

export const KINDS = ['release', 'experiment', 'operational', 'permission', 'kill-switch'];
export const STALE_KINDS = ['unused', 'constant', 'overdue'];

// ---- stale reasons ----

let staleMap = null; // id → [{kind, environment, why}]
let staleLoad = null;
const staleListeners = new Set();

/** staleOf is why the flag is stale ([] when it is not, or not known yet). */
export const staleOf = (f) => staleMap?.get(f._id) || [];

/**
 * loadStale reads every stale flag's reasons once (again with force) and
 * calls onStale listeners when they arrive. One request for the whole
 * list, however many flags.
 */
export function loadStale(force = false) {
  if (staleLoad && !force) return staleLoad;
  staleLoad = api('GET', '/flags?stale=any').then((res) => {
    staleMap = new Map(res.data.map((f) => [f._id, f.stale || []]));
    for (const fn of staleListeners) fn();
  }, () => { staleLoad = null; });
  return staleLoad;
}

/** onStale calls fn whenever the stale reasons are (re)loaded. */
export function onStale(fn) {
  staleListeners.add(fn);
  return () => staleListeners.delete(fn);
}

const staleLabel = { unused: 'Unused', constant: 'Constant', overdue: 'Overdue' };

/** staleBadges marks a stale flag, one badge per kind, with the reasons as title. */
export function staleBadges(f) {
  const by = new Map();
  for (const s of staleOf(f)) by.set(s.kind, [...(by.get(s.kind) || []), s.why]);
  return [...by].map(([kind, whys]) => h('span', {
    class: `badge badge-stale stale-${kind}`, title: whys.join('\n'), dataset: { stale: kind },
  }, staleLabel[kind] || kind, h('span', { class: 'sr-only' }, `: ${whys.join(' ')}`)));
}

/** staleNotice is the flag page's account of why it is stale, or null. */
export function staleNotice(f) {
  const list = staleOf(f);
  if (!list.length) return null;
  return h('div', { class: 'banner stale-notice', role: 'note' },
    h('strong', null, 'This flag looks stale:'),
    h('ul', null, list.map((s) => h('li', { dataset: { stale: s.kind } }, s.why))),
    h('span', { class: 'hint' }, 'If it has done its job, remove it from the code, then archive it.'));
}

// ---- owner, kind, expiry ----

/** kindBadge shows a flag's kind, or null. */
export const kindBadge = (f) => (f.kind ? h('span', { class: 'badge badge-kind', dataset: { kind: f.kind } }, f.kind) : null);

/** ownerText is the list's owner mark, or null. */
export const ownerText = (f) => (f.owner ? h('span', { class: 'owner', title: `Owner: ${f.owner}` }, h('span', { class: 'sr-only' }, 'Owner: '), f.owner) : null);

/** lastEvaluated says when the flag was last evaluated in env. */
export function lastEvaluated(f, env) {
  const t = f.lastEvaluated?.[env];
  return t ? `last evaluated ${relTime(t)}` : 'never evaluated';
}

/**
 * lifecycleFields are the owner, kind and expiry fields of the details
 * form; body() is what they add to a create or update request.
 */
export function lifecycleFields(existing) {
  const owner = h('input', { type: 'text', 'data-field': 'owner', value: existing?.owner || '', autocomplete: 'off', maxlength: 256 });
  const kind = select([['', 'Not set'], ...KINDS], existing?.kind || '', { 'data-field': 'kind' });
  const expires = h('input', { type: 'date', 'data-field': 'expiresAt', value: existing?.expiresAt ? existing.expiresAt.slice(0, 10) : '' });
  const el = h('div', { class: 'row' },
    field('Owner', owner, 'A person or team who answers for it.'),
    field('Kind', kind, 'Release and experiment flags are expected to go within 40 days, operational ones within 7.'),
    field('Expires', expires, 'When it is due for removal (optional).'));
  function body() {
    const b = { owner: owner.value.trim(), kind: kind.value };
    if (expires.value) b.expiresAt = `${expires.value}T00:00:00Z`;
    else if (existing?.expiresAt) b.expiresAt = '';
    return b;
  }
  return { el, body };
}

/** lifecycleMeta is the flag page's line of owner, kind and expiry. */
export function lifecycleMeta(f) {
  return [
    h('span', { class: 'lc-owner' }, 'Owner: ', f.owner || h('span', { class: 'muted' }, 'nobody')),
    h('span', { class: 'lc-kind' }, 'Kind: ', f.kind || h('span', { class: 'muted' }, 'not set')),
    f.expiresAt ? h('span', { class: 'lc-expires' }, 'Expires ', h('time', { datetime: f.expiresAt, title: fmtDate(f.expiresAt) }, fmtDate(f.expiresAt).replace(/,? \d{1,2}:\d{2}.*$/, ''))) : null,
  ];
}

// ---- archive and restore ----

/** archiveFlag asks, then archives at the version shown; the flag or null. */
export async function archiveFlag(flag) {
  const on = Object.entries(flag.environments || {}).filter(([, v]) => v).map(([e]) => e);
  const ok = await confirmDialog({
    title: `Archive ${flag.name}?`,
    body: h('div', null,
      h('p', null, 'Applications asking for it get their default value (FLAG_NOT_FOUND). Its history and counts are kept, its name stays taken, and you can restore it.'),
      on.length ? h('p', null, h('strong', null, `It is on in ${on.join(', ')}.`)) : null),
    confirm: 'Archive flag',
    danger: true,
  });
  if (!ok) return null;
  return lifecycleWrite(flag, 'archive', 'Archived');
}

/** restoreFlag restores an archived flag; the flag or null. */
export const restoreFlag = (flag) => lifecycleWrite(flag, 'restore', 'Restored');

async function lifecycleWrite(flag, what, done) {
  try {
    const res = await api('POST', `/flags/${seg(flag._id)}/${what}`, { ifMatch: flag.version });
    if (what === 'archive') removeFlag(flag._id);
    else putFlag(res.data);
    loadStale(true);
    toast(`${done} ${flag.name}.`, { kind: 'ok' });
    return res.data;
  } catch (err) {
    if (err.status === 412) await reload(flag._id);
    toast(`Could not ${what} ${flag.name}. ${err.status === 412 ? STALE : err.message}`, { kind: 'error' });
    return null;
  }
}

/** loadArchived reads the archived flags (GET /flags?archived=true). */
export async function loadArchived() {
  return (await api('GET', '/flags?archived=true')).data;
}

/**
 * archivedPage shows an archived flag: when and what it was, with Restore
 * and, only here, Delete.
 */
export function archivedPage(root, flag, canWrite) {
  const actions = canWrite && h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'btn btn-primary restore-flag', onclick: async () => {
      const f = await restoreFlag(flag);
      if (f) location.hash = `#/flags/${encodeURIComponent(f.name)}?restored=1`;
    } }, 'Restore'),
    h('button', { type: 'button', class: 'btn btn-danger-quiet delete-flag', onclick: async () => {
      if (await deleteFlag(flag)) location.hash = '#/flags?archived=1';
    } }, 'Delete permanently'));
  root.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/flags?archived=1' }, 'Archived flags'), ' / ', flag.name),
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1, class: 'mono' }, flag.name), actions),
    h('div', { class: 'banner archived-notice', role: 'note' },
      h('span', null, 'Archived ', time(flag.archivedAt), '. Applications asking for it get their default value; restore it to serve it again.')),
    h('p', { class: 'desc' }, flag.description || h('span', { class: 'muted' }, 'No description.')),
    h('div', { class: 'meta' }, lifecycleMeta(flag), h('span', null, `Version ${flag.version}`)));
}
