// enterprise.js - the enterprise views: the supplier risk table (tiers
// 1..n, score, level, trend sparkline, top reasons, single-source flags;
// filter, sort, CSV export), one enterprise's page (score history,
// components, deliveries, events nearby, alternatives, suppliers and
// customers) and the demand forecasts with stock recommendations.
import { alertList } from './alerts.js';
import { api } from './api.js';
import { indicatorName, t } from './i18n.js';
import { onLeave } from './main.js';
import { loadMap } from './geo.js';
import {
  LEVELS, chart, download, fmtDate, fmtNum, fmtTime, h, industryName, levelBadge, levelColor,
  panel, regionName, scoreColor, showError, showMessage, toCsv,
} from './util.js';

const MAX_TIER = 6;
const SPARK_CONCURRENCY = 3;

// Runs fn over items, n at a time; stops when alive() turns false.
async function pool(items, n, fn, alive) {
  let i = 0;
  const worker = async () => {
    while (i < items.length && alive()) {
      const it = items[i++];
      try { await fn(it); } catch { /* shown per row */ }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
}

function topReasons(risk, n = 2) {
  const comps = (risk && risk.components) || [];
  return comps.filter((c) => (c.contribution || 0) > 0).slice(0, n).map((c) => indicatorName(c.indicator));
}

function sparkline(history) {
  const c = h('canvas', { class: 'spark', width: 90, height: 22 });
  const pts = (history || []).map((p) => p.score).filter((v) => v !== null && v !== undefined);
  const g = c.getContext('2d');
  if (pts.length < 2) {
    g.fillStyle = '#4a5568';
    g.fillRect(0, 10, 90, 1);
    return c;
  }
  const min = Math.min(...pts), max = Math.max(...pts), span = Math.max(1, max - min);
  g.strokeStyle = scoreColor(pts[pts.length - 1]);
  g.lineWidth = 1.5;
  g.beginPath();
  pts.forEach((v, i) => {
    const x = (i / (pts.length - 1)) * 88 + 1, y = 20 - ((v - min) / span) * 18;
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  c.dataset.points = String(pts.length);
  return c;
}

// ---- supplier table -------------------------------------------------------

export async function renderSuppliers(view, me) {
  let alive = true;
  onLeave(() => { alive = false; });
  const mapLoaded = loadMap().catch(() => {}); // city names for the region column
  const kpis = h('div', { class: 'kpis', id: 'ent-kpis' });
  const p = panel('nav.suppliers', 'p-suppliers');
  const myAlerts = panel('alerts.title', 'p-my-alerts');
  const alts = panel('ent.alternatives', 'p-my-alts');
  view.replaceChildren(h('div', { class: 'ent-home' }, kpis, p.el, myAlerts.el, alts.el));
  let data, mine = null, myAlertItems = null;
  // the alternatives are the slowest read: they fill in when they come
  const altsDone = loadAlternatives(me.enterprise, alts.body).catch((e) => showError(alts.body, e));
  try {
    [data, mine] = await Promise.all([
      api(`/v1/enterprises/${me.enterprise}/suppliers`, { query: { max_tier: MAX_TIER } }),
      api(`/v1/enterprises/${me.enterprise}/risk`, { query: { days: 30 } }).catch(() => null),
      api('/v1/alerts', { query: { status: 'live', limit: 20 } }).then((r) => { myAlertItems = r.items || []; },
        (e) => showError(myAlerts.body, e)),
      mapLoaded,
    ]);
  } catch (e) { showError(p.body, e); window.csReady('suppliers'); return; }
  const rows = (data.items || []).map((it) => ({ ...it, risk: null, reasons: [] }));
  if (myAlertItems) {
    const names = new Map(rows.map((r) => [r.uscc, r.name]));
    if (mine) names.set(me.enterprise, mine.name);
    if (myAlertItems.length) myAlerts.body.replaceChildren(alertList(myAlertItems, names, 'my-alerts'));
    else showMessage(myAlerts.body, t('alerts.none'));
  }
  kpis.replaceChildren(
    ...(mine ? [h('div', { class: 'kpi wide' }, h('div', { class: 'v' }, mine.name || me.enterprise),
      h('div', { class: 'k' }, `${t('table.score')} ${fmtNum(mine.score)} · ${t(`level.${mine.level || 'none'}`)}`))] : []),
    h('div', { class: 'kpi' }, h('div', { class: 'v' }, rows.length), h('div', { class: 'k' }, t('ent.suppliers'))),
    ...LEVELS.map((l) => h('div', { class: `kpi lv-${l}` }, h('div', { class: 'v' }, rows.filter((r) => r.level === l).length),
      h('div', { class: 'k' }, t(`level.${l}`)))),
    h('div', { class: 'kpi lv-orange' }, h('div', { class: 'v' }, rows.filter((r) => r.single_source).length),
      h('div', { class: 'k' }, t('table.single'))));
  const st = { q: '', level: '', tier: '', sort: 'score', dir: -1 };
  const search = h('input', { type: 'search', id: 'sup-filter', placeholder: t('table.filter') });
  const levelSel = h('select', { id: 'sup-level' }, h('option', { value: '' }, t('table.all_levels')),
    ...LEVELS.map((l) => h('option', { value: l }, t(`level.${l}`))));
  const tiers = [...new Set(rows.map((r) => r.tier))].sort((a, b) => a - b);
  const tierSel = h('select', { id: 'sup-tier' }, h('option', { value: '' }, t('table.all_tiers')),
    ...tiers.map((n) => h('option', { value: n }, t('graph.tier', { n }))));
  const count = h('span', { class: 'sub', id: 'sup-count' });
  const exportBtn = h('button', { type: 'button', id: 'sup-export' }, t('table.export'));
  const cols = [
    { key: 'tier', label: t('table.tier'), value: (r) => r.tier },
    { key: 'name', label: t('table.enterprise'), value: (r) => r.name || '' },
    { key: 'uscc', label: t('table.code'), value: (r) => r.uscc },
    { key: 'region', label: t('table.region'), value: (r) => regionName(r.region_code) },
    { key: 'industry', label: t('table.industry'), value: (r) => industryName(r.industry_code) },
    { key: 'score', label: t('table.score'), value: (r) => (r.score === null || r.score === undefined ? '' : Number(r.score).toFixed(1)) },
    { key: 'level', label: t('table.level'), value: (r) => (r.level ? t(`level.${r.level}`) : '') },
    { key: 'single', label: t('table.single'), value: (r) => (r.single_source ? t('table.yes') : '') },
    { key: 'reasons', label: t('table.reasons'), value: (r) => r.reasons.join('; ') },
  ];
  const sortable = { tier: (r) => r.tier, name: (r) => r.name || '', score: (r) => r.score ?? -1,
    level: (r) => LEVELS.length - LEVELS.indexOf(r.level), single: (r) => (r.single_source ? 1 : 0) };
  const visible = () => {
    const q = st.q.toLowerCase();
    return rows.filter((r) => (!st.level || r.level === st.level) && (!st.tier || String(r.tier) === st.tier) &&
      (!q || `${r.name} ${r.uscc} ${r.reasons.join(' ')}`.toLowerCase().includes(q)))
      .sort((a, b) => {
        const f = sortable[st.sort];
        const x = f(a), y = f(b);
        return (x < y ? -1 : x > y ? 1 : 0) * st.dir || a.uscc.localeCompare(b.uscc);
      });
  };
  const th = (key, label) => {
    const el = h('th', { class: sortable[key] ? `sort ${st.sort === key ? (st.dir > 0 ? 'asc' : 'desc') : ''}` : '', dataset: { key } }, label);
    if (sortable[key]) el.addEventListener('click', () => {
      st.dir = st.sort === key ? -st.dir : (key === 'name' || key === 'tier' ? 1 : -1);
      st.sort = key;
      draw();
    });
    return el;
  };
  const table = h('table', { class: 'grid', id: 'supplier-table' });
  const rowEls = new Map();
  function rowEl(r) {
    const tr = h('tr', { class: 'click', dataset: { uscc: r.uscc }, onclick: () => { location.hash = `#/e/${r.uscc}`; } },
      h('td', {}, r.tier),
      h('td', {}, h('div', {}, r.name || r.uscc), h('div', { class: 'sub' }, r.uscc)),
      h('td', {}, regionName(r.region_code)),
      h('td', {}, industryName(r.industry_code)),
      h('td', { class: 'num' }, fmtNum(r.score)),
      h('td', {}, levelBadge(r.level)),
      h('td', { class: 'spark-cell' }, r.risk ? sparkline(r.risk.history) : '…'),
      h('td', { class: 'sub reasons' }, r.risk ? r.reasons.join('、') || '–' : '…'),
      h('td', {}, r.single_source ? h('span', { class: 'flag', title: t('table.single') }, '● ' + t('table.single')) : ''));
    rowEls.set(r.uscc, tr);
    return tr;
  }
  function draw() {
    const vis = visible();
    count.textContent = t('table.rows', { n: vis.length });
    table.replaceChildren(
      h('thead', {}, h('tr', {}, th('tier', t('table.tier')), th('name', t('table.enterprise')), th('region', t('table.region')),
        th('industry', t('table.industry')), th('score', t('table.score')), th('level', t('table.level')),
        th('trend', t('table.trend')), th('reasons', t('table.reasons')), th('single', t('table.single')))),
      h('tbody', {}, vis.map(rowEl)));
  }
  search.addEventListener('input', () => { st.q = search.value; draw(); });
  levelSel.addEventListener('change', () => { st.level = levelSel.value; draw(); });
  tierSel.addEventListener('change', () => { st.tier = tierSel.value; draw(); });
  exportBtn.addEventListener('click', () => {
    download(`suppliers-${me.enterprise}.csv`, toCsv(cols, visible()));
  });
  p.body.replaceChildren(h('div', { class: 'toolbar' }, search, levelSel, tierSel, exportBtn, count), table);
  if (!rows.length) { p.body.append(h('div', { class: 'msg' }, t('common.none'))); }
  draw();
  window.csReady('suppliers');
  // sparklines and reasons: one /risk read per supplier, nearest tiers first
  await pool(rows.slice().sort((a, b) => a.tier - b.tier || (b.score ?? 0) - (a.score ?? 0)), SPARK_CONCURRENCY, async (r) => {
    r.risk = await api(`/v1/enterprises/${r.uscc}/risk`, { query: { days: 60 } });
    r.reasons = topReasons(r.risk);
    const old = rowEls.get(r.uscc);
    if (old && old.isConnected) old.replaceWith(rowEl(r));
  }, () => alive);
  await altsDone;
  if (alive) table.dataset.loaded = 'true';
}

// ---- one enterprise ---------------------------------------------------------

export async function renderEnterprise(view, me, uscc) {
  await loadMap().catch(() => {});
  const head = h('div', { class: 'ent-head', id: 'ent-head' }, h('div', { class: 'msg' }, t('common.loading')));
  const hist = panel('ent.score_history');
  const comps = panel('ent.components');
  const deliv = panel('ent.deliveries');
  const events = panel('ent.events_near');
  const alts = panel('ent.alternatives');
  const sups = panel('ent.suppliers');
  const custs = panel('ent.customers');
  view.replaceChildren(head, h('div', { class: 'ent-grid' }, hist.el, comps.el, deliv.el, events.el,
    sups.el, custs.el, h('div', { class: 'wide' }, alts.el)));
  let ent = null;
  try {
    ent = await api(`/v1/enterprises/${uscc}`);
  } catch (e) { showError(head, e); window.csReady('enterprise'); return; }
  const back = h('button', { type: 'button', onclick: () => history.back() }, '← ' + t('ent.back'));
  head.replaceChildren(back, h('h1', { id: 'ent-name' }, ent.name || uscc),
    h('span', { class: 'sub' }, `${ent.uscc} · ${regionName(ent.region_code)} · ${industryName(ent.industry_code)}`),
    ent.capacity !== null && ent.capacity !== undefined ? h('span', { class: 'sub' }, `${t('ent.capacity')} ${fmtNum(ent.capacity, 0)} ${ent.capacity_unit || ''}`) : '',
    h('span', { class: 'score', style: `color:${levelColor(ent.level)}` }, fmtNum(ent.score)), levelBadge(ent.level));
  await Promise.all([
    loadRisk(uscc, hist.body, comps.body, deliv.body).catch((e) => { showError(hist.body, e); showError(comps.body, e); showError(deliv.body, e); }),
    loadEventsNear(ent, events.body).catch((e) => showError(events.body, e)),
    loadAlternatives(uscc, alts.body).catch((e) => showError(alts.body, e)),
    loadTier(uscc, 'suppliers', sups.body).catch((e) => showError(sups.body, e)),
    loadTier(uscc, 'customers', custs.body).catch((e) => showError(custs.body, e)),
  ]);
  window.csReady('enterprise');
}

const DELIVERY = ['on_time_rate', 'fill_rate', 'lead_time_mean_days', 'lead_time_cv', 'utilisation', 'production_drop_z'];

async function loadRisk(uscc, histBody, compBody, delivBody) {
  const r = await api(`/v1/enterprises/${uscc}/risk`, { query: { days: 180 } });
  const history = r.history || [];
  if (history.length) {
    const el = h('div', { class: 'chart small', id: 'history-chart' });
    histBody.replaceChildren(el);
    chart(el).setOption({
      tooltip: { trigger: 'axis' },
      grid: { left: 36, right: 12, top: 12, bottom: 24 },
      xAxis: { type: 'time', axisLabel: { color: '#8fa3bf' } },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
      visualMap: { show: false, pieces: [{ lt: 25, color: levelColor('blue') }, { gte: 25, lt: 50, color: levelColor('yellow') },
        { gte: 50, lt: 75, color: levelColor('orange') }, { gte: 75, color: levelColor('red') }] },
      series: [{ type: 'line', showSymbol: history.length < 30, symbolSize: 8, clip: false, data: history.map((p) => [p.at, p.score]) }],
    });
  } else showMessage(histBody, t('common.none'));
  const c = (r.components || []).slice().sort((a, b) => (b.contribution || 0) - (a.contribution || 0));
  if (c.length) {
    const el = h('div', { class: 'chart small', id: 'components-chart' });
    compBody.replaceChildren(r.explanation ? h('div', { class: 'sub' }, r.explanation) : '', el);
    chart(el).setOption({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 110, right: 16, top: 8, bottom: 20 },
      xAxis: { type: 'value', axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
      yAxis: { type: 'category', inverse: true, data: c.map((x) => indicatorName(x.indicator)), axisLabel: { color: '#c9d4e3' } },
      series: [{ type: 'bar', data: c.map((x) => Number((x.contribution || 0).toFixed(2))), itemStyle: { color: '#3e8ed0' } }],
    });
  } else showMessage(compBody, t('common.none'));
  const byName = new Map((r.components || []).map((x) => [x.indicator, x]));
  const rowsD = DELIVERY.filter((k) => byName.has(k));
  if (rowsD.length) {
    delivBody.replaceChildren(h('table', { class: 'grid compact', id: 'delivery-table' }, h('tbody', {},
      rowsD.map((k) => h('tr', {}, h('td', {}, indicatorName(k)), h('td', { class: 'num' }, fmtNum(byName.get(k).raw, 3)))))));
  } else showMessage(delivBody, t('common.none'));
}

// Active risk events touching enterprises of its city (that the caller
// may see); those touching this enterprise first, with the distance.
async function loadEventsNear(ent, body) {
  const city = `${String(ent.region_code).slice(0, 4)}00`;
  const r = await api('/v1/risk-events', { query: { region: city } });
  const items = (r.items || []).map((ev) => {
    const me = (ev.enterprises || []).find((x) => x.uscc === ent.uscc);
    return { ...ev, touches: Boolean(me), km: me ? me.distance_km : null };
  }).sort((a, b) => b.touches - a.touches || b.severity - a.severity);
  if (!items.length) { showMessage(body, t('common.none')); return; }
  body.replaceChildren(h('table', { class: 'grid compact', id: 'events-table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('ev.kind')), h('th', {}, t('ev.severity')), h('th', {}, t('ev.where')),
      h('th', {}, t('ev.when')), h('th', {}, t('ev.touches')))),
    h('tbody', {}, items.map((ev) => h('tr', {},
      h('td', {}, t(`ev.${ev.kind}`)), h('td', { class: 'num' }, ev.severity),
      h('td', {}, (ev.regions || []).map(regionName).join(', ') || `${fmtNum(ev.radius_km, 1)} km`),
      h('td', { class: 'sub' }, `${fmtDate(ev.starts_at)} – ${fmtDate(ev.expected_end)}`),
      h('td', {}, ev.touches ? h('span', { class: 'flag' }, ev.km === null || ev.km === undefined ? t('table.yes') : `${fmtNum(ev.km, 1)} km`)
        : t('ev.n_touched', { n: ev.n_enterprises })))))));
}

// The ranking's reason in the page's language, from the stored figures
// (the analyst's sentence is English; it stays as the cell's title). Its
// first clause says whether the candidate supplies or makes the item or
// only shares the current supplier's industry class.
function altReason(a) {
  const pct = (v) => (v === null || v === undefined ? t('alt.unknown') : `${fmtNum(100 * v, 0)} %`);
  return t('alt.r_text', {
    match: /^same industry class/.test(a.reason || '') ? t('alt.r_class') : t('alt.r_makes', { sku: a.sku }),
    risk: a.risk_score === null || a.risk_score === undefined ? t('alt.unknown') : fmtNum(a.risk_score, 0),
    on: pct(a.on_time_rate),
    spare: pct(a.spare_share),
    dist: a.distance_km === null || a.distance_km === undefined ? t('alt.km_unknown') : t('alt.km', { km: fmtNum(a.distance_km, 0) }),
  });
}

async function loadAlternatives(uscc, body) {
  const r = await api(`/v1/enterprises/${uscc}/alternatives`);
  const items = r.items || [];
  if (!items.length) { showMessage(body, t('common.none')); return; }
  body.replaceChildren(h('table', { class: 'grid compact', id: 'alternatives-table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('fc.sku')), h('th', {}, t('alt.current')), h('th', {}, t('alt.why')),
      h('th', {}, '#'), h('th', {}, t('alt.candidate')), h('th', {}, t('table.region')), h('th', {}, t('alt.fit')),
      h('th', {}, t('table.score')), h('th', {}, t('alt.on_time')), h('th', {}, t('alt.distance')), h('th', {}, t('alt.reason')))),
    h('tbody', {}, items.map((a) => h('tr', {},
      h('td', {}, a.sku), h('td', { class: 'sub' }, a.current_name || a.current_supplier), h('td', {}, t(`alt.${a.why}`)),
      h('td', {}, a.rank), h('td', {}, a.candidate_name || a.candidate), h('td', {}, regionName(a.candidate_region)),
      h('td', { class: 'num' }, fmtNum(100 * (a.score ?? NaN), 0) + ' %'),
      h('td', { class: 'num' }, fmtNum(a.risk_score)), h('td', { class: 'num' }, fmtNum(100 * (a.on_time_rate ?? NaN), 0) + ' %'),
      h('td', { class: 'num' }, `${fmtNum(a.distance_km, 0)} km`), h('td', { class: 'sub alt-reason', title: a.reason }, altReason(a)))))));
}

async function loadTier(uscc, dir, body) {
  const r = await api(`/v1/enterprises/${uscc}/${dir}`, { query: { tier: 1 } });
  const items = r.items || [];
  if (!items.length) { showMessage(body, t('common.none')); return; }
  body.replaceChildren(h('table', { class: 'grid compact', id: `${dir}-table` }, h('tbody', {},
    items.map((it) => h('tr', { class: 'click', onclick: () => { location.hash = `#/e/${it.uscc}`; } },
      h('td', {}, it.name || it.uscc), h('td', {}, industryName(it.industry_code)),
      h('td', {}, levelBadge(it.level), ' ', fmtNum(it.score)),
      h('td', {}, it.single_source ? h('span', { class: 'flag' }, t('table.single')) : ''))))));
}

// ---- forecasts --------------------------------------------------------------

export async function renderForecasts(view, me) {
  const p = panel('fc.title');
  view.replaceChildren(p.el);
  let r;
  try {
    r = await api('/v1/forecasts', { query: { enterprise: me.enterprise, history_months: 24 } });
  } catch (e) { showError(p.body, e); window.csReady('forecasts'); return; }
  const items = r.items || [];
  if (!items.length) { showMessage(p.body, t('common.none')); window.csReady('forecasts'); return; }
  const grid = h('div', { class: 'fc-grid', id: 'forecasts' });
  p.body.replaceChildren(grid);
  for (const f of items) {
    const el = h('div', { class: 'chart', style: 'min-height:220px;height:220px' });
    const st = f.stock || {};
    const bt = f.backtest || {};
    const stock = h('div', { class: 'stock' },
      ...[['fc.on_hand', st.on_hand], ['fc.safety', st.safety_stock], ['fc.reorder', st.reorder_point], ['fc.cover', st.days_of_cover]]
        .map(([k, v]) => h('div', {}, h('span', { class: 'sub' }, t(k)), h('b', {}, fmtNum(v, 0)))));
    const card = h('section', { class: 'panel fc-card' },
      h('div', { class: 'panel-head' }, h('h2', {}, `${t('fc.sku')} ${f.sku}`),
        h('span', { class: 'sub' }, `${t('fc.model')} ${f.model} · ${t('fc.mase')} ${fmtNum(bt.mase, 2)} · ${t('fc.coverage')} ` +
          `${bt.coverage95 === null || bt.coverage95 === undefined ? '–' : `${fmtNum(100 * bt.coverage95, 0)} %`}`)),
      h('div', { class: 'panel-body' }, el, stock,
        st.on_hand !== null && st.on_hand !== undefined && st.reorder_point !== null && st.reorder_point !== undefined &&
        st.on_hand < st.reorder_point
          ? h('div', { class: 'reorder' }, t('fc.reorder_now', { n: fmtNum(st.reorder_point - st.on_hand, 0) })) : ''));
    grid.append(card);
    drawForecast(el, f);
  }
  window.csReady('forecasts');
}

// Actual monthly sales, then the forecast mean with its 80 % and 95 %
// bands (stacked areas: the lower bound, then the width).
function drawForecast(el, f) {
  const pts = f.points || [];
  const act = f.actuals || [];
  const month = (d) => String(d).slice(0, 7);
  const cats = [...act.map((a) => month(a.period_start)), ...pts.map((p) => month(p.period_start))];
  const pad = (arr) => [...act.map(() => null), ...arr];
  const band = (lo, hi, name, color) => [
    { name, type: 'line', stack: name, data: pad(pts.map((p) => p[lo])), lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
    { name, type: 'line', stack: name, data: pad(pts.map((p) => (p[hi] === null || p[lo] === null ? null : p[hi] - p[lo]))),
      lineStyle: { opacity: 0 }, areaStyle: { color }, itemStyle: { color }, symbol: 'none', tooltip: { show: false } },
  ];
  const series = [
    ...band('lo95', 'hi95', t('fc.i95'), 'rgba(62,142,208,.18)'),
    ...band('lo80', 'hi80', t('fc.i80'), 'rgba(62,142,208,.30)'),
    { name: t('fc.actual'), type: 'line', data: [...act.map((a) => a.quantity), ...pts.map(() => null)], itemStyle: { color: '#c9d4e3' }, symbolSize: 3 },
    { name: t('fc.mean'), type: 'line', data: pad(pts.map((p) => p.mean)), itemStyle: { color: '#f76b15' }, symbolSize: 4 },
  ];
  chart(el).setOption({
    tooltip: { trigger: 'axis', valueFormatter: (v) => fmtNum(v, 0) },
    legend: { data: [t('fc.actual'), t('fc.mean'), t('fc.i80'), t('fc.i95')], textStyle: { color: '#c9d4e3' }, top: 0 },
    grid: { left: 60, right: 12, top: 26, bottom: 24 },
    xAxis: { type: 'category', data: cats, axisLabel: { color: '#8fa3bf' } },
    yAxis: { type: 'value', scale: true, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
    series,
  });
  el.dataset.points = String(pts.length);
}
