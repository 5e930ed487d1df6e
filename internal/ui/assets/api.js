// The API client: every request of the UI goes through api(), which sends
// the signed-in token, JSON bodies and If-Match versions, and turns error
// answers ({"error","field","limit"}) into ApiError.

const KEY = 'featureflags.token';

let token = sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';

/** setToken signs in; remember keeps the token beyond this browser tab. */
export function setToken(t, remember) {
  token = t;
  sessionStorage.setItem(KEY, t);
  if (remember) localStorage.setItem(KEY, t);
  else localStorage.removeItem(KEY);
}

export function clearToken() {
  token = '';
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

export const hasToken = () => token !== '';

/** authHeaders returns headers carrying the token, if there is one. */
export function authHeaders(extra = {}) {
  const headers = { ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/**
 * sentence makes a message of the API read as a sentence for people:
 * capitalised, ending with a full stop.
 */
export function sentence(msg) {
  const s = String(msg || '').trim();
  if (!s) return s;
  return s[0].toUpperCase() + s.slice(1) + (/[.!?)]$/.test(s) ? '' : '.');
}

/** ApiError is an error answer: status, the API's message (as a sentence), field and limit. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    const b = body && typeof body === 'object' ? body : {};
    super(sentence(b.error || b.errorDetails || (status ? `The server answered ${status}.` : 'The request failed.')));
    this.status = status;
    this.field = b.field || '';
    this.limit = b.limit || '';
    this.code = b.errorCode || ''; // OFREP's error code, e.g. FLAG_NOT_FOUND
    this.retryAfter = headers ? Number(headers.get('Retry-After')) || 0 : 0;
  }
}

/** The message for a 412: someone else changed the item first. */
export const STALE = 'It was changed elsewhere since you loaded it, so nothing was saved. Reload to see the latest version, then make your change again.';

/**
 * api sends one request. body is sent as JSON; ifMatch (a version) as
 * If-Match. It resolves to {data, status, version (from the ETag), headers}
 * and rejects with ApiError. A 401 also fires "ff:unauthorized" so the app
 * can ask for a token again.
 */
export async function api(method, path, { body, ifMatch, headers, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal, cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (ifMatch != null) init.headers['If-Match'] = `"${ifMatch}"`;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: 'The server cannot be reached. Check the connection and try again.' });
  }
  const etag = res.headers.get('ETag');
  // A flag's tag is its version; the list's is "revision.usage" (the
  // last-evaluated times move without a revision): the number before the dot.
  const version = etag ? Number(etag.replace(/^W\//, '').replaceAll('"', '').split('.')[0]) : undefined;
  let data = null;
  if (res.status !== 204 && res.status !== 304) {
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = { error: text.slice(0, 300) }; }
    }
  }
  if (!res.ok && res.status !== 304) { // 304: the If-None-Match caller keeps its copy
    const err = new ApiError(res.status, data, res.headers);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('ff:unauthorized', { detail: err }));
    throw err;
  }
  return { data, status: res.status, version, headers: res.headers };
}

/** path segment: names may hold "." but never "/", still encode. */
export const seg = (s) => encodeURIComponent(s);
