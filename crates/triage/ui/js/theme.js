// Light and dark themes: the system's preference by default, or the one the operator picks
// with the toggle (kept in localStorage). The stylesheet reads `data-theme` on <html>.

const KEY = 'triage.theme';
const ORDER = ['auto', 'light', 'dark'];
const LABEL = { auto: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

function stored() {
  const t = localStorage.getItem(KEY);
  return ORDER.includes(t) ? t : 'auto';
}

function apply(button, theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  button.textContent = LABEL[theme];
  button.dataset.theme = theme;
}

/** Wires the toggle button: system → light → dark → system. */
export function initTheme(button) {
  let theme = stored();
  apply(button, theme);
  button.addEventListener('click', () => {
    theme = ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length];
    localStorage.setItem(KEY, theme);
    apply(button, theme);
  });
}
