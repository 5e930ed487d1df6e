// Change requests: changes held for approval because an environment
// requires it. The page lists them with their diffs; people other than the
// author approve or reject them with a comment, and an approved one is
// applied (refused, with the reason shown, if the flag changed meanwhile).

import { api, seg } from './api.js';
import { can, refresh } from './store.js';
import { setQuery } from './nav.js';
import { h, field, select, time, plural, toast, uid } from './dom.js';
import { diffList } from './protect.js';
import { stepList } from './schedules.js';

const who = (a) => a?.name || a?.type || 'someone';

export function requestsView(root, { query }) {
  let status = query.get('status') || 'open';
  const box = h('div', { class: 'requests', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading requests…'));
  const filter = select([['open', 'Open'], ['applied', 'Applied'], ['rejected', 'Rejected'], ['', 'All']], status, { id: uid('status') });
  filter.addEventListener('change', () => { status = filter.value; setQuery({ status: status === 'open' ? '' : status || 'all' }); load(); });
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Requests'),
      h('button', { type: 'button', class: 'btn', onclick: () => load() }, 'Refresh')),
    h('p', { class: 'lead' }, 'Changes to environments that require approval wait here until enough other people approve them; then anyone who may edit applies them.'),
    h('div', { class: 'row' }, field('Show', filter)), box);

  async function load() {
    try {
      const q = status === 'all' ? '' : `?status=${encodeURIComponent(status)}`;
      const res = await api('GET', `/change-requests${q}`);
      box.replaceChildren(...(res.data.length ? res.data.map((r) => card(r, load)) : [h('p', { class: 'empty' }, 'No requests here.')]));
    } catch (err) {
      box.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  }
  if (status === 'all') status = '';
  load();
  return { title: 'Requests' };
}

/** card shows one request, with its actions while it is open. */
function card(r, reload) {
  const approvals = r.approvals || [];
  const headId = uid('req');
  return h('article', { class: 'card request', 'data-id': r._id, 'data-status': r.status, 'aria-labelledby': headId },
    h('h2', { id: headId }, h('a', { href: `#/flags/${seg(r.flagName)}` }, r.flagName), ` · ${r.schedule ? 'schedule' : r.action.replace('flag.', '')}`,
      r.environments?.length ? ` in ${r.environments.join(', ')}` : ''),
    h('p', { class: 'muted' }, `Proposed by ${who(r.author)} `, time(r.createdAt), ` · ${r.status}`,
      r.status === 'open' ? ` · ${approvals.length} of ${plural(r.required, 'approval')}` : ''),
    r.comment && h('p', { class: 'comment' }, r.comment),
    r.conflict && h('p', { class: 'banner banner-error conflict', role: 'alert' }, r.conflict),
    r.schedule && scheduled(r),
    diffList(r.diff || []),
    approvals.length ? h('ul', { class: 'reviews' }, approvals.map((a) => h('li', null, `Approved by ${who(a.actor)}`, a.comment ? `: ${a.comment}` : ''))) : null,
    r.decision && h('p', { class: 'reviews' }, `${r.status === 'applied' ? 'Applied' : 'Rejected'} by ${who(r.decision.actor)}`, r.decision.comment ? `: ${r.decision.comment}` : ''),
    r.status === 'open' && can.write ? actions(r, reload) : null);
}

/**
 * scheduled shows the steps a schedule request proposes (the diff below
 * it is where its last step leaves the flag).
 */
function scheduled(r) {
  return h('div', { class: 'request-schedule' },
    h('p', null, `Schedules ${plural(r.schedule.steps.length, 'step')} in ${r.schedule.environment}, each run at its time as ${who(r.author)}; once its last step has run:`),
    stepList(r.schedule));
}

function actions(r, reload) {
  const comment = h('textarea', { rows: '2', class: 'review-comment', 'data-field': 'comment', id: uid('comment') });
  const act = (verb, path, body) => async () => {
    try {
      await api(path === '' ? 'PATCH' : 'POST', `/change-requests/${seg(r._id)}${path}`, { body });
      toast(`${verb} the change to ${r.flagName}.`, { kind: 'ok' });
      if (path === '/apply') await refresh();
    } catch (err) {
      toast(`Could not do that: ${err.message}`, { kind: 'error' });
    }
    reload();
  };
  const ready = (r.approvals || []).length >= r.required && !r.conflict;
  const btn = (label, cls, onclick, disabled) => h('button', { type: 'button', class: `btn btn-sm ${cls}`, onclick, disabled }, label);
  return h('div', { class: 'review' },
    field('Comment', comment),
    h('div', { class: 'actions' },
      btn('Approve', 'btn-primary approve', () => act('Approved', '/approve', { comment: comment.value })(), !!r.conflict),
      btn('Reject', 'btn-danger-quiet reject', () => act('Rejected', '/reject', { comment: comment.value })()),
      btn('Apply', 'apply', () => act('Applied', '/apply', { comment: comment.value })(), !ready),
      r.conflict && btn('Propose again', 'rebase', () => act('Proposed again', '', comment.value ? { comment: comment.value } : {})())));
}
