// The UI's copy of the server's state: flags (by id), environments and
// segments, who is signed in, and the toggles still in flight. Screens
// subscribe to changes; refresh() reconciles with the server and reports
// only what changed, so screens re-render only that.

import { api } from './api.js';

export const state = {
  me: null, // {id, name, role, authRequired}
  flags: new Map(), // id → flag, as GET /flags answers it
  envs: [], // environment names, in creation order
  environments: [], // [{name, createdAt}]
  segments: [], // as GET /segments answers
  loaded: false,
  partial: false, // only the list's first page is in flags: the rest is on its way
  revision: null, // the revision GET /flags last answered
  listTag: null, // its ETag, for If-None-Match
};

/** What the signed-in role may do. */
export const can = {
  get write() { return ['admin', 'editor'].includes(state.me?.role); },
  get admin() { return state.me?.role === 'admin'; },
};

const listeners = new Set();

/** subscribe calls fn({flags: Set of ids, envs, segments, remote, partial})
 * on changes; partial: the list was, or still is, only its first page. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function emit(change) {
  const c = { flags: new Set(), envs: false, segments: false, remote: false, partial: false, ...change };
  for (const fn of [...listeners]) fn(c);
}

// Local writes win over a refresh that was already under way when they
// happened: such a refresh may carry the state from before them.
const touched = new Map(); // id → time of the last local write or delete

/** putFlag records a flag as a local write answered it. */
export function putFlag(flag) {
  touched.set(flag._id, performance.now());
  const old = state.flags.get(flag._id);
  if (old && old.version > flag.version) return;
  state.flags.set(flag._id, flag);
  emit({ flags: new Set([flag._id]) });
}

export function removeFlag(id) {
  touched.set(id, performance.now());
  if (state.flags.delete(id)) emit({ flags: new Set([id]) });
}

export function flagByName(name) {
  for (const f of state.flags.values()) if (f.name === name || f._id === name) return f;
  return null;
}

let inflight = null;
let again = false;

/** FIRST_PAGE is how many flags the first screen of the list asks for
 * (GET /flags?limit=) while the whole list loads: more than a window holds. */
const FIRST_PAGE = 50;

let shown;
/** firstScreen resolves once the state holds enough to show a first screen:
 * the list's first page with the environments, or everything. */
export const firstScreen = new Promise((resolve) => { shown = resolve; });

/**
 * refresh reads flags, environments and segments and applies what changed;
 * concurrent calls share one request (and one more runs after it, so no
 * change is missed). With firstPage, a first load also asks for the list's
 * first page and shows it while the whole list is on its way: with
 * thousands of flags the whole list takes the server and the page far
 * longer to make and read than the rows a window shows.
 */
export function refresh({ firstPage = false } = {}) {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      do {
        again = false;
        await load(firstPage && !state.loaded);
        firstPage = false;
      } while (again);
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

async function load(firstPage) {
  const started = performance.now();
  const since = state.listTag == null ? {} : { 'If-None-Match': state.listTag };
  const page = firstPage ? api('GET', `/flags?limit=${FIRST_PAGE}`) : null;
  const envsAsked = api('GET', '/environments');
  const all = Promise.all([api('GET', '/flags', { headers: since }), envsAsked, api('GET', '/segments')]);
  if (page) showFirstPage(page, envsAsked, all, started);
  const [flags, envs, segs] = await all;
  const change = { flags: new Set(), envs: false, segments: false, remote: state.loaded, partial: state.partial };
  state.partial = false;

  const names = envs.data.map((e) => e.name);
  if (names.join('\n') !== state.envs.join('\n')) change.envs = true;
  state.environments = envs.data;
  state.envs = names;

  const segKey = (list) => list.map((s) => `${s._id}:${s.version}`).join(',');
  if (segKey(segs.data) !== segKey(state.segments)) change.segments = true;
  state.segments = segs.data;

  if (flags.status === 304) {
    if (change.envs) for (const id of state.flags.keys()) change.flags.add(id);
  } else {
    const seen = apply(flags.data, started, change);
    for (const id of state.flags.keys()) {
      if (!seen.has(id) && !recent(id, started)) {
        state.flags.delete(id);
        change.flags.add(id);
      }
    }
    state.revision = flags.version ?? null;
    state.listTag = flags.headers.get('ETag');
  }
  for (const [id, t] of touched) if (t < started - 60000) touched.delete(id);
  state.loaded = true;
  shown();
  if (change.flags.size || change.envs || change.segments || change.partial) emit(change);
  return change;
}

/** showFirstPage puts the list's first page and the environments in the
 * state, unless the whole list came first. */
async function showFirstPage(page, envsAsked, all, started) {
  let whole = false;
  all.then(() => { whole = true; }, () => {});
  let flags;
  let envs;
  try {
    [flags, envs] = await Promise.all([page, envsAsked]);
  } catch {
    return; // the whole load reports it
  }
  if (whole || state.loaded) return;
  state.environments = envs.data;
  state.envs = envs.data.map((e) => e.name);
  state.partial = true;
  const change = { flags: new Set(), envs: true, segments: false, remote: false, partial: true };
  apply(flags.data, started, change);
  shown();
  emit(change);
}

const recent = (id, since) => (touched.get(id) ?? -1) > since;

/**
 * apply records flags as the server answered them, unless a local write
 * since started is newer; it adds the ids it changed to change.flags and
 * returns the ids it saw. newerOnly keeps versions already newer.
 */
function apply(list, started, change, newerOnly = false) {
  const seen = new Set();
  for (const f of list) {
    seen.add(f._id);
    const old = state.flags.get(f._id);
    if (old && recent(f._id, started) && old.version >= f.version) continue;
    if (!old && recent(f._id, started)) continue; // deleted here meanwhile
    if (newerOnly && old && old.version > f.version) continue; // a later event's answer came first
    if (!old || old.version !== f.version || change.envs) {
      state.flags.set(f._id, f);
      change.flags.add(f._id);
    }
  }
  return seen;
}

/**
 * applyEvent applies a change event of the live stream ({revision, from,
 * flags}). When this copy is at the event's "from" revision, only the flags
 * it names are read (GET /flags?names=); it resolves false when it cannot
 * (a reset, a missed event) and the caller should refresh() instead.
 */
export async function applyEvent(ev) {
  if (!state.loaded || !Array.isArray(ev.flags) || ev.from !== state.revision || inflight) return false;
  state.revision = ev.revision; // the next event follows this one
  state.listTag = null; // the list changed since the tag was given
  const started = performance.now();
  const res = await api('GET', `/flags?names=${ev.flags.map(encodeURIComponent).join(',')}`);
  const change = { flags: new Set(), envs: false, segments: false, remote: true };
  const seen = apply(res.data, started, change, true);
  for (const name of ev.flags) {
    const gone = flagByName(name);
    if (gone && !seen.has(gone._id) && !recent(gone._id, started)) {
      state.flags.delete(gone._id);
      change.flags.add(gone._id);
    }
  }
  if (change.flags.size) emit(change);
  return true;
}

// ---- toggles ----

/** pending: "id|env" → the state a toggle in flight is switching to. */
export const pending = new Map();

/** shownState is what a switch shows: the toggle in flight, else the flag's state. */
export function shownState(flag, env) {
  const k = `${flag._id}|${env}`;
  return pending.has(k) ? pending.get(k) : !!flag.environments?.[env];
}
