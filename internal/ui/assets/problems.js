// A flag that no longer compiles under the server's limits (its "problems",
// one per environment) evaluates to an error there: the list marks it with a
// badge and its page says where and why, so it is fixed before users notice.

import { h } from './dom.js';

function line(p) {
  return `${p.environment}: ${p.message}${p.field ? ` (at ${p.field})` : ''}`;
}

/** problemBadge is the list's mark of a flag with problems, or null. */
export function problemBadge(f) {
  if (!f.problems?.length) return null;
  return h('span', { class: 'badge badge-danger problems-badge', title: f.problems.map(line).join('\n') },
    'Invalid', h('span', { class: 'sr-only' }, `: does not compile in ${f.problems.map((p) => p.environment).join(', ')}`));
}

/** problemNotice is the flag page's account of its problems, or null. */
export function problemNotice(f) {
  if (!f.problems?.length) return null;
  return h('div', { class: 'banner banner-error flag-problems', role: 'alert' },
    h('strong', null, 'This flag does not compile under the server\u2019s current limits; evaluation answers an error for it in:'),
    h('ul', null, f.problems.map((p) => h('li', null, line(p)))));
}
