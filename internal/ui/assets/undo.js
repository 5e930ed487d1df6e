// Undo: the message after a change to a flag offers to take it back for a
// while. Undoing is a real write (POST /flags/{id}/revert to the version
// before, audited as flag.revert) made only if the flag is still as the
// change left it (If-Match): a later change by anyone makes the undo fail
// with a message instead of silently overwriting it. The same request
// restores any version from the flag's History.

import { api, seg } from './api.js';
import { putFlag } from './store.js';
import { toast } from './dom.js';
import { held } from './protect.js';

/** UNDO_MS is how long a message offers Undo. */
export const UNDO_MS = 10000;

/**
 * changed shows message for a change of flag (as it was before: name,
 * _id, version) that left it at version after, with an Undo button.
 */
export function changed(message, before, after) {
  return toast(message, {
    kind: 'ok',
    timeout: UNDO_MS,
    action: { label: 'Undo', run: () => revert(before, before.version, after, 'Undone') },
  });
}

/**
 * revert makes the flag as it was at version, provided it is still at
 * ifMatch; it reports the outcome in a message and resolves to the flag
 * written, or null.
 */
export async function revert(flag, version, ifMatch, verb = 'Restored') {
  try {
    const res = await api('POST', `/flags/${seg(flag._id)}/revert`, { body: { version }, ifMatch });
    if (held(res)) return null;
    putFlag(res.data);
    toast(`${verb}: ${res.data.name} is back as it was at version ${version}.`, { kind: 'ok' });
    return res.data;
  } catch (err) {
    const why = err.status === 412
      ? 'It was changed again since, so nothing was undone. Look at its History to restore a version.'
      : err.message;
    const what = verb === 'Undone' ? `undo the change to ${flag.name}` : `restore ${flag.name} to version ${version}`;
    toast(`Could not ${what}. ${why}`, { kind: 'error' });
    return null;
  }
}
