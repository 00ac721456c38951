// alerts.js - an alert list (level, time, enterprise, message) with an
// acknowledge button per open alert; shared by both views.
import { api } from './api.js';
import { t } from './i18n.js';
import { fmtTime, h, levelBadge, toast } from './util.js';

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
    return h('li', { class: `lv-${a.level}${a.status === 'acknowledged' ? ' acked' : ''}`, dataset: { id: a.alert_id } },
      h('div', { class: 'row' }, levelBadge(a.level), h('span', { class: 'sub' }, fmtTime(a.opened_at)),
        a.status === 'acknowledged' ? h('span', { class: 'sub' }, t('alerts.acked')) : ack),
      h('div', { class: 'click', onclick: () => { location.hash = `#/e/${a.subject}`; } },
        h('b', {}, (names && names.get(a.subject)) || a.subject), ' ', h('span', { class: 'msg-text' }, a.message)));
  }));
}
