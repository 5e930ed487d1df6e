// The location hash is the UI's address: "#/flags/new-checkout?tab=history".
// Screens keep their state (filters, tabs) in its query, so links and the
// back button work.

let shown = '';

/** parseHash splits the hash into its path and query. */
export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/flags';
  const i = raw.indexOf('?');
  return { path: i < 0 ? raw : raw.slice(0, i), query: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

/** setQuery rewrites the hash's query without a history entry or a render. */
export function setQuery(values) {
  const { path, query } = parseHash();
  for (const [k, v] of Object.entries(values)) {
    if (v === '' || v == null) query.delete(k);
    else query.set(k, v);
  }
  const qs = query.toString();
  shown = `#${path}${qs ? `?${qs}` : ''}`;
  if (shown !== location.hash) history.replaceState(null, '', shown);
}

/** shownHash is the hash of the screen on display. */
export const shownHash = () => shown;
export const setShownHash = (h) => { shown = h; };
