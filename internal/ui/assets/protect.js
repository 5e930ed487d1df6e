// Protected environments and approvals: in an environment whose setting
// "protected" is on (production by default), every change to a flag asks
// first and lists what will change; a change that needs approval is held
// by the server (202) in a change request, which the person is shown.

import { state } from './store.js';
import { h, confirmDialog, toast, plural } from './dom.js';

/** isProtected: changes in env ask first (the environment's setting). */
export const isProtected = (env) => !!state.environments.find((e) => e.name === env)?.protected;

const moved = new Set(['version', 'updatedAt', 'createdAt', 'enabled']);

/**
 * flagDiff lists the values a change makes, leaf by leaf, as the server's
 * diff does: [{path, before, after}], e.g. path
 * "targeting.production.defaultServe.rollout.variants[0].weight".
 */
export function flagDiff(a, b) {
  const out = [];
  const walk = (path, x, y) => {
    const obj = (v) => v && typeof v === 'object' && !Array.isArray(v);
    if (obj(x) && obj(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
        if (path === '' && moved.has(k)) continue;
        walk(path ? `${path}.${k}` : k, x[k], y[k]);
      }
    } else if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(`${path}[${i}]`, x[i], y[i]);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push({ path, before: x, after: y });
    }
  };
  walk('', a || {}, b || {});
  return out;
}

const show = (v) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** diffList renders a diff as a list: "path: before → after". */
export function diffList(diff) {
  return h('ul', { class: 'diff' }, diff.map((d) => h('li', null,
    h('code', { class: 'diff-path' }, d.path), ': ',
    h('del', null, show(d.before)), ' → ', h('ins', null, show(d.after)))));
}

/**
 * touched returns the environments whose evaluation the change from flag
 * to next (null: deleted) changes, as the server decides for approvals:
 * their state or targeting, or what all evaluate (name, type, variants).
 */
export function touched(flag, next) {
  const all = state.environments.map((e) => e.name);
  const same = (x, y) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  if (!next || flag.name !== next.name || flag.type !== next.type || !same(flag.variants, next.variants)) return all;
  return all.filter((env) => !!flag.environments?.[env] !== !!next.environments?.[env] ||
    !same(flag.targeting?.[env], next.targeting?.[env]));
}

/**
 * confirmProtected asks before a change from flag to next that touches a
 * protected environment, showing its diff; resolves true to go ahead (at
 * once when no protected environment is touched).
 */
export async function confirmProtected(flag, next, { title, confirm = 'Save change', danger = false } = {}) {
  const envs = touched(flag, next).filter(isProtected);
  if (!envs.length) return true;
  const diff = next ? flagDiff(flag, next) : [{ path: 'flag', before: flag.name }];
  return confirmDialog({
    title: title || `Change ${flag.name} in ${envs.join(', ')}?`,
    body: h('div', { class: 'protected-confirm' },
      h('p', null, h('strong', null, envs.join(', ')), envs.length === 1 ? ' is protected' : ' are protected', ': this is what will change.'),
      diffList(diff)),
    confirm, danger,
  });
}

/**
 * held tells the person their change was held for approval (the API
 * answered 202 with a change request); true when it was.
 */
export function held(res) {
  if (res.status !== 202) return false;
  const r = res.data;
  toast(h('span', null, `Your change to ${r.flagName} needs ${plural(r.required, 'approval')} in ${r.environments.join(', ') || 'its environments'}: it was not made yet. `,
    h('a', { href: '#/requests' }, 'See the request')), { kind: 'info', timeout: 10000 });
  return true;
}
