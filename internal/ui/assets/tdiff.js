// The structural diff of targeting, for the audit (a flag's History and
// the Audit screen use the same eventItem): which rule was added, removed
// or moved, which of its conditions changed, how its serve or the default
// changed (for a rollout: which variant's weight), and the off variant.
// Rules are matched by name where names are unique, else by position.

import { describeCondition, describeServe } from './targeting.js';
import { h } from './dom.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const pct = (w) => `${Math.round(Number(w) * 1000) / 1000}%`;

/** ruleName is "rule 2 (beta)": the position people see, and the name. */
const ruleName = (r, i) => `rule ${i + 1}${r?.name ? ` (${r.name})` : ''}`;

/** matchRules pairs the rules of before and after: [[i, j], ...], with -1
 * for a rule only one side has. */
function matchRules(a, b) {
  const names = (rs) => rs.map((r) => r.name || '');
  const unique = (ns) => ns.every((n) => n) && new Set(ns).size === ns.length;
  if (unique(names(a)) && unique(names(b))) {
    const pairs = a.map((r, i) => [i, b.findIndex((x) => x.name === r.name)]);
    b.forEach((r, j) => { if (!a.some((x) => x.name === r.name)) pairs.push([-1, j]); });
    return pairs;
  }
  const pairs = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) pairs.push([i < a.length ? i : -1, i < b.length ? i : -1]);
  return pairs;
}

/** change is one line of the diff: where › what, before → after. */
function change(where, before, after) {
  return { where, before, after };
}

/** serveChanges: a rollout's weights one variant at a time, else the whole serve. */
function serveChanges(where, a, b) {
  if (same(a, b)) return [];
  const ra = a?.rollout;
  const rb = b?.rollout;
  if (!ra || !rb) return [change(where, describeServe(a) || '(nothing)', describeServe(b) || '(nothing)')];
  const out = [];
  const weights = (r) => new Map(r.variants.map((v) => [v.variant, v.weight]));
  const wa = weights(ra);
  const wb = weights(rb);
  for (const v of new Set([...wa.keys(), ...wb.keys()])) {
    if (wa.get(v) !== wb.get(v)) out.push(change(`${where} › weight of ${v}`, pct(wa.get(v) ?? 0), pct(wb.get(v) ?? 0)));
  }
  if ((ra.bucketBy || 'targetingKey') !== (rb.bucketBy || 'targetingKey')) {
    out.push(change(`${where} › bucket by`, ra.bucketBy || 'targetingKey', rb.bucketBy || 'targetingKey'));
  }
  return out;
}

function conditionChanges(where, a = [], b = []) {
  const out = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (same(a[k], b[k])) continue;
    const w = `${where} › condition ${k + 1}`;
    if (!a[k]) out.push(change(`${w} added`, null, describeCondition(b[k])));
    else if (!b[k]) out.push(change(`${w} removed`, describeCondition(a[k]), null));
    else out.push(change(w, describeCondition(a[k]), describeCondition(b[k])));
  }
  return out;
}

function ruleChanges(env, a = [], b = []) {
  const out = [];
  for (const [i, j] of matchRules(a, b)) {
    if (i < 0) {
      const r = b[j];
      out.push(change(`${env} › ${ruleName(r, j)} added`, null,
        `if ${(r.conditions || []).map(describeCondition).join(' and ') || 'always'}, serve ${describeServe(r.serve)}`));
      continue;
    }
    if (j < 0) {
      out.push(change(`${env} › ${ruleName(a[i], i)} removed`, `serve ${describeServe(a[i].serve)}`, null));
      continue;
    }
    const where = `${env} › ${ruleName(b[j], j)}`;
    if (i !== j) out.push(change(`${where} moved`, `position ${i + 1}`, `position ${j + 1}`));
    if ((a[i].name || '') !== (b[j].name || '')) out.push(change(`${where} › name`, a[i].name || '(none)', b[j].name || '(none)'));
    out.push(...conditionChanges(where, a[i].conditions, b[j].conditions));
    out.push(...serveChanges(`${where} › serve`, a[i].serve, b[j].serve));
  }
  return out;
}

/** targetingChanges lists how the targeting of two versions of a flag differs. */
export function targetingChanges(before = {}, after = {}) {
  const out = [];
  for (const env of [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])].sort()) {
    const a = before?.[env] || {};
    const b = after?.[env] || {};
    if (same(a, b)) continue;
    out.push(...ruleChanges(env, a.rules, b.rules));
    out.push(...serveChanges(`${env} › default`, a.defaultServe, b.defaultServe));
    if ((a.offVariant || '') !== (b.offVariant || '')) out.push(change(`${env} › when off`, a.offVariant || '(default)', b.offVariant || '(default)'));
  }
  return out;
}

/** changeList renders changes (from targetingChanges, or leaves of other
 * fields in the same shape) as the audit's list of before → after. */
export function changeList(changes) {
  return h('ul', { class: 'changes' }, changes.map((c) => h('li', { class: 'change' },
    h('span', { class: 'path' }, c.where), ': ',
    c.before == null ? null : h('span', { class: 'before' }, c.before),
    c.before == null || c.after == null ? null : ' → ',
    c.after == null ? null : h('span', { class: 'after' }, c.after))));
}
