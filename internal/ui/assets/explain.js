// Why an evaluation came out as it did: the management API's explain form
// of evaluation (POST /flags/{id}/explain) names the rule that matched and,
// for every rule before it, which conditions failed.

import { api, seg } from './api.js';
import { h } from './dom.js';

/** explain asks the server why flag gives context its value in env. */
export async function explain(flag, env, context) {
  const res = await api('POST', `/flags/${seg(flag)}/explain?environment=${encodeURIComponent(env)}`, { body: { context } });
  return res.data;
}

const ruleName = (r) => `Rule ${r.index + 1}${r.name ? ` (${r.name})` : ''}`;

function condText(c) {
  const v = c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`;
  return `${c.attribute || 'context'} ${c.operator}${v}`;
}

/** summary says in one sentence which rule decided, or why none did. */
export function summary(x) {
  const failed = (x.prerequisites || []).find((p) => p.consulted && !p.met);
  if (failed) return `Prerequisite ${failed.flag} was not met (it served ${failed.served?.variant || 'nothing'}, not ${failed.variants.join(' or ')}): the off variant was served.`;
  if (!x.evaluated) return x.result.reason === 'DISABLED' ? 'The flag is off here: no rule was consulted.' : 'No rules apply here: everyone gets the same value.';
  if (x.matchedRule >= 0) return `${ruleName(x.rules[x.matchedRule])} matched.`;
  return x.rules.length ? 'No rule matched: the default was served.' : 'There are no rules: the default was served.';
}

/** whyList renders an explanation: the summary and every rule's fate. */
export function whyList(x) {
  return h('div', { class: 'why', id: 'eval-why' },
    h('p', { id: 'eval-why-summary' }, h('strong', null, summary(x))),
    x.rules.length ? h('ol', { class: 'why-rules' }, x.rules.map((r) => h('li', {
      class: r.matched ? 'matched' : r.consulted ? 'failed' : 'skipped', dataset: { rule: r.index },
    },
    h('span', null, ruleName(r), ': ', r.matched ? 'matched' : r.consulted ? 'did not match' : 'not consulted'),
    h('ul', null, r.conditions.map((c) => h('li', null,
      h('span', { 'aria-hidden': 'true' }, c.matched ? '✓ ' : '✗ '),
      h('span', { class: 'mono' }, condText(c)),
      h('span', { class: 'sr-only' }, c.matched ? ' holds' : ' does not hold'))))))) : null);
}
