// Segments: named, reusable sets of conditions that rules use with "is in
// segment". The list shows which flags use each; the editor creates,
// changes (at the version shown) and deletes them.

import { api, seg, STALE } from './api.js';
import { state, can, subscribe, refresh } from './store.js';
import { conditionsEditor, condDraft, condFromDraft, describeCondition } from './targeting.js';
import { segmentUsers, usedByText, allSegmentUsers } from './segusers.js';
import { h, field, time, showError, clearErrors, toast, confirmDialog } from './dom.js';

const NEW = '+new';

/** usersCell lists what uses a segment as links, the first few by name
 * (the server orders them); users is undefined while they load. */
function usersCell(users) {
  if (!users) return h('span', { class: 'muted' }, 'Loading…');
  const links = [
    ...users.flags.map(({ name }) => h('a', { class: 'mono', href: `#/flags/${encodeURIComponent(name)}` }, name)),
    ...users.segments.map(({ name }) => h('a', { class: 'mono', href: `#/segments/${encodeURIComponent(name)}` }, `segment ${name}`)),
  ];
  if (!links.length) return h('span', { class: 'muted' }, 'unused');
  const shown = links.slice(0, 3).flatMap((a, i) => (i ? [', ', a] : [a]));
  return h('span', { class: 'seg-users-cell' }, shown, links.length > 3 ? ` and ${links.length - 3} more` : '');
}

export function segmentsView(root) {
  const box = h('div');
  let used = new Map(); // segment name → what uses it, once loaded
  let loaded = false;
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Segments'),
      can.write && h('a', { class: 'btn btn-primary', href: `#/segments/${NEW}`, id: 'new-segment' }, '+ New segment')),
    h('p', { class: 'lead' }, 'Named groups of users, defined by conditions, that every flag and environment can target with "is in segment".'),
    box);
  function render() {
    if (!state.segments.length) {
      box.replaceChildren(h('div', { class: 'card empty' }, h('p', null, 'No segments yet.'),
        can.write ? h('a', { class: 'btn btn-primary', href: `#/segments/${NEW}` }, 'Create a segment') : null));
      return;
    }
    box.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Conditions'), h('th', null, 'Used by'), h('th', { class: 'hide-narrow' }, 'Changed'))),
      h('tbody', null, state.segments.map((s) => {
        return h('tr', null,
          h('td', null, h('a', { class: 'name', href: `#/segments/${encodeURIComponent(s.name)}` }, s.name),
            s.description ? h('div', { class: 'muted small' }, s.description) : null),
          h('td', null, s.conditions?.length
            ? h('span', null, h('span', { class: 'badge' }, s.match === 'any' ? 'any of' : 'all of'), ' ', s.conditions.map(describeCondition).join(s.match === 'any' ? ' or ' : ' and '))
            : h('span', { class: 'muted' }, 'no conditions')),
          h('td', null, usersCell(loaded ? used.get(s.name) || { flags: [], segments: [] } : undefined)),
          h('td', { class: 'hide-narrow nowrap' }, time(s.updatedAt)));
      })))));
  }
  let gone = false;
  let asked = 0; // the latest read: an earlier one answering later is dropped
  async function loadUsers() {
    const mine = ++asked;
    try {
      const users = await allSegmentUsers();
      if (mine !== asked) return;
      used = users;
      loaded = true;
    } catch (err) {
      if (!gone) toast(err.message, { kind: 'error' });
      return;
    }
    if (!gone) render();
  }
  render();
  loadUsers();
  const unsubscribe = subscribe((c) => {
    if (c.segments) render();
    if (c.segments || c.flags.size) loadUsers();
  });
  return { title: 'Segments', destroy: () => { gone = true; unsubscribe(); } };
}

export function segmentView(root, { params: [name] }) {
  const creating = name === NEW;
  let segment = creating ? null : state.segments.find((s) => s.name === name || s._id === name);
  if (!creating && !segment) {
    root.append(h('div', { class: 'empty' }, h('h1', { tabindex: -1 }, `No segment named ${name}`),
      h('a', { class: 'btn', href: '#/segments' }, 'Back to the segments')));
    return { title: name };
  }
  if (!can.write) {
    const users = segmentUsers(segment, () => {});
    root.append(
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/segments' }, 'Segments'), ' / ', segment.name),
      h('div', { class: 'page-head' }, h('h1', { tabindex: -1, class: 'mono' }, segment.name)),
      h('p', { class: 'desc' }, segment.description || ''),
      h('div', { class: 'card' }, h('p', null, `A context is in this segment when ${segment.match === 'any' ? 'any' : 'all'} of these hold:`),
        h('ul', { class: 'changes' }, (segment.conditions || []).map((c) => h('li', null, describeCondition(c))))),
      users.el);
    return { title: segment.name, destroy: subscribe((c) => { if (c.flags.size || c.segments) users.load(); }) };
  }

  const d = {
    name: segment?.name || '', description: segment?.description || '', match: segment?.match || 'all',
    conditions: (segment?.conditions || []).map(condDraft),
  };
  const snapshot = () => JSON.stringify({ ...d, conditions: d.conditions.map(condFromDraft) });
  let baseline = snapshot();
  const dirty = () => snapshot() !== baseline;

  const nameIn = h('input', { type: 'text', class: 'code', 'data-field': 'name', value: d.name, autocomplete: 'off', spellcheck: 'false', oninput: (e) => { d.name = e.target.value; } });
  const descIn = h('textarea', { 'data-field': 'description', rows: '2', oninput: (e) => { d.description = e.target.value; } });
  descIn.value = d.description;
  const matchBox = h('fieldset', { 'data-field': 'match' }, h('legend', null, 'A context is in the segment when'),
    [['all', 'all conditions hold'], ['any', 'any condition holds']].map(([v, label]) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'match', value: v, checked: d.match === v, onchange: () => { d.match = v; } }), label)));
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, creating ? 'Create segment' : 'Save segment');
  const delWhy = h('p', { class: 'hint', id: 'delete-why' });
  const del = !creating && h('button', { type: 'button', class: 'btn btn-danger-quiet delete-segment', onclick: remove, 'aria-describedby': 'delete-why' }, 'Delete segment');
  // While flags or segments use it, it cannot be deleted: say so, by name.
  const users = !creating && segmentUsers(segment, (u) => {
    const by = usedByText(u);
    del.disabled = !!by;
    delWhy.textContent = by ? `It cannot be deleted while ${by} use${u.flags.length + u.segments.length === 1 ? 's' : ''} it (listed below): remove it from their rules first.` : '';
  });
  const banner = h('div');
  const form = h('form', { class: 'card', novalidate: true },
    field('Name', nameIn, creating ? 'Rules refer to the segment by this name.' : 'Rules refer to the segment by this name; a segment in use cannot be renamed.'),
    field('Description', descIn),
    matchBox,
    h('fieldset', null, h('legend', null, 'Conditions'),
      conditionsEditor(d.conditions, { base: 'conditions', onChange: () => {}, emptyText: 'No conditions yet.' })),
    h('div', { class: 'actions' }, save, h('a', { class: 'btn', href: '#/segments' }, 'Cancel'), del), delWhy);

  root.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/segments' }, 'Segments'), ' / ', creating ? 'New' : segment.name),
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1, class: creating ? '' : 'mono' }, creating ? 'New segment' : segment.name)),
    banner, form, ...(users ? [users.el] : []));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: d.name.trim(), description: d.description, match: d.match, conditions: d.conditions.map(condFromDraft) };
    save.disabled = true;
    try {
      const res = creating
        ? await api('POST', '/segments', { body })
        : await api('PUT', `/segments/${seg(segment._id)}`, { body, ifMatch: segment.version });
      baseline = snapshot();
      toast(`${creating ? 'Created' : 'Saved'} segment ${res.data.name}.`, { kind: 'ok' });
      await refresh();
      location.hash = '#/segments';
    } catch (err) {
      if (err.status === 412) err.message = STALE;
      showError(form, err, { formTop: form });
    } finally {
      save.disabled = false;
    }
  });

  async function remove() {
    if (!await confirmDialog({ title: `Delete segment ${segment.name}?`, body: 'Flags can no longer target it. A segment still used by a rule cannot be deleted.', confirm: 'Delete segment', danger: true })) return;
    try {
      await api('DELETE', `/segments/${seg(segment._id)}`, { ifMatch: segment.version });
      baseline = snapshot();
      d.name = segment.name;
      toast(`Deleted segment ${segment.name}.`, { kind: 'ok' });
      await refresh();
      location.hash = '#/segments';
    } catch (err) {
      toast(`Could not delete ${segment.name}. ${err.status === 412 ? STALE : err.message}`, { kind: 'error' });
    }
  }

  const unsubscribe = subscribe((c) => {
    if (users && (c.flags.size || c.segments)) users.load();
    if (!c.segments || creating) return;
    const next = state.segments.find((s) => s._id === segment._id);
    if (!next) {
      banner.replaceChildren(h('div', { class: 'banner banner-error' }, 'This segment was deleted elsewhere.'));
    } else if (next.version !== segment.version) {
      banner.replaceChildren(h('div', { class: 'banner' },
        `This segment was changed elsewhere (now version ${next.version}); saving would be refused. Reload it to see the change.`,
        h('button', { type: 'button', class: 'btn btn-sm', onclick: () => { baseline = snapshot(); location.hash = `#/segments/${encodeURIComponent(next.name)}?r=${next.version}`; } }, 'Reload')));
    }
  });
  return { title: creating ? 'New segment' : segment.name, dirty, destroy: unsubscribe };
}
