/* edi_plan.c - X12 830 (planning schedule with release capability) as
 * cs.demand_plan.v1: one event per item (LIN) and forecast period (FST),
 * the buyer's planned requirement of the supplier's item; the SDQ
 * destination quantities of a period are kept beside it.
 * docs/connectors.md has the mapping. */
#include "edi_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cs_json.h"
#include "cs_str.h"
#include "cs_time.h"

#define G(s, e)               cs__edi_get(lx, (s), (e), 1)
#define PLAN_MAX_DESTINATIONS 100

/* The buyer's own item numbers first (the plan is the buyer's). */
static const char *const plan_sku_prefer[] = {"BP", "PI", "IN",
                                              "CB", "SK", NULL};

typedef struct plan_hdr {
    const edi_seg *bfr;
    const char *schedule_type, *schedule_ref;
    char issued[EDI_TIME_BYTES];
    char horizon_start[EDI_TIME_BYTES], horizon_end[EDI_TIME_BYTES];
    const char *buyer, *supplier; /* credit codes */
} plan_hdr;

typedef struct plan_item {
    const edi_seg *lin;
    edi_item_id ids[EDI_MAX_ITEM_IDS];
    size_t n_ids;
    const char *sku, *unit; /* unit: UIT01, NULL when none */
} plan_item;

static cs_status x12_day(const edi_seg *s, const char *what, const char *v,
                         char *out, cs_err *err)
{
    return cs__edi_date(s, what, v, strlen(v) == 6 ? "101" : "102", "", out,
                        EDI_TIME_BYTES, err);
}

/* The last day of a period FST states by its start only: a week (W) is
 * seven days, a month (M) runs to its end; anything else is one day. */
static void period_end(const char *start, const char *timing, char *end)
{
    int64_t us;
    time_t t;
    struct tm tm;
    cs_err e = {0};

    memcpy(end, start, EDI_TIME_BYTES);
    if (cs_time_to_unix_us(start, strlen(start), &us, &e) != CS_OK)
        return;
    t = (time_t)(us / 1000000);
    if (gmtime_r(&t, &tm) == NULL)
        return;
    if (strcmp(timing, "W") == 0) {
        t += 6 * 86400;
    } else if (strcmp(timing, "M") == 0) {
        int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = tm.tm_year + 1900, n = mdays[tm.tm_mon];
        if (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
            n = 29;
        t += (time_t)(n - tm.tm_mday) * 86400;
    } else {
        return;
    }
    if (gmtime_r(&t, &tm) != NULL)
        strftime(end, EDI_TIME_BYTES, "%Y-%m-%d", &tm);
}

static const char *pick(const plan_item *it)
{
    for (const char *const *q = plan_sku_prefer; *q != NULL; q++)
        for (size_t i = 0; i < it->n_ids; i++)
            if (strcmp(it->ids[i].qual, *q) == 0)
                return it->ids[i].id;
    return it->n_ids > 0 ? it->ids[0].id : NULL;
}

/* Builds and queues the event of one FST (at index j) of item it. */
static cs_status fst_event(edi_run *r, edi_doc *d, const edi_ids *ids,
                           size_t st, size_t se, size_t j, const plan_hdr *h,
                           const plan_item *it, cs_err *err)
{
    const edi_lex *lx = r->lx;
    const cs_edi_opts *o = r->o;
    const edi_seg *s = &lx->segs[j];
    const char *code = G(s, 2), *timing = G(s, 3), *unit = it->unit;
    char qty[EDI_NUM_BYTES], start[EDI_TIME_BYTES], end[EDI_TIME_BYTES];
    char salt[200], key[320];
    const char *tenant =
        o->tenant != NULL && o->tenant[0] != '\0' ? o->tenant : h->buyer;
    size_t n_dest = 0;
    yajl_gen g;

    if (cs__edi_decimal(s, "FST01 quantity", G(s, 1), '.', qty, sizeof(qty),
                        err) != CS_OK ||
        x12_day(s, "FST04 period start", G(s, 4), start, err) != CS_OK)
        return CS_E_INVALID;
    if (G(s, 5)[0] != '\0') {
        if (x12_day(s, "FST05 period end", G(s, 5), end, err) != CS_OK)
            return CS_E_INVALID;
        if (strcmp(end, start) < 0)
            return cs__edi_fail(
                err, s, "FST05 period end %s is before FST04 %s", end, start);
    } else {
        period_end(start, timing, end);
    }
    if (code[0] == '\0')
        return cs__edi_fail(err, s,
                            "FST02 forecast qualifier is empty (C firm, D "
                            "planning, ...)");
    /* the unit: UIT01 of the item, else SDQ01 of the period */
    for (size_t k = j + 1; unit == NULL && k < se; k++) {
        const edi_seg *q = &lx->segs[k];
        if (!cs__edi_is(q, "SDQ"))
            break;
        if (G(q, 1)[0] != '\0')
            unit = G(q, 1);
    }
    if (unit == NULL)
        return cs__edi_fail(err, s,
                            "the period states no unit: neither UIT01 of "
                            "its item (segment %zu) nor SDQ01 after it",
                            it->lin->pos);
    if (cs__edi_unit(s, "unit", unit, err) != CS_OK)
        return CS_E_INVALID;
    snprintf(salt, sizeof(salt), "%s|%zu", it->sku, s->pos);
    if ((g = cs__edi_event_open(r, d, ids, st, se, salt, "cs.demand_plan.v1",
                                tenant)) == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    cs_json_kv_str(g, "buyer", h->buyer);
    cs_json_kv_str(g, "supplier", h->supplier);
    cs_json_kv_str(g, "sku", it->sku);
    cs_json_kv_str(g, "period_start", start);
    cs_json_kv_str(g, "period_end", end);
    cs_json_kv_raw_number(g, "quantity", qty);
    cs_json_kv_str(g, "unit", unit);
    /* X12 680: A immediate, C firm; B pilot, D planning, Z mutually
     * defined are forecasts */
    cs_json_key(g, "firm");
    yajl_gen_bool(g, strcmp(code, "C") == 0 || strcmp(code, "A") == 0);
    cs_json_kv_str(g, "forecast_code", code);
    if (h->schedule_type[0] != '\0')
        cs_json_kv_str(g, "schedule_type", h->schedule_type);
    if (h->schedule_ref != NULL)
        cs_json_kv_str(g, "schedule_ref", h->schedule_ref);
    if (h->issued[0] != '\0')
        cs_json_kv_str(g, "issued_date", h->issued);
    /* Not in the v1 contract (ingest ignores them): the timing code, the
     * schedule's horizon, every item id and the destination quantities
     * (SDQ) as stated. */
    if (timing[0] != '\0')
        cs_json_kv_str(g, "timing_code", timing);
    if (h->horizon_start[0] != '\0')
        cs_json_kv_str(g, "horizon_start", h->horizon_start);
    if (h->horizon_end[0] != '\0')
        cs_json_kv_str(g, "horizon_end", h->horizon_end);
    cs_json_key(g, "item_ids");
    yajl_gen_array_open(g);
    for (size_t k = 0; k < it->n_ids; k++) {
        yajl_gen_map_open(g);
        if (it->ids[k].qual[0] != '\0')
            cs_json_kv_str(g, "qualifier", it->ids[k].qual);
        cs_json_kv_str(g, "id", it->ids[k].id);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    cs_json_key(g, "destinations");
    yajl_gen_array_open(g);
    for (size_t k = j + 1; k < se && cs__edi_is(&lx->segs[k], "SDQ"); k++) {
        const edi_seg *q = &lx->segs[k];
        /* SDQ03/04 .. SDQ21/22: location, quantity */
        for (size_t e = 3; e + 1 <= q->n_elems && e <= 21; e += 2) {
            char dq[EDI_NUM_BYTES];
            if (G(q, e)[0] == '\0' && G(q, e + 1)[0] == '\0')
                continue;
            if (cs__edi_decimal(q, "SDQ quantity", G(q, e + 1), '.', dq,
                                sizeof(dq), err) != CS_OK) {
                yajl_gen_free(g);
                return CS_E_INVALID;
            }
            if (++n_dest > PLAN_MAX_DESTINATIONS)
                continue;
            yajl_gen_map_open(g);
            cs_json_kv_str(g, "location", G(q, e));
            cs_json_kv_raw_number(g, "quantity", dq);
            yajl_gen_map_close(g);
        }
    }
    yajl_gen_array_close(g);
    if (n_dest > 0)
        cs_json_kv_int(g, "n_destinations", (long long)n_dest);
    snprintf(key, sizeof(key), "%s/%s/%s", h->buyer, h->supplier, it->sku);
    return cs__edi_event_close(r, g, "cs.demand_plan.v1", key, s, err);
}

/* N1 parties of the header: the buyer (BY, else FR: the schedule is from
 * the buyer) and the supplier (SU, VN, SE, else TO). */
static void n1(const edi_lex *lx, const edi_seg *s, edi_doc *d, int *rb,
               int *rs)
{
    static const char *const by[] = {"FR", "BY"};
    static const char *const su[] = {"TO", "SE", "VN", "SU"};
    const char *code = G(s, 1), *id = cs__edi_get(lx, s, 4, 1);

    if (id[0] == '\0')
        return;
    for (int k = 0; k < 2; k++)
        if (strcmp(code, by[k]) == 0 && k + 1 > *rb) {
            *rb = k + 1;
            d->buyer.id = id;
            d->buyer.id_qual = G(s, 3);
            d->buyer.id_from = k ? "N1*BY" : "N1*FR";
            d->buyer.seg = s;
        }
    for (int k = 0; k < 4; k++)
        if (strcmp(code, su[k]) == 0 && k + 1 > *rs) {
            static const char *const froms[] = {"N1*TO", "N1*SE", "N1*VN",
                                                "N1*SU"};
            *rs = k + 1;
            d->supplier.id = id;
            d->supplier.id_qual = G(s, 3);
            d->supplier.id_from = froms[k];
            d->supplier.seg = s;
        }
}

cs_status cs__edi_demand_plan(edi_run *r, edi_doc *d, const edi_ids *ids,
                              size_t st, size_t se, cs_err *why)
{
    const edi_lex *lx = r->lx;
    plan_hdr h = {0};
    plan_item it = {0};
    const edi_seg *ctt = NULL;
    size_t n_lin = 0, n_events = 0, queued = r->n_pending;
    int rb = 0, rs = 0;
    cs_status rc = CS_OK;

    /* the header: BFR and the parties before the first LIN */
    for (size_t j = st + 1; j < se && !cs__edi_is(&lx->segs[j], "LIN"); j++) {
        const edi_seg *s = &lx->segs[j];
        if (cs__edi_is(s, "BFR") && h.bfr == NULL) {
            h.bfr = s;
            h.schedule_type = G(s, 4);
            h.schedule_ref = G(s, 2)[0] ? G(s, 2) : G(s, 3)[0] ? G(s, 3) : NULL;
            if ((G(s, 6)[0] != '\0' &&
                 x12_day(s, "BFR06 horizon start", G(s, 6), h.horizon_start,
                         why) != CS_OK) ||
                (G(s, 7)[0] != '\0' && x12_day(s, "BFR07 horizon end", G(s, 7),
                                               h.horizon_end, why) != CS_OK) ||
                (G(s, 8)[0] != '\0' &&
                 x12_day(s, "BFR08 schedule date", G(s, 8), h.issued, why) !=
                     CS_OK))
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "N1")) {
            n1(lx, s, d, &rb, &rs);
        }
    }
    if (h.bfr == NULL)
        return cs__edi_fail(why, d->head, "transaction set 830 has no BFR");
    if (h.schedule_ref != NULL &&
        (strlen(h.schedule_ref) > 64 ||
         !cs__edi_utf8_valid(h.schedule_ref, strlen(h.schedule_ref))))
        return cs__edi_fail(why, h.bfr,
                            "BFR02 / BFR03 schedule reference must be 1-64 "
                            "bytes of UTF-8");
    if (strlen(h.schedule_type) > 8)
        return cs__edi_fail(why, h.bfr,
                            "BFR04 schedule type \"%.20s\" is "
                            "longer than 8",
                            h.schedule_type);
    if (cs__edi_resolve(d, r->o, &d->buyer, "buyer", &h.buyer, why) != CS_OK ||
        cs__edi_resolve(d, r->o, &d->supplier, "supplier", &h.supplier, why) !=
            CS_OK)
        return CS_E_INVALID;
    if (strcmp(h.buyer, h.supplier) == 0)
        return cs__edi_fail(why, d->head,
                            "buyer and supplier are the same enterprise %s",
                            h.buyer);

    for (size_t j = st + 1; j < se && rc == CS_OK; j++) {
        const edi_seg *s = &lx->segs[j];
        if (cs__edi_is(s, "LIN")) {
            memset(&it, 0, sizeof(it));
            it.lin = s;
            n_lin++;
            /* LIN02/03 onwards: qualifier / id pairs */
            for (size_t e = 2; e + 1 <= s->n_elems; e += 2) {
                const char *v = G(s, e + 1);
                if (v[0] == '\0' || it.n_ids >= EDI_MAX_ITEM_IDS)
                    continue;
                it.ids[it.n_ids].qual = G(s, e);
                it.ids[it.n_ids].id = v;
                it.n_ids++;
            }
            it.sku = pick(&it);
            if (it.sku == NULL)
                rc = cs__edi_fail(why, s, "LIN states no item identifier");
            else if (strlen(it.sku) > 128 ||
                     !cs__edi_utf8_valid(it.sku, strlen(it.sku)))
                rc = cs__edi_fail(why, s,
                                  "item identifier \"%.40s\" must be 1-128 "
                                  "bytes of UTF-8",
                                  it.sku);
        } else if (cs__edi_is(s, "UIT") && it.lin != NULL) {
            it.unit = G(s, 1)[0] != '\0' ? G(s, 1) : NULL;
        } else if (cs__edi_is(s, "FST")) {
            if (it.lin == NULL)
                rc = cs__edi_fail(why, s, "FST before any LIN");
            else
                rc = fst_event(r, d, ids, st, se, j, &h, &it, why);
            n_events++;
        } else if (cs__edi_is(s, "CTT")) {
            ctt = s;
        }
    }
    if (rc == CS_OK && n_events == 0)
        rc = cs__edi_fail(why, d->head,
                          "the planning schedule states no quantity (FST)");
    if (rc == CS_OK && ctt != NULL) {
        int64_t n;
        rc = cs__edi_count(ctt, "CTT01 number of line items", G(ctt, 1), &n,
                           why);
        if (rc == CS_OK && (size_t)n != n_lin) {
            cs__edi_fail(why, ctt,
                         "CTT01 counts %" PRId64 " line items, the "
                         "transaction set has %zu LIN",
                         n, n_lin);
            if (cs__edi_control(r, why))
                rc = CS_E_INVALID;
        }
    }
    if (rc != CS_OK)
        cs__edi_unqueue(r, queued); /* all of the schedule or none of it */
    return rc;
}
