// A flag's page: its details and variants, its state in every environment,
// the targeting editor of each environment, and its audit history.

import { changed } from './undo.js';
import { state, can, subscribe, flagByName, shownState, pending, putFlag } from './store.js';
import { toggle } from './actions.js';
import { openFlagForm, hasTargeting } from './flags.js';
import { targetingEditor, targetingSummary, describeServe, defaultVariants } from './targeting.js';
import { historyList } from './audit.js';
import { problemNotice } from './problems.js';
import { scheduleSection } from './schedules.js';
import { setQuery, setShownHash } from './nav.js';
import { h, fmtDate, isProduction, envBadge, toast, confirmDialog, keepFocus, managedBadge, confirmCodeEdit } from './dom.js';
import { archiveFlag, lifecycleMeta, staleNotice, loadStale, onStale, lastEvaluated } from './lifecycle.js';
import { missingPage } from './moved.js';
import { usageCard } from './usage.js';
import { evalCard } from './flageval.js';
import { variantsCard } from './variants.js';
import { changedLine } from './changes.js';

export function flagView(root, { params: [name], query }) {
  let flag = flagByName(name);
  if (!flag) {
    missingPage(root, name, can.write);
    return { title: name };
  }
  const id = flag._id;
  let tab = query.get('tab') === 'history' ? 'history' : 'targeting';
  let env = state.envs.includes(query.get('env')) ? query.get('env') : (state.envs.find(isProduction) || state.envs[0]);
  let editor = null;
  let hist = null;

  const header = h('div');
  const envs = h('section', { class: 'card', 'aria-labelledby': 'envs-h' });
  const vcard = variantsCard(() => flag, can.write);
  const variants = vcard.el;
  const banner = h('div', { role: 'status' });
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Flag sections' });
  const panel = h('div', { role: 'tabpanel', tabindex: '0' });
  const scheduled = scheduleSection(flag, () => editor?.snapshot());
  const usage = usageCard(flag, state.envs, env);
  const evaluate = evalCard(() => flag, state.envs, env);
  root.append(header, envs, usage, evaluate, variants, scheduled.el, tabs, banner, panel);

  function renderHeader() {
    const actions = h('div', { class: 'actions' },
      h('a', { class: 'btn', href: `#/evaluate?flag=${encodeURIComponent(flag.name)}&env=${encodeURIComponent(env)}` }, 'Evaluate'),
      can.write && h('button', { type: 'button', class: 'btn edit-flag', onclick: edit }, 'Edit details'),
      can.write && h('button', { type: 'button', class: 'btn btn-danger-quiet archive-flag', onclick: archive }, 'Archive'));
    header.replaceChildren(
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/flags' }, 'Flags'), ' / ', flag.name),
      h('div', { class: 'page-head' }, h('h1', { tabindex: -1, class: 'mono' }, flag.name), actions),
      h('p', { class: 'desc' }, flag.description || h('span', { class: 'muted' }, 'No description.')),
      h('div', { class: 'meta' },
        h('span', { class: 'badge badge-accent' }, flag.type || 'boolean'),
        managedBadge(flag),
        (flag.tags || []).map((t) => h('a', { class: 'tag', href: `#/flags?tag=${encodeURIComponent(t)}` }, t)),
        lifecycleMeta(flag),
        h('span', null, `Version ${flag.version}`),
        h('span', { class: 'flag-changed' }, 'Changed ', changedLine(flag)),
        h('span', null, `Created ${fmtDate(flag.createdAt)}`)),
      h('div', { class: 'notices' }, problemNotice(flag), staleNotice(flag)));
  }

  const renderVariants = () => vcard.render();

  function summary(e) {
    const on = !!flag.environments?.[e];
    const t = flag.targeting?.[e];
    const defs = defaultVariants(flag);
    if (!on) return `Off: serves ${t?.offVariant || defs.off} to everyone.`;
    const rules = t?.rules?.length || 0;
    const def = describeServe(t?.defaultServe) || defs.on;
    return rules ? `${rules} rule${rules > 1 ? 's' : ''}, otherwise ${def}.` : `Serves ${def} to everyone.`;
  }

  function renderEnvs() {
    envs.replaceChildren(h('h2', { id: 'envs-h' }, 'Environments'),
      h('div', { class: 'envcards' }, state.envs.map((e) => {
        const on = shownState(flag, e);
        const ctl = can.write
          ? h('button', {
            type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(on), 'aria-label': `${flag.name} in ${e}`,
            'aria-busy': pending.has(`${id}|${e}`) ? 'true' : null, dataset: { env: e }, onclick: () => toggle(id, e),
          }, h('span', { class: 'track', 'aria-hidden': 'true' }), h('span', { class: 'label', 'aria-hidden': 'true' }, on ? 'On' : 'Off'))
          : h('span', { class: `state${on ? ' on' : ''}` }, on ? 'On' : 'Off');
        return h('div', { class: `envcard${isProduction(e) ? ' prod' : ''}` },
          h('div', { class: 'head' }, h('h3', null, e, ' ', envBadge(e)), ctl),
          h('p', null, summary(e)),
          h('p', { class: 'env-last', dataset: { env: e } }, lastEvaluated(flag, e)),
          h('p', null, h('a', {
            href: '#', onclick: (ev) => { ev.preventDefault(); selectTab('targeting', e, true); },
          }, hasTargeting(flag, e) ? 'Targeting' : (can.write ? 'Add targeting' : 'Targeting'), h('span', { class: 'sr-only' }, ` in ${e}`))));
      })));
  }

  function renderTabs() {
    const mk = (key, label) => h('button', {
      type: 'button', role: 'tab', id: `tab-${key}`, 'aria-selected': String(tab === key), 'aria-controls': 'flag-panel',
      tabindex: tab === key ? '0' : '-1', onclick: () => selectTab(key, env, false),
    }, label);
    tabs.replaceChildren(mk('targeting', 'Targeting'), mk('history', 'History'));
    panel.id = 'flag-panel';
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
  }
  tabs.addEventListener('keydown', (e) => { // arrow keys move between tabs
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = tab === 'targeting' ? 'history' : 'targeting';
    selectTab(next, env, false);
    document.getElementById(`tab-${next}`)?.focus();
  });

  function renderPanel() {
    banner.replaceChildren();
    editor = null;
    hist = null;
    if (tab === 'history') {
      hist = historyList(flag);
      panel.replaceChildren(hist.el);
      return;
    }
    const envTabs = h('div', { class: 'tabs sub', role: 'tablist', 'aria-label': 'Environment' }, state.envs.map((e) => h('button', {
      type: 'button', role: 'tab', 'aria-selected': String(e === env), tabindex: e === env ? '0' : '-1', dataset: { env: e },
      onclick: () => selectTab('targeting', e, false),
      onkeydown: (ev) => {
        const i = state.envs.indexOf(e);
        const j = ev.key === 'ArrowRight' ? i + 1 : ev.key === 'ArrowLeft' ? i - 1 : -2;
        if (j === -2) return;
        ev.stopPropagation();
        const to = state.envs[(j + state.envs.length) % state.envs.length];
        selectTab('targeting', to, false);
        panel.querySelector(`[role="tab"][data-env="${CSS.escape(to)}"]`)?.focus();
      },
    }, e)));
    let content;
    if (can.write) {
      editor = targetingEditor(flag, env, { onSaved: () => {} });
      content = editor.el;
    } else {
      content = targetingSummary(flag, env);
    }
    panel.replaceChildren(envTabs, h('div', { class: 'card' }, content));
  }

  async function selectTab(t, e, scroll) {
    if ((t !== tab || e !== env) && editor?.dirty()) {
      if (!await confirmDialog({ title: 'Discard unsaved targeting?', body: `Your changes to the targeting in ${env} have not been saved.`, confirm: 'Discard changes', danger: true })) return;
    }
    tab = t;
    env = e;
    setQuery({ tab: t === 'targeting' ? '' : t, env: e });
    keepFocus(header, renderHeader);
    renderTabs();
    renderPanel();
    if (scroll) tabs.scrollIntoView({ block: 'start' });
  }

  async function edit() {
    if (!await confirmCodeEdit(flag)) return;
    const updated = await openFlagForm(flag);
    if (!updated) return;
    putFlag(updated);
    // Undo goes back to the version just before this save: after an edit
    // conflict that is the other person's, not the one the form opened at.
    changed(`Saved ${updated.name}.`, { ...updated, version: updated.version - 1 }, updated.version);
  }

  async function archive() {
    if (!await confirmCodeEdit(flag)) return;
    if (await archiveFlag(flag)) {
      editor = null; // nothing left to save: leave without asking
      location.hash = '#/flags';
    }
  }

  const unsubscribe = subscribe((c) => {
    if (!c.flags.has(id) && !c.envs && !c.segments) return;
    const next = state.flags.get(id);
    if (!next) {
      banner.replaceChildren(h('div', { class: 'banner banner-error' },
        h('span', null, `${flag.name} was deleted or archived.`), h('a', { class: 'btn btn-sm', href: '#/flags' }, 'Back to the flags')));
      editor = null;
      return;
    }
    const changed = next !== flag;
    const versionChanged = next.version !== flag.version;
    if (versionChanged) scheduled.reload(); // a step may have run
    flag = next;
    if (flag.name !== name) { // renamed: keep the address right
      const q = location.hash.indexOf('?');
      const hash = `#/flags/${encodeURIComponent(flag.name)}${q < 0 ? '' : location.hash.slice(q)}`;
      window.history.replaceState(null, '', hash);
      setShownHash(hash);
    }
    keepFocus(header, renderHeader);
    keepFocus(envs, renderEnvs);
    renderVariants();
    if (!changed && !c.envs && !c.segments) return;
    if (tab === 'history') {
      if (versionChanged) hist?.reload();
      return;
    }
    if (editor?.dirty()) {
      if (versionChanged) {
        banner.replaceChildren(h('div', { class: 'banner' },
          h('span', null, `${flag.name} was changed elsewhere (now version ${flag.version}). Saving would be refused; reload the targeting to see the change (your unsaved edits are lost).`),
          h('button', { type: 'button', class: 'btn btn-sm', onclick: () => { editor = null; renderPanel(); } }, 'Reload targeting')));
      }
      return;
    }
    const focused = document.activeElement?.closest?.('[data-field]')?.dataset.field;
    renderTabs();
    renderPanel();
    if (focused) panel.querySelector(`[data-field="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
  });

  const offStale = onStale(() => keepFocus(header, renderHeader));
  loadStale();
  renderHeader();
  renderEnvs();
  renderVariants();
  renderTabs();
  renderPanel();
  return {
    title: flag.name,
    dirty: () => !!editor?.dirty() || vcard.dirty(),
    destroy: () => { unsubscribe(); offStale(); },
  };
}
