// Scheduled changes: a flag's schedules (with a form to schedule one
// change or a ramp, and cancel buttons) on its page, and the Scheduled
// page listing every flag's.

import { api, seg } from './api.js';
import { state, can } from './store.js';
import { h, field, select, fmtDate, showError, clearErrors, toast, confirmDialog, isProduction } from './dom.js';
import { variantNames } from './targeting.js';
import { held } from './protect.js';

// A rules step sets the rules as edited in the targeting editor below.
const KINDS = [['on', 'Turn on'], ['off', 'Turn off'], ['rollout', 'Set rollout weights'], ['variant', 'Serve a variant by default'],
  ['rules', 'Set the rules as edited']];

/** describeChange says in words what a step changes. */
function describeChange(c) {
  const parts = [];
  if (c.enabled != null) parts.push(c.enabled ? 'turn on' : 'turn off');
  if (c.rollout) parts.push(`rollout ${c.rollout.map((w) => `${w.variant} ${w.weight} %`).join(', ')}`);
  if (c.defaultServe) parts.push(c.defaultServe.variant ? `serve ${c.defaultServe.variant} by default` : 'set the default');
  if (c.rules) parts.push(`set ${c.rules.length} rule(s)`);
  return parts.join('; ');
}

/** stepList renders a schedule's steps: time, change, state and reason. */
export function stepList(sc) {
  return h('ol', { class: 'steps' }, sc.steps.map((st) => h('li', { class: `step step-${st.status}`, dataset: { status: st.status } },
    h('span', { class: 'mono' }, fmtDate(st.runAt)), ' · ', describeChange(st.change), ' · ',
    h('span', { class: `badge${st.status === 'skipped' ? ' badge-danger' : st.status === 'done' ? ' badge-on' : ''}` }, st.status),
    st.reason && h('span', { class: 'reason muted' }, ` ${st.reason}`))));
}

/** scheduleCard renders one schedule, with a cancel button while pending. */
function scheduleCard(sc, onCancel, withFlag) {
  const pending = sc.steps.some((st) => st.status === 'pending' || st.status === 'running');
  const by = sc.createdBy?.name || sc.createdBy?.id || sc.createdBy?.type || '';
  return h('li', { class: 'schedule', dataset: { id: sc._id } },
    h('div', { class: 'head' },
      withFlag && h('a', { class: 'mono', href: `#/flags/${encodeURIComponent(sc.flagName)}` }, sc.flagName), withFlag && ' · ',
      h('strong', null, sc.environment), ` · by ${by}`,
      pending && can.write && h('button', { type: 'button', class: 'btn btn-danger-quiet cancel-schedule', onclick: () => onCancel(sc) }, 'Cancel')),
    stepList(sc));
}

async function cancel(sc, reload) {
  const ok = await confirmDialog({ title: 'Cancel this schedule?', body: 'Its steps that have not run will not run.', confirm: 'Cancel schedule', danger: true });
  if (!ok) return;
  try {
    await api('DELETE', `/flags/${seg(sc.flagId)}/schedules/${seg(sc._id)}`);
    toast('Schedule cancelled.');
  } catch (err) {
    toast(err.message, { kind: 'error' });
  }
  reload();
}

/**
 * stepRow is one step of the form: when, and what. rules() returns the
 * targeting editor's snapshot, whose rules a rules step sets.
 */
function stepRow(flag, envSel, n, rules) {
  const when = h('input', { type: 'datetime-local', class: 'step-at', required: true, 'aria-label': `Step ${n}: when` });
  const kind = select(KINDS, 'on', { class: 'step-kind', 'aria-label': `Step ${n}: change` });
  const weights = h('input', { type: 'text', class: 'step-weights mono', placeholder: 'on=25,off=75', hidden: true, 'aria-label': `Step ${n}: weights per variant` });
  const variant = select(variantNames(flag), variantNames(flag)[0], { class: 'step-variant', hidden: true, 'aria-label': `Step ${n}: variant` });
  kind.addEventListener('change', () => {
    weights.hidden = kind.value !== 'rollout';
    variant.hidden = kind.value !== 'variant';
    const vs = flag.targeting?.[envSel.value]?.defaultServe?.rollout?.variants;
    if (!weights.value && vs) weights.value = vs.map((v) => `${v.variant}=${v.weight}`).join(',');
  });
  const row = h('div', { class: 'step-row' }, when, kind, weights, variant);
  row.setsRules = () => kind.value === 'rules';
  row.step = () => {
    const change = {
      rollout: () => ({ rollout: weights.value.split(',').map((p) => { const [v, w] = p.split('='); return { variant: v.trim(), weight: Number(w) }; }) }),
      variant: () => ({ defaultServe: { variant: variant.value } }),
      rules: () => ({ rules: rules()?.rules ?? [] }),
    }[kind.value]?.() ?? { enabled: kind.value === 'on' };
    return { runAt: when.value ? new Date(when.value).toISOString() : '', change };
  };
  return row;
}

/**
 * scheduleForm schedules one change or a ramp (several steps). A rules
 * step takes the rules of the targeting editor (rules() its snapshot) and
 * is sent with the version of the flag they were edited on (If-Match), so
 * that the server fingerprints the rules they replace as the person saw
 * them.
 */
function scheduleForm(flag, done, rules) {
  const envSel = select(state.envs, state.envs.find(isProduction) || state.envs[0], { 'data-field': 'environment' });
  const rows = h('div', { class: 'step-rows', 'data-field': 'steps' });
  const add = () => rows.append(stepRow(flag, envSel, rows.children.length + 1, rules));
  add();
  const form = h('form', { class: 'schedule-form', 'aria-label': 'Schedule a change' },
    field('Environment', envSel), rows,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn add-step', onclick: add }, 'Add step'),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Schedule')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { environment: envSel.value, steps: [...rows.children].map((r) => r.step()) };
    let ifMatch;
    if ([...rows.children].some((r) => r.setsRules())) {
      const snap = rules();
      if (snap?.env !== envSel.value) {
        showError(form, { message: `The targeting editor shows ${snap?.env || 'no environment'}: open ${envSel.value} in it to schedule its rules.`, field: 'environment' });
        return;
      }
      ifMatch = snap.version;
    }
    try {
      const res = await api('POST', `/flags/${seg(flag._id)}/schedules`, { body, ifMatch });
      if (!held(res)) toast('Change scheduled.');
      rows.replaceChildren();
      add();
      done();
    } catch (err) {
      showError(form, err, { formTop: true });
    }
  });
  return form;
}

/**
 * scheduleSection is the flag page's card of its schedules; rules()
 * returns the targeting editor's snapshot (undefined without one).
 */
export function scheduleSection(flag, rules) {
  const list = h('ul', { class: 'schedules' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'sched-h' }, h('h2', { id: 'sched-h' }, 'Scheduled changes'), list);
  const reload = async () => {
    try {
      const { data } = await api('GET', `/flags/${seg(flag._id)}/schedules`);
      list.replaceChildren(...(data.length ? data.map((sc) => scheduleCard(sc, (s) => cancel(s, reload), false))
        : [h('li', { class: 'muted' }, 'Nothing scheduled.')]));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'muted' }, err.message));
    }
  };
  if (can.write) el.append(scheduleForm(flag, reload, rules));
  reload();
  return { el, reload };
}

/** scheduledView is the Scheduled page: every flag's schedules. */
export function scheduledView(root, { query }) {
  let all = query.get('all') === 'true';
  const list = h('ul', { class: 'schedules' });
  const toggleAll = h('input', { type: 'checkbox', checked: all, id: 'sched-all' });
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Scheduled')),
    h('p', { class: 'lead' }, 'Changes and ramps scheduled on every flag, soonest first. Each runs once at its time, as the person who scheduled it.'),
    h('p', null, toggleAll, h('label', { for: 'sched-all' }, ' Show finished and cancelled')), list);
  const reload = async () => {
    try {
      const { data } = await api('GET', `/schedules${all ? '' : '?pending=true'}`);
      list.replaceChildren(...(data.length ? data.map((sc) => scheduleCard(sc, (s) => cancel(s, reload), true))
        : [h('li', { class: 'muted' }, 'Nothing scheduled.')]));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'muted' }, err.message));
    }
  };
  toggleAll.addEventListener('change', () => { all = toggleAll.checked; reload(); });
  reload();
  return { title: 'Scheduled' };
}
