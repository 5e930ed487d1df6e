// "What would alice@example.com get in production?" on a flag's page: the
// explain form of evaluation (POST /flags/{id}/explain) for one person,
// naming the rule that matched and why the rules before it did not.

import { explain, whyList } from './explain.js';
import { h, field, select, showError, clearErrors } from './dom.js';

/**
 * contextFor is the evaluation context for who (a targeting key; an email
 * address is also the "email" attribute) and extra JSON attributes.
 */
export function contextFor(who, extra) {
  const ctx = extra.trim() ? JSON.parse(extra) : {};
  if (!ctx || typeof ctx !== 'object' || Array.isArray(ctx)) throw new Error('the attributes must be a JSON object');
  if (who.includes('@') && ctx.email === undefined) ctx.email = who;
  return { ...ctx, targetingKey: who };
}

/** evalCard is the flag page's evaluation form and its answer. */
export function evalCard(flag, envs, initial) {
  const who = h('input', { type: 'text', id: 'fe-who', 'data-field': 'who', autocomplete: 'off', spellcheck: 'false', placeholder: 'alice@example.com', required: true });
  const env = select(envs, initial, { id: 'fe-env' });
  const extra = h('textarea', { id: 'fe-extra', 'data-field': 'context', class: 'code', rows: '2', spellcheck: 'false', placeholder: '{"country": "NZ", "plan": "pro"}' });
  const out = h('div', { class: 'fe-out', 'aria-live': 'polite' });
  const run = h('button', { type: 'submit', class: 'btn btn-primary', id: 'fe-run' }, 'Evaluate');
  const form = h('form', { class: 'fe-form', novalidate: true },
    h('div', { class: 'row' }, field('What would', who, 'A targeting key; an email address is also the email attribute.'), field('get in', env), h('div', { class: 'field' }, h('span', { class: 'label', 'aria-hidden': 'true' }, '\u00a0'), run)),
    h('details', null, h('summary', null, 'More attributes'), field('Attributes (JSON)', extra)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const key = who.value.trim();
    if (!key) return showError(form, { field: 'who', message: 'Say who: a targeting key or an email address.' });
    let context;
    try {
      context = contextFor(key, extra.value);
    } catch (err) {
      extra.closest('details').open = true;
      return showError(form, { field: 'context', message: `The attributes are not valid JSON: ${err.message}.` });
    }
    run.disabled = true;
    try {
      const x = await explain(flag()._id, env.value, context);
      out.replaceChildren(answer(x, key));
    } catch (err) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    } finally {
      run.disabled = false;
    }
  });
  return h('section', { class: 'card fe-card', 'aria-labelledby': 'fe-h' }, h('h2', { id: 'fe-h' }, 'Evaluate for someone'), form, out);
}

function answer(x, who) {
  const r = x.result;
  const got = r.errorCode
    ? `${who} gets an error in ${x.environment}: ${r.errorCode}${r.errorDetails ? ` (${r.errorDetails})` : ''}.`
    : `${who} gets ${r.variant ? `${r.variant} (${JSON.stringify(r.value)})` : JSON.stringify(r.value)} in ${x.environment}.`;
  return h('div', { class: 'fe-answer' }, h('p', { id: 'fe-result' }, h('strong', null, got), ' ', h('span', { class: 'badge' }, r.reason)), whyList(x));
}
