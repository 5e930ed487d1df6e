// Narrow screens (≤ 720 px, see app.css): the main navigation collapses
// into a menu behind one button, and table cells carry their column's name
// (data-label) so that each row can be shown as a stack of labelled values.

/** startMenu wires the Menu button: it opens and closes the navigation,
 * which closes again on Escape, on leaving it and after navigating. */
export function startMenu() {
  const button = document.getElementById('menu');
  const nav = document.getElementById('mainnav');
  const bar = button.closest('.topbar');
  const set = (open) => {
    bar.classList.toggle('menu-open', open);
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => set(!bar.classList.contains('menu-open')));
  window.addEventListener('hashchange', () => set(false));
  nav.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && bar.classList.contains('menu-open')) {
      set(false);
      button.focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (!bar.contains(e.target)) set(false);
  });
}

/** trackTopbar keeps --topbar-h the top bar's height, which changes as its
 * links wrap: the flag list's header sticks right under it. */
export function trackTopbar() {
  const bar = document.querySelector('.topbar');
  new ResizeObserver(() => document.documentElement.style.setProperty('--topbar-h', `${bar.offsetHeight}px`)).observe(bar);
}

/** labelCells gives every cell of table.table elements in root the text of
 * its column's header as data-label, as tables are added or rebuilt. */
export function labelCells(root) {
  const label = (table) => {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => {
        if (heads[i] && td.dataset.label !== heads[i]) td.dataset.label = heads[i];
      });
    }
  };
  const sweep = () => root.querySelectorAll('table.table').forEach(label);
  new MutationObserver(sweep).observe(root, { childList: true, subtree: true });
  sweep();
}

/** envColumns is how many environment switches fit side by side in a flag
 * row width px wide at the narrow layout, with columns of at least colW. */
export function envColumns(width, colW, envs) {
  const gap = 8;
  const padding = 24; // the row's, left and right
  const fit = Math.floor((width - padding + gap) / ((colW || 96) + gap));
  return Math.max(1, Math.min(envs || 1, fit));
}
