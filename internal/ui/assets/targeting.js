// Targeting: the editor of one environment's rules, conditions, rollouts
// (with a visual weight split), default and off variants, and its read-only
// description for viewers. Conditions are shared with segments.
//
// Every input carries data-field with the JSON path the API names in its
// errors (e.g. targeting.production.rules[1].conditions[0].value), so an
// error from the server lands next to the input it is about.

import { changed } from './undo.js';
import { api, seg, STALE } from './api.js';
import { state, putFlag } from './store.js';
import { h, select, uid, showError, clearErrors, toast, confirmDialog, confirmCodeEdit } from './dom.js';
import { prereqDraft, prereqsOf, prerequisitesEditor, describePrerequisites } from './prerequisites.js';
import { confirmProtected, held } from './protect.js';

export const OPERATORS = [
  { group: 'Compare', options: [['eq', 'equals'], ['neq', 'does not equal'], ['in', 'is one of'], ['notIn', 'is not one of']] },
  { group: 'Text', options: [['contains', 'contains'], ['startsWith', 'starts with'], ['endsWith', 'ends with'], ['matches', 'matches regex']] },
  { group: 'Numbers', options: [['lt', 'is less than'], ['lte', 'is at most'], ['gt', 'is greater than'], ['gte', 'is at least']] },
  { group: 'Versions (semver)', options: [['semverEq', 'version ='], ['semverNeq', 'version ≠'], ['semverLt', 'version <'], ['semverLte', 'version ≤'], ['semverGt', 'version >'], ['semverGte', 'version ≥']] },
  { group: 'Time (RFC 3339)', options: [['before', 'is before'], ['after', 'is after']] },
  { group: 'Presence', options: [['present', 'is present'], ['absent', 'is absent']] },
  { group: 'Segments', options: [['inSegment', 'is in segment'], ['notInSegment', 'is not in segment']] },
];
const OP_LABEL = Object.fromEntries(OPERATORS.flatMap((g) => g.options));
const SEGMENT_OPS = new Set(['inSegment', 'notInSegment']);
const NO_VALUE = new Set(['present', 'absent']);
const LIST_OPS = new Set(['in', 'notIn']);
const NUM_OPS = new Set(['lt', 'lte', 'gt', 'gte']);
const SCALAR_OPS = new Set(['eq', 'neq']);

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

// Values are typed as text. A scalar that looks like a number or
// true/false is sent as one; quotes keep it a string ("123"). Lists are
// comma-separated (or a JSON array).
function formatScalar(v) {
  if (typeof v !== 'string') return JSON.stringify(v);
  const t = v.trim();
  return t !== v || t === '' || NUMBER.test(t) || /^(true|false|null)$/.test(t) || /^["[{]/.test(t) || v.includes(',') ? JSON.stringify(v) : v;
}

function parseScalar(s) {
  const t = s.trim();
  if (t.startsWith('"')) { try { return JSON.parse(t); } catch { return t; } }
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (NUMBER.test(t)) return Number(t);
  return t;
}

export function formatValue(op, v) {
  if (NO_VALUE.has(op) || v === undefined) return '';
  if (LIST_OPS.has(op)) return Array.isArray(v) ? v.map(formatScalar).join(', ') : formatScalar(v);
  if (SCALAR_OPS.has(op)) return formatScalar(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function parseValue(op, s) {
  if (NO_VALUE.has(op)) return undefined;
  if (LIST_OPS.has(op)) {
    const t = s.trim();
    if (t.startsWith('[')) { try { return JSON.parse(t); } catch { /* sent as typed: the API explains */ } }
    const out = [];
    let cur = '';
    let quoted = false;
    for (const ch of s) { // commas inside quotes belong to the value
      if (ch === '"') quoted = !quoted;
      if (ch === ',' && !quoted) { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out.map((x) => x.trim()).filter((x) => x !== '').map(parseScalar);
  }
  if (NUM_OPS.has(op)) return NUMBER.test(s.trim()) ? Number(s.trim()) : s.trim();
  if (SCALAR_OPS.has(op)) return parseScalar(s);
  return s;
}

const PLACEHOLDER = {
  in: 'a, b, c', notIn: 'a, b, c', matches: '^user-[0-9]+$', lt: '10', lte: '10', gt: '10', gte: '10',
  before: '2026-12-31T23:00:00Z', after: '2026-12-31T23:00:00Z', semverEq: '2.1.0', semverNeq: '2.1.0',
  semverLt: '2.1.0', semverLte: '2.1.0', semverGt: '2.1.0', semverGte: '2.1.0',
};

/** Condition drafts hold the value as text: {attribute, operator, text}. */
export const condDraft = (c) => ({ attribute: c.attribute || '', operator: c.operator || 'eq', text: formatValue(c.operator, c.value) });

export function condFromDraft(c) {
  const out = { operator: c.operator };
  if (!SEGMENT_OPS.has(c.operator)) out.attribute = c.attribute.trim();
  const v = parseValue(c.operator, c.text);
  if (v !== undefined) out.value = v;
  return out;
}

/** describeCondition: 'email ends with "@example.com"'. */
export function describeCondition(c) {
  const op = OP_LABEL[c.operator] || c.operator;
  if (SEGMENT_OPS.has(c.operator)) return `${op} ${c.value}`;
  if (NO_VALUE.has(c.operator)) return `${c.attribute} ${op}`;
  const v = Array.isArray(c.value) ? c.value.map((x) => JSON.stringify(x)).join(', ') : JSON.stringify(c.value);
  return `${c.attribute} ${op} ${v}`;
}

// A shared list of attribute suggestions for every attribute input.
function ensureAttrList() {
  if (document.getElementById('ff-attrs')) return;
  document.body.append(h('datalist', { id: 'ff-attrs' },
    ['targetingKey', 'email', 'country', 'plan', 'userId', 'version', 'platform'].map((a) => h('option', { value: a }))));
}

/**
 * conditionsEditor edits conds (condition drafts) in place; base is the
 * JSON path of the list, e.g. "targeting.production.rules[0].conditions".
 */
export function conditionsEditor(conds, { base, onChange, emptyText = 'No conditions: every context matches.', label = 'Condition' }) {
  ensureAttrList();
  const box = h('div', { class: 'conds', 'data-field': base });
  function render(focus) {
    box.replaceChildren();
    if (!conds.length) box.append(h('p', { class: 'hint' }, emptyText));
    conds.forEach((c, j) => box.append(row(c, j)));
    box.append(h('div', null, h('button', {
      type: 'button', class: 'btn btn-sm add-condition',
      onclick: () => { conds.push({ attribute: '', operator: 'eq', text: '' }); onChange(); render(`[data-field="${base}[${conds.length - 1}].attribute"]`); },
    }, '+ Add condition')));
    if (focus) box.querySelector(focus)?.focus();
  }
  function row(c, j) {
    const path = `${base}[${j}]`;
    const n = `${label} ${j + 1}`;
    const segOp = SEGMENT_OPS.has(c.operator);
    const attr = segOp ? null : h('input', {
      type: 'text', class: 'attr code', value: c.attribute, placeholder: 'attribute, e.g. email', list: 'ff-attrs',
      'aria-label': `${n} attribute`, 'data-field': `${path}.attribute`, autocomplete: 'off', spellcheck: 'false',
      oninput: (e) => { c.attribute = e.target.value; onChange(); },
    });
    const op = select(OPERATORS, c.operator, {
      class: 'op', 'aria-label': `${n} operator`, 'data-field': `${path}.operator`,
      onchange: (e) => { c.operator = e.target.value; onChange(); render(`[data-field="${path}.operator"]`); },
    });
    let val = null;
    if (segOp) {
      const names = state.segments.map((s) => s.name);
      if (c.text && !names.includes(c.text)) names.push(c.text);
      val = select([['', 'choose a segment'], ...names], c.text, {
        class: 'val', 'aria-label': `${n} segment`, 'data-field': `${path}.value`,
        onchange: (e) => { c.text = e.target.value; onChange(); },
      });
    } else if (!NO_VALUE.has(c.operator)) {
      val = h('input', {
        type: 'text', class: 'val code', value: c.text, placeholder: PLACEHOLDER[c.operator] || 'value',
        'aria-label': `${n} value`, 'data-field': `${path}.value`, autocomplete: 'off', spellcheck: 'false',
        title: LIST_OPS.has(c.operator) ? 'Separate values with commas. Numbers and true/false are typed; put text in quotes to keep it text.' : null,
        oninput: (e) => { c.text = e.target.value; onChange(); },
      });
    }
    const remove = h('button', {
      type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Remove ${n.toLowerCase()}`,
      onclick: () => { conds.splice(j, 1); onChange(); render('.add-condition'); },
    }, '✕');
    return h('div', { class: 'cond', 'data-field': path },
      h('span', { class: 'joiner', 'aria-hidden': 'true' }, j === 0 ? 'If' : 'and'), attr, op, val, remove);
  }
  render();
  return box;
}

// ---- serving: a variant or a rollout ----

/** variantNames lists a flag's variants in the order the API treats them. */
export function variantNames(flag) {
  const names = Object.keys(flag.variants || {}).sort();
  if ((flag.type || 'boolean') === 'boolean') return ['on', 'off', ...names.filter((n) => n !== 'on' && n !== 'off')];
  return names;
}

/** The variant a flag serves without targeting, while on and while off. */
export function defaultVariants(flag) {
  if ((flag.type || 'boolean') === 'boolean') return { on: 'on', off: 'off' };
  const first = variantNames(flag)[0] || '';
  return { on: first, off: first };
}

/**
 * evenSplit divides 100 % between names in whole numbers (50/50,
 * 34/33/33), so that a new rollout starts valid, never at 0/0.
 */
export function evenSplit(names) {
  const each = Math.floor(100 / (names.length || 1));
  return Object.fromEntries(names.map((n, i) => [n, String(i === 0 ? 100 - each * (names.length - 1) : each)]));
}

function serveDraft(s, names) {
  let weights = evenSplit(names);
  if (s?.rollout) {
    weights = Object.fromEntries(names.map((n) => [n, '0']));
    for (const v of s.rollout.variants || []) weights[v.variant] = String(v.weight);
    return { mode: 'rollout', variant: names[0] || '', weights, bucketBy: s.rollout.bucketBy || '' };
  }
  if (s?.variant) return { mode: 'variant', variant: s.variant, weights, bucketBy: '' };
  return { mode: 'inherit', variant: names[0] || '', weights, bucketBy: '' };
}

function serveFromDraft(d, names) {
  if (d.mode === 'variant') return { variant: d.variant };
  if (d.mode === 'rollout') {
    const variants = names.concat(Object.keys(d.weights).filter((n) => !names.includes(n)))
      .map((n) => ({ variant: n, weight: Number(d.weights[n] || 0) }));
    return { rollout: d.bucketBy.trim() ? { bucketBy: d.bucketBy.trim(), variants } : { variants } };
  }
  return null;
}

const fmtWeight = (w) => `${Math.round(Number(w) * 1000) / 1000}%`;

/** describeServe: "green", or "green 25% / blue 75% by targetingKey". */
export function describeServe(s) {
  if (!s) return '';
  if (s.variant) return s.variant;
  if (s.rollout) {
    const parts = s.rollout.variants.filter((v) => v.weight > 0).map((v) => `${v.variant} ${fmtWeight(v.weight)}`);
    return `${parts.join(' / ')} by ${s.rollout.bucketBy || 'targetingKey'}`;
  }
  return '';
}

/** splitBar draws a rollout's weights as one bar, labelled for screen readers. */
export function splitBar(names, weights) {
  const bar = h('div', { class: 'split', role: 'img' });
  const parts = [];
  names.forEach((n, i) => {
    const w = Math.max(0, Number(weights[n]) || 0);
    parts.push(`${n} ${fmtWeight(w)}`);
    const span = h('span', { class: `c${i % 6}`, title: `${n}: ${fmtWeight(w)}` }, w >= 9 ? `${n} ${fmtWeight(w)}` : '');
    span.style.flex = `0 0 ${Math.min(w, 100)}%`;
    bar.append(span);
  });
  bar.setAttribute('aria-label', `Split: ${parts.join(', ')}`);
  return bar;
}

/**
 * serveEditor edits a serve draft: a variant, a rollout, or (with
 * inheritLabel) the flag's default.
 */
function serveEditor(d, { path, names, onChange, inheritLabel, legend }) {
  const box = h('fieldset', { class: 'serve', 'data-field': path });
  const group = uid('serve');
  function render(focus) {
    box.replaceChildren(h('legend', null, legend));
    const modes = [];
    if (inheritLabel) modes.push(['inherit', inheritLabel]);
    modes.push(['variant', 'A variant'], ['rollout', 'A percentage rollout']);
    box.append(h('div', { class: 'modes' }, modes.map(([m, label]) => {
      const id = uid('m');
      return h('label', { class: 'check', for: id },
        h('input', {
          type: 'radio', name: group, id, value: m, checked: d.mode === m, dataset: { mode: m },
          onchange: () => { d.mode = m; onChange(); render(`input[data-mode="${m}"]`); },
        }), label);
    })));
    if (d.mode === 'variant') {
      if (!names.includes(d.variant)) d.variant = names[0] || '';
      box.append(select(names, d.variant, {
        'aria-label': `${legend}: variant`, 'data-field': `${path}.variant`, class: 'variant-select',
        onchange: (e) => { d.variant = e.target.value; onChange(); },
      }));
    } else if (d.mode === 'rollout') {
      box.append(rollout());
    }
    if (focus) box.querySelector(focus)?.focus();
  }
  function rollout() {
    const wrap = h('div', { 'data-field': `${path}.rollout.variants` });
    let bar = splitBar(names, d.weights);
    const total = h('p', { class: 'total', 'aria-live': 'polite' });
    const refresh = () => {
      const next = splitBar(names, d.weights);
      bar.replaceWith(next);
      bar = next;
      const sum = Math.round(names.reduce((a, n) => a + (Number(d.weights[n]) || 0), 0) * 1000) / 1000;
      total.textContent = sum === 100 ? 'Total 100% ✓' : `Total ${sum}%: the weights must add up to 100%.`;
      total.className = `total ${sum === 100 ? 'good' : 'bad'}`;
    };
    const inputs = {};
    const set = (n, v, from) => {
      d.weights[n] = v;
      if (from !== inputs[n].num) inputs[n].num.value = v;
      if (from !== inputs[n].range) inputs[n].range.value = v;
      if (names.length === 2 && from) { // two variants: the other takes the rest
        const other = names.find((x) => x !== n);
        const rest = String(Math.round((100 - (Number(v) || 0)) * 1000) / 1000);
        if (Number(rest) >= 0) { d.weights[other] = rest; inputs[other].num.value = rest; inputs[other].range.value = rest; }
      }
      onChange();
      refresh();
    };
    const grid = h('div', { class: 'weights' });
    names.forEach((n, i) => {
      const at = `${path}.rollout.variants[${i}]`;
      const range = h('input', { type: 'range', min: '0', max: '100', step: '1', value: d.weights[n], 'aria-label': `Weight of ${n} (slider)`, 'data-field': `${at}.variant` });
      const num = h('input', { type: 'number', min: '0', max: '100', step: '0.001', value: d.weights[n], 'aria-label': `Weight of ${n} in percent`, 'data-field': `${at}.weight`, class: 'weight' });
      inputs[n] = { range, num };
      range.addEventListener('input', () => set(n, range.value, range));
      num.addEventListener('input', () => set(n, num.value, num));
      grid.append(h('div', { class: 'wrow' }, h('span', { class: `sw c${i % 6}`, 'aria-hidden': 'true' }), h('span', { class: 'vname', title: n }, n), range, num));
    });
    const bucket = h('input', {
      type: 'text', class: 'code', value: d.bucketBy, placeholder: 'targetingKey', autocomplete: 'off', spellcheck: 'false',
      'data-field': `${path}.rollout.bucketBy`, id: uid('bucket'), oninput: (e) => { d.bucketBy = e.target.value; onChange(); },
    });
    const even = h('button', {
      type: 'button', class: 'btn btn-sm', onclick: () => {
        const each = Math.floor(100000 / names.length) / 1000;
        names.forEach((n, i) => {
          const v = String(i === 0 ? Math.round((100 - each * (names.length - 1)) * 1000) / 1000 : each);
          d.weights[n] = v; inputs[n].num.value = v; inputs[n].range.value = v;
        });
        onChange(); refresh();
      },
    }, 'Split evenly');
    wrap.append(bar, grid, total,
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: bucket.id }, 'Bucket by attribute'), bucket,
          h('p', { class: 'hint' }, 'Contexts with the same value always get the same variant.')),
        h('div', { class: 'field' }, even)));
    refresh();
    return wrap;
  }
  render();
  return box;
}

// ---- one environment's targeting ----

function draftOf(t, names) {
  return {
    rules: (t?.rules || []).map((r) => ({ name: r.name || '', conditions: (r.conditions || []).map(condDraft), serve: serveDraft(r.serve, names) })),
    defaultServe: serveDraft(t?.defaultServe, names),
    offVariant: t?.offVariant || '',
    prerequisites: prereqDraft(t),
  };
}

function targetingOf(d, names) {
  const t = {};
  if (d.prerequisites.length) t.prerequisites = prereqsOf(d.prerequisites);
  if (d.rules.length) {
    t.rules = d.rules.map((r) => {
      const out = { conditions: r.conditions.map(condFromDraft), serve: serveFromDraft(r.serve, names) || {} };
      if (r.name.trim()) out.name = r.name.trim();
      return out;
    });
  }
  const def = serveFromDraft(d.defaultServe, names);
  if (def) t.defaultServe = def;
  if (d.offVariant) t.offVariant = d.offVariant;
  return Object.keys(t).length ? t : null;
}

/**
 * targetingEditor edits the targeting of flag in env. It saves with the
 * flag's version (If-Match), so a change made elsewhere meanwhile is never
 * overwritten. Returns {el, dirty(), snapshot()}.
 */
export function targetingEditor(flag, env, { onSaved } = {}) {
  const names = variantNames(flag);
  const defs = defaultVariants(flag);
  const base = `targeting.${env}`;
  const d = draftOf(flag.targeting?.[env], names);
  const baseline = JSON.stringify(targetingOf(d, names));
  const el = h('div', { class: 'targeting-editor' });
  const status = h('span', { class: 'muted small', role: 'status' });
  const save = h('button', { type: 'button', class: 'btn btn-primary save-targeting' }, 'Save targeting');
  const discard = h('button', { type: 'button', class: 'btn' }, 'Discard changes');
  const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-danger-quiet' }, 'Remove all targeting');
  let dirty = false;

  const onChange = () => {
    dirty = JSON.stringify(targetingOf(d, names)) !== baseline;
    status.textContent = dirty ? 'Unsaved changes' : 'No unsaved changes';
    save.disabled = !dirty;
    discard.disabled = !dirty;
  };

  function render(focus) {
    el.replaceChildren();
    el.append(h('h3', null, 'Prerequisites'),
      h('p', { class: 'hint' }, `Flags that must be on in ${env} and serve one of the variants checked; otherwise ${flag.name} serves its off variant.`),
      prerequisitesEditor(d.prerequisites, { base, flag, variantsOf: variantNames, onChange, rerender: render }));
    el.append(h('h3', null, 'Rules'),
      h('p', { class: 'hint' }, `Tried in order while ${env} is on; the first rule whose conditions all hold decides what is served.`));
    d.rules.forEach((r, i) => el.append(ruleCard(r, i)));
    el.append(h('p', null, h('button', {
      type: 'button', class: 'btn add-rule',
      onclick: () => {
        d.rules.push({ name: '', conditions: [{ attribute: '', operator: 'eq', text: '' }], serve: serveDraft({ variant: defs.on }, names) });
        onChange();
        render(`[data-field="${base}.rules[${d.rules.length - 1}].conditions[0].attribute"]`);
      },
    }, '+ Add rule')));
    el.append(h('h3', null, 'Default'),
      serveEditor(d.defaultServe, {
        path: `${base}.defaultServe`, names, onChange, legend: `When no rule matches, ${env} serves`,
        inheritLabel: `The flag's default (${defs.on})`,
      }));
    const offSel = select([['', `The flag's default (${defs.off})`], ...names], d.offVariant, {
      id: uid('off'), 'data-field': `${base}.offVariant`, onchange: (e) => { d.offVariant = e.target.value; onChange(); },
    });
    el.append(h('h3', null, 'While off'),
      h('div', { class: 'field' }, h('label', { for: offSel.id }, `While ${env} is off, serve`), offSel));
    el.append(h('div', { class: 'sticky-actions' }, save, discard, remove, status));
    onChange();
    if (focus) el.querySelector(focus)?.focus();
  }

  function ruleCard(r, i) {
    const path = `${base}.rules[${i}]`;
    const move = (to) => { d.rules.splice(to, 0, d.rules.splice(i, 1)[0]); onChange(); render(`[data-field="${base}.rules[${to}].name"]`); };
    const nameIn = h('input', {
      type: 'text', value: r.name, placeholder: 'Rule name (optional), e.g. staff', 'aria-label': `Rule ${i + 1} name`,
      'data-field': `${path}.name`, autocomplete: 'off', oninput: (e) => { r.name = e.target.value; onChange(); },
    });
    return h('section', { class: 'rule', 'data-field': path, 'aria-label': `Rule ${i + 1}` },
      h('div', { class: 'rule-head' },
        h('span', { class: 'num' }, `Rule ${i + 1}`), nameIn,
        h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Move rule ${i + 1} up`, disabled: i === 0, onclick: () => move(i - 1) }, '↑'),
        h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Move rule ${i + 1} down`, disabled: i === d.rules.length - 1, onclick: () => move(i + 1) }, '↓'),
        h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Remove rule ${i + 1}`, onclick: () => { d.rules.splice(i, 1); onChange(); render('.add-rule'); } }, '✕')),
      conditionsEditor(r.conditions, { base: `${path}.conditions`, onChange, label: `Rule ${i + 1} condition` }),
      serveEditor(r.serve, { path: `${path}.serve`, names, onChange, legend: 'Then serve' }));
  }

  async function submit() {
    if (!await confirmCodeEdit(flag)) return;
    clearErrors(el);
    const t = targetingOf(d, names);
    const next = { ...flag, targeting: { ...flag.targeting, [env]: t || undefined } };
    if (!await confirmProtected(flag, next, { title: `Save the targeting of ${flag.name} in ${env}?`, confirm: 'Save targeting' })) return;
    save.disabled = true;
    try {
      const path = `/flags/${seg(flag._id)}/targeting/${seg(env)}`;
      const res = t
        ? await api('PUT', path, { body: t, ifMatch: flag.version })
        : await api('DELETE', path, { ifMatch: flag.version });
      if (held(res)) return discard.click();
      dirty = false;
      putFlag(res.data);
      changed(`Saved the targeting of ${flag.name} in ${env}.`, flag, res.data.version);
      onSaved?.(res.data);
    } catch (err) {
      if (err.status === 412) err.message = STALE;
      showError(el, err, { formTop: el });
      onChange();
    }
  }

  save.addEventListener('click', submit);
  discard.addEventListener('click', () => {
    const fresh = draftOf(flag.targeting?.[env], names);
    Object.assign(d, fresh);
    clearErrors(el);
    render();
  });
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Remove the targeting of ${flag.name} in ${env}?`,
      body: `Every rule, rollout and default of ${env} goes; while on, ${env} then serves ${defs.on} to everyone.`,
      confirm: 'Remove targeting', danger: true,
    });
    if (!ok) return;
    d.rules = [];
    d.prerequisites = [];
    d.defaultServe = serveDraft(null, names);
    d.offVariant = '';
    render();
    submit();
  });

  render();
  // snapshot: the rules as edited, for the schedule form, with the
  // environment and the flag's version they replace.
  const snapshot = () => ({ env, version: flag.version, rules: targetingOf(d, names)?.rules || [] });
  return { el, dirty: () => dirty, snapshot };
}

/** targetingSummary describes one environment's targeting in words (viewers). */
export function targetingSummary(flag, env) {
  const t = flag.targeting?.[env];
  const defs = defaultVariants(flag);
  const list = h('ol', { class: 'changes' });
  for (const [i, r] of (t?.rules || []).entries()) {
    list.append(h('li', null, h('strong', null, r.name || `Rule ${i + 1}`), ': if ',
      (r.conditions || []).map(describeCondition).join(' and ') || 'always', ' → ', describeServe(r.serve)));
  }
  return h('div', null,
    describePrerequisites(t) && h('p', { class: 'prereq-summary' }, describePrerequisites(t)),
    t?.rules?.length ? list : h('p', null, 'No rules.'),
    h('p', null, 'Otherwise: ', h('strong', null, describeServe(t?.defaultServe) || defs.on)),
    h('p', null, `While ${env} is off: `, h('strong', null, t?.offVariant || defs.off)));
}
