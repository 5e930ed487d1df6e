// Prerequisites: the flags of the same environment a flag requires to
// serve given variants before its rules are consulted. Edited inside one
// environment's targeting editor; described in words for viewers.

import { state } from './store.js';
import { h, select, uid } from './dom.js';

/** prereqDraft copies t's prerequisites for editing. */
export const prereqDraft = (t) => (t?.prerequisites || []).map((p) => ({ flag: p.flag, variants: [...(p.variants || [])] }));

/** prereqsOf turns a draft back into the API's form. */
export const prereqsOf = (d) => d.map((p) => ({ flag: p.flag, variants: p.variants }));

/** describePrerequisites: "requires new-checkout to serve on". */
export function describePrerequisites(t) {
  const ps = t?.prerequisites || [];
  if (!ps.length) return '';
  return `Requires ${ps.map((p) => `${p.flag} to serve ${p.variants.join(' or ')}`).join(', and ')}; otherwise serves the off variant.`;
}

/**
 * prerequisitesEditor edits the draft list of flag's prerequisites in
 * one environment: for each, another flag and the variants it must serve.
 * variantsOf(flag) lists a flag's variants; rerender(focus) redraws the
 * whole editor after a row is added or removed.
 */
export function prerequisitesEditor(list, { base, flag, variantsOf, onChange, rerender }) {
  const others = [...state.flags.values()].filter((f) => f._id !== flag._id).map((f) => f.name).sort();
  const byName = (n) => [...state.flags.values()].find((f) => f.name === n);
  const box = h('div', { class: 'prerequisites', 'data-field': `${base}.prerequisites` });
  list.forEach((p, i) => {
    const at = `${base}.prerequisites[${i}]`;
    const required = byName(p.flag);
    const flagSel = select(['', ...others.filter((n) => n === p.flag || !list.some((q) => q.flag === n))], p.flag, {
      id: uid('pre'), 'aria-label': `Prerequisite ${i + 1}: flag`, 'data-field': `${at}.flag`, class: 'prereq-flag',
      onchange: (e) => { p.flag = e.target.value; p.variants = []; onChange(); rerender(`[data-field="${at}.variants"] input`); },
    });
    const variants = h('div', { class: 'checks', role: 'group', 'aria-label': `Prerequisite ${i + 1}: variants`, 'data-field': `${at}.variants` },
      (required ? variantsOf(required) : p.variants).map((v) => h('label', { class: 'check' },
        h('input', {
          type: 'checkbox', checked: p.variants.includes(v), value: v,
          onchange: (e) => { p.variants = e.target.checked ? [...p.variants, v] : p.variants.filter((x) => x !== v); onChange(); },
        }), v)));
    box.append(h('div', { class: 'prereq row' },
      h('div', { class: 'field' }, flagSel), h('span', { class: 'muted' }, 'must serve'), variants,
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Remove prerequisite ${i + 1}`,
        onclick: () => { list.splice(i, 1); onChange(); rerender('.add-prereq'); },
      }, '✕')));
  });
  box.append(h('p', null, h('button', {
    type: 'button', class: 'btn add-prereq', disabled: !others.length,
    onclick: () => { list.push({ flag: '', variants: [] }); onChange(); rerender(`[data-field="${base}.prerequisites[${list.length - 1}].flag"]`); },
  }, '+ Add prerequisite')));
  return box;
}
