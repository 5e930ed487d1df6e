// Renames: applications ask for a flag by its name, so renaming one that is
// evaluated breaks them. The rename is guarded (what is known about its
// use, and the new name typed again), and a page at the old name says
// where the flag went, from the audit history of renames.

import { api, seg } from './api.js';
import { state } from './store.js';
import { h, confirmDialog, relTime, time } from './dom.js';
import { archivedPage } from './lifecycle.js';
import { actorOf } from './audit.js';

const PAGES = 5; // audit pages of 1,000 events searched for a rename

/**
 * renamedFrom finds the newest rename away from name in the audit log:
 * {event, to} with the flag's current name (it may have been renamed
 * again since), or null.
 */
export async function renamedFrom(name) {
  let cursor = '';
  for (let i = 0; i < PAGES; i++) {
    const res = await api('GET', `/audit?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const ev of res.data.events) {
      if (ev.targetType !== 'flag' || !ev.before || !ev.after) continue;
      if (ev.before.name === name && ev.after.name !== name) {
        const now = state.flags.get(ev.targetId);
        return { event: ev, to: now ? now.name : ev.after.name, gone: !now };
      }
    }
    cursor = res.data.nextCursor;
    if (!cursor) break;
  }
  return null;
}

/**
 * missingPage shows what is at #/flags/<name> when no live flag has that
 * name: the archived flag of that name, where a renamed flag went, or
 * that there is none.
 */
export function missingPage(root, name, canWrite) {
  const box = h('div', { class: 'empty' }, h('h1', { tabindex: -1 }, name), h('p', null, 'Looking for the flag…'));
  root.append(box);
  (async () => {
    try {
      const res = await api('GET', `/flags/${seg(name)}`);
      if (res.data.archivedAt) {
        box.remove();
        archivedPage(root, res.data, canWrite);
        return;
      }
    } catch (err) {
      if (err.status !== 404) throw err;
    }
    const moved = await renamedFrom(name);
    box.replaceChildren(...(moved ? movedNotice(name, moved) : notFound(name)));
    box.querySelector('h1')?.focus({ preventScroll: true });
  })().catch((err) => box.replaceChildren(h('h1', { tabindex: -1 }, name), h('p', null, `The flag cannot be looked up: ${err.message}`)));
}

function movedNotice(name, { event, to, gone }) {
  const who = actorOf(event);
  return [
    h('h1', { tabindex: -1 }, `${name} was renamed`),
    h('p', { class: 'moved-notice' }, `Renamed by ${who} to `, h('strong', { class: 'mono' }, event.after.name), ' ', time(event.time),
      to !== event.after.name ? ` (it is now called ${to})` : '', '. Applications still asking for ', h('code', null, name), ' get their default value.'),
    gone ? h('p', null, 'That flag is no longer listed: it was archived or deleted since.')
      : h('a', { class: 'btn btn-primary moved-link', href: `#/flags/${encodeURIComponent(to)}` }, `Go to ${to}`),
  ];
}

function notFound(name) {
  return [
    h('h1', { tabindex: -1 }, `No flag named ${name}`),
    h('p', null, 'It may have been deleted.'),
    h('a', { class: 'btn', href: '#/flags' }, 'Back to the flags'),
  ];
}

/**
 * confirmRename asks before renaming a flag that applications may use:
 * where it is on and when it was last evaluated, and the new name typed
 * again. Resolves true to go ahead (at once when it was never evaluated
 * and is off everywhere).
 */
export function confirmRename(flag, to) {
  const on = Object.entries(flag.environments || {}).filter(([, v]) => v).map(([e]) => e);
  const seen = Object.entries(flag.lastEvaluated || {}).filter(([, t]) => t).sort((a, b) => b[1].localeCompare(a[1]));
  if (!on.length && !seen.length) return Promise.resolve(true);
  return confirmDialog({
    title: `Rename ${flag.name} to ${to}?`,
    body: h('div', { class: 'rename-warning' },
      h('p', null, 'Applications ask for the flag by its name: those still asking for ', h('code', null, flag.name), ' will get their default value from now on.'),
      h('ul', null,
        on.length ? h('li', null, `It is on in ${on.join(', ')}.`) : h('li', null, 'It is off everywhere.'),
        seen.length
          ? seen.map(([env, t]) => h('li', { dataset: { env } }, `Last evaluated in ${env} ${relTime(t)}.`))
          : h('li', null, 'It has not been evaluated as far as this server knows.'))),
    confirm: 'Rename flag',
    danger: true,
    typeToConfirm: to,
  });
}
