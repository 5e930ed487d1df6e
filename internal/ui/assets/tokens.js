// Tokens (admins): create API tokens and environment keys, whose secret is
// shown once with a copy button, and revoke them.

import { api, seg } from './api.js';
import { state, can, subscribe } from './store.js';
import { h, field, select, fmtDate, time, showError, clearErrors, toast, confirmDialog, copyText } from './dom.js';

const ROLES = [['viewer', 'Viewer'], ['editor', 'Editor'], ['admin', 'Admin'], ['server-key', 'Server key'], ['client-key', 'Client key']];
const ROLE_HELP = {
  viewer: 'Reads flags, segments, environments and the audit trail.',
  editor: 'Also creates, changes and deletes flags, targeting and segments.',
  admin: 'Everything, including tokens and environments.',
  'server-key': 'Evaluates flags in one environment, with its rules: for backends.',
  'client-key': 'Evaluates flags in one environment, never sees rules: safe in browsers and apps.',
};
const EXPIRY = [['', 'Never'], ['24h', 'In 1 day'], ['168h', 'In 7 days'], ['720h', 'In 30 days'], ['2160h', 'In 90 days'], ['8760h', 'In 1 year']];

function status(t) {
  if (t.revokedAt) return h('span', { class: 'badge badge-danger' }, 'Revoked');
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return h('span', { class: 'badge badge-danger' }, 'Expired');
  return h('span', { class: 'badge badge-on' }, 'Active');
}

export function tokensView(root) {
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Tokens')));
  if (!can.admin) {
    root.append(h('p', { class: 'lead' }, 'Only admins manage tokens.'));
    return { title: 'Tokens' };
  }
  root.append(h('p', { class: 'lead' }, 'API tokens sign in people and scripts; environment keys let applications evaluate flags. A secret is shown once, when created; the server keeps only a hash of it.'));

  const nameIn = h('input', { type: 'text', 'data-field': 'name', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. ci-deploy' });
  const roleSel = select(ROLES, 'viewer', { 'data-field': 'role' });
  const envSel = select([['', '—'], ...state.envs], '', { 'data-field': 'environment' });
  const expSel = select(EXPIRY, '', { 'data-field': 'expiresIn' });
  const syncEnv = () => {
    const key = roleSel.value.endsWith('-key');
    roleSel.closest('.field')?.querySelector('.hint')?.replaceChildren(ROLE_HELP[roleSel.value]);
    envSel.disabled = !key;
    if (key && !envSel.value) envSel.value = state.envs.find((e) => /prod/i.test(e)) || state.envs[0] || '';
    if (!key) envSel.value = '';
  };
  roleSel.addEventListener('change', syncEnv);
  const secretBox = h('div');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-token-h' },
    h('h2', { id: 'new-token-h' }, 'Create a token'),
    h('div', { class: 'row' }, field('Name', nameIn), field('Role', roleSel, ROLE_HELP.viewer), field('Environment', envSel, 'Server and client keys only.'), field('Expires', expSel)),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token'));
  const list = h('div');
  root.append(secretBox, form, h('h2', null, 'All tokens'), list);
  syncEnv();
  // The one-time secret goes as soon as the person acts elsewhere on the
  // page (navigating away replaces the page, and it with it).
  const elsewhere = (e) => {
    if (secretBox.firstChild && !secretBox.contains(e.target) && e.target.closest?.('button, a, input, select, textarea')) secretBox.replaceChildren();
  };
  root.addEventListener('click', elsewhere);
  root.addEventListener('focusin', elsewhere);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    secretBox.replaceChildren(); // the last secret goes once you act again
    const body = { name: nameIn.value.trim(), role: roleSel.value };
    if (!body.name) {
      showError(form, { field: 'name', message: 'Enter a name: who or what will use this token, e.g. ci-deploy.' });
      return;
    }
    if (envSel.value && !envSel.disabled) body.environment = envSel.value;
    if (expSel.value) body.expiresIn = expSel.value;
    try {
      const res = await api('POST', '/tokens', { body });
      nameIn.value = '';
      showSecret(res.data);
      load();
    } catch (err) {
      showError(form, err, { formTop: form });
    }
  });

  function showSecret(t) {
    const input = h('input', { type: 'text', readonly: true, value: t.secret, id: 'new-secret', 'aria-label': `Secret of ${t.name || 'the new token'}`, spellcheck: 'false' });
    const copied = h('span', { class: 'muted small', role: 'status' });
    const copy = h('button', {
      type: 'button', class: 'btn btn-primary', onclick: async () => {
        copied.textContent = await copyText(t.secret, input) ? 'Copied to the clipboard.' : 'Select the text and copy it.';
      },
    }, 'Copy');
    const done = h('button', { type: 'button', class: 'btn', onclick: () => { secretBox.replaceChildren(); form.querySelector('input')?.focus(); } }, 'Done');
    secretBox.replaceChildren(h('section', { class: 'card banner', 'aria-labelledby': 'secret-h' },
      h('div', { style: { flex: '1 1 100%' } },
        h('h2', { id: 'secret-h' }, `Copy the secret of ${t.name || t._id} now`),
        h('p', null, `It is shown only this once. Role: ${t.role}${t.environment ? `, environment ${t.environment}` : ''}${t.expiresAt ? `, expires ${fmtDate(t.expiresAt)}` : ''}.`),
        h('div', { class: 'secret' }, input, copy),
        h('div', { class: 'actions' }, done, copied))));
    input.focus();
    input.select();
  }

  async function load() {
    try {
      const res = await api('GET', '/tokens');
      render(res.data || []);
    } catch (err) {
      list.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  }

  function render(tokens) {
    list.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Role'), h('th', null, 'Status'), h('th', { class: 'hide-narrow' }, 'Created'), h('th', { class: 'hide-narrow' }, 'Last used'), h('th', { class: 'hide-narrow' }, 'Expires'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, tokens.map((t) => h('tr', { dataset: { id: t._id } },
        h('td', null, h('span', { class: 'name' }, t.name || '(unnamed)'), t._id === state.me?.id ? h('span', { class: 'badge badge-accent' }, 'you') : null,
          h('div', { class: 'muted small mono' }, t._id)),
        h('td', null, t.role, t.environment ? h('div', { class: 'muted small' }, t.environment) : null),
        h('td', null, status(t)),
        h('td', { class: 'hide-narrow nowrap' }, fmtDate(t.createdAt)),
        h('td', { class: 'hide-narrow nowrap' }, t.lastUsedAt ? time(t.lastUsedAt) : h('span', { class: 'muted' }, 'never')),
        h('td', { class: 'hide-narrow nowrap' }, t.expiresAt ? fmtDate(t.expiresAt) : h('span', { class: 'muted' }, 'never')),
        h('td', null, t.revokedAt ? null : h('button', { type: 'button', class: 'btn btn-sm btn-danger-quiet', 'aria-label': `Revoke ${t.name || t._id}`, onclick: () => revoke(t) }, 'Revoke'))))))));
  }

  async function revoke(t) {
    const own = t._id === state.me?.id;
    const ok = await confirmDialog({
      title: `Revoke ${t.name || t._id}?`,
      body: own ? 'This is the token you are signed in with: you will be signed out at once.' : 'Everything using it is refused from now on. This cannot be undone.',
      confirm: 'Revoke token', danger: true,
    });
    if (!ok) return;
    try {
      await api('DELETE', `/tokens/${seg(t._id)}`);
      toast(`Revoked ${t.name || t._id}.`, { kind: 'ok' });
      load();
    } catch (err) {
      toast(`Could not revoke ${t.name || t._id}. ${err.message}`, { kind: 'error' });
    }
  }

  load();
  const unsubscribe = subscribe((c) => { if (c.remote) load(); });
  return {
    title: 'Tokens',
    destroy() {
      unsubscribe();
      root.removeEventListener('click', elsewhere);
      root.removeEventListener('focusin', elsewhere);
    },
  };
}
