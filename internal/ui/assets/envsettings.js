// An environment's settings on the environments page: protected, how many
// approvals a change needs and whether admins bypass them. Admins change
// them (PATCH /environments/{name}); others read them.

import { api, seg } from './api.js';
import { can } from './store.js';
import { h, toast, plural, uid } from './dom.js';

/** settingsCell shows e's settings, as a small form for admins. */
export function settingsCell(e, saved) {
  if (!can.admin) {
    return h('span', null, [e.protected && 'protected', e.requireApproval ? `${plural(e.requireApproval, 'approval')} required` : null,
      e.requireApproval && e.approvalAdminsBypass ? 'admins bypass' : null].filter(Boolean).join(' · ') || '—');
  }
  const prot = h('input', { type: 'checkbox', class: 'set-protected', checked: e.protected, id: uid('prot') });
  const need = h('input', { type: 'number', class: 'set-approvals', min: '0', max: '10', value: String(e.requireApproval), id: uid('need'), 'data-field': 'requireApproval' });
  const bypass = h('input', { type: 'checkbox', class: 'set-bypass', checked: e.approvalAdminsBypass, id: uid('byp') });
  const save = h('button', { type: 'button', class: 'btn btn-sm save-settings' }, 'Save');
  // A group, not a form: the page's one form adds environments.
  const group = h('div', { class: 'env-settings', role: 'group', 'aria-label': `Settings of ${e.name}` },
    h('label', { class: 'check', for: prot.id }, prot, 'Protected'),
    h('label', { for: need.id }, 'Approvals ', need),
    h('label', { class: 'check', for: bypass.id }, bypass, 'Admins bypass'),
    save);
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const body = { protected: prot.checked, requireApproval: Number(need.value), approvalAdminsBypass: bypass.checked };
      await api('PATCH', `/environments/${seg(e.name)}`, { body });
      toast(`Saved the settings of ${e.name}.`, { kind: 'ok' });
      await saved();
    } catch (err) {
      toast(`Could not save the settings of ${e.name}: ${err.message}`, { kind: 'error' });
    } finally {
      save.disabled = false;
    }
  });
  return group;
}
