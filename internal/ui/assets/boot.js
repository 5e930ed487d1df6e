// The first reads, started as soon as the page is parsed (index.html loads
// this module on its own, async), while the other modules are still on
// their way: on a slow link the list of flags is most of the first load,
// and asking for it needs only the token. api() takes each answer once,
// for the same request with the same token (takeEarly); anything else is
// fetched as usual.

const KEY = 'featureflags.token'; // as api.js keeps it
const token = sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';
const early = new Map();
for (const path of ['/flags', '/environments', '/segments', '/me']) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = fetch(path, { headers, cache: 'no-store', priority: 'high' });
  res.catch(() => {}); // a failure is seen by whoever takes it
  early.set(path, res);
}

/** takeEarly returns the early answer to GET path made with token, once. */
export function takeEarly(path, withToken) {
  const res = early.get(path);
  early.delete(path);
  return withToken === token ? res : undefined;
}
