// bureau.js - the bureau cockpit (数字地图驾驶舱): KPI strip, the regional
// risk map, the industry-chain graph, trends, level counts, the alert list
// with live updates and the scenario panel. Each panel loads on its own:
// a route the server does not offer shows as "not available" in its panel,
// never as invented data.
import { alertList } from './alerts.js';
import { api, apiAll } from './api.js';
import { t, indicatorName } from './i18n.js';
import { onLeave } from './main.js';
import { MAP_NAME, PROVINCE, circle, cityOf, loadMap } from './geo.js';
import {
  LEVELS, chart, fmtNum, fmtTime, h, industryName, levelBadge, levelColor, panel,
  regionName, scoreColor, showError, showMessage, toast,
} from './util.js';

const ALERT_POLL_MS = 10000;

export async function render(view, me) {
  const region = me.role === 'bureau' && me.regions.length ? me.regions[0] : PROVINCE;
  const ctx = { region, me, enterprises: [], events: [], scenario: null, picks: new Set() };

  const kpis = h('div', { class: 'kpis', id: 'kpis' });
  const map = panel('map.title', 'p-map', h('span', { class: 'legend' },
    ...LEVELS.map((l) => h('span', {}, h('i', { style: `background:${levelColor(l)}` }), t(`level.${l}`))),
    h('span', {}, h('i', { class: 'area' }), t('map.events')),
    h('span', { class: 'size' }, h('i', { class: 'dot-s' }), h('i', { class: 'dot-l' }), t('map.size'))));
  const graph = panel('graph.title', 'p-graph');
  const alerts = panel('alerts.title', 'p-alerts', h('span', { class: 'live', id: 'alerts-live' }, t('alerts.live')));
  const scen = panel('scenario.title', 'p-scenario');
  const trends = panel('trend.title', 'p-trends');
  const levels = panel('levels.title', 'p-levels');
  const top = panel('table.score', 'p-top');
  top.el.querySelector('h2').textContent = `${t('table.score')} Top`;
  view.replaceChildren(h('div', { class: 'cockpit' }, kpis, map.el, alerts.el, graph.el, scen.el,
    trends.el, levels.el, top.el));

  ctx.mapEl = h('div', { class: 'chart', id: 'map-chart' });
  map.body.replaceChildren(ctx.mapEl);
  ctx.graphEl = h('div', { class: 'chart', id: 'graph-chart' });
  graph.body.replaceChildren(ctx.graphEl);
  ctx.graphBody = graph.body;

  renderScenarioForm(scen.body, ctx);
  // Every read starts at once and each panel draws as soon as its data is
  // there (the KPI strip and the level charts fill in from the map's and
  // the situation's reads, whichever comes first); the page marks when
  // the first panel has data (firstAt) and when all have (readyAt).
  let first = true;
  const drawn = () => {
    if (first) { first = false; window.csMark('first'); }
    renderKpis(ctx, kpis);
    renderLevels(ctx, levels.body);
  };
  await Promise.all([
    loadMapPanel(ctx).then(() => { if (ctx.alerts) renderAlerts(ctx, alerts.body); }, // now with names
      (e) => showError(map.body, e)).finally(drawn),
    loadAlerts(ctx, alerts.body, true).catch((e) => showError(alerts.body, e)).finally(drawn),
    loadSituation(ctx, trends.body).catch((e) => { ctx.sitLoaded = true; showError(trends.body, e); }).finally(drawn),
    loadGraph(ctx, graph.body, graph.el.querySelector('.tools')).catch((e) => showError(graph.body, e)).finally(drawn),
    loadTop(ctx, top.body).catch((e) => showError(top.body, e)).finally(drawn),
  ]);
  window.csReady('cockpit');

  const timer = setInterval(() => {
    loadAlerts(ctx, alerts.body, false).catch(() => {});
  }, ALERT_POLL_MS);
  onLeave(() => clearInterval(timer));
}

// ---- KPI strip -------------------------------------------------------------

function renderKpis(ctx, el) {
  const ents = ctx.enterprises;
  const scored = ents.filter((e) => e.level).length;
  const n = (v) => (ctx.entLoaded ? fmtNum(v, 0) : '–');
  const items = [
    ['kpi.enterprises', n(ents.length)],
    ['kpi.scored', n(scored)],
    ...LEVELS.map((l) => [`level.${l}`, n(ents.filter((e) => e.level === l).length), l]),
    ['kpi.open_alerts', ctx.openAlertsByLevel ? fmtNum(Object.values(ctx.openAlertsByLevel).reduce((a, b) => a + b, 0), 0) : '–'],
    ['kpi.events', ctx.eventsLoaded ? fmtNum(ctx.events.length, 0) : '–'],
  ];
  for (const [key, v] of ctx.indices || []) items.push([key, v]);
  el.replaceChildren(...items.map(([key, v, lv]) =>
    h('div', { class: `kpi ${lv ? `lv-${lv}` : ''}` }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, t(key)))));
}

// ---- map -------------------------------------------------------------------

// The province's shapes, every enterprise in scope (one request for up to
// 1000) and the active risk events, all at once.
async function loadMapPanel(ctx) {
  const [, ents, events] = await Promise.all([
    loadMap(),
    apiAll('/v1/enterprises', { region: ctx.region }, { pageSize: 1000 }),
    api('/v1/risk-events', { query: { region: ctx.region } }).then((r) => r.items || [], () => null),
  ]);
  ctx.enterprises = ents;
  ctx.entLoaded = true;
  ctx.names = new Map(ents.map((e) => [e.uscc, e.name]));
  if (events) setEvents(ctx, events);
  drawMap(ctx);
  window.csMark('map');
}

function setEvents(ctx, events) {
  ctx.events = events;
  ctx.eventsLoaded = true;
}

// Dot size by the analyst's network-criticality indicator (how many
// enterprises depend on this one downstream, share-weighted and damped):
// the area grows with it, from 5 px (none) to 19 px (the largest on the
// map); 7 px when the enterprise is not scored.
function critSize(crit, maxCrit) {
  if (crit === null || crit === undefined || !Number.isFinite(Number(crit))) return 7;
  if (!(maxCrit > 0)) return 5;
  return Math.round((5 + 14 * Math.sqrt(Math.min(1, Math.max(0, Number(crit) / maxCrit)))) * 10) / 10;
}

function entPoint(e, impacted, maxCrit) {
  return {
    name: e.name,
    value: [e.lon, e.lat, e.score ?? null],
    uscc: e.uscc,
    level: e.level,
    industry: e.industry_code,
    criticality: e.criticality ?? null,
    symbolSize: critSize(e.criticality, maxCrit),
    itemStyle: {
      color: levelColor(e.level),
      borderColor: impacted ? '#fff' : 'rgba(0,0,0,.35)',
      borderWidth: impacted ? 2 : 0.5,
    },
  };
}

function eventRegions(ctx) {
  const regions = new Map();
  for (const ev of ctx.events) {
    for (const code of ev.regions || []) {
      const name = cityOf(code);
      if (name) regions.set(name, ev);
    }
  }
  if (ctx.scenario && ctx.scenario.city) regions.set(cityOf(ctx.scenario.city), { kind: 'scenario' });
  return [...regions].map(([name, ev]) => ({
    name,
    itemStyle: { areaColor: ev.kind === 'scenario' ? 'rgba(247,107,21,.35)' : 'rgba(229,72,77,.35)' },
  }));
}

function drawMap(ctx) {
  const located = ctx.enterprises.filter((e) => e.lat !== null && e.lon !== null);
  const impacted = ctx.scenario ? new Set(ctx.scenario.impacted.map((i) => i.uscc)) : new Set();
  const maxCrit = Math.max(0, ...located.map((e) => Number(e.criticality) || 0));
  const points = located.map((e) => entPoint(e, impacted.has(e.uscc), maxCrit));
  const rings = ctx.events.filter((ev) => ev.lat != null && ev.lon != null && ev.radius_km)
    .map((ev) => ({ value: 0, ring: circle(ev.lon, ev.lat, ev.radius_km), ev }));
  const c = ctx.map || (ctx.map = chart(ctx.mapEl));
  c.setOption({
    backgroundColor: 'transparent',
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        if (p.seriesId === 'events') {
          const ev = p.data.ev;
          return `${escapeHtml(ev.description || ev.kind)}<br>${fmtTime(ev.starts_at)} – ${fmtTime(ev.expected_end)}`;
        }
        if (p.seriesId !== 'enterprises') return p.name;
        const d = p.data;
        return `<b>${escapeHtml(d.name)}</b><br>${escapeHtml(industryName(d.industry))}<br>` +
          `${t('table.score')}: ${fmtNum(d.value[2])} (${t(`level.${d.level || 'none'}`)})` +
          (d.criticality === null ? '' : `<br>${indicatorName('criticality')}: ${fmtNum(d.criticality, 2)}`);
      },
    },
    geo: {
      map: MAP_NAME, roam: true, aspectScale: 0.9, layoutCenter: ['50%', '50%'], layoutSize: '100%',
      label: { show: true, color: '#8fa3bf', fontSize: 10 },
      itemStyle: { areaColor: '#16263d', borderColor: '#3d5a80', borderWidth: 1 },
      emphasis: { itemStyle: { areaColor: '#1f3556' }, label: { color: '#fff' } },
      select: { disabled: true },
      regions: eventRegions(ctx),
    },
    series: [
      {
        id: 'events', type: 'custom', coordinateSystem: 'geo', data: rings, silent: false,
        renderItem: (params, api) => {
          const d = rings[params.dataIndex];
          return {
            type: 'polygon',
            shape: { points: d.ring.map((p) => api.coord(p)) },
            style: { fill: 'rgba(229,72,77,.25)', stroke: '#e5484d', lineWidth: 1 },
          };
        },
        z: 1,
      },
      {
        // its own canvas (zlevel 1, between the province and the dots): the
        // ripple redraws its canvas every frame, and on a shared one it would
        // redraw the province and every dot with it
        id: 'event-points', type: 'effectScatter', coordinateSystem: 'geo', zlevel: 1, z: 2,
        data: ctx.events.filter((ev) => ev.lat != null && ev.lon != null)
          .map((ev) => ({ name: ev.description || ev.kind, value: [ev.lon, ev.lat], ev })),
        symbolSize: 14, itemStyle: { color: '#e5484d' }, rippleEffect: { scale: 3, brushType: 'stroke' },
        tooltip: { formatter: (p) => `${escapeHtml(p.data.ev.description || p.data.ev.kind)}<br>${fmtTime(p.data.ev.starts_at)}` },
      },
      {
        id: 'enterprises', type: 'scatter', coordinateSystem: 'geo', data: points,
        emphasis: { scale: 1.6 }, zlevel: 2, z: 3, progressive: 0,
      },
    ],
  }, { replaceMerge: ['series'] });
  c.off('click');
  c.on('click', (p) => {
    if (p.seriesId !== 'enterprises') return;
    if (ctx.picking) {
      togglePick(ctx, p.data.uscc, p.data.name);
    } else {
      location.hash = `#/e/${p.data.uscc}`;
    }
  });
  ctx.mapEl.dataset.points = String(points.length);
}

function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- levels and top risks ----------------------------------------------------

// Enterprises per level (from the map's list) and open alerts per level
// (from the situation): each half draws once its data is there.
function renderLevels(ctx, body) {
  if (!ctx.entLoaded && !ctx.openAlertsByLevel) return;
  if (!ctx.levelsEl) {
    ctx.levelsEl = { pie: h('div', { class: 'chart half', id: 'levels-chart' }),
      bars: h('div', { class: 'chart half', id: 'alert-levels-chart' }) };
    body.replaceChildren(h('div', { class: 'split' }, ctx.levelsEl.pie, ctx.levelsEl.bars));
  }
  const { pie, bars } = ctx.levelsEl;
  if (ctx.entLoaded && !ctx.levelsPie) {
    if (ctx.enterprises.length) ctx.levelsPie = drawLevelPie(ctx, pie);
    else pie.replaceChildren(h('div', { class: 'msg' }, t('common.none')));
  }
  if (ctx.sitLoaded && !ctx.levelsBars) {
    if (ctx.openAlertsByLevel) ctx.levelsBars = drawAlertBars(ctx, bars);
    else bars.replaceChildren(h('div', { class: 'msg' }, t('common.none')));
  }
}

function drawLevelPie(ctx, pie) {
  const counts = LEVELS.map((l) => ctx.enterprises.filter((e) => e.level === l).length);
  const c = chart(pie);
  c.setOption({
    title: { text: t('levels.title'), textStyle: { color: '#8fa3bf', fontSize: 12, fontWeight: 400 }, left: 'center', top: 0 },
    tooltip: { trigger: 'item' },
    series: [{
      type: 'pie', radius: ['38%', '62%'], center: ['50%', '56%'], label: { color: '#c9d4e3', formatter: '{b}\n{c}' },
      data: LEVELS.map((l, i) => ({ name: t(`level.${l}`), value: counts[i], itemStyle: { color: levelColor(l) } })),
    }],
  });
  return c;
}

function drawAlertBars(ctx, bars) {
  const open = ctx.openAlertsByLevel;
  const c = chart(bars);
  c.setOption({
    title: { text: t('kpi.open_alerts'), textStyle: { color: '#8fa3bf', fontSize: 12, fontWeight: 400 }, left: 'center', top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 40, right: 10, top: 26, bottom: 24 },
    xAxis: { type: 'category', data: LEVELS.map((l) => t(`level.${l}`)), axisLabel: { color: '#c9d4e3' } },
    yAxis: { type: 'value', axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
    series: [{ type: 'bar', data: LEVELS.map((l) => ({ value: open[l] || 0, itemStyle: { color: levelColor(l) } })) }],
  });
  return c;
}

async function loadTop(ctx, body) {
  const r = await api('/v1/risk/top', { query: { region: ctx.region, limit: 15 } });
  const items = r.items || [];
  if (!items.length) { showMessage(body, t('common.none')); return; }
  body.replaceChildren(h('table', { class: 'grid compact', id: 'top-table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('table.enterprise')), h('th', {}, t('table.score')),
      h('th', {}, t('table.reasons')))),
    h('tbody', {}, items.map((it) => h('tr', { class: 'click', onclick: () => { location.hash = `#/e/${it.uscc}`; } },
      h('td', {}, h('div', {}, it.name || it.uscc), h('div', { class: 'sub' }, `${regionName(it.region_code)} · ${industryName(it.industry_code)}`)),
      h('td', {}, levelBadge(it.level), ' ', fmtNum(it.score)),
      h('td', { class: 'sub' }, it.top_indicator ? indicatorName(it.top_indicator) : '–'))))));
}

// ---- situation: KPIs and trends -------------------------------------------------

// GET /v1/situation: monthly production, order and sales indices, the
// enterprises per level, open alerts per level and the active risk events.
async function loadSituation(ctx, body) {
  const s = await api('/v1/situation', { query: { region: ctx.region, period: 'week', periods: 26 } });
  ctx.situation = s;
  ctx.sitLoaded = true;
  const idx = s.indices || [];
  const names = { production: 'kpi.production', orders: 'kpi.orders', sales: 'kpi.sales' };
  const colors = { production: '#3e8ed0', orders: '#f76b15', sales: '#3fb950' };
  ctx.indices = [];
  const lines = [];
  for (const [k, key] of Object.entries(names)) {
    const pts = idx.filter((p) => p[k] !== null && p[k] !== undefined);
    if (!pts.length) continue;
    ctx.indices.push([key, fmtNum(pts[pts.length - 1][k])]);
    lines.push({
      name: t(key), type: 'line', smooth: true, symbolSize: 4, itemStyle: { color: colors[k] },
      data: idx.map((p) => [p.period_start, p[k]]),
    });
  }
  if (s.alerts && s.alerts.open) ctx.openAlertsByLevel = s.alerts.open;
  if (Array.isArray(s.risk_events) && !ctx.eventsLoaded) { // the map's own read failed
    setEvents(ctx, s.risk_events);
    if (ctx.map) drawMap(ctx);
  }
  if (!lines.length) { showMessage(body, t('common.none')); return; }
  const el = h('div', { class: 'chart small', id: 'trend-chart' });
  body.replaceChildren(el);
  chart(el).setOption({
    tooltip: { trigger: 'axis', valueFormatter: (v) => fmtNum(v) },
    legend: { textStyle: { color: '#c9d4e3' }, top: 0 },
    grid: { left: 40, right: 12, top: 28, bottom: 24 },
    xAxis: { type: 'time', axisLabel: { color: '#8fa3bf' } },
    yAxis: { type: 'value', scale: true, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
    series: lines,
  });
}

// ---- chain graph -------------------------------------------------------------

// The simulated province's three chains, by their final-assembly class:
// GET /v1/chains with that class as the focal set and its suppliers up to
// five tiers back gives the whole chain, tiers left (upstream) to right.
const CHAINS = [['C3612', 'chain.nev'], ['C3921', 'chain.electronics'], ['C1810', 'chain.textiles']];

async function loadGraph(ctx, body, tools) {
  if (!ctx.chainSel) {
    ctx.chainSel = h('select', { id: 'chain-select', 'aria-label': t('graph.chain') },
      ...CHAINS.map(([code, key]) => h('option', { value: code }, t(key))));
    ctx.chainSel.addEventListener('change', () => loadGraph(ctx, body, tools).catch((e) => showError(body, e)));
    tools.append(ctx.chainSel);
  }
  ctx.chains = await api('/v1/chains', {
    query: { region: ctx.region, industry: ctx.chainSel.value, up: 5, down: 0 },
  });
  drawGraph(ctx, body);
}

function drawGraph(ctx, body) {
  const r = ctx.chains;
  const nodesIn = r.nodes || [];
  const linksIn = r.links || [];
  if (!nodesIn.length) { showMessage(body, t('common.none')); return; }
  if (!ctx.graphEl.isConnected) body.replaceChildren(ctx.graphEl);
  const impacted = ctx.scenario ? new Set(ctx.scenario.impacted.map((i) => i.uscc)) : new Set();
  const tiers = new Map();
  for (const n of nodesIn) {
    if (!tiers.has(n.tier)) tiers.set(n.tier, []);
    tiers.get(n.tier).push(n);
  }
  const tierKeys = [...tiers.keys()].sort((a, b) => a - b); // upstream (most negative) left
  const tallest = Math.max(...[...tiers.values()].map((c) => c.length));
  const nodes = [];
  tierKeys.forEach((k, xi) => {
    const col = tiers.get(k).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    col.forEach((n, yi) => {
      nodes.push({
        id: n.uscc, name: n.name || n.uscc, uscc: n.uscc, tier: k,
        x: xi * 240, y: ((yi + 0.5) / col.length) * tallest * 30,
        value: n.score,
        symbolSize: 12 + (n.level === 'red' ? 10 : n.level === 'orange' ? 6 : 0),
        itemStyle: {
          color: scoreColor(n.score),
          borderColor: impacted.has(n.uscc) ? '#fff' : 'rgba(0,0,0,.4)', borderWidth: impacted.has(n.uscc) ? 3 : 1,
        },
        label: { show: col.length <= 14 },
      });
    });
  });
  const maxVol = Math.max(1, ...linksIn.map((l) => l.volume || 0));
  const links = linksIn.map((l) => ({
    source: l.supplier, target: l.buyer, value: l.volume,
    lineStyle: {
      width: 0.6 + 6 * ((l.volume || 0) / maxVol), opacity: 0.55,
      color: l.single_source ? '#f76b15' : '#5b7bb0', type: l.single_source ? 'dashed' : 'solid',
    },
  }));
  const c = ctx.graph || (ctx.graph = chart(ctx.graphEl));
  c.setOption({
    tooltip: {
      formatter: (p) => (p.dataType === 'node'
        ? `${escapeHtml(p.data.name)}<br>${t('graph.tier', { n: p.data.tier })} · ${t('table.score')} ${fmtNum(p.data.value)}`
        : `${fmtNum(p.data.value, 0)}`),
    },
    series: [{
      id: 'chain', type: 'graph', layout: 'none', roam: true, data: nodes, links,
      left: 60, right: 140, top: 24, bottom: 16,
      edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 6,
      label: { position: 'right', color: '#c9d4e3', fontSize: 10, formatter: (p) => p.data.name.replace(/(有限公司|股份有限公司)$/, '') },
      lineStyle: { curveness: 0.08 },
      emphasis: { focus: 'adjacency', lineStyle: { opacity: 0.9 } },
    }],
  }, { replaceMerge: ['series'] });
  c.off('click');
  c.on('click', (p) => { if (p.dataType === 'node' && p.data.uscc) location.hash = `#/e/${p.data.uscc}`; });
  ctx.graphEl.dataset.nodes = String(nodes.length);
}

// ---- alerts --------------------------------------------------------------------

async function loadAlerts(ctx, body, first) {
  const r = await api('/v1/alerts', { query: { status: 'live', limit: 50 } }); // open and acknowledged, newest first
  const items = r.items || [];
  ctx.openAlerts = items.length;
  const live = document.getElementById('alerts-live');
  if (live) live.title = t('alerts.updated', { t: new Date().toLocaleTimeString() });
  if (!first && ctx.lastAlertIds && items.some((a) => !ctx.lastAlertIds.has(a.alert_id))) toast(t('alerts.title'));
  ctx.lastAlertIds = new Set(items.map((a) => a.alert_id));
  ctx.alerts = items;
  renderAlerts(ctx, body);
}

function renderAlerts(ctx, body) {
  const items = ctx.alerts || [];
  if (!items.length) { showMessage(body, t('alerts.none')); return; }
  body.replaceChildren(alertList(items, ctx.names, 'alert-list'));
}

// ---- scenario -----------------------------------------------------------------

function togglePick(ctx, uscc, name) {
  if (ctx.picks.has(uscc)) ctx.picks.delete(uscc); else ctx.picks.add(uscc);
  ctx.pickNames = ctx.pickNames || new Map();
  ctx.pickNames.set(uscc, name);
  ctx.renderPicks();
}

function renderScenarioForm(body, ctx) {
  const city = h('select', { id: 'scn-city' }, h('option', { value: '' }, '–'));
  loadMap().then((geo) => {
    for (const f of geo.features) city.append(h('option', { value: f.properties.adcode }, f.properties.name));
  }, () => {});
  const loss = h('input', { id: 'scn-loss', type: 'range', min: 10, max: 100, step: 10, value: 60 });
  const lossOut = h('output', {}, '60 %');
  loss.addEventListener('input', () => { lossOut.textContent = `${loss.value} %`; });
  const days = h('input', { id: 'scn-days', type: 'number', min: 1, max: 90, value: 14 });
  const pickBtn = h('button', { type: 'button', class: 'small', id: 'scn-pick' }, '⊕');
  const picks = h('div', { class: 'picks', id: 'scn-picks' });
  ctx.renderPicks = () => {
    picks.replaceChildren(...[...ctx.picks].map((u) => h('span', { class: 'chip' },
      (ctx.pickNames && ctx.pickNames.get(u)) || u,
      h('button', { type: 'button', class: 'x', onclick: () => { ctx.picks.delete(u); ctx.renderPicks(); } }, '×'))));
  };
  pickBtn.addEventListener('click', () => {
    ctx.picking = !ctx.picking;
    pickBtn.classList.toggle('on', ctx.picking);
  });
  const run = h('button', { type: 'submit', class: 'primary', id: 'scn-run' }, t('scenario.run'));
  const status = h('div', { class: 'sub', id: 'scn-status' });
  const result = h('div', { id: 'scn-result' });
  const form = h('form', { class: 'scenario', id: 'scenario-form' },
    h('label', {}, t('scenario.city'), city),
    h('label', {}, t('scenario.enterprises'), h('div', { class: 'row' }, picks, pickBtn)),
    h('label', {}, t('scenario.loss'), h('div', { class: 'row' }, loss, lossOut)),
    h('label', {}, t('scenario.days'), days),
    h('div', { class: 'row' }, run, status), result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const enterprises = [...ctx.picks];
    if (!city.value && !enterprises.length) { status.textContent = t('scenario.pick'); return; }
    const spec = {
      capacity_loss: Number(loss.value) / 100,
      duration_days: Number(days.value),
    };
    if (city.value) spec.regions = [city.value];
    if (enterprises.length) spec.enterprises = enterprises;
    run.disabled = true;
    status.textContent = t('scenario.running');
    result.replaceChildren();
    try {
      const sc = await runScenario(spec, (s) => { status.textContent = `${t('scenario.running')} ${s.status || ''}`; });
      ctx.scenario = { city: city.value, impacted: sc.impacted || sc.items || [] };
      status.textContent = t('scenario.done');
      renderScenarioResult(result, ctx, sc);
      if (ctx.map) drawMap(ctx);
      if (ctx.chains) drawGraph(ctx, ctx.graphBody);
    } catch (e) {
      showError(result, e);
      status.textContent = '';
    } finally {
      run.disabled = false;
    }
  });
  body.replaceChildren(form);
}

// POST /v1/scenarios, then GET /v1/scenarios/{id} until it is done.
export async function runScenario(spec, onPoll) {
  const created = await api('/v1/scenarios', { method: 'POST', body: spec });
  const id = created.run_id ?? created.id;
  let s = created;
  const deadline = Date.now() + 120000;
  while (s.status !== 'done' && s.status !== 'failed') {
    if (Date.now() > deadline) throw new Error('the scenario did not finish in 120 s');
    await new Promise((r) => setTimeout(r, 1500));
    s = await api(`/v1/scenarios/${id}`);
    onPoll(s);
  }
  if (s.status === 'failed') throw new Error(s.error || 'scenario failed');
  return s;
}

// The impacted enterprises, ranked by lost output: each one's time to
// survive (first day below plan) against the shocked enterprises' time to
// recover (the red line); those that fall before it are flagged.
function renderScenarioResult(el, ctx, sc) {
  const items = sc.impacted || [];
  const ttr = sc.shock_ttr_day;
  const head = h('div', { class: 'sub', id: 'scn-summary' },
    `${t('scenario.impacted')}: ${fmtNum(sc.n_impacted ?? items.length, 0)} · ` +
    `${t('scenario.shock_ttr')}: ${ttr === null || ttr === undefined ? t('scenario.beyond') : ttr}`);
  if (!items.length) { el.replaceChildren(head); return; }
  const chartEl = h('div', { class: 'chart tiny', id: 'tts-chart' });
  const top = items.slice(0, 8);
  el.replaceChildren(head, chartEl, h('table', { class: 'grid compact', id: 'impact-table' },
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, t('table.enterprise')), h('th', {}, t('table.tier')),
      h('th', {}, 'TTS'), h('th', {}, 'TTR'), h('th', {}, t('scenario.loss_col')), h('th', {}, ''))),
    h('tbody', {}, items.slice(0, 30).map((i) => h('tr', { class: 'click', onclick: () => { location.hash = `#/e/${i.uscc}`; } },
      h('td', {}, i.rank), h('td', {}, i.name || i.uscc), h('td', {}, i.tier), h('td', { class: 'num' }, i.tts_day ?? '–'),
      h('td', { class: 'num' }, i.ttr_day ?? '–'), h('td', { class: 'num' }, fmtNum(i.lost_units, 0)),
      h('td', {}, i.falls_before_recovery ? h('span', { class: 'flag', title: t('scenario.falls') }, '⚠') : ''))))));
  chart(chartEl).setOption({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { textStyle: { color: '#c9d4e3' }, top: 0 },
    grid: { left: 96, right: 16, top: 24, bottom: 20 },
    xAxis: { type: 'value', name: t('scenario.day'), nameTextStyle: { color: '#8fa3bf' }, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#23324a' } } },
    yAxis: { type: 'category', inverse: true, data: top.map((i) => (i.name || i.uscc).replace(/(股份)?有限公司$/, '').slice(0, 7)), axisLabel: { color: '#c9d4e3', fontSize: 10 } },
    series: [
      {
        name: t('scenario.tts'), type: 'bar', data: top.map((i) => i.tts_day), itemStyle: { color: '#f76b15' },
        markLine: ttr === null || ttr === undefined ? undefined : {
          symbol: 'none', data: [{ xAxis: ttr }], lineStyle: { color: '#e5484d', width: 2 },
          label: { formatter: `TTR ${ttr}`, color: '#e5484d' },
        },
      },
      { name: t('scenario.ttr'), type: 'bar', data: top.map((i) => i.ttr_day), itemStyle: { color: '#3e8ed0' } },
    ],
  });
}
