// A flag's variants on its page: every value shown whole (long ones folded
// behind "Show all", never cut mid-word), and edited in place, object
// values in a JSON editor that checks the JSON as it is typed and says
// where it breaks. Saving is one PUT with the version shown (If-Match).

import { api, seg, STALE } from './api.js';
import { putFlag } from './store.js';
import { changed } from './undo.js';
import { variantNames } from './targeting.js';
import { h, uid, confirmCodeEdit } from './dom.js';

const FOLD_LINES = 4;

/** show formats a variant's value for reading: objects pretty-printed. */
const show = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v, null, 2) : JSON.stringify(v));

/** valueView is one value, folded to FOLD_LINES lines with a button to unfold. */
function valueView(v) {
  const text = show(v);
  const lines = text.split('\n').length;
  const pre = h('pre', { class: 'vvalue', id: uid('vv') }, text);
  if (lines <= FOLD_LINES && text.length <= 200) return pre;
  pre.classList.add('folded');
  const more = h('button', {
    type: 'button', class: 'btn btn-quiet btn-sm vmore', 'aria-expanded': 'false', 'aria-controls': pre.id,
    onclick: () => {
      const open = pre.classList.toggle('folded') === false;
      more.setAttribute('aria-expanded', String(open));
      more.textContent = open ? 'Show less' : `Show all ${lines > 1 ? `${lines} lines` : `${text.length} characters`}`;
    },
  }, `Show all ${lines > 1 ? `${lines} lines` : `${text.length} characters`}`);
  return h('div', null, pre, more);
}

/**
 * jsonProblem says what is wrong with text as JSON, with the line and
 * column where known ("" when it is valid).
 */
export function jsonProblem(text) {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    const m = err.message.match(/position (\d+)/);
    if (!m) return err.message.replace(/^JSON\.parse: /, '');
    const before = text.slice(0, Number(m[1])).split('\n');
    return `${err.message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '')} at line ${before.length}, column ${before.at(-1).length + 1}`;
  }
}

/**
 * jsonEditor is a textarea for one JSON value that grows with its text,
 * indents with Tab, and checks the JSON on every keystroke. valid()
 * reports whether it parses.
 */
export function jsonEditor(value, label) {
  const err = h('p', { class: 'field-error json-error', id: uid('je'), hidden: true, 'aria-live': 'polite' });
  const area = h('textarea', {
    class: 'code json-editor', spellcheck: 'false', autocomplete: 'off', 'aria-label': label, 'aria-describedby': err.id,
  });
  area.value = value;
  const fit = () => { area.rows = Math.min(20, Math.max(3, area.value.split('\n').length + 1)); };
  const check = () => {
    const problem = area.value.trim() ? jsonProblem(area.value) : 'A value is required.';
    err.hidden = !problem;
    err.textContent = problem ? `Not valid JSON: ${problem}.` : '';
    area.setAttribute('aria-invalid', String(!!problem));
    return !problem;
  };
  area.addEventListener('input', () => { fit(); check(); });
  area.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    e.preventDefault(); // two spaces; Esc then Tab leaves the field
    area.setRangeText('  ', area.selectionStart, area.selectionEnd, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });
  area.addEventListener('keyup', (e) => { if (e.key === 'Escape') area.blur(); });
  fit();
  check();
  return { el: h('div', { class: 'json-field' }, area, err), area, valid: check };
}

/** variantsCard shows the flag's variants; with write, edits them in place. */
export function variantsCard(getFlag, write) {
  const card = h('section', { class: 'card variants-card', 'aria-labelledby': 'var-h' });
  let editing = null; // the editor's rows while editing

  function render() {
    const flag = getFlag();
    const type = flag.type || 'boolean';
    const names = variantNames(flag);
    const value = (v) => flag.variants?.[v] ?? (v === 'on' ? true : v === 'off' ? false : null);
    card.hidden = type === 'boolean' && !Object.keys(flag.variants || {}).length;
    if (editing) return;
    card.replaceChildren(
      h('div', { class: 'usage-head' }, h('h2', { id: 'var-h' }, 'Variants'),
        write && type !== 'boolean' ? h('button', { type: 'button', class: 'btn btn-sm edit-variants', onclick: startEdit }, 'Edit variants') : null),
      h('dl', { class: 'kv variants' }, names.map((v) => [h('dt', { class: 'mono' }, v), h('dd', null, valueView(value(v)))])));
  }

  async function startEdit() {
    const flag = getFlag();
    if (!await confirmCodeEdit(flag)) return;
    editing = Object.entries(flag.variants || {}).map(([name, v]) => ({ name, value: flag.type === 'object' ? JSON.stringify(v, null, 2) : String(v) }));
    drawEditor(flag);
  }

  function drawEditor(flag) {
    const type = flag.type;
    const save = h('button', { type: 'submit', class: 'btn btn-primary save-variants' }, 'Save variants');
    const status = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const checks = [];
    const rows = editing.map((r, i) => {
      const name = h('input', { type: 'text', class: 'code vn', value: r.name, 'aria-label': `Variant ${i + 1} name`, autocomplete: 'off', spellcheck: 'false', oninput: () => { r.name = name.value.trim(); } });
      let val;
      if (type === 'object') {
        const ed = jsonEditor(r.value, `Variant ${i + 1} value (JSON)`);
        ed.area.addEventListener('input', () => { r.value = ed.area.value; });
        checks.push(ed.valid);
        val = ed.el;
      } else {
        val = h('input', { type: 'text', class: type === 'number' ? 'code' : '', value: r.value, 'aria-label': `Variant ${i + 1} value`, inputmode: type === 'number' ? 'decimal' : null, oninput: (e) => { r.value = e.target.value; } });
      }
      const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': `Remove variant ${i + 1}`, onclick: () => { editing.splice(i, 1); drawEditor(flag); } }, '✕');
      return h('div', { class: 'varrow' }, name, val, remove);
    });
    const gate = () => { save.disabled = !checks.every((c) => c()); };
    const form = h('form', { class: 'variants-editor', novalidate: true, oninput: gate },
      rows,
      h('button', { type: 'button', class: 'btn btn-sm add-variant', onclick: () => { editing.push({ name: '', value: type === 'object' ? '{}' : '' }); drawEditor(flag); } }, '+ Add variant'),
      status,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn cancel-variants', onclick: () => { editing = null; render(); } }, 'Cancel'), save));
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(flag, status, save); });
    card.replaceChildren(h('h2', { id: 'var-h' }, `Variants of ${flag.name}`), form);
    gate();
  }

  async function submit(flag, status, save) {
    const variants = {};
    for (const r of editing) {
      if (!r.name) return fail(status, 'Every variant needs a name.');
      if (Object.hasOwn(variants, r.name)) return fail(status, `Variant "${r.name}" is listed twice; give each variant its own name.`);
      if (flag.type === 'object') variants[r.name] = JSON.parse(r.value);
      else if (flag.type === 'number') {
        if (r.value.trim() === '' || !Number.isFinite(Number(r.value))) return fail(status, `The value of variant "${r.name}" is not a number.`);
        variants[r.name] = Number(r.value);
      } else variants[r.name] = r.value;
    }
    save.disabled = true;
    try {
      const res = await api('PUT', `/flags/${seg(flag._id)}`, { body: { variants }, ifMatch: flag.version });
      editing = null;
      putFlag(res.data);
      changed(`Saved the variants of ${flag.name}.`, flag, res.data.version);
      render();
    } catch (err) {
      fail(status, err.status === 412 ? STALE : err.message);
      save.disabled = false;
    }
  }

  function fail(status, message) {
    status.hidden = false;
    status.textContent = message;
  }

  render();
  return { el: card, render, dirty: () => !!editing };
}
