// What uses a segment: the flags whose rules refer to it, with the
// environments where, and the segments whose conditions do, as links. While
// any do, the segment cannot be deleted. The segments list and a segment's
// page both learn it from the server (GET /segment-users, what
// GET /segments/{id}/used-by answers for every segment), never from the
// flags the page holds, so the two always agree with the server's check.

import { api } from './api.js';
import { h, plural } from './dom.js';

const flagLink = (f) => h('a', { class: 'mono', href: `#/flags/${encodeURIComponent(f.name)}?env=${encodeURIComponent(f.environments?.[0] || '')}` }, f.name);
const segmentLink = (s) => h('a', { class: 'mono', href: `#/segments/${encodeURIComponent(s.name)}` }, s.name);

const NONE = { flags: [], segments: [] };

/** allSegmentUsers reads what uses each segment: a Map from segment name to
 * {flags: [{name, environments}], segments: [{name}]}. */
export async function allSegmentUsers() {
  const list = (await api('GET', '/segment-users')).data;
  return new Map(list.map((u) => [u.segment, u]));
}

/** usedByText is "2 flags and 1 segment" (or "" when nothing uses it). */
export function usedByText(users) {
  const parts = [];
  if (users.flags.length) parts.push(plural(users.flags.length, 'flag'));
  if (users.segments.length) parts.push(plural(users.segments.length, 'segment'));
  return parts.join(' and ');
}

/**
 * segmentUsers renders the card of what uses segment; onChange(users) is
 * called after each load. load() reads again (after a change elsewhere).
 */
export function segmentUsers(segment, onChange) {
  const el = h('section', { class: 'card seg-users', 'aria-labelledby': 'seg-users-h' }, h('h2', { id: 'seg-users-h' }, 'Used by'));
  const body = h('div', { role: 'status' }, h('p', { class: 'muted' }, 'Loading…'));
  el.append(body);
  async function load() {
    try {
      const users = (await allSegmentUsers()).get(segment.name) || NONE;
      body.replaceChildren(render(users));
      onChange(users);
    } catch (err) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  }
  load();
  return { el, load };
}

function render(users) {
  if (!users.flags.length && !users.segments.length) return h('p', { class: 'muted' }, 'No flag or segment uses it.');
  return h('ul', { class: 'changes' },
    users.flags.map((f) => h('li', { class: 'seg-user' }, 'Flag ', flagLink(f), ` in ${f.environments.join(', ')}`)),
    users.segments.map((s) => h('li', { class: 'seg-user' }, 'Segment ', segmentLink(s))));
}
