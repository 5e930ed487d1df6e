// The web UI's entry point: sign-in, the header, the hash router
// (#/flags, #/flags/<name>, #/segments, ...) and live updates. Each screen
// is a function (root, route) → {title, destroy?, dirty?} in its own module.

import { api, setToken, clearToken, hasToken } from './api.js';
import { state, can, refresh, firstScreen } from './store.js';
import { startLive } from './live.js';
import { parseHash, shownHash, setShownHash } from './nav.js';
import { h, field, showError, toast, confirmDialog, dialogUnsaved } from './dom.js';
import { flagsView } from './flags.js';
import { flagView } from './flag.js';
import { segmentsView, segmentView } from './segments.js';
import { environmentsView } from './environments.js';
import { tokensView } from './tokens.js';
import { webhooksView } from './webhooks.js';
import { auditView } from './audit.js';
import { consoleView } from './console.js';
import { startMenu, trackTopbar, labelCells } from './narrow.js';
import { scheduledView } from './schedules.js';
import { compareView } from './compare.js';
import { requestsView } from './requests.js';

const main = document.getElementById('main');

// Environment keys (server ffs_, client ffc_) evaluate flags; /me refuses them.
const KEY_PREFIX = /^ff[sc]_/;
const KEY_REFUSED = 'This is an environment key (ffs_ or ffc_): keys only evaluate flags in applications and cannot sign in. Sign in with an admin, editor or viewer token (ffa_).';

startMenu();
trackTopbar();
labelCells(main);

const routes = [
  [/^\/flags\/?$/, flagsView],
  [/^\/flags\/([^/]+)$/, flagView],
  [/^\/segments\/?$/, segmentsView],
  [/^\/segments\/([^/]+)$/, segmentView],
  [/^\/environments\/?$/, environmentsView],
  [/^\/tokens\/?$/, tokensView],
  [/^\/webhooks\/?$/, webhooksView],
  [/^\/audit\/?$/, auditView],
  [/^\/evaluate\/?$/, consoleView],
  [/^\/scheduled\/?$/, scheduledView],
  [/^\/compare\/?$/, compareView],
  [/^\/requests\/?$/, requestsView],
];

let current = null; // the screen shown: {title, destroy, dirty}
let stopLive = null;

function render({ focus = true } = {}) {
  const { path, query } = parseHash();
  let view = null;
  let params = [];
  for (const [re, v] of routes) {
    const m = path.match(re);
    if (m) {
      view = v;
      params = m.slice(1).map(decodeURIComponent);
      break;
    }
  }
  current?.destroy?.();
  current = null;
  for (const d of document.querySelectorAll('dialog[open]')) d.close(); // they belonged to the page left
  main.replaceChildren();
  setShownHash(location.hash);
  for (const a of document.querySelectorAll('[data-nav]')) {
    const active = path.split('/')[1] === a.dataset.nav;
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!view) {
    main.append(h('div', { class: 'empty' }, h('h1', { tabindex: -1 }, 'Not found'),
      h('p', null, 'There is no page here. ', h('a', { href: '#/flags' }, 'Go to the flags'))));
    document.title = 'Not found · featureflags';
    return;
  }
  current = view(main, { params, query }) || {};
  document.title = `${current.title || 'featureflags'} · featureflags`;
  if (focus) main.querySelector('h1')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', async () => {
  if (location.hash === shownHash()) return;
  if (!state.me) return; // signed out (or signing in): the form stays; start() shows the address's screen
  if (current?.dirty?.() || dialogUnsaved()) {
    const target = location.hash;
    history.replaceState(null, '', shownHash()); // stay until the person decides
    const leave = await confirmDialog({ title: 'Discard unsaved changes?', body: 'Your changes on this page have not been saved.', confirm: 'Discard changes', danger: true });
    if (!leave) return;
    current.dirty = null;
    history.pushState(null, '', target);
  }
  render();
});

window.addEventListener('beforeunload', (e) => {
  if (current?.dirty?.()) e.preventDefault();
});

// ---- header ----

function renderHeader() {
  const me = state.me;
  const who = document.getElementById('who');
  who.replaceChildren();
  if (me?.authRequired) {
    who.append(h('strong', null, me.name || 'unnamed token'), ` · ${me.role}`);
  } else if (me) {
    who.append(h('span', { title: 'Access control is off: there are no tokens yet, every change is recorded as "local".' }, 'Access control off'));
  }
  document.getElementById('signout').hidden = !me?.authRequired;
  document.body.classList.toggle('signed-out', !me);
  for (const el of document.querySelectorAll('[data-admin]')) el.hidden = !can.admin;
}

const liveLabels = {
  stream: ['Live', 'Changes made elsewhere appear at once (event stream).'],
  poll: ['Auto-refresh', 'Changes made elsewhere appear within 3 seconds.'],
  reconnecting: ['Reconnecting…', 'The connection to the server was lost; retrying.'],
  offline: ['Offline', 'The server cannot be reached.'],
};

function setLive(mode) {
  const el = document.getElementById('live');
  const [label, title] = liveLabels[mode] || ['', ''];
  if (el.dataset.mode === mode) return;
  el.dataset.mode = mode;
  el.textContent = label;
  el.title = title;
}

// ---- sign in ----

function signIn(reason) {
  stopLive?.();
  stopLive = null;
  current?.destroy?.();
  current = null;
  state.me = null;
  renderHeader();
  const live = document.getElementById('live');
  live.textContent = '';
  delete live.dataset.mode;
  document.title = 'Sign in · featureflags';
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', 'data-field': 'token', class: 'code', autofocus: true });
  const remember = h('input', { type: 'checkbox', id: 'remember' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h('form', { class: 'card', novalidate: true },
    field('API token', input, ['An admin, editor or viewer token: it starts with ffa_. Server keys (ffs_) and client keys (ffc_) only evaluate flags in applications and cannot sign in. Admins create tokens under Tokens, or on the server with ', h('code', { class: 'nowrap' }, 'featureflags token create'), '.']),
    h('label', { class: 'check', for: 'remember' }, remember, 'Keep me signed in on this device'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const secret = input.value.trim();
    if (!secret) {
      showError(form, { field: 'token', message: 'Enter a token.' });
      return;
    }
    submit.disabled = true;
    setToken(secret, remember.checked);
    try {
      await start();
    } catch (err) {
      clearToken();
      showError(form, { field: 'token', message: err.status === 403 && KEY_PREFIX.test(secret) ? KEY_REFUSED : err.message });
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(h('div', { class: 'signin' },
    h('h1', { tabindex: -1 }, 'Sign in'),
    h('p', { class: 'lead' }, 'This server has access control on. Sign in with a token; what you may change depends on its role.'),
    reason && h('p', { class: 'form-error', role: 'alert' }, reason),
    form));
  input.focus();
}

window.addEventListener('ff:unauthorized', (e) => {
  if (!state.me) return; // signing in: the form shows it
  clearToken();
  signIn(`You were signed out. ${e.detail.message}`);
});

document.getElementById('signout').addEventListener('click', () => {
  clearToken();
  signIn();
});

document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  (main.querySelector('h1') || main).focus();
});

// "/" focuses the search field of the screen, as in many tools.
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target.closest('input, textarea, select, [contenteditable], dialog')) return;
  const search = main.querySelector('input[type="search"]');
  if (search) {
    e.preventDefault();
    search.focus();
    search.select();
  }
});

/**
 * start learns who is signed in (GET /me), loads the data and shows the
 * page. It throws ApiError when the token is refused.
 */
async function start() {
  // The flags are read while /me answers: one round trip less before the
  // list shows. A refusal is handled through /me's answer. On the list's
  // default view its first page shows while the rest loads (filters and
  // other screens need every flag).
  const { path, query } = parseHash();
  const firstPage = /^\/flags\/?$/.test(path) && !query.size && !state.loaded;
  const loading = refresh({ firstPage });
  loading.catch(() => {});
  let me;
  try {
    me = (await api('GET', '/me')).data;
  } catch (err) {
    if (err.status === 401) {
      if (hasToken()) throw err;
      signIn();
      return;
    }
    throw err;
  }
  state.me = me;
  renderHeader();
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading flags…'));
  const all = loading.catch(() => refresh());
  await (firstPage ? Promise.race([all, firstScreen]) : all);
  render();
  await all;
  stopLive?.();
  stopLive = startLive(setLive);
}

start().catch((err) => {
  if (err.status === 401 || err.status === 403) { // a kept token no longer signs in
    clearToken();
    signIn(err.message);
    return;
  }
  main.replaceChildren(h('div', { class: 'empty' },
    h('h1', null, 'The server cannot be reached'),
    h('p', null, err.message),
    h('button', { class: 'btn', onclick: () => location.reload() }, 'Try again')));
  toast(err.message, { kind: 'error' });
});
