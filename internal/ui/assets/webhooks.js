// Webhooks (admins): register endpoints (the secret is shown once), pause,
// resume and delete them, and read each one's delivery log, redelivering by
// hand. The selected endpoint is the hash's ?id=, so its log has a link.

import { api, seg } from './api.js';
import { can } from './store.js';
import { h, field, time, showError, clearErrors, toast, confirmDialog, copyText } from './dom.js';
import { parseHash, setQuery } from './nav.js';

const STATE_BADGE = { delivered: 'badge-on', failed: 'badge-danger', dropped: 'badge-danger', pending: 'badge-accent' };
const splitList = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const filterText = (w) => [
  w.events.length ? w.events.join(', ') : 'every event',
  w.flags.length ? `flags ${w.flags.join(', ')}` : '',
  w.environments.length ? `in ${w.environments.join(', ')}` : '',
].filter(Boolean).join(' · ');

export function webhooksView(root) {
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Webhooks')));
  if (!can.admin) {
    root.append(h('p', { class: 'lead' }, 'Only admins manage webhooks.'));
    return { title: 'Webhooks' };
  }
  root.append(h('p', { class: 'lead' }, 'Endpoints hear of every change their filter selects, signed with their secret (X-Featureflags-Signature), retried for 24 hours until they answer 2xx.'));
  const input = (name, placeholder) => h('input', { type: 'text', 'data-field': name, autocomplete: 'off', spellcheck: 'false', placeholder });
  const urlIn = input('url', 'https://ci.example.com/hooks/flags');
  const eventsIn = input('events', 'flag.* (empty: every event)');
  const flagsIn = input('flags', 'new-checkout (empty: every flag)');
  const envsIn = input('environments', 'production (empty: all)');
  const secretBox = h('div');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-webhook-h' },
    h('h2', { id: 'new-webhook-h' }, 'Register an endpoint'),
    h('div', { class: 'row' }, field('URL', urlIn), field('Events', eventsIn, 'Actions or patterns, comma-separated.'),
      field('Flags', flagsIn, 'Names, comma-separated.'), field('Environments', envsIn, 'Comma-separated.')),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Register endpoint'));
  const list = h('div');
  const log = h('section', { 'aria-live': 'polite' });
  root.append(secretBox, form, h('h2', null, 'Endpoints'), list, log);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    secretBox.replaceChildren();
    const body = { url: urlIn.value.trim(), events: splitList(eventsIn.value), flags: splitList(flagsIn.value), environments: splitList(envsIn.value) };
    if (!body.url) {
      showError(form, { field: 'url', message: 'Enter the URL changes are POSTed to.' });
      return;
    }
    try {
      const res = await api('POST', '/webhooks', { body });
      for (const el of [urlIn, eventsIn, flagsIn, envsIn]) el.value = '';
      showSecret(res.data);
      load();
    } catch (err) {
      showError(form, err, { formTop: form });
    }
  });

  function showSecret(w) {
    const box = h('input', { type: 'text', readonly: true, value: w.secret, id: 'new-webhook-secret', 'aria-label': `Secret of ${w.url}`, spellcheck: 'false' });
    const copied = h('span', { class: 'muted small', role: 'status' });
    const copy = h('button', { type: 'button', class: 'btn btn-primary', onclick: async () => {
      copied.textContent = await copyText(w.secret, box) ? 'Copied to the clipboard.' : 'Select the text and copy it.';
    } }, 'Copy');
    const done = h('button', { type: 'button', class: 'btn', onclick: () => secretBox.replaceChildren() }, 'Done');
    secretBox.replaceChildren(h('section', { class: 'card banner', 'aria-labelledby': 'webhook-secret-h' },
      h('div', { style: { flex: '1 1 100%' } },
        h('h2', { id: 'webhook-secret-h' }, 'Copy the signing secret now'),
        h('p', null, `It is shown only this once. Receivers check each request's signature with it.`),
        h('div', { class: 'secret' }, box, copy), h('div', { class: 'actions' }, done, copied))));
    box.focus();
    box.select();
  }

  async function load() {
    try {
      const res = await api('GET', '/webhooks');
      render(res.data || []);
      const id = parseHash().query.get('id');
      if (id && res.data.some((w) => w._id === id)) showLog(res.data.find((w) => w._id === id));
    } catch (err) {
      list.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  }

  function render(hooks) {
    if (!hooks.length) {
      list.replaceChildren(h('p', { class: 'muted' }, 'No endpoints yet.'));
      return;
    }
    list.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'table webhooks' },
      h('thead', null, h('tr', null, h('th', null, 'URL'), h('th', null, 'Filter'), h('th', null, 'Status'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, hooks.map((w) => h('tr', { dataset: { id: w._id } },
        h('td', null, h('span', { class: 'name mono' }, w.url), h('div', { class: 'muted small mono' }, w._id)),
        h('td', null, filterText(w)),
        h('td', null, w.disabled ? h('span', { class: 'badge badge-danger' }, 'Paused') : h('span', { class: 'badge badge-on' }, 'Active')),
        h('td', { class: 'nowrap' },
          h('button', { type: 'button', class: 'btn btn-sm show-log', 'aria-label': `Deliveries of ${w.url}`, onclick: () => { setQuery({ id: w._id }); showLog(w); } }, 'Deliveries'),
          h('button', { type: 'button', class: 'btn btn-sm pause', 'aria-label': `${w.disabled ? 'Resume' : 'Pause'} ${w.url}`, onclick: () => pause(w) }, w.disabled ? 'Resume' : 'Pause'),
          h('button', { type: 'button', class: 'btn btn-sm btn-danger-quiet', 'aria-label': `Delete ${w.url}`, onclick: () => remove(w) }, 'Delete'))))))));
  }

  async function pause(w) {
    try {
      await api('PATCH', `/webhooks/${seg(w._id)}`, { body: { disabled: !w.disabled }, ifMatch: w.version });
      toast(`${w.disabled ? 'Resumed' : 'Paused'} ${w.url}.`, { kind: 'ok' });
      load();
    } catch (err) {
      toast(`Could not change it: ${err.message}`, { kind: 'error' });
    }
  }

  async function remove(w) {
    const ok = await confirmDialog({ title: `Delete ${w.url}?`, body: 'It hears of no more changes, and its delivery log goes with it.', confirm: 'Delete endpoint', danger: true });
    if (!ok) return;
    try {
      await api('DELETE', `/webhooks/${seg(w._id)}`);
      toast(`Deleted ${w.url}.`, { kind: 'ok' });
      setQuery({ id: '' });
      log.replaceChildren();
      load();
    } catch (err) {
      toast(`Could not delete: ${err.message}`, { kind: 'error' });
    }
  }

  async function showLog(w) {
    let ds;
    try {
      ds = (await api('GET', `/webhooks/${seg(w._id)}/deliveries?limit=100`)).data || [];
    } catch (err) {
      log.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
      return;
    }
    const refresh = h('button', { type: 'button', class: 'btn btn-sm refresh-log', onclick: () => showLog(w) }, 'Refresh');
    log.replaceChildren(h('h2', { id: 'log-h' }, `Deliveries to ${w.url}`), refresh, ds.length === 0 ? h('p', { class: 'muted' }, 'No deliveries yet.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'table deliveries', 'aria-labelledby': 'log-h' },
        h('thead', null, h('tr', null, h('th', null, 'When'), h('th', null, 'Event'), h('th', null, 'State'), h('th', { class: 'hide-narrow' }, 'Answer'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', null, ds.map((d) => h('tr', { dataset: { id: d._id } },
          h('td', { class: 'nowrap' }, time(d.createdAt)),
          h('td', null, h('span', { class: 'mono' }, d.action), ' ', d.targetName),
          h('td', null, h('span', { class: `badge ${STATE_BADGE[d.state] || ''}` }, d.state), h('div', { class: 'muted small' }, `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`)),
          h('td', { class: 'hide-narrow' }, d.responseStatus ? `${d.responseStatus} in ${d.latencyMs || 0} ms` : '',
            d.error ? h('div', { class: 'form-error small' }, d.error) : null,
            d.responseExcerpt ? h('div', { class: 'muted small mono excerpt' }, d.responseExcerpt) : null),
          h('td', null, h('button', { type: 'button', class: 'btn btn-sm redeliver', 'aria-label': `Redeliver ${d.action} ${d.targetName}`, onclick: () => redeliver(w, d) }, 'Redeliver'))))))));
  }

  async function redeliver(w, d) {
    try {
      await api('POST', `/webhooks/${seg(w._id)}/deliveries/${seg(d._id)}/redeliver`);
      toast('Queued again.', { kind: 'ok' });
      showLog(w);
    } catch (err) {
      toast(`Could not redeliver: ${err.message}`, { kind: 'error' });
    }
  }

  load();
  return { title: 'Webhooks' };
}
