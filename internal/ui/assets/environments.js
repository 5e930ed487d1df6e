// Environments: where flags are switched (development, staging, production
// and any added). Admins add and delete them; everyone sees how many flags
// are on in each.

import { api, seg } from './api.js';
import { state, can, subscribe, refresh } from './store.js';
import { hasTargeting } from './flags.js';
import { settingsCell } from './envsettings.js';
import { h, field, fmtDate, fmtNum, envBadge, showError, clearErrors, toast, confirmDialog } from './dom.js';

export function environmentsView(root) {
  const box = h('div');
  const nameIn = h('input', { type: 'text', class: 'code', 'data-field': 'name', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. qa' });
  const add = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'add-env-h' },
    h('h2', { id: 'add-env-h' }, 'Add an environment'),
    h('div', { class: 'row' }, field('Name', nameIn), h('div', { class: 'field' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add environment'))),
    h('p', { class: 'hint' }, 'Every flag gets the new environment, switched off.'));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Environments')),
    h('p', { class: 'lead' }, 'Each flag is on or off, with its own targeting, in every environment. In a protected environment every change asks first and shows what will change; one that requires approval holds changes as requests until others approve them.'),
    box, can.admin ? add : h('p', { class: 'muted' }, 'Only admins add or delete environments.'));

  function render() {
    const flags = [...state.flags.values()];
    box.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', { class: 'num' }, 'Flags on'), h('th', { class: 'num' }, 'With targeting'), h('th', null, 'Safety'), h('th', { class: 'hide-narrow' }, 'Created'), can.admin && h('th', null, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, state.environments.map((e) => h('tr', { 'data-env': e.name },
        h('td', null, h('span', { class: 'name' }, e.name), ' ', envBadge(e.name)),
        h('td', { class: 'num' }, `${fmtNum(flags.filter((f) => f.environments?.[e.name]).length)} of ${fmtNum(flags.length)}`),
        h('td', { class: 'num' }, fmtNum(flags.filter((f) => hasTargeting(f, e.name)).length)),
        h('td', null, settingsCell(e, refresh)),
        h('td', { class: 'hide-narrow' }, fmtDate(e.createdAt)),
        can.admin && h('td', null, h('button', { type: 'button', class: 'btn btn-sm btn-danger-quiet', 'aria-label': `Delete ${e.name}`, onclick: () => remove(e.name) }, 'Delete'))))))));
  }

  async function remove(name) {
    const on = [...state.flags.values()].filter((f) => f.environments?.[name]).length;
    const ok = await confirmDialog({
      title: `Delete environment ${name}?`,
      body: h('div', null, h('p', null, `Every flag loses its state and targeting in ${name}${on ? ` (${fmtNum(on)} flags are on there)` : ''}. Applications evaluating in ${name} get errors.`)),
      confirm: 'Delete environment', danger: true, typeToConfirm: name,
    });
    if (!ok) return;
    try {
      await api('DELETE', `/environments/${seg(name)}`);
      toast(`Deleted environment ${name}.`, { kind: 'ok' });
      await refresh();
    } catch (err) {
      toast(`Could not delete ${name}. ${err.message}`, { kind: 'error' });
    }
  }

  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(add);
    try {
      const res = await api('POST', '/environments', { body: { name: nameIn.value.trim() } });
      nameIn.value = '';
      toast(`Added environment ${res.data.name}.`, { kind: 'ok' });
      await refresh();
    } catch (err) {
      showError(add, err, { formTop: add });
    }
  });

  render();
  const unsubscribe = subscribe((c) => { if (c.envs || c.flags.size) render(); });
  return { title: 'Environments', destroy: unsubscribe };
}
