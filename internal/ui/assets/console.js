// The evaluation console: evaluate one flag or all of them for a context in
// an environment, through OFREP exactly as applications do, and see value,
// variant and reason.

import { api, seg, sentence } from './api.js';
import { state } from './store.js';
import { setQuery } from './nav.js';
import { explain, whyList } from './explain.js';
import { h, field, select, fmtNum, showError, clearErrors, isProduction } from './dom.js';

const REASONS = {
  STATIC: 'The environment has no targeting: everyone gets this value.',
  TARGETING_MATCH: 'A targeting rule matched the context.',
  SPLIT: 'A percentage rollout chose the variant from the bucketing attribute.',
  DEFAULT: 'No rule matched: the default was served.',
  DISABLED: 'The flag is off in this environment: its off variant was served.',
  ERROR: 'The evaluation failed.',
  UNKNOWN: '',
};

const CONTEXT_KEY = 'featureflags.console.context';
const LIMIT = 500;

export function consoleView(root, { query }) {
  const envSel = select(state.envs, state.envs.includes(query.get('env')) ? query.get('env') : (state.envs.find(isProduction) || state.envs[0]), { id: 'eval-env', 'data-field': 'environment' });
  const flagIn = h('input', { type: 'text', id: 'eval-flag', class: 'code', list: 'eval-flags', value: query.get('flag') || '', placeholder: 'empty: all flags', autocomplete: 'off', spellcheck: 'false', 'data-field': 'flag' });
  const suggestions = h('datalist', { id: 'eval-flags' });
  const ctx = h('textarea', { id: 'eval-context', class: 'code', rows: '7', 'data-field': 'context', spellcheck: 'false' });
  ctx.value = sessionStorage.getItem(CONTEXT_KEY) || '{\n  "targetingKey": "user-1",\n  "email": "ann@example.com"\n}';
  const run = h('button', { type: 'submit', class: 'btn btn-primary', id: 'eval-run' }, 'Evaluate');
  const out = h('section', { id: 'eval-result', 'aria-live': 'polite', 'aria-label': 'Result' });
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'row' }, field('Environment', envSel), field('Flag', flagIn, 'A flag name, or empty to evaluate every flag.')),
    field('Context (JSON)', ctx, 'The evaluation context: targetingKey and any attributes your rules use. Ctrl+Enter evaluates.'),
    h('div', { class: 'actions' }, run));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Evaluate')),
    h('p', { class: 'lead' }, 'See what an application gets for a context, through the same evaluation API (OFREP) applications use.'),
    form, suggestions, out);

  flagIn.addEventListener('input', () => { // suggest up to 20 names containing what is typed
    const q = flagIn.value.toLowerCase();
    const names = [];
    for (const f of state.flags.values()) {
      if (f.name.toLowerCase().includes(q)) names.push(f.name);
      if (names.length >= 20) break;
    }
    suggestions.replaceChildren(...names.sort().map((n) => h('option', { value: n })));
  });
  ctx.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); } });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    let context;
    try {
      context = JSON.parse(ctx.value || '{}');
      if (!context || typeof context !== 'object' || Array.isArray(context)) throw new Error('not an object');
    } catch (err) {
      showError(form, { field: 'context', message: `The context must be a JSON object, e.g. {"targetingKey": "user-1"}. ${sentence(err.message)}` });
      return;
    }
    sessionStorage.setItem(CONTEXT_KEY, ctx.value);
    const env = envSel.value;
    const key = flagIn.value.trim();
    setQuery({ env, flag: key });
    run.disabled = true;
    try {
      const path = key ? `/ofrep/v1/evaluate/flags/${seg(key)}` : '/ofrep/v1/evaluate/flags';
      const res = await api('POST', path, { body: { context }, headers: { 'X-Environment': env } });
      out.replaceChildren(key ? single(res.data, env) : all(res.data.flags || [], env));
      if (key && !res.data.errorCode) out.firstChild.append(whyList(await explain(key, env, context)));
    } catch (err) {
      if (['INVALID_CONTEXT', 'TARGETING_KEY_MISSING', 'PARSE_ERROR'].includes(err.code)) {
        showError(form, { field: 'context', message: `${err.code}: ${err.message}` });
        out.replaceChildren();
      } else if (err.code === 'FLAG_NOT_FOUND') {
        showError(form, { field: 'flag', message: err.message });
        out.replaceChildren();
      } else {
        out.replaceChildren(h('div', { class: 'card' }, h('p', { class: 'form-error', role: 'alert' }, err.code ? `${err.code}: ${err.message}` : err.message)));
      }
    } finally {
      run.disabled = false;
    }
  });

  function single(r, env) {
    return h('div', { class: 'card' },
      h('h2', null, h('span', { class: 'mono' }, r.key), ` in ${env}`),
      h('dl', { class: 'result' },
        h('dt', null, 'Value'), h('dd', { class: 'value', id: 'eval-value' }, JSON.stringify(r.value)),
        h('dt', null, 'Variant'), h('dd', { id: 'eval-variant' }, r.variant ?? h('span', { class: 'muted' }, 'none')),
        h('dt', null, 'Reason'), h('dd', null, h('span', { class: 'badge badge-accent', id: 'eval-reason' }, r.reason), ' ', REASONS[r.reason] || ''),
        r.errorCode ? [h('dt', null, 'Error'), h('dd', null, `${r.errorCode}: ${r.errorDetails || ''}`)] : null));
  }

  function all(results, env) {
    const filter = h('input', { type: 'search', id: 'eval-filter', placeholder: 'Filter by name', autocomplete: 'off', 'aria-label': 'Filter the results' });
    const body = h('tbody');
    const note = h('p', { class: 'muted small', role: 'status' });
    const sorted = [...results].sort((a, b) => a.key.localeCompare(b.key));
    const draw = () => {
      const q = filter.value.trim().toLowerCase();
      const rows = q ? sorted.filter((r) => r.key.toLowerCase().includes(q)) : sorted;
      body.replaceChildren(...rows.slice(0, LIMIT).map((r) => h('tr', null,
        h('td', { class: 'name' }, h('a', { href: `#/flags/${encodeURIComponent(r.key)}` }, r.key)),
        h('td', { class: 'mono' }, r.errorCode ? '' : JSON.stringify(r.value)),
        h('td', null, r.variant ?? ''),
        h('td', null, r.errorCode ? h('span', { class: 'badge badge-danger', title: r.errorDetails }, r.errorCode) : h('span', { class: 'badge', title: REASONS[r.reason] || '' }, r.reason)))));
      note.textContent = rows.length > LIMIT
        ? `Showing ${fmtNum(LIMIT)} of ${fmtNum(rows.length)} results; filter to find the others.`
        : `${fmtNum(rows.length)} result${rows.length === 1 ? '' : 's'} in ${env}.`;
    };
    filter.addEventListener('input', draw);
    draw();
    return h('div', null,
      h('div', { class: 'toolbar' }, h('div', { class: 'field search' }, filter)),
      note,
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, h('th', null, 'Flag'), h('th', null, 'Value'), h('th', null, 'Variant'), h('th', null, 'Reason'))),
        body)));
  }

  if (query.get('flag')) queueMicrotask(() => form.requestSubmit());
  return { title: 'Evaluate' };
}
