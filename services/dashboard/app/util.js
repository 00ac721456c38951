// util.js - DOM building, colours, formatting and CSV export.
import { getLang, t } from './i18n.js';

// h('div', {class: 'x', onclick: f}, child, 'text', ...) - an element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// The four warning levels of Chinese emergency practice, most severe first.
export const LEVELS = ['red', 'orange', 'yellow', 'blue'];
export const LEVEL_COLOR = {
  red: '#e5484d', orange: '#f76b15', yellow: '#e2b714', blue: '#3e8ed0', none: '#8a94a6',
};
export const levelColor = (l) => LEVEL_COLOR[l] || LEVEL_COLOR.none;
export const levelBadge = (l) =>
  h('span', { class: `badge lv-${l || 'none'}` }, t(`level.${l || 'none'}`));

// Score 0..100 to a colour from blue through yellow to red.
export function scoreColor(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return LEVEL_COLOR.none;
  if (s >= 75) return LEVEL_COLOR.red;
  if (s >= 50) return LEVEL_COLOR.orange;
  if (s >= 25) return LEVEL_COLOR.yellow;
  return LEVEL_COLOR.blue;
}

export function fmtNum(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '–';
  return Number(v).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    maximumFractionDigits: digits,
  });
}

export function fmtTime(s) {
  if (!s) return '–';
  const d = new Date(s);
  return d.toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

export function fmtDate(s) {
  if (!s) return '–';
  return String(s).slice(0, 10);
}

// Cities of the map (filled from the GeoJSON) by GB/T 2260 code.
export const cityNames = new Map();
export function regionName(code) {
  if (!code) return '–';
  const c = String(code);
  return cityNames.get(c) || cityNames.get(`${c.slice(0, 4)}00`) || c;
}

// GB/T 4754-2017 classes the simulated province uses.
const INDUSTRY = {
  C2613: ['碳酸锂', 'lithium carbonate'], C3985: ['电子专用材料', 'electronic materials'],
  C3841: ['锂离子电池', 'lithium-ion cells'], C3670: ['汽车零部件', 'vehicle parts'],
  C3812: ['电动机', 'electric motors'], C3612: ['新能源整车', 'new-energy vehicles'],
  C3981: ['电子元件', 'electronic components'], C3982: ['印制电路板', 'printed circuit boards'],
  C3921: ['通信终端', 'mobile phones'], C2822: ['涤纶纤维', 'polyester fibre'],
  C1711: ['棉纺纱', 'yarn'], C1712: ['棉织造', 'greige cloth'], C1713: ['印染', 'dyeing'],
  C1810: ['服装', 'garments'],
};
export function industryName(code) {
  const n = INDUSTRY[code];
  return n ? n[getLang() === 'zh' ? 0 : 1] : code || '–';
}

// Rows of objects to CSV text (RFC 4180) and a download.
export function toCsv(columns, rows) {
  const esc = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map((c) => esc(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => esc(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function download(name, text, type = 'text/csv;charset=utf-8') {
  const blob = new Blob(['\ufeff', text], { type }); // BOM: Excel reads UTF-8
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}

// A panel with a title bar; body is filled by the caller.
export function panel(titleKey, cls = '', ...tools) {
  const body = h('div', { class: 'panel-body' });
  const el = h('section', { class: `panel ${cls}` },
    h('div', { class: 'panel-head' }, h('h2', {}, t(titleKey)), h('div', { class: 'tools' }, ...tools)),
    body);
  return { el, body };
}

export function showMessage(body, text, cls = 'msg') {
  body.replaceChildren(h('div', { class: cls }, text));
}

// Shows why a part could not be filled: a missing route or another error.
export function showError(body, err) {
  const why = err && err.status ? `${err.path || ''} → ${err.status} ${err.message}` : String(err && err.message || err);
  showMessage(body, t(err && err.status && err.status !== 500 ? 'common.unavailable' : 'common.error', { why }), 'msg warn');
}

let toastTimer;
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3000);
}

// One ECharts instance per element, resized with the window.
const charts = new Set();
// Under browser automation (navigator.webdriver: the end-to-end tests)
// charts draw at once, so that screenshots show the final picture.
const ANIMATE = !navigator.webdriver;
export function chart(el) {
  const c = echarts.init(el, null, { renderer: 'canvas' });
  if (!ANIMATE) {
    const set = c.setOption.bind(c);
    c.setOption = (opt, ...rest) => set({ animation: false, ...opt }, ...rest);
  }
  charts.add(c);
  return c;
}
export function disposeCharts() {
  for (const c of charts) c.dispose();
  charts.clear();
}
window.addEventListener('resize', () => { for (const c of charts) c.resize(); });
