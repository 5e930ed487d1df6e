// Compare two environments side by side (#/compare?a=staging&b=production)
// and promote the flags chosen from a to b, after a confirmation that lists
// every change. The promotion carries the comparison's revision as
// If-Match, so what was compared is exactly what is promoted.

import { api, seg, STALE } from './api.js';
import { state, can, refresh } from './store.js';
import { setQuery } from './nav.js';
import { h, select, uid, toast, confirmDialog, showError, clearErrors, plural } from './dom.js';

const show = (v) => (v === undefined ? '—' : JSON.stringify(v));

export function compareView(root, { query }) {
  const envs = state.envs;
  let a = envs.includes(query.get('a')) ? query.get('a') : (envs.includes('staging') ? 'staging' : envs[0]);
  let b = envs.includes(query.get('b')) ? query.get('b') : (envs.find((e) => e !== a && e === 'production') || envs.find((e) => e !== a));
  let cmp = null;
  const chosen = new Set();
  const body = h('div', { class: 'card compare' });
  const pick = (label, value, set) => select(envs, value, {
    id: uid('env'), 'aria-label': label, class: `compare-${label === 'From' ? 'a' : 'b'}`,
    onchange: (e) => { set(e.target.value); setQuery({ a, b }); load(); },
  });
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Compare environments')),
    h('div', { class: 'row compare-pick' }, pick('From', a, (v) => { a = v; }), h('span', null, '→'), pick('To', b, (v) => { b = v; })),
    body);

  async function load() {
    chosen.clear();
    body.replaceChildren(h('p', { class: 'muted' }, 'Comparing…'));
    try {
      cmp = (await api('GET', `/environments/${seg(a)}/compare/${seg(b)}`)).data;
      render();
    } catch (err) {
      body.replaceChildren();
      showError(body, err, { formTop: body });
    }
  }

  function render() {
    const rows = cmp.flags.map((f) => h('tr', { dataset: { flag: f.flag } },
      h('td', null, can.write && h('input', {
        type: 'checkbox', 'aria-label': `Promote ${f.flag}`, class: 'choose',
        onchange: (e) => { if (e.target.checked) chosen.add(f.flag); else chosen.delete(f.flag); promote.disabled = !chosen.size; },
      })),
      h('th', { scope: 'row' }, h('a', { class: 'mono', href: `#/flags/${encodeURIComponent(f.flag)}?env=${encodeURIComponent(b)}` }, f.flag)),
      h('td', null, f.differences.map((d) => h('div', { class: 'diff' }, h('strong', null, d.field), ' ', h('code', null, show(d.from))))),
      h('td', null, f.differences.map((d) => h('div', { class: 'diff' }, h('strong', null, d.field), ' ', h('code', null, show(d.to))))),
      h('td', null, h('ul', { class: 'changes' }, f.differences.map((d) => h('li', null, d.text))))));
    const promote = h('button', { type: 'button', class: 'btn btn-primary promote', disabled: true, onclick: confirmPromote }, `Promote to ${b}…`);
    body.replaceChildren(
      h('p', { class: 'compare-summary' }, cmp.flags.length
        ? `${cmp.flags.length} flag${cmp.flags.length > 1 ? 's differ' : ' differs'}; ${cmp.same} the same in ${a} and ${b}.`
        : `All ${cmp.same} flags are the same in ${a} and ${b}.`),
      cmp.flags.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table compare-table' },
        h('thead', null, h('tr', null, h('th', null, h('span', { class: 'sr-only' }, 'Promote')), h('th', null, 'Flag'), h('th', null, a), h('th', null, b), h('th', null, 'What differs'))),
        h('tbody', null, rows))) : null,
      can.write && cmp.flags.length ? h('div', { class: 'sticky-actions' }, promote) : null);
  }

  async function confirmPromote() {
    const flags = cmp.flags.filter((f) => chosen.has(f.flag));
    const list = h('ul', { class: 'changes promote-changes' }, flags.map((f) => h('li', null, h('strong', { class: 'mono' }, f.flag),
      h('ul', null, f.differences.map((d) => h('li', null, d.text))))));
    const ok = await confirmDialog({
      title: `Promote ${flags.length} flag${flags.length > 1 ? 's' : ''} from ${a} to ${b}?`,
      body: h('div', null, h('p', null, `The state and targeting of each in ${b} become what they are in ${a}:`), list),
      confirm: `Promote to ${b}`, danger: /prod/i.test(b),
    });
    if (!ok) return;
    clearErrors(body);
    try {
      const res = await api('POST', '/promote', { body: { from: a, to: b, flags: flags.map((f) => f.flag) }, ifMatch: cmp.revision });
      if (res.status === 202) {
        const n = res.data.requests.length;
        toast(h('span', null, `${b} requires approval: ${plural(n, 'change request')} now ${n > 1 ? 'hold' : 'holds'} the promotion. `,
          h('a', { href: '#/requests' }, 'See the requests')), { kind: 'info', timeout: 10000 });
      } else {
        toast(`Promoted ${flags.map((f) => f.flag).join(', ')} to ${b}.`);
      }
      await refresh();
      load();
    } catch (err) {
      if (err.status === 412) err.message = STALE;
      showError(body, err, { formTop: body });
    }
  }

  load();
  return { title: `Compare ${a} and ${b}` };
}
