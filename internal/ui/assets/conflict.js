// Edit conflicts in the flag details dialog: when a save is refused (412)
// because someone else changed the flag, the dialog keeps what was typed,
// shows who changed what, and offers to save the typed changes on top of
// the latest version (only the fields this person changed are sent, so the
// other person's changes to the rest stay).

import { api, seg } from './api.js';
import { changesOf } from './audit.js';
import { changeList } from './tdiff.js';
import { h } from './dom.js';

/** changedFields is the part of body whose fields differ from base's. */
export function changedFields(body, base) {
  const was = { name: base.name, description: base.description || '', type: base.type || 'boolean', tags: base.tags || [], variants: base.variants || {} };
  return Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(was[k])));
}

/**
 * conflictNotice reads the flag as it is now and who last changed it, and
 * renders what changed since base; reapply(latest) saves on top of latest.
 */
export async function conflictNotice(base, reapply) {
  const id = seg(base._id);
  const [latest, hist] = await Promise.all([api('GET', `/flags/${id}`), api('GET', `/flags/${id}/history?limit=1`)]);
  const flag = latest.data;
  const who = hist.data?.events?.[0]?.actor?.name || 'Someone';
  const button = h('button', { type: 'button', class: 'btn btn-sm btn-primary reapply', onclick: () => reapply(flag) }, 'Save my changes on the latest version');
  return h('div', { class: 'banner conflict', role: 'alert' },
    h('p', null, `${who} changed ${base.name} since you opened this form (now version ${flag.version}), so nothing was saved. What you typed is kept here. Their changes:`),
    changeList(changesOf('flag', base, flag)),
    button);
}
