// Changes to flags that several screens offer: toggling one environment and
// deleting a flag. Both confirm where a mistake is costly and report
// refusals with the server's own words.

import { api, seg, STALE } from './api.js';
import { state, emit, pending, putFlag, removeFlag } from './store.js';
import { changed } from './undo.js';
import { h, toast, confirmDialog, isProduction, confirmCodeEdit } from './dom.js';
import { confirmProtected, held } from './protect.js';

const onOff = (on) => (on ? 'on' : 'off');

/**
 * toggle switches a flag in one environment: the switch flips at once
 * (pending), the server is asked with the version the person saw
 * (If-Match), and a refusal puts the switch back and says why.
 * Protected environments ask first, showing the change; a change held
 * for approval leaves the switch as it was.
 */
export async function toggle(id, env) {
  const flag = state.flags.get(id);
  const key = `${id}|${env}`;
  if (!flag || pending.has(key)) return;
  const to = !flag.environments?.[env];
  if (!await confirmCodeEdit(flag)) return;
  const next = { ...flag, environments: { ...flag.environments, [env]: to } };
  if (!await confirmProtected(flag, next, { title: `Turn ${flag.name} ${onOff(to).toUpperCase()} in ${env}?`, confirm: `Turn ${onOff(to)} in ${env}`, danger: !to })) return;
  const current = state.flags.get(id);
  if (!current) return;
  pending.set(key, to);
  emit({ flags: new Set([id]) });
  try {
    const res = await api('POST', `/flags/${seg(id)}/toggle`, { body: { environment: env }, ifMatch: current.version });
    pending.delete(key);
    if (held(res)) return emit({ flags: new Set([id]) });
    const latest = state.flags.get(id) || current;
    putFlag({
      ...latest,
      environments: { ...latest.environments, [env]: res.data.enabled },
      version: res.version ?? latest.version + 1,
      updatedAt: new Date().toISOString(),
    });
    changed(`${flag.name} is now ${onOff(res.data.enabled)} in ${env}.`, current, res.version ?? current.version + 1);
  } catch (err) {
    pending.delete(key);
    emit({ flags: new Set([id]) });
    if (err.status === 412) {
      const fresh = await reload(id);
      const now = fresh ? ` It is ${onOff(fresh.environments[env])} in ${env} now.` : '';
      toast(`${flag.name} was changed elsewhere, so it was not switched.${now} Try again if you still want to.`, { kind: 'error' });
    } else if (err.status === 404) {
      removeFlag(id);
      toast(`${flag.name} no longer exists. ${err.message}`, { kind: 'error' });
    } else {
      toast(`Could not turn ${flag.name} ${onOff(to)} in ${env}. ${err.message}`, { kind: 'error' });
    }
  }
}

/** reload fetches one flag again and records it; null if it is gone. */
export async function reload(id) {
  try {
    const res = await api('GET', `/flags/${seg(id)}`);
    putFlag(res.data);
    return res.data;
  } catch (err) {
    if (err.status === 404) removeFlag(id);
    return null;
  }
}

/** deleteFlag asks, then deletes at the version shown; true when deleted. */
export async function deleteFlag(flag) {
  if (!await confirmCodeEdit(flag)) return false;
  const on = Object.entries(flag.environments || {}).filter(([, v]) => v).map(([e]) => e);
  const ok = await confirmDialog({
    title: `Delete ${flag.name}?`,
    body: h('div', null,
      h('p', null, 'The flag, its targeting in every environment and its variants are removed. Applications asking for it get their default value. The audit history keeps a record.'),
      on.length ? h('p', null, h('strong', null, `It is on in ${on.join(', ')}.`)) : null),
    confirm: 'Delete flag',
    danger: true,
    typeToConfirm: on.some(isProduction) ? flag.name : undefined,
  });
  if (!ok) return false;
  try {
    if (held(await api('DELETE', `/flags/${seg(flag._id)}`, { ifMatch: flag.version }))) return false;
    removeFlag(flag._id);
    toast(`Deleted ${flag.name}.`, { kind: 'ok' });
    return true;
  } catch (err) {
    if (err.status === 412) {
      await reload(flag._id);
      toast(`${flag.name} was not deleted. ${STALE}`, { kind: 'error' });
    } else {
      toast(`Could not delete ${flag.name}. ${err.message}`, { kind: 'error' });
    }
    return false;
  }
}
