// alerts.js - an alert list (level, time, enterprise, message) with an
// acknowledge button per open alert; shared by both views. The message is
// written in the page's language from the alert's structured fields
// (kind, level, about, risk_id and details, as cs-analyst stores them:
// docs/analyst.md); the analyst's English text is shown only for a kind
// or a shape this page does not know.
import { api } from './api.js';
import { getLang, indicatorName, t } from './i18n.js';
import { fmtNum, h, levelBadge, toast, fmtTime } from './util.js';

const evKind = (k) => (t(`ev.${k}`) === `ev.${k}` ? k : t(`ev.${k}`));
const num = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

// The alert's text in the current language, or null when its fields do
// not carry what the template needs. names: Map uscc -> name.
export function alertText(a, names) {
  const d = a.details || {};
  const who = (u) => (u && names && names.get(u)) || u || '–';
  const level = t(`level.${a.level}`);
  switch (a.kind) {
    case 'level':
      if (!num(d.score)) return null;
      return t(d.top_indicator ? 'alert.level' : 'alert.level_plain',
        { level, score: fmtNum(d.score, 1), indicator: indicatorName(d.top_indicator) });
    case 'single_source':
      if (!a.about || !d.sku) return null;
      return t('alert.single_source', { supplier: who(a.about), sku: d.sku, level,
        score: num(d.score) ? fmtNum(d.score, 0) : '–' });
    case 'event_near_supplier':
      if (!a.about || !num(d.exposure)) return null;
      return t('alert.event_near_supplier', {
        event: d.event_kind ? evKind(d.event_kind) : t('alert.event'), risk: a.risk_id || '',
        severity: num(d.severity) ? t('alert.severity', { n: d.severity }) : '',
        supplier: who(a.about), exposure: fmtNum(d.exposure, 2),
        skus: Array.isArray(d.skus) && d.skus.length
          ? (getLang() === 'zh' ? `（${d.skus.join('、')}）` : ` (${d.skus.join(', ')})`) : '',
      });
    case 'demand_outside_forecast':
      if (!d.sku || !num(d.actual) || !num(d.lo95) || !num(d.hi95)) return null;
      return t(Number(d.actual) > Number(d.hi95) ? 'alert.demand_above' : 'alert.demand_below', {
        sku: d.sku, month: String(d.month || '').slice(0, 7), actual: fmtNum(d.actual, 1),
        lo: fmtNum(d.lo95, 1), hi: fmtNum(d.hi95, 1),
      });
    case 'tts_below_ttr':
      if (!num(d.tts_day) || !num(d.min_level)) return null;
      return t(num(d.ttr_day) ? 'alert.tts' : 'alert.tts_open', {
        risk: a.risk_id || '', tts: d.tts_day, ttr: d.ttr_day, pct: fmtNum(100 * Number(d.min_level), 0),
      });
    default:
      return null;
  }
}

// Alerts acknowledged in this page: a list fetched while the write was
// in flight still shows them as acknowledged.
const acked = new Set();

// names: Map uscc -> name, for the alert's subject (may lack some).
export function alertList(items, names, id) {
  return h('ul', { class: 'alerts', id }, items.map((a0) => {
    const a = acked.has(a0.alert_id) && a0.status === 'open' ? { ...a0, status: 'acknowledged' } : a0;
    const ack = h('button', { type: 'button', class: 'small' }, t('alerts.ack'));
    ack.addEventListener('click', async (ev) => {
      ev.stopPropagation();
      ack.disabled = true;
      try {
        await api(`/v1/alerts/${a.alert_id}/acknowledge`, { method: 'POST', body: {} });
        acked.add(a.alert_id);
        ack.textContent = t('alerts.acked');
        ack.closest('li').classList.add('acked');
      } catch (e) {
        ack.disabled = false;
        toast(t('common.error', { why: e.message }));
      }
    });
    return h('li', { class: `lv-${a.level}${a.status === 'acknowledged' ? ' acked' : ''}`, dataset: { id: a.alert_id, kind: a.kind } },
      h('div', { class: 'row' }, levelBadge(a.level), h('span', { class: 'sub' }, fmtTime(a.opened_at)),
        a.status === 'acknowledged' ? h('span', { class: 'sub' }, t('alerts.acked')) : ack),
      h('div', { class: 'click', onclick: () => { location.hash = `#/e/${a.subject}`; } },
        h('b', {}, (names && names.get(a.subject)) || a.subject), ' ',
        h('span', { class: 'msg-text', title: a.message }, alertText(a, names) ?? a.message)));
  }));
}
