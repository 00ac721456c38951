/* sim_emit.c - the simulator's facts as canonical CloudEvents
 * (docs/events.md): one JSON text per event built into the simulator's
 * buffer, handed to the emit callback with its topic and Kafka key.
 * Event ids are derived from the seed, the start date and the fact, so a
 * replayed run is recognised by ingest's dedupe. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs_log.h"
#include "sim_int.h"

typedef struct jb {
    char *buf;
    size_t len, cap;
    bool first; /* no member written yet in the current object */
} jb;

static void jb_raw(jb *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n < b->cap) {
        memcpy(b->buf + b->len, s, n);
        b->len += n;
    } else {
        b->len = b->cap; /* overflow: reported by jb_done */
    }
}

static void jb_fmt(jb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void jb_fmt(jb *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->len >= b->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->len = b->cap;
    else
        b->len += (size_t)n;
}

static void jb_key(jb *b, const char *key)
{
    jb_fmt(b, "%s\"%s\":", b->first ? "" : ",", key);
    b->first = false;
}

static void jb_str(jb *b, const char *key, const char *v)
{
    jb_key(b, key);
    if (b->len + 2 >= b->cap) {
        b->len = b->cap;
        return;
    }
    b->buf[b->len++] = '"';
    b->len = cs_json_escape_into(b->buf, b->len, b->cap - 1, v, strlen(v));
    jb_raw(b, "\"");
}

/* A decimal with a fixed number of digits after the point: "%.*f" of a
 * value already rounded the same way everywhere, so output is stable. */
static void jb_num(jb *b, const char *key, double v, int decimals)
{
    jb_key(b, key);
    if (v < 0 && v > -0.5 * pow(10, -decimals))
        v = 0; /* never print -0.000 */
    jb_fmt(b, "%.*f", decimals, v);
}

static void jb_int(jb *b, const char *key, long long v)
{
    jb_key(b, key);
    jb_fmt(b, "%lld", v);
}

static void jb_open(jb *b, const char *key) /* key NULL: in an array */
{
    if (key != NULL)
        jb_key(b, key);
    else if (!b->first)
        jb_raw(b, ",");
    jb_raw(b, "{");
    b->first = true;
}

static void jb_close(jb *b)
{
    jb_raw(b, "}");
    b->first = false;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil(int32_t z, int *y, unsigned *m, unsigned *d)
{
    int32_t era, yy;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (int32_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

void cs__sim_date(int32_t abs_day, char buf[11])
{
    int y;
    unsigned m, d;

    char tmp[32];

    civil(abs_day, &y, &m, &d);
    snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

static void compact_date(int32_t abs_day, char buf[9]) /* YYYYMMDD */
{
    char d[11];
    cs__sim_date(abs_day, d);
    snprintf(buf, 9, "%.4s%.2s%.2s", d, d + 5, d + 8);
}

/* Opens the envelope; the caller adds data members, then calls send. */
static void envelope(cs_sim *s, jb *b, const char *id, const char *type,
                     int32_t day, const char *clock, const char *tenant)
{
    char date[11];

    cs__sim_date(s->o.start_day + day, date);
    b->buf = s->json;
    b->cap = sizeof(s->json);
    b->len = 0;
    b->first = true;
    jb_raw(b, "{");
    jb_str(b, "specversion", "1.0");
    jb_str(b, "id", id);
    jb_str(b, "source", s->source);
    jb_str(b, "type", type);
    jb_key(b, "time");
    jb_fmt(b, "\"%sT%s+08:00\"", date, clock);
    jb_str(b, "tenantid", tenant);
    jb_open(b, "data");
}

static cs_status send(cs_sim *s, jb *b, const char *topic, const char *key,
                      cs_err *err)
{
    jb_close(b);
    jb_raw(b, "}");
    if (b->len >= b->cap)
        return cs_err_set(err, CS_E_INTERNAL,
                          "event on %s longer than %zu "
                          "bytes",
                          topic, sizeof(s->json));
    return s->emit(s->ctx, topic, key, b->buf, b->len, err);
}

static int decimals(const sim_stage *st)
{
    return st->integer_units ? 0 : 3;
}

cs_status cs__sim_emit_enterprise(cs_sim *s, const sim_ent *e, cs_err *err)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    char id[96], unit[24];
    jb b;

    if (s->muted)
        return CS_OK;
    snprintf(id, sizeof(id), "%s/ent/%s", s->id_prefix, e->uscc);
    snprintf(unit, sizeof(unit), "%s/day", st->unit);
    envelope(s, &b, id, "cs.enterprise.v1", 0, "00:00:00", e->uscc);
    jb_str(&b, "uscc", e->uscc);
    jb_str(&b, "name", e->name);
    jb_str(&b, "region_code", e->region);
    jb_str(&b, "industry_code", st->industry);
    jb_num(&b, "lat", e->lat, 5);
    jb_num(&b, "lon", e->lon, 5);
    jb_num(&b, "capacity", e->capacity, decimals(st));
    jb_str(&b, "capacity_unit", unit);
    return send(s, &b, "cs.master", e->uscc, err);
}

cs_status cs__sim_emit_product(cs_sim *s, const sim_ent *e, cs_err *err)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    char id[96], key[64], cat[48], ident[96];
    jb b;

    if (s->muted)
        return CS_OK;
    snprintf(id, sizeof(id), "%s/prd/%s", s->id_prefix, e->uscc);
    snprintf(key, sizeof(key), "%s/%s", e->uscc, st->sku);
    snprintf(cat, sizeof(cat), "%s/%s", cs__sim_chains[st->chain].name,
             st->name);
    snprintf(ident, sizeof(ident), "88.330.%d/%s-%s", 1000 + e->stage, e->uscc,
             st->sku);
    envelope(s, &b, id, "cs.product.v1", 0, "00:00:00", e->uscc);
    jb_str(&b, "sku", st->sku);
    jb_str(&b, "name", st->product);
    jb_str(&b, "category", cat);
    jb_str(&b, "unit", st->unit);
    jb_str(&b, "identifier", ident);
    return send(s, &b, "cs.master", key, err);
}

cs_status cs__sim_emit_link(cs_sim *s, const sim_link *l, int32_t day,
                            cs_err *err)
{
    const sim_ent *sup = &s->ent[l->supplier], *buy = &s->ent[l->buyer];
    const sim_stage *in = &cs__sim_stages[sup->stage];
    char id[128], key[64], d8[9];
    jb b;

    if (s->muted)
        return CS_OK;
    compact_date(s->o.start_day + day, d8);
    snprintf(id, sizeof(id), "%s/lnk/%s/%s/%s", s->id_prefix, sup->uscc,
             buy->uscc, d8);
    snprintf(key, sizeof(key), "%s/%s/%s", sup->uscc, buy->uscc, in->sku);
    envelope(s, &b, id, "cs.supply_link.v1", day, "00:00:00", buy->uscc);
    jb_str(&b, "supplier", sup->uscc);
    jb_str(&b, "buyer", buy->uscc);
    jb_str(&b, "sku", in->sku);
    jb_num(&b, "share", l->share, 4);
    jb_int(&b, "lead_time_days", l->lead_time_days);
    jb_key(&b, "active");
    jb_raw(&b, l->active ? "true" : "false");
    return send(s, &b, "cs.master", key, err);
}

static void fact_key(char *key, size_t n, const sim_ent *e)
{
    snprintf(key, n, "%s/%s", e->uscc, cs__sim_stages[e->stage].sku);
}

cs_status cs__sim_emit_production(cs_sim *s, const sim_ent *e, double output,
                                  cs_err *err)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    char id[96], key[64], d8[9], date[11];
    jb b;

    if (s->muted)
        return CS_OK;
    compact_date(s->o.start_day + s->day, d8);
    cs__sim_date(s->o.start_day + s->day, date);
    snprintf(id, sizeof(id), "%s/out/%s/%s", s->id_prefix, e->uscc, d8);
    fact_key(key, sizeof(key), e);
    envelope(s, &b, id, "cs.production.v1", s->day, "20:00:00", e->uscc);
    jb_str(&b, "enterprise", e->uscc);
    jb_str(&b, "sku", st->sku);
    jb_str(&b, "date", date);
    jb_num(&b, "output", output, decimals(st));
    jb_num(&b, "capacity", e->capacity, decimals(st));
    jb_str(&b, "unit", st->unit);
    return send(s, &b, "cs.production", key, err);
}

cs_status cs__sim_emit_sales(cs_sim *s, const sim_ent *e, double qty,
                             double revenue, cs_err *err)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    char id[96], key[64], d8[9], date[11];
    jb b;

    if (s->muted)
        return CS_OK;
    compact_date(s->o.start_day + s->day, d8);
    cs__sim_date(s->o.start_day + s->day, date);
    snprintf(id, sizeof(id), "%s/sal/%s/%s", s->id_prefix, e->uscc, d8);
    fact_key(key, sizeof(key), e);
    envelope(s, &b, id, "cs.sales.v1", s->day, "21:00:00", e->uscc);
    jb_str(&b, "enterprise", e->uscc);
    jb_str(&b, "sku", st->sku);
    jb_str(&b, "period_start", date);
    jb_str(&b, "period_end", date);
    jb_num(&b, "quantity", qty, decimals(st));
    jb_str(&b, "unit", st->unit);
    jb_num(&b, "revenue", revenue, 2);
    jb_str(&b, "currency", "CNY");
    jb_str(&b, "channel", st->channel);
    jb_str(&b, "region_code", "330000");
    return send(s, &b, "cs.sales", key, err);
}

/* slot -1: the finished product; otherwise an input. */
cs_status cs__sim_emit_inventory(cs_sim *s, const sim_ent *e, int slot,
                                 cs_err *err)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    const sim_stage *item = slot < 0 ? st : &cs__sim_stages[st->input[slot]];
    char id[112], key[64], d8[9], date[11], asof[32];
    jb b;

    if (s->muted)
        return CS_OK;
    compact_date(s->o.start_day + s->day, d8);
    cs__sim_date(s->o.start_day + s->day, date);
    snprintf(id, sizeof(id), "%s/inv/%s/%s/%s", s->id_prefix, e->uscc,
             item->sku, d8);
    snprintf(key, sizeof(key), "%s/%s", e->uscc, item->sku);
    snprintf(asof, sizeof(asof), "%sT23:00:00+08:00", date);
    envelope(s, &b, id, "cs.inventory.v1", s->day, "23:00:00", e->uscc);
    jb_str(&b, "enterprise", e->uscc);
    jb_str(&b, "site", slot < 0 ? "FG" : "RM");
    jb_str(&b, "sku", item->sku);
    jb_str(&b, "as_of", asof);
    jb_num(&b, "on_hand", slot < 0 ? e->fg : e->raw[slot], decimals(item));
    if (slot >= 0)
        jb_num(&b, "on_order", e->on_order[slot], decimals(item));
    jb_str(&b, "unit", item->unit);
    return send(s, &b, "cs.inventory", key, err);
}

cs_status cs__sim_emit_order(cs_sim *s, const sim_order *o, cs_err *err)
{
    const sim_link *l = &s->link[o->link];
    const sim_ent *sup = &s->ent[l->supplier], *buy = &s->ent[l->buyer];
    const sim_stage *in = &cs__sim_stages[sup->stage];
    char id[96], key[64], date[11], due[11];
    jb b;

    if (s->muted)
        return CS_OK;
    cs__sim_date(s->o.start_day + o->order_day, date);
    cs__sim_date(s->o.start_day + o->due_day, due);
    snprintf(id, sizeof(id), "%s/po/%s", s->id_prefix, o->order_id);
    snprintf(key, sizeof(key), "%s/%s", buy->uscc, o->order_id);
    envelope(s, &b, id, "cs.order.v1", o->order_day, "09:00:00", buy->uscc);
    jb_str(&b, "order_id", o->order_id);
    jb_str(&b, "buyer", buy->uscc);
    jb_str(&b, "supplier", sup->uscc);
    jb_str(&b, "order_date", date);
    jb_str(&b, "currency", "CNY");
    jb_key(&b, "lines");
    jb_raw(&b, "[");
    b.first = true;
    jb_open(&b, NULL);
    jb_int(&b, "line_no", 10);
    jb_str(&b, "sku", in->sku);
    jb_num(&b, "quantity", o->qty, decimals(in));
    jb_str(&b, "unit", in->unit);
    jb_num(&b, "unit_price", in->price_cny * l->price_factor, 2);
    jb_str(&b, "requested_date", due);
    jb_close(&b);
    jb_raw(&b, "]");
    return send(s, &b, "cs.orders", key, err);
}

cs_status cs__sim_emit_shipment(cs_sim *s, const sim_shipment *sh,
                                bool delivered, cs_err *err)
{
    const sim_link *l = &s->link[sh->link];
    const sim_ent *sup = &s->ent[l->supplier], *buy = &s->ent[l->buyer];
    const sim_stage *in = &cs__sim_stages[sup->stage];
    char id[96], key[64], shipped[32], arrived[32], batch[16], ident[96];
    char d8[9];
    int32_t day = delivered ? sh->arrive_day : sh->ship_day;
    jb b;

    if (s->muted)
        return CS_OK;
    cs__sim_date(s->o.start_day + sh->ship_day, shipped);
    memcpy(shipped + 10, "T08:00:00+08:00", 16);
    cs__sim_date(s->o.start_day + sh->arrive_day, arrived);
    memcpy(arrived + 10, "T14:00:00+08:00", 16);
    compact_date(s->o.start_day + sh->ship_day, d8);
    snprintf(batch, sizeof(batch), "B%s", d8 + 2);
    snprintf(ident, sizeof(ident), "88.330.%d/%s.%s", 1000 + sup->stage,
             sup->uscc, batch);
    snprintf(id, sizeof(id), "%s/asn/%s/%c", s->id_prefix, sh->shipment_id,
             delivered ? 'd' : 's');
    snprintf(key, sizeof(key), "%s/%s", sup->uscc, sh->shipment_id);
    envelope(s, &b, id, "cs.shipment.v1", day,
             delivered ? "14:00:00" : "08:00:00", sup->uscc);
    jb_str(&b, "shipment_id", sh->shipment_id);
    jb_str(&b, "supplier", sup->uscc);
    jb_str(&b, "buyer", buy->uscc);
    jb_str(&b, "order_id", sh->order_id);
    jb_str(&b, "shipped_at", shipped);
    if (delivered)
        jb_str(&b, "delivered_at", arrived);
    jb_key(&b, "lines");
    jb_raw(&b, "[");
    b.first = true;
    jb_open(&b, NULL);
    jb_int(&b, "line_no", 1);
    jb_int(&b, "order_line_no", 10);
    jb_str(&b, "sku", in->sku);
    jb_num(&b, "quantity", sh->qty, decimals(in));
    jb_str(&b, "unit", in->unit);
    jb_str(&b, "batch", batch);
    jb_str(&b, "identifier", ident);
    jb_close(&b);
    jb_raw(&b, "]");
    return send(s, &b, "cs.shipments", key, err);
}

static const char *risk_kind(cs_sim_kind k)
{
    switch (k) {
    case CS_SIM_FLOOD:
        return "flood";
    case CS_SIM_POWER_CUT:
        return "power_cut";
    case CS_SIM_BANKRUPTCY:
    case CS_SIM_DEMAND:
        break;
    }
    return "financial"; /* the contract has no demand kind */
}

cs_status cs__sim_emit_risk(cs_sim *s, const sim_active *a, cs_err *err)
{
    const cs_sim_scenario *sc = &a->sc;
    char id[96], rid[48], start[32], end[32], region[8], desc[256];
    jb b;

    if (s->muted)
        return CS_OK;
    snprintf(rid, sizeof(rid), "SIM%llu-%u", (unsigned long long)s->o.seed,
             a->n);
    snprintf(id, sizeof(id), "%s/risk/%u", s->id_prefix, a->n);
    cs__sim_date(s->o.start_day + sc->day, start);
    memcpy(start + 10, "T00:00:00+08:00", 16);
    cs__sim_date(s->o.start_day + sc->day + (int32_t)sc->days, end);
    memcpy(end + 10, "T00:00:00+08:00", 16);
    if (sc->kind == CS_SIM_BANKRUPTCY) {
        const sim_ent *e = &s->ent[a->ent];
        memcpy(region, e->region, 7);
        snprintf(desc, sizeof(desc),
                 "simulated insolvency of %s (%s), "
                 "production stops",
                 e->uscc, cs__sim_stages[e->stage].name);
    } else if (sc->kind == CS_SIM_DEMAND) {
        memcpy(region, "330000", 7);
        snprintf(desc, sizeof(desc),
                 "simulated demand shock: final demand "
                 "of %s x%.2f for %u days",
                 sc->target, sc->factor, sc->days);
    } else {
        size_t n = strlen(sc->target);
        memcpy(region, "000000", 7);
        memcpy(region, sc->target, n > 6 ? 6 : n);
        snprintf(desc, sizeof(desc), "simulated %s in %s for %u days",
                 risk_kind(sc->kind), region, sc->days);
    }
    envelope(s, &b, id, "cs.risk_event.v1", sc->day, "00:00:00",
             s->risk_tenant);
    jb_str(&b, "risk_id", rid);
    jb_str(&b, "kind", risk_kind(sc->kind));
    jb_int(&b, "severity", sc->severity);
    if (sc->kind == CS_SIM_BANKRUPTCY) {
        /* One enterprise, not its district: a point with a small radius. */
        jb_num(&b, "lat", s->ent[a->ent].lat, 5);
        jb_num(&b, "lon", s->ent[a->ent].lon, 5);
        jb_num(&b, "radius_km", 0.5, 1);
    } else {
        jb_key(&b, "regions");
        jb_fmt(&b, "[\"%s\"]", region);
    }
    jb_str(&b, "starts_at", start);
    if (sc->days > 0)
        jb_str(&b, "expected_end", end);
    jb_str(&b, "description", desc);
    return send(s, &b, "cs.risk_events", rid, err);
}
