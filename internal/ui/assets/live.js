// Live updates: changes made elsewhere (another browser, the API, the CLI)
// show without a reload. The server's event stream (GET /events, server-sent
// events, "event: change" on every change) is read with fetch, which unlike
// EventSource can send the token. A server without it (404) is polled
// instead: GET /flags every 3 s while the page is visible, answered 304
// while nothing changed. A change event names the flags it touched and the
// revision it was made on: a copy at that revision reads just those
// (applyEvent); anything else leads to one refresh(). Either way only what
// changed is re-rendered.

import { authHeaders } from './api.js';
import { state, refresh, applyEvent } from './store.js';
import { debounce } from './dom.js';

export const POLL_MS = 3000;

/**
 * startLive starts following changes; onMode(mode) hears "stream", "poll",
 * "reconnecting" or "offline". It returns a function that stops it.
 */
export function startLive(onMode) {
  let stopped = false;
  let ctrl = null;
  let timer = null;
  let backoff = 1000;

  const update = debounce(() => {
    refresh().then(() => onMode(mode), () => onMode('offline'));
  }, 150);
  let mode = '';
  // changed applies one event, falling back to a full refresh.
  const changed = (data) => {
    let ev = null;
    try { ev = JSON.parse(data); } catch { /* not JSON: refresh */ }
    if (!ev) return update();
    applyEvent(ev).then((done) => { if (!done) update(); }, () => update());
  };
  const setMode = (m) => { mode = m; onMode(m); };

  async function stream() {
    if (stopped) return;
    ctrl = new AbortController();
    let res;
    try {
      // Last-Event-ID: the server tells at once of any revision after the
      // one this copy has, so connecting needs no catch-up fetch.
      const since = state.revision == null ? {} : { 'Last-Event-ID': String(state.revision) };
      res = await fetch('/events', {
        headers: authHeaders({ Accept: 'text/event-stream', ...since }), signal: ctrl.signal, cache: 'no-store',
      });
    } catch (e) {
      if (stopped) return;
      return retry();
    }
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok || !type.startsWith('text/event-stream')) {
      res.body?.cancel().catch(() => {});
      if (res.status === 401) return setMode('offline'); // the app asks for a token again
      if (res.status >= 500 && res.status !== 501) return retry();
      return poll(); // 404 and the like: this server has no event stream
    }
    backoff = 1000;
    setMode('stream');
    if (state.revision == null) update(); // else the server says if we are behind
    try {
      await read(res.body, (event, data) => {
        if (event === 'change' || event === 'message') changed(data);
      });
    } catch {
      // the connection broke: reconnect
    }
    if (!stopped) retry();
  }

  function retry() {
    setMode('reconnecting');
    setTimeout(stream, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }

  function poll() {
    setMode('poll');
    const tick = () => {
      if (stopped) return;
      if (!document.hidden) update();
      timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
  }

  const onVisible = () => { if (!document.hidden && mode === 'poll') update(); };
  document.addEventListener('visibilitychange', onVisible);
  stream();
  return () => {
    stopped = true;
    ctrl?.abort();
    clearTimeout(timer);
    update.cancel();
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/** read parses a server-sent event stream, calling onEvent(name, data, id). */
async function read(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let event = '';
  let data = [];
  let id = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length || event) onEvent(event || 'message', data.join('\n'), id);
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment: heartbeat
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') event = val;
      else if (name === 'data') data.push(val);
      else if (name === 'id') id = val;
    }
  }
}
