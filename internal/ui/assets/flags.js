// The flags list: every flag with its state in every environment side by
// side, search as you type, filters, sort, and one-click switches. The list
// is virtualized: only the rows in and near the viewport are in the DOM, so
// 10,000 flags scroll as smoothly as 10. Rows are cached by flag object and
// rebuilt only when their flag, its toggles in flight or the columns change.

import { api, STALE } from './api.js';
import { state, can, subscribe, putFlag, pending, shownState } from './store.js';
import { toggle } from './actions.js';
import { problemBadge } from './problems.js';
import { setQuery } from './nav.js';
import { envColumns } from './narrow.js';
import { conflictNotice, changedFields } from './conflict.js';
import { confirmProtected, held } from './protect.js';
import {
  h, field, select, uid, fmtNum, plural, time, debounce, envBadge, managedBadge,
  openDialog, showError, clearErrors, toast, discardChanges,
} from './dom.js';
import {
  KINDS, STALE_KINDS, staleOf, staleBadges, loadStale, onStale, kindBadge, ownerText, lastEvaluated, lifecycleFields, loadArchived,
} from './lifecycle.js';
import { confirmRename } from './moved.js';
import { changedLine, changedRemotely } from './changes.js';
import { loadSummary, onSummary, dailyCounts, sparkline, sparkLabel } from './usage.js';

const OVERSCAN = 8;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

// Per-flag values for searching and sorting, computed once per flag version.
const metaCache = new WeakMap();
function meta(f) {
  let m = metaCache.get(f);
  if (!m) {
    m = {
      hay: `${f.name}\n${f.description || ''}\n${(f.tags || []).join(' ')}`.toLowerCase(),
      u: Date.parse(f.updatedAt) || 0,
      c: Date.parse(f.createdAt) || 0,
    };
    metaCache.set(f, m);
  }
  return m;
}

/** hasTargeting: the environment has rules or a rollout, not just defaults. */
export function hasTargeting(f, env) {
  const t = f.targeting?.[env];
  return !!t && ((t.rules && t.rules.length > 0) || !!t.defaultServe || !!t.offVariant);
}

const sorts = {
  name: (a, b) => collator.compare(a.name, b.name),
  '-name': (a, b) => collator.compare(b.name, a.name),
  '-updated': (a, b) => meta(b).u - meta(a).u,
  '-created': (a, b) => meta(b).c - meta(a).c,
  created: (a, b) => meta(a).c - meta(b).c,
};

export function flagsView(root, { query }) {
  const opts = {
    q: query.get('q') || '',
    state: query.get('state') || '',
    env: query.get('env') || '',
    tag: query.get('tag') || '',
    stale: query.get('stale') || '',
    owner: query.get('owner') || '',
    kind: query.get('kind') || '',
    archived: query.get('archived') === '1',
    sort: sorts[query.get('sort')] ? query.get('sort') : 'name',
  };

  // ---- toolbar ----
  const search = h('input', {
    type: 'search', id: 'flag-search', value: opts.q, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Name, description or tag', 'aria-controls': 'flag-table', 'aria-keyshortcuts': '/',
  });
  const stateSel = select([['', 'Any state'], ['on', 'On'], ['off', 'Off'], ['mixed', 'Differs between environments']], opts.state, { id: 'flt-state' });
  const envSel = h('select', { id: 'flt-env' });
  const tagSel = h('select', { id: 'flt-tag' });
  const staleSel = select([['', 'Any'], ['any', 'Stale for any reason'], ...STALE_KINDS.map((k) => [k, `Stale: ${k}`])], opts.stale, { id: 'flt-stale' });
  const ownerSel = h('select', { id: 'flt-owner' });
  const kindSel = select([['', 'Any kind'], ...KINDS, ['none', 'Not set']], opts.kind, { id: 'flt-kind' });
  const archivedBox = h('input', { type: 'checkbox', id: 'flt-archived', checked: opts.archived });
  const sortSel = select([['name', 'Name (A–Z)'], ['-name', 'Name (Z–A)'], ['-updated', 'Recently changed'], ['-created', 'Newest'], ['created', 'Oldest']], opts.sort, { id: 'flt-sort' });
  const count = h('p', { class: 'count', id: 'flag-count', role: 'status' });
  const clear = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: 'clear-filters', onclick: () => resetFilters() }, 'Clear filters');

  const head = h('div', { class: 'fhead', role: 'rowgroup' });
  const win = h('div', { class: 'fwin' });
  const body = h('div', { class: 'fbody', role: 'rowgroup' }, win);
  const table = h('div', { class: 'ftable', role: 'table', id: 'flag-table', 'aria-label': 'Flags', 'aria-describedby': 'flag-count' }, head, body);
  const empty = h('div', { class: 'empty', hidden: true });

  root.append(
    h('div', { class: 'page-head' },
      h('h1', { tabindex: -1 }, 'Flags'),
      can.write && h('button', { type: 'button', class: 'btn btn-primary', id: 'new-flag', onclick: () => create() }, '+ New flag')),
    h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Find flags' },
      h('div', { class: 'field search' }, h('label', { for: 'flag-search' }, 'Search'), search),
      field('State', stateSel),
      field('Environment', envSel),
      field('Tag', tagSel),
      field('Stale', staleSel),
      field('Owner', ownerSel),
      field('Kind', kindSel),
      h('label', { class: 'check flt-archived', for: 'flt-archived' }, archivedBox, 'Archived flags'),
      field('Sort by', sortSel)),
    h('div', { class: 'actions' }, count, clear),
    table, empty);

  // ---- filtering and sorting ----
  let items = [];
  let tags = [];
  let owners = null;
  let archived = null; // the archived flags, while they are shown
  let extras = 0; // advances when stale reasons or usage arrive

  function fillSelects(envs = true) {
    if (envs) {
      envSel.replaceChildren(...[['', 'any environment'], ...state.envs].map((o) => {
        const [v, l] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v, selected: v === opts.env }, l);
      }));
    }
    const all = new Set();
    for (const f of state.flags.values()) for (const t of f.tags || []) all.add(t);
    const next = [...all].sort(collator.compare);
    if (next.join() !== tags.join() || !tagSel.options.length) {
      tags = next;
      tagSel.replaceChildren(...[['', 'All tags'], ...tags].map((o) => {
        const [v, l] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v, selected: v === opts.tag }, l);
      }));
    }
    envSel.disabled = opts.state === '' || opts.state === 'mixed';
    const own = [...new Set([...source()].map((f) => f.owner).filter(Boolean))].sort(collator.compare);
    if (own.join('\n') !== owners?.join('\n')) {
      owners = own;
      ownerSel.replaceChildren(...[['', 'Anyone'], ...own, ['none', 'Nobody']].map((o) => {
        const [v, l] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v, selected: v === opts.owner }, l);
      }));
    }
  }

  /** source is the flags the list filters: the live ones, or the archived. */
  const source = () => (opts.archived ? archived || [] : state.flags.values());

  function matches(f) {
    if (opts.tag && !(f.tags || []).includes(opts.tag)) return false;
    if (opts.owner && (f.owner || 'none') !== opts.owner) return false;
    if (opts.kind && (f.kind || 'none') !== opts.kind) return false;
    if (opts.stale && !staleOf(f).some((s) => opts.stale === 'any' || s.kind === opts.stale)) return false;
    if (opts.state) {
      const envs = f.environments || {};
      const states = state.envs.map((e) => !!envs[e]);
      switch (opts.state) {
        case 'on': if (opts.env ? !envs[opts.env] : !states.some(Boolean)) return false; break;
        case 'off': if (opts.env ? !!envs[opts.env] : states.some(Boolean)) return false; break;
        case 'mixed': if (!states.some(Boolean) || states.every(Boolean)) return false; break;
      }
    }
    return true;
  }

  function compute() {
    const terms = opts.q.toLowerCase().split(/\s+/).filter(Boolean);
    const out = [];
    for (const f of source()) {
      if (!matches(f)) continue;
      if (terms.length) {
        const hay = meta(f).hay;
        if (!terms.every((t) => hay.includes(t))) continue;
      }
      out.push(f);
    }
    out.sort(sorts[opts.sort]);
    items = out;
    const total = opts.archived ? (archived || []).length : state.flags.size;
    const filtered = opts.q || opts.state || opts.tag || opts.stale || opts.owner || opts.kind || opts.archived;
    const noun = opts.archived ? 'archived flag' : 'flag';
    count.textContent = state.partial ? `The first ${plural(total, noun)}; loading the rest…`
      : filtered ? `${fmtNum(items.length)} of ${plural(total, noun)} match` : plural(total, noun);
    clear.hidden = !filtered;
    table.setAttribute('aria-rowcount', String(items.length + 1));
    body.style.height = `${items.length * rowH}px`;
    empty.hidden = items.length > 0;
    table.hidden = items.length === 0;
    if (!items.length) {
      empty.replaceChildren(...(total === 0
        ? [h('p', null, 'No flags yet.'), can.write ? h('button', { class: 'btn btn-primary', onclick: () => create() }, 'Create the first flag') : h('p', null, 'An editor or admin can create them.')]
        : [h('p', null, 'No flag matches these filters.'), h('button', { class: 'btn', onclick: () => resetFilters() }, 'Clear filters')]));
    }
  }

  function resetFilters() {
    Object.assign(opts, { q: '', state: '', env: '', tag: '', stale: '', owner: '', kind: '', archived: false });
    search.value = '';
    stateSel.value = '';
    envSel.value = '';
    tagSel.value = '';
    staleSel.value = ownerSel.value = kindSel.value = '';
    archivedBox.checked = false;
    changed();
    search.focus();
  }

  function changed() {
    setQuery({
      q: opts.q, state: opts.state, env: opts.env, tag: opts.tag, sort: opts.sort === 'name' ? '' : opts.sort,
      stale: opts.stale, owner: opts.owner, kind: opts.kind, archived: opts.archived ? '1' : '',
    });
    if (opts.archived && !archived) showArchived();
    envSel.disabled = opts.state === '' || opts.state === 'mixed';
    compute();
    start = end = -1;
    renderWindow();
  }

  const onSearch = debounce(() => { opts.q = search.value.trim(); changed(); }, 120);
  search.addEventListener('input', onSearch);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && search.value) { search.value = ''; onSearch(); }
    if (e.key === 'ArrowDown' && items.length) { e.preventDefault(); focusRow(0, 'name'); }
  });
  stateSel.addEventListener('change', () => { opts.state = stateSel.value; changed(); });
  envSel.addEventListener('change', () => { opts.env = envSel.value; changed(); });
  tagSel.addEventListener('change', () => { opts.tag = tagSel.value; changed(); });
  sortSel.addEventListener('change', () => { opts.sort = sortSel.value; changed(); });
  staleSel.addEventListener('change', () => { opts.stale = staleSel.value; changed(); });
  ownerSel.addEventListener('change', () => { opts.owner = ownerSel.value; changed(); });
  kindSel.addEventListener('change', () => { opts.kind = kindSel.value; changed(); });
  archivedBox.addEventListener('change', () => { opts.archived = archivedBox.checked; archived = null; fillSelects(false); changed(); });

  /** showArchived reads the archived flags and lists them. */
  function showArchived() {
    loadArchived().then((list) => {
      if (!opts.archived) return;
      archived = list;
      fillSelects(false);
      compute();
      renderWindow(true);
    }, (err) => toast(`Could not list the archived flags: ${err.message}`, { kind: 'error' }));
  }

  // ---- the header row ----
  function renderHead() {
    table.style.setProperty('--envs', String(state.envs.length));
    head.replaceChildren(h('div', { class: 'frow', role: 'row', 'aria-rowindex': '1' },
      h('div', { role: 'columnheader' }, 'Flag'),
      h('div', { class: 'fenvs', role: 'none' }, state.envs.map((env) => h('div', { role: 'columnheader', title: env }, h('span', { class: 'envname' }, env), envBadge(env)))),
      h('div', { role: 'columnheader', class: 'fupd' }, 'Changed')));
  }

  // ---- the rows ----
  let rowH = 60;
  let start = -1;
  let end = -1;
  let raf = 0;
  let cache = new Map(); // id → {el, f, sig}
  let tick = 0; // advances every minute so relative times stay right

  function measure() {
    const css = getComputedStyle(body);
    rowH = parseFloat(css.getPropertyValue('--row-h')) || 60;
    const line = parseFloat(css.getPropertyValue('--env-line-h'));
    if (line) { // narrow: the switches wrap into lines of as many as fit
      const cols = envColumns(body.clientWidth || root.clientWidth, parseFloat(css.getPropertyValue('--env-col-w')), state.envs.length);
      body.style.setProperty('--env-cols', String(cols));
      rowH += Math.ceil(state.envs.length / cols) * line;
    }
    body.style.setProperty('--row-h-now', `${rowH}px`);
    body.style.height = `${items.length * rowH}px`;
  }

  function signature(f) {
    let s = `${tick}|${can.write}|${extras}|`;
    for (const env of state.envs) s += pending.has(`${f._id}|${env}`) ? `${pending.get(`${f._id}|${env}`)},` : '-,';
    return s;
  }

  function buildRow(f) {
    const cells = state.envs.map((env) => {
      const on = shownState(f, env);
      const busy = pending.has(`${f._id}|${env}`);
      const label = h('span', { class: 'envlabel', 'aria-hidden': 'true' }, env);
      const counts = dailyCounts(f, env);
      const usage = h('span', { class: 'fusage', title: `${sparkLabel(counts, env)}; ${lastEvaluated(f, env)}` },
        sparkline(counts, sparkLabel(counts, env)), h('span', { class: 'flast', dataset: { env } }, f.lastEvaluated?.[env] ? time(f.lastEvaluated[env]) : 'never'));
      const ctl = can.write && !f.archivedAt
        ? h('button', {
          type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(on), 'aria-busy': busy ? 'true' : null,
          'aria-label': `${f.name} in ${env}`, dataset: { id: f._id, env, col: `env:${env}` },
        }, h('span', { class: 'track', 'aria-hidden': 'true' }), h('span', { class: 'label', 'aria-hidden': 'true' }, on ? 'On' : 'Off'))
        : h('span', { class: `state${on ? ' on' : ''}`, dataset: { col: `env:${env}` } }, h('span', { class: 'sr-only' }, `${env}: `), on ? 'On' : 'Off');
      const marker = hasTargeting(f, env)
        ? h('span', { class: 'marker', title: `Has targeting in ${env}` }, h('span', { 'aria-hidden': 'true' }, '◆'), h('span', { class: 'sr-only' }, ', with targeting'))
        : null;
      return h('div', { role: 'cell', class: 'fenv' }, label, ctl, marker, usage);
    });
    return h('div', { role: 'row', class: changedRemotely(f) ? 'frow flash remote-change' : 'frow', dataset: { id: f._id } },
      h('div', { role: 'cell', class: 'fname' },
        h('div', { class: 'line1' },
          h('a', { href: `#/flags/${encodeURIComponent(f.name)}`, dataset: { col: 'name' } }, f.name),
          f.type && f.type !== 'boolean' ? h('span', { class: 'badge' }, f.type) : null,
          problemBadge(f), managedBadge(f), kindBadge(f), staleBadges(f), f.archivedAt ? h('span', { class: 'badge badge-archived' }, 'archived') : null),
        h('div', { class: 'fdesc' }, ownerText(f), (f.tags || []).map((t) => h('span', { class: 'tag' }, t)), f.description || '')),
      h('div', { class: 'fenvs', role: 'none' }, cells),
      h('div', { role: 'cell', class: 'fupd' }, changedLine(f)));
  }

  function rowFor(f, i, next) {
    const sig = signature(f);
    let c = cache.get(f._id);
    if (!c || c.f !== f || c.sig !== sig) {
      c = { el: buildRow(f), f, sig };
    }
    next.set(f._id, c);
    if (c.el.dataset.index !== String(i)) {
      c.el.dataset.index = String(i);
      c.el.setAttribute('aria-rowindex', String(i + 2));
    }
    return c.el;
  }

  /** renderWindow puts the rows near the viewport in the DOM. */
  function renderWindow(force = false) {
    raf = 0;
    const top = body.getBoundingClientRect().top;
    const vh = window.innerHeight;
    let s = Math.max(0, Math.floor(-top / rowH) - OVERSCAN);
    let e = Math.min(items.length, Math.ceil((vh - top) / rowH) + OVERSCAN);
    if (e <= s) { s = Math.min(s, Math.max(0, items.length - OVERSCAN)); e = Math.min(items.length, s + OVERSCAN); }
    if (!force && s === start && e === end) return;
    start = s;
    end = e;
    const active = document.activeElement;
    const focused = active && win.contains(active)
      ? { id: active.closest('.frow')?.dataset.id, col: active.closest('[data-col]')?.dataset.col } : null;
    win.style.transform = `translateY(${s * rowH}px)`;
    const next = new Map();
    const els = [];
    for (let i = s; i < e; i++) els.push(rowFor(items[i], i, next));
    cache = next;
    // Remove what leaves, then insert what comes, so rows that stay are
    // never moved (a moved row would lose its focus).
    const keep = new Set(els);
    for (const el of [...win.children]) if (!keep.has(el)) el.remove();
    let cur = win.firstElementChild;
    for (const el of els) {
      if (cur === el) { cur = cur.nextElementSibling; continue; }
      win.insertBefore(el, cur);
    }
    // A rebuilt row (its flag changed) gets the focus its old one had.
    if (focused?.id && focused.col && !win.contains(document.activeElement)) {
      win.querySelector(`.frow[data-id="${CSS.escape(focused.id)}"] [data-col="${CSS.escape(focused.col)}"]`)?.focus({ preventScroll: true });
    }
  }

  const schedule = () => { if (!raf) raf = requestAnimationFrame(() => renderWindow()); };
  const onResize = () => { measure(); renderWindow(true); };
  window.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', onResize);

  /** focusRow scrolls row i into view and focuses its control in column col. */
  function focusRow(i, col) {
    const top = body.getBoundingClientRect().top + i * rowH;
    const headBottom = head.offsetParent ? head.getBoundingClientRect().bottom : 0;
    if (top < headBottom) window.scrollBy(0, top - headBottom);
    else if (top + rowH > window.innerHeight) window.scrollBy(0, top + rowH - window.innerHeight);
    renderWindow(true);
    const row = win.querySelector(`[data-index="${i}"]`);
    const el = row && (row.querySelector(`[data-col="${CSS.escape(col)}"]`) || row.querySelector('[data-col="name"]'));
    el?.focus({ preventScroll: true });
  }

  win.addEventListener('click', (e) => {
    const sw = e.target.closest('button.switch');
    if (sw) toggle(sw.dataset.id, sw.dataset.env);
  });
  win.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const row = e.target.closest('[data-index]');
    const col = e.target.closest('[data-col]')?.dataset.col;
    if (!row || !col) return;
    const i = Number(row.dataset.index) + (e.key === 'ArrowDown' ? 1 : -1);
    if (i < 0 || i >= items.length) return;
    e.preventDefault();
    focusRow(i, col);
  });

  /** reveal scrolls to a flag and highlights it (after creating it). */
  function reveal(id) {
    const i = items.findIndex((f) => f._id === id);
    if (i < 0) return;
    focusRow(i, 'name');
    win.querySelector(`[data-index="${i}"]`)?.classList.add('flash');
  }

  async function create() {
    const flag = await openFlagForm();
    if (!flag) return;
    putFlag(flag);
    toast(`Created ${flag.name}.`, { kind: 'ok', action: { label: 'Open', run: () => { location.hash = `#/flags/${encodeURIComponent(flag.name)}`; } } });
    reveal(flag._id);
  }

  // ---- live changes ----
  const unsubscribe = subscribe((c) => {
    if (c.envs) { renderHead(); measure(); }
    if (c.envs || c.flags.size || c.partial) {
      fillSelects(c.envs);
      compute();
      renderWindow(true);
    }
  });
  const timer = setInterval(() => { tick++; renderWindow(true); }, 60000);
  const more = () => { extras++; compute(); renderWindow(true); };
  const offStale = onStale(more);
  const offSummary = onSummary(more);
  loadStale(true);
  loadSummary(true);

  renderHead();
  fillSelects();
  measure();
  compute();
  renderWindow(true);
  if (opts.archived) showArchived();

  return {
    title: 'Flags',
    destroy() {
      unsubscribe();
      offStale();
      offSummary();
      clearInterval(timer);
      cancelAnimationFrame(raf);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', onResize);
      onSearch.cancel();
    },
  };
}

// ---- the create / edit form ----

const TYPES = [['boolean', 'Boolean (on / off)'], ['string', 'String'], ['number', 'Number'], ['object', 'Object (JSON)']];

function formatVariant(v, type) {
  if (type === 'object') return JSON.stringify(v, null, 2);
  return v == null ? '' : String(v);
}

/**
 * openFlagForm shows the form to create a flag, or with existing to edit
 * its details; it resolves with the flag the server answered, or nothing
 * when cancelled. Errors from the API appear next to their field.
 */
export function openFlagForm(existing) {
  const editing = !!existing;
  const titleId = uid('dlg');
  let base = existing; // the version edited: after a conflict, the latest
  let dirty = () => false;
  return openDialog((close) => {
    const name = h('input', { type: 'text', 'data-field': 'name', value: existing?.name || '', autocomplete: 'off', spellcheck: 'false', class: 'code', autofocus: true });
    const desc = h('textarea', { 'data-field': 'description', rows: '2' });
    desc.value = existing?.description || '';
    const type = select(TYPES, existing?.type || 'boolean', { 'data-field': 'type' });
    const tags = h('input', { type: 'text', 'data-field': 'tags', value: (existing?.tags || []).join(', '), autocomplete: 'off', spellcheck: 'false' });
    let rows = Object.entries(existing?.variants || {}).map(([n, v]) => ({ name: n, value: formatVariant(v, existing.type) }));
    const variantsBox = h('fieldset', { 'data-field': 'variants' });

    function renderVariants() {
      const t = type.value;
      variantsBox.replaceChildren(h('legend', null, 'Variants'));
      if (t === 'boolean') {
        variantsBox.append(h('p', { class: 'hint' }, 'A boolean flag serves on (true) while its environment is on and off (false) while it is off; targeting can choose between them.'));
        return;
      }
      if (!rows.length) rows = [{ name: '', value: '' }, { name: '', value: '' }];
      variantsBox.append(h('p', { class: 'hint' },
        t === 'object' ? 'Each variant is a JSON value.' : t === 'number' ? 'Each variant is a number.' : 'Each variant is a string.',
        ' Until targeting says otherwise, the flag serves the first variant by name.'));
      rows.forEach((r, i) => {
        const vn = h('input', { type: 'text', class: 'code vn', value: r.name, 'aria-label': `Variant ${i + 1} name`, placeholder: 'name', autocomplete: 'off', spellcheck: 'false' });
        const vv = t === 'object'
          ? h('textarea', { class: 'code vv', rows: '2', 'aria-label': `Variant ${i + 1} value`, placeholder: '{"key": "value"}' })
          : h('input', { type: 'text', class: `vv${t === 'number' ? ' code' : ''}`, 'aria-label': `Variant ${i + 1} value`, placeholder: 'value', inputmode: t === 'number' ? 'decimal' : null, autocomplete: 'off' });
        vv.value = r.value;
        vv.dataset.field = `variants.${r.name}`;
        vn.addEventListener('input', () => { r.name = vn.value.trim(); vv.dataset.field = `variants.${r.name}`; });
        vv.addEventListener('input', () => { r.value = vv.value; });
        const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Remove variant ${i + 1}`, onclick: () => { rows.splice(i, 1); renderVariants(); variantsBox.querySelector('button')?.focus(); } }, '✕');
        variantsBox.append(h('div', { class: 'varrow' }, vn, vv, remove));
      });
      variantsBox.append(h('button', { type: 'button', class: 'btn btn-sm', onclick: () => { rows.push({ name: '', value: '' }); renderVariants(); variantsBox.querySelectorAll('.vn')[rows.length - 1]?.focus(); } }, '+ Add variant'));
    }
    type.addEventListener('change', renderVariants);
    renderVariants();

    let envBox = null;
    const envChecks = {};
    if (!editing) {
      envBox = h('fieldset', { 'data-field': 'environments' }, h('legend', null, 'Turn on in'),
        state.envs.map((env) => {
          const cb = h('input', { type: 'checkbox', id: uid('env'), 'data-field': `environments.${env}` });
          envChecks[env] = cb;
          return h('label', { class: 'check', for: cb.id }, cb, env, envBadge(env));
        }),
        h('p', { class: 'hint' }, 'Environments not ticked start off. You can switch them later.'));
    }

    const lc = lifecycleFields(existing);
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? 'Save changes' : 'Create flag');
    const bodyEl = h('div', { class: 'dlg-body' },
      field('Name', name, editing
        ? 'Applications ask for the flag by this name: renaming it changes their key.'
        : '1–128 letters, digits, -, _ or ., starting with a letter or digit. Applications ask for the flag by this name.'),
      field('Description', desc, 'What the flag changes, and when it can be removed.'),
      field('Type', type),
      variantsBox,
      field('Tags', tags, 'Separated by commas, e.g. checkout, team-payments.'),
      lc.el,
      envBox);

    const form = h('form', { novalidate: true },
      h('div', { class: 'dlg-head' }, h('h2', { id: titleId }, editing ? `Edit ${existing.name}` : 'New flag')),
      bodyEl,
      h('div', { class: 'dlg-foot' }, h('button', { type: 'button', class: 'btn', onclick: async () => { if (await discardChanges(dirty)) close(); } }, 'Cancel'), save));
    const snapshot = () => JSON.stringify([name.value, desc.value, type.value, tags.value, rows, Object.values(envChecks).map((c) => c.checked)]);
    const initial = snapshot();
    dirty = () => snapshot() !== initial;

    /** collect is the body the fields describe, or null after showing why not. */
    function collect() {
      clearErrors(bodyEl);
      const t = type.value;
      const body = {
        name: name.value.trim(),
        description: desc.value,
        type: t,
        tags: tags.value.split(/[\s,]+/).filter(Boolean),
        ...lc.body(),
      };
      if (t !== 'boolean') {
        const variants = {};
        for (const r of rows) {
          if (!r.name && !r.value.trim()) continue;
          const at = `variants.${r.name}`;
          if (Object.hasOwn(variants, r.name)) {
            showError(bodyEl, { field: at, message: `Variant "${r.name}" is listed twice; give each variant its own name.` });
            return null;
          }
          let v = r.value;
          if (t === 'object') {
            try { v = JSON.parse(r.value); } catch {
              showError(bodyEl, { field: at, message: `The value of variant "${r.name}" is not valid JSON.` });
              return null;
            }
          } else if (t === 'number' && r.value.trim() !== '' && Number.isFinite(Number(r.value))) {
            v = Number(r.value);
          }
          variants[r.name] = v;
        }
        body.variants = variants;
      } else if (editing && existing.type !== 'boolean') {
        body.variants = {};
      }
      if (!editing) {
        body.environments = Object.fromEntries(state.envs.map((env) => [env, envChecks[env].checked]));
      }
      return body;
    }

    async function send(body, ifMatch) {
      if (editing && body.name !== existing.name && !await confirmRename(existing, body.name)) return;
      if (editing && !await confirmProtected(existing, { ...existing, ...body }, { title: `Save ${existing.name}?` })) return;
      save.disabled = true;
      try {
        const res = editing
          ? await api('PUT', `/flags/${encodeURIComponent(existing._id)}`, { body, ifMatch })
          : await api('POST', '/flags', { body });
        close(held(res) ? undefined : res.data);
      } catch (err) {
        if (err.status === 412 && editing) await conflict();
        else showError(bodyEl, err, { formTop: bodyEl });
      } finally {
        save.disabled = false;
      }
    }

    // Refused because someone else changed the flag: say what they changed,
    // keep the fields, offer to save this person's changes on the latest.
    async function conflict() {
      bodyEl.querySelector('.conflict')?.remove();
      try {
        const notice = await conflictNotice(base, (latest) => {
          const body = collect();
          if (!body) return;
          const mine = changedFields(body, existing);
          base = latest;
          notice.remove();
          send(mine, latest.version);
        });
        bodyEl.prepend(notice);
        notice.scrollIntoView({ block: 'nearest' });
      } catch (err) {
        showError(bodyEl, { message: `${STALE} ${err.message}` }, { formTop: bodyEl });
      }
    }

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = collect();
      if (body) send(body, base?.version);
    });
    return form;
  }, { label: titleId, dirty: () => dirty() });
}

