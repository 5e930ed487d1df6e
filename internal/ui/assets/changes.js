// Who changed what: "changed by bob, 3 min ago" from a flag's updatedBy,
// and when someone else changes a flag while this page is open (a remote
// change, from the live stream), a short notice naming them and the
// change; the flags list highlights the rows it touched.

import { state, subscribe } from './store.js';
import { actorOf } from './audit.js';
import { h, toast, time } from './dom.js';

const HIGHLIGHT_MS = 5000;

/** who names a flag's last writer ("" when unknown). */
export const who = (f) => (f.updatedBy ? actorOf({ actor: f.updatedBy }) : '');

/** changedLine is "3 min ago by bob", for the list and the flag page. */
export function changedLine(f) {
  const by = who(f);
  return h('span', { class: 'changed-by', title: by ? `Changed by ${by}` : null }, time(f.updatedAt), by ? h('span', { class: 'by' }, ` by ${by}`) : null);
}

const seen = new Map(); // id → the flag as last shown
const highlighted = new Map(); // id → {version, until}

/** changedRemotely: f's current version came from someone else just now. */
export function changedRemotely(f) {
  const m = highlighted.get(f._id);
  return !!m && m.version === f.version && performance.now() < m.until;
}

const isMe = (actor) => !!state.me?.id && actor?.id === state.me.id;

/** describe says in words what changed between prev and next. */
export function describe(prev, next) {
  if (!prev) return `created ${next.name}`;
  const parts = [];
  if (prev.name !== next.name) parts.push(`renamed ${prev.name} to ${next.name}`);
  for (const env of state.envs) {
    const was = !!prev.environments?.[env];
    if (was !== !!next.environments?.[env]) parts.push(`turned ${next.name} ${was ? 'off' : 'on'} in ${env}`);
    else if (JSON.stringify(prev.targeting?.[env] ?? null) !== JSON.stringify(next.targeting?.[env] ?? null)) parts.push(`changed the targeting of ${next.name} in ${env}`);
  }
  return parts.length ? parts.join(', ') : `changed ${next.name}`;
}

subscribe((c) => {
  for (const id of c.flags) {
    const prev = seen.get(id);
    const next = state.flags.get(id);
    if (!next) {
      seen.delete(id);
      continue;
    }
    seen.set(id, next);
    if (!c.remote || (prev && prev.version === next.version) || isMe(next.updatedBy)) continue;
    highlighted.set(id, { version: next.version, until: performance.now() + HIGHLIGHT_MS });
    const by = who(next) || 'Someone';
    toast(h('span', { class: 'remote-notice', dataset: { id } }, `${by} ${describe(prev, next)}.`), { kind: 'info' });
  }
});
