// Small DOM helpers shared by every screen: element building (never
// innerHTML, so data from the server is always text), formatting, toasts,
// dialogs and the placing of the API's field errors next to their fields.

/** h builds an element: h('button', {class: 'btn', onclick: fn}, 'Save'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'indeterminate') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false || c === true) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let seq = 0;
/** uid returns a document-unique id with the given prefix. */
export const uid = (prefix = 'id') => `${prefix}-${++seq}`;

/** field renders a labelled control with an optional hint. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  const parts = [h('label', { for: control.id }, label), control];
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: uid('hint') }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', { class: 'field' }, parts);
}

/** select builds a <select> from [value, label] pairs (or plain values). */
export function select(options, value, attrs = {}) {
  const el = h('select', attrs);
  for (const o of options) {
    if (o && o.group) {
      el.append(h('optgroup', { label: o.group }, o.options.map((x) => option(x, value))));
    } else {
      el.append(option(o, value));
    }
  }
  return el;
}

function option(o, value) {
  const [v, label] = Array.isArray(o) ? o : [o, o];
  return h('option', { value: v, selected: v === value }, label);
}

export const fmtNum = (n) => n.toLocaleString('en-US');
export const plural = (n, one, many = one + 's') => `${fmtNum(n)} ${n === 1 ? one : many}`;

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** fmtDate formats an ISO time for people, in their locale. */
export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : dateFmt.format(d);
}

/** relTime is "just now", "5 min ago", ... or the date for older times. */
export function relTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 86400 * 14) return `${Math.round(s / 86400)} d ago`;
  return fmtDate(iso).replace(/,? \d{1,2}:\d{2}.*$/, '');
}

/** time renders a <time> with a relative label and the exact time as title. */
export const time = (iso) => h('time', { datetime: iso, title: fmtDate(iso) }, relTime(iso));

export function debounce(fn, ms) {
  let t;
  const d = (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(t);
  return d;
}

/** isProduction: toggles in these environments ask for confirmation. */
export const isProduction = (env) => /prod/i.test(env);

/** envBadge marks production-like environments. */
/** MANAGED_TAG marks flags that `featureflags apply` writes from files. */
export const MANAGED_TAG = 'managed-by-code';
export const managedByCode = (flag) => (flag?.tags || []).includes(MANAGED_TAG);
export const managedBadge = (flag) => (managedByCode(flag)
  ? h('span', { class: 'badge badge-code', title: 'Managed by code: edits here are overwritten by the next apply of its file' }, 'managed by code') : null);

/**
 * confirmCodeEdit warns before an edit of a flag managed by code; resolves
 * true to go ahead (at once for other flags).
 */
export async function confirmCodeEdit(flag) {
  if (!managedByCode(flag)) return true;
  return confirmDialog({
    title: `${flag.name} is managed by code`,
    body: h('p', null, 'Its definition lives in a flags-as-code file. Change the file instead, or this edit will be undone by the next ',
      h('code', null, 'featureflags apply'), ' (an apply planned before your edit is refused).'),
    confirm: 'Edit anyway',
  });
}

export const envBadge = (env) => (isProduction(env) ? h('span', { class: 'badge badge-prod', title: 'Production: changes ask for confirmation' }, 'prod') : null);

// ---- toasts ----

/**
 * toast shows a message in the corner; errors are announced at once
 * (role=alert) and stay until closed, others leave after a few seconds.
 */
export function toast(message, { kind = 'info', action, timeout } = {}) {
  const box = document.getElementById('toasts');
  const close = h('button', { type: 'button', class: 'btn btn-quiet btn-sm btn-icon', 'aria-label': 'Dismiss message' }, '✕');
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('div', { class: 'msg' }, message),
    action && h('button', { type: 'button', class: 'btn btn-sm', onclick: () => { action.run(); remove(); } }, action.label),
    close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  const ms = timeout ?? (kind === 'error' ? 0 : 5000);
  if (ms) setTimeout(remove, ms);
  return el;
}

// ---- dialogs ----

// The unsaved-changes checks of the dialogs open now (openDialog's dirty).
const unsaved = new Set();

/** dialogUnsaved reports whether an open dialog holds unsaved changes. */
export const dialogUnsaved = () => [...unsaved].some((dirty) => dirty());

/** discardChanges asks before unsaved changes are dropped; resolves true
 * to go ahead (at once when there are none). */
export async function discardChanges(dirty) {
  if (!dirty()) return true;
  return confirmDialog({ title: 'Discard unsaved changes?', body: 'Your changes in this form have not been saved.', confirm: 'Discard changes', danger: true });
}

/**
 * openDialog shows a modal <dialog> built by build(close) and resolves with
 * the value passed to close (undefined when dismissed with Escape). Focus
 * returns where it was. With dirty (a function), Escape asks before
 * unsaved changes are dropped, and so does navigating away (app.js).
 */
export function openDialog(build, { label, dirty } = {}) {
  const before = document.activeElement;
  const dlg = h('dialog', { 'aria-labelledby': label || null });
  document.body.append(dlg);
  return new Promise((resolve) => {
    let result;
    const close = (value) => { result = value; dlg.close(); };
    dlg.addEventListener('close', () => {
      unsaved.delete(dirty);
      dlg.remove();
      if (before && before.isConnected) before.focus({ preventScroll: true });
      resolve(result);
    });
    if (dirty) {
      unsaved.add(dirty);
      dlg.addEventListener('cancel', async (e) => {
        e.preventDefault();
        if (await discardChanges(dirty)) close();
      });
    }
    dlg.append(build(close));
    dlg.showModal();
    const auto = dlg.querySelector('[autofocus]');
    if (auto) auto.focus();
  });
}

/**
 * confirmDialog asks a yes/no question; resolves true on confirmation.
 * With typeToConfirm the confirm button waits for that text to be typed.
 */
export function confirmDialog({ title, body, confirm = 'Confirm', danger = false, typeToConfirm }) {
  const titleId = uid('dlg');
  return openDialog((close) => {
    const ok = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'} confirm` }, confirm);
    const cancel = h('button', { type: 'button', class: 'btn cancel', autofocus: true, onclick: () => close(false) }, 'Cancel');
    let typed;
    if (typeToConfirm) {
      ok.disabled = true;
      typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'code',
        oninput: () => { ok.disabled = typed.value !== typeToConfirm; } });
    }
    return h('form', { method: 'dialog', onsubmit: (e) => { e.preventDefault(); if (!ok.disabled) close(true); } },
      h('div', { class: 'dlg-head' }, h('h2', { id: titleId }, title)),
      h('div', { class: 'dlg-body' },
        typeof body === 'string' ? h('p', null, body) : body,
        typed && field(`Type ${typeToConfirm} to confirm`, typed)),
      h('div', { class: 'dlg-foot' }, cancel, ok));
  }, { label: titleId }).then((v) => v === true);
}

// ---- field errors ----

/** parentPath: "a.b[1].c" → "a.b[1]" → "a.b" → "a" → "". */
export function parentPath(path) {
  const m = path.match(/(\.[^.[\]]*|\[\d+\])$/);
  return m ? path.slice(0, -m[0].length) : '';
}

/** clearErrors removes the error messages placed in root. */
export function clearErrors(root) {
  for (const el of root.querySelectorAll('.field-error, .form-error')) el.remove();
  for (const el of root.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((id) => !id.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * showError places an API error in root: next to the element whose
 * data-field is the error's field (or the nearest enclosing one), else at
 * the top of root (formTop, if given, is where). It focuses the field.
 */
export function showError(root, err, { formTop } = {}) {
  clearErrors(root);
  const message = err.message || String(err);
  let path = err.field || '';
  let target = null;
  while (path && !target) {
    target = root.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (!target) path = parentPath(path);
  }
  const id = uid('err');
  if (!target) {
    const el = h('p', { class: 'form-error', role: 'alert', id }, message);
    (formTop || root).prepend(el);
    el.scrollIntoView({ block: 'nearest' });
    return el;
  }
  const msg = h('p', { class: 'field-error', id, role: 'alert' }, message);
  const control = target.matches('input, select, textarea') ? target : target.querySelector('input, select, textarea');
  const row = target.closest('.cond, .varrow');
  if (row) row.append(msg); // rows of several controls: below the row
  else if (target.matches('input, select, textarea')) target.after(msg);
  else if (target.matches('fieldset') && target.querySelector('legend')) target.querySelector('legend').after(msg);
  else target.prepend(msg);
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    control.focus({ preventScroll: true });
  }
  msg.scrollIntoView({ block: 'center' });
  return msg;
}

/**
 * keepFocus runs render, which rebuilds root's content, and gives the focus
 * back to the matching new element if it was inside root, so that keyboard
 * users stay where they were when live data re-renders a part.
 */
export function keepFocus(root, render) {
  const a = document.activeElement;
  let sel = null;
  if (a && a !== root && root.contains(a)) {
    if (a.id) sel = `#${CSS.escape(a.id)}`;
    else if (a.dataset.env) sel = `${a.tagName}[data-env="${CSS.escape(a.dataset.env)}"]`;
    else if (a.dataset.field) sel = `[data-field="${CSS.escape(a.dataset.field)}"]`;
    else if (a.classList.length) sel = `${a.tagName}.${[...a.classList].map((c) => CSS.escape(c)).join('.')}`;
  }
  render();
  if (sel && !root.contains(document.activeElement)) root.querySelector(sel)?.focus({ preventScroll: true });
}

/** copyText copies to the clipboard, falling back to selecting the input. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
      try { return document.execCommand('copy'); } catch { return false; }
    }
    return false;
  }
}
