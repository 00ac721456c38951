// main.js - login, the header, language switching and hash routing:
//   #/login              paste a bearer token
//   #/cockpit            bureau (and admin): map, chain graph, KPIs, alerts, scenarios
//   #/suppliers          enterprise: supplier risk table, tiers 1..n
//   #/forecasts          enterprise: demand forecasts and stock recommendations
//   #/e/{uscc}           one enterprise (drill-down / supplier page)
import { api, ApiError, setUnauthorizedHandler, token } from './api.js';
import { applyI18n, getLang, setLang, t } from './i18n.js';
import { h, disposeCharts, toast } from './util.js';

const view = document.getElementById('view');
const state = { me: null, cleanup: [] };

setUnauthorizedHandler(() => {
  token.clear();
  state.me = null;
  if (location.hash !== '#/login') location.hash = '#/login';
});

// Views call this when their main content has rendered with data: the
// page records which view and when (ms since navigation started), for the
// end-to-end test's load-time figure.
window.csReady = (what) => {
  document.body.dataset.ready = what;
  document.body.dataset.readyAt = String(Math.round(performance.now()));
};

// Views call this when a part has rendered: the map's time, for instance,
// is when the user first sees data (ms since navigation started).
window.csMark = (what) => {
  document.body.dataset[`${what}At`] = String(Math.round(performance.now()));
};

// Registered by a view to stop its timers when another view replaces it.
export function onLeave(fn) { state.cleanup.push(fn); }
export const me = () => state.me;

function navItems() {
  const role = state.me && state.me.role;
  if (role === 'bureau' || role === 'admin') return [['#/cockpit', 'nav.cockpit']];
  if (role === 'enterprise')
    return [['#/suppliers', 'nav.suppliers'], ['#/forecasts', 'nav.forecasts'],
      [`#/e/${state.me.enterprise}`, 'nav.enterprise']];
  return [];
}

function renderHeader() {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...navItems().map(([href, key]) =>
    h('a', { href, class: location.hash.startsWith(href) ? 'active' : '' }, t(key))));
  const who = document.getElementById('who');
  who.textContent = state.me ? `${t(`role.${state.me.role}`)} · ${state.me.name}` : '';
  document.getElementById('logout').hidden = !state.me;
  document.getElementById('lang').textContent = getLang() === 'zh' ? 'EN' : '中文';
  applyI18n(document.getElementById('top'));
  document.title = t('app.title');
}

function loginView() {
  const input = h('textarea', {
    id: 'token', rows: 2, spellcheck: 'false', autocomplete: 'off',
    placeholder: 'cs_…', 'aria-label': t('login.token'),
  });
  const err = h('div', { class: 'msg warn', hidden: true });
  const form = h('form', { class: 'login', id: 'login-form' },
    h('h1', {}, t('app.title')),
    h('p', {}, t('login.hint')),
    h('label', { for: 'token' }, t('login.token')), input, err,
    h('button', { type: 'submit', class: 'primary' }, t('login.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const tok = input.value.trim();
    if (!tok) return;
    token.set(tok);
    try {
      await loadMe();
      location.hash = home();
    } catch (e) {
      token.clear();
      err.hidden = false;
      err.textContent = e instanceof ApiError && e.status === 401 ? t('login.bad') : String(e.message);
    }
  });
  view.replaceChildren(form);
  input.focus();
  window.csReady('login');
}

async function loadMe() {
  state.me = await api('/v1/me');
  if (!['bureau', 'admin', 'enterprise'].includes(state.me.role)) {
    const role = state.me.role;
    state.me = null;
    throw new Error(t('login.role_unsupported', { role }));
  }
}

function home() {
  if (!state.me) return '#/login';
  return state.me.role === 'enterprise' ? '#/suppliers' : '#/cockpit';
}

async function route() {
  for (const fn of state.cleanup.splice(0)) fn();
  delete document.body.dataset.ready;
  disposeCharts();
  const hash = location.hash || '#/';
  if (!state.me && token.get()) {
    try { await loadMe(); } catch { token.clear(); }
  }
  renderHeader();
  if (!state.me) {
    if (hash !== '#/login') { location.hash = '#/login'; return; }
    loginView();
    return;
  }
  const m = hash.match(/^#\/([a-z]+)(?:\/(.*))?$/);
  const page = m ? m[1] : '';
  const arg = m && m[2] ? decodeURIComponent(m[2]) : '';
  view.replaceChildren(h('div', { class: 'msg' }, t('common.loading')));
  try {
    if (page === 'cockpit' && state.me.role !== 'enterprise') {
      (await import('./bureau.js')).render(view, state.me);
    } else if (page === 'suppliers' && state.me.role === 'enterprise') {
      (await import('./enterprise.js')).renderSuppliers(view, state.me);
    } else if (page === 'forecasts' && state.me.role === 'enterprise') {
      (await import('./enterprise.js')).renderForecasts(view, state.me);
    } else if (page === 'e' && arg) {
      (await import('./enterprise.js')).renderEnterprise(view, state.me, arg);
    } else {
      location.hash = home();
    }
  } catch (e) {
    view.replaceChildren(h('div', { class: 'msg warn' }, t('common.error', { why: e.message })));
  }
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'zh' ? 'en' : 'zh');
  route();
});
document.getElementById('logout').addEventListener('click', () => {
  token.clear();
  state.me = null;
  location.hash = '#/login';
});
window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (ev) => {
  toast(t('common.error', { why: ev.reason && ev.reason.message }));
});
setLang(getLang());
route();
