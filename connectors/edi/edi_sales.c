/* edi_sales.c - EDIFACT SLSRPT (sales data report) as cs.sales.v1: one
 * event per item and sales period, its sold quantity and sales value
 * summed exactly over every place of sale (LOC) of the message; returns
 * (negative quantities) are summed apart, since the contract's quantity
 * and revenue are never negative. docs/connectors.md has the mapping. */
#include "edi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cs_json.h"
#include "cs_str.h"

#define G(s, e, c)       cs__edi_get(lx, (s), (e), (c))
#define SALES_MAX_POINTS 100 /* places of sale listed in one event */

typedef struct sale {
    const edi_seg *lin;
    size_t order; /* position in the message */
    const char *line_no, *sku, *unit, *location, *loc_qual;
    char start[EDI_TIME_BYTES], end[EDI_TIME_BYTES];
    edi_dec qty, amount;
    bool has_qty, has_amount;
    const edi_seg *amount_seg; /* PRI or MOA it came from */
    bool amount_from_pri;
} sale;

typedef struct sales {
    sale *v;
    size_t n, cap;
} sales;

static int by_item(const void *a, const void *b)
{
    const sale *x = a, *y = b;
    int c = strcmp(x->sku, y->sku);
    if (c == 0)
        c = strcmp(x->start, y->start);
    if (c == 0)
        c = strcmp(x->end, y->end);
    return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

static bool same_item(const sale *a, const sale *b)
{
    return strcmp(a->sku, b->sku) == 0 && strcmp(a->start, b->start) == 0 &&
           strcmp(a->end, b->end) == 0;
}

/* A DTM as a period: 718 CCYYMMDD-CCYYMMDD (with or without the dash),
 * else one day in the formats cs__edi_date reads. */
static cs_status period(const edi_lex *lx, const edi_seg *s, char *start,
                        char *end, cs_err *err)
{
    const char *v = G(s, 1, 2), *fmt = G(s, 1, 3);
    char what[32], a[9], b[9];

    snprintf(what, sizeof(what), "DTM %s period", G(s, 1, 1));
    if (strcmp(fmt, "718") == 0) {
        size_t n = strlen(v);
        if (n != 16 && !(n == 17 && v[8] == '-'))
            return cs__edi_fail(err, s,
                                "%s \"%s\" is not CCYYMMDD-CCYYMMDD "
                                "(format 718)",
                                what, v);
        memcpy(a, v, 8);
        a[8] = '\0';
        memcpy(b, v + n - 8, 8);
        b[8] = '\0';
        if (cs__edi_date(s, what, a, "102", "", start, EDI_TIME_BYTES, err) !=
                CS_OK ||
            cs__edi_date(s, what, b, "102", "", end, EDI_TIME_BYTES, err) !=
                CS_OK)
            return CS_E_INVALID;
    } else {
        if ((strcmp(fmt, "203") == 0 || strcmp(fmt, "204") == 0) &&
            strlen(v) >= 8) {
            memcpy(a, v, 8); /* a date-time: its day */
            a[8] = '\0';
            v = a;
            fmt = "102";
        }
        if (cs__edi_date(s, what, v, fmt, "", start, EDI_TIME_BYTES, err) !=
            CS_OK)
            return CS_E_INVALID;
        memcpy(end, start, EDI_TIME_BYTES);
    }
    if (strcmp(end, start) < 0)
        return cs__edi_fail(err, s, "%s ends (%s) before it starts (%s)", what,
                            end, start);
    return CS_OK;
}

static sale *add(sales *ss, const edi_seg *lin, cs_err *err)
{
    if (ss->n == ss->cap) {
        size_t ncap = ss->cap ? ss->cap * 2 : 64;
        sale *nv = realloc(ss->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            cs_err_set(err, CS_E_NOMEM, "out of memory");
            return NULL;
        }
        ss->v = nv;
        ss->cap = ncap;
    }
    memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
    ss->v[ss->n].lin = lin;
    ss->v[ss->n].order = ss->n;
    return &ss->v[ss->n++];
}

typedef struct header {
    const char *report_id, *currency;
    char start[EDI_TIME_BYTES], end[EDI_TIME_BYTES];
    edi_party seller;
    const char *supplier_id;
} header;

/* The segments of the message into hdr and one sale per LIN. */
static cs_status read_message(edi_run *r, edi_doc *d, size_t unh, size_t unt,
                              header *hdr, sales *ss, cs_err *err)
{
    const edi_lex *lx = r->lx;
    const char *location = NULL, *loc_qual = NULL;
    char loc_start[EDI_TIME_BYTES] = "", loc_end[EDI_TIME_BYTES] = "";
    sale *l = NULL;
    const edi_seg *se = NULL, *by = NULL;

    for (size_t j = unh + 1; j < unt; j++) {
        const edi_seg *s = &lx->segs[j];
        const char *q = G(s, 1, 1);
        char dec = s->seps.decimal;

        if (cs__edi_is(s, "BGM")) {
            hdr->report_id = G(s, 2, 1);
        } else if (cs__edi_is(s, "DTM") && location == NULL) {
            char a[EDI_TIME_BYTES], b[EDI_TIME_BYTES];
            if (strcmp(q, "90") == 0 || strcmp(q, "91") == 0 ||
                strcmp(q, "356") == 0) {
                if (period(lx, s, a, b, err) != CS_OK)
                    return CS_E_INVALID;
                if (strcmp(q, "91") != 0)
                    memcpy(hdr->start, a, sizeof(a));
                if (strcmp(q, "90") != 0)
                    memcpy(hdr->end, b, sizeof(b));
            }
        } else if (cs__edi_is(s, "DTM") && l == NULL) {
            /* the period of this place of sale */
            if (strcmp(q, "356") == 0 &&
                period(lx, s, loc_start, loc_end, err) != CS_OK)
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "NAD") && location == NULL) {
            if (strcmp(q, "SE") == 0 && G(s, 2, 1)[0] != '\0')
                se = s;
            else if (strcmp(q, "BY") == 0 && G(s, 2, 1)[0] != '\0')
                by = s;
            else if (strcmp(q, "SU") == 0)
                hdr->supplier_id = G(s, 2, 1);
        } else if (cs__edi_is(s, "CUX") && hdr->currency == NULL) {
            if (cs__edi_currency(s, "CUX currency", G(s, 1, 2), err) != CS_OK)
                return CS_E_INVALID;
            hdr->currency = G(s, 1, 2);
        } else if (cs__edi_is(s, "LOC")) {
            location = G(s, 2, 1);
            loc_qual = q;
            loc_start[0] = loc_end[0] = '\0';
            l = NULL;
        } else if (cs__edi_is(s, "LIN")) {
            if ((l = add(ss, s, err)) == NULL)
                return err->code;
            l->line_no = G(s, 1, 1);
            l->sku = G(s, 3, 1)[0] != '\0' ? G(s, 3, 1) : NULL;
            l->location = location != NULL ? location : "";
            l->loc_qual = loc_qual != NULL ? loc_qual : "";
            memcpy(l->start, loc_start[0] ? loc_start : hdr->start,
                   EDI_TIME_BYTES);
            memcpy(l->end, loc_end[0] ? loc_end : hdr->end, EDI_TIME_BYTES);
        } else if (cs__edi_is(s, "PIA") && l != NULL && l->sku == NULL) {
            if (G(s, 2, 1)[0] != '\0')
                l->sku = G(s, 2, 1);
        } else if (cs__edi_is(s, "QTY") && l != NULL && strcmp(q, "153") == 0 &&
                   !l->has_qty) {
            const char *unit = G(s, 1, 3);
            if (unit[0] == '\0')
                unit = r->o->default_unit != NULL ? r->o->default_unit : "";
            if (cs__edi_dec_parse(s, "QTY quantity", G(s, 1, 2), dec, &l->qty,
                                  err) != CS_OK ||
                cs__edi_unit(s, "QTY", unit, err) != CS_OK)
                return CS_E_INVALID;
            l->unit = unit;
            l->has_qty = true;
        } else if (l != NULL &&
                   ((cs__edi_is(s, "MOA") && strcmp(q, "203") == 0) ||
                    (cs__edi_is(s, "PRI") && !l->has_amount))) {
            /* the line's sales value: MOA 203, else what PRI states */
            bool moa = cs__edi_is(s, "MOA");
            if (cs__edi_dec_parse(s, moa ? "MOA 203 amount" : "PRI amount",
                                  G(s, 1, 2), dec, &l->amount, err) != CS_OK)
                return CS_E_INVALID;
            l->has_amount = true;
            l->amount_seg = s;
            l->amount_from_pri = !moa;
        }
    }
    if (se != NULL || by != NULL) {
        const edi_seg *p = se != NULL ? se : by;
        hdr->seller.id = G(p, 2, 1);
        hdr->seller.id_qual = G(p, 2, 3);
        hdr->seller.id_from = se != NULL ? "NAD+SE" : "NAD+BY";
        hdr->seller.seg = p;
    }
    hdr->seller.env_id = d->supplier.env_id; /* the sender */
    hdr->seller.env_qual = d->supplier.env_qual;
    hdr->seller.env_from = d->supplier.env_from;
    if (ss->n == 0)
        return cs__edi_fail(err, d->head, "the sales report has no lines");
    for (size_t i = 0; i < ss->n; i++) {
        sale *x = &ss->v[i];
        if (x->sku == NULL)
            return cs__edi_fail(err, x->lin, "LIN %s states no item identifier",
                                x->line_no);
        if (!x->has_qty)
            return cs__edi_fail(err, x->lin,
                                "LIN %s states no sales quantity (QTY+153)",
                                x->line_no);
        if (x->start[0] == '\0' || x->end[0] == '\0')
            return cs__edi_fail(err, x->lin,
                                "LIN %s has no sales period: neither DTM+356 "
                                "of its place of sale nor DTM+90 and DTM+91 "
                                "of the report",
                                x->line_no);
        /* a return states a negative quantity; its value is a refund */
        if (x->has_amount && x->qty.v < 0 && x->amount.v > 0)
            x->amount.v = -x->amount.v;
    }
    return CS_OK;
}

static void kv_dec(yajl_gen g, const char *k, edi_dec x)
{
    char t[48];
    cs__edi_dec_text(x, t, sizeof(t));
    cs_json_kv_raw_number(g, k, t);
}

/* The event of sales [a, b) (one item and period). */
static cs_status build(edi_run *r, edi_doc *d, const edi_ids *ids, size_t unh,
                       size_t unt, const header *hdr, const char *enterprise,
                       const sale *a, const sale *b, cs_err *err)
{
    const cs_edi_opts *o = r->o;
    edi_dec sold = {0, 0}, ret = {0, 0}, rev = {0, 0}, refund = {0, 0};
    bool any_amount = false, any_return = false, retail = true;
    const char *tenant =
        o->tenant != NULL && o->tenant[0] != '\0' ? o->tenant : enterprise;
    char salt[160], key[200];
    yajl_gen g;
    size_t n = (size_t)(b - a);

    if (strlen(a->sku) > 128 || !cs__edi_utf8_valid(a->sku, strlen(a->sku)))
        return cs__edi_fail(err, a->lin,
                            "item identifier \"%.40s\" must be 1-128 bytes "
                            "of UTF-8",
                            a->sku);
    for (const sale *x = a; x < b; x++) {
        bool ok = true;
        if (strcmp(x->unit, a->unit) != 0)
            return cs__edi_fail(err, x->lin,
                                "LIN %s states item %s in %s, LIN %s (segment "
                                "%zu) in %s: one sales figure needs one unit",
                                x->line_no, x->sku, x->unit, a->line_no,
                                a->lin->pos, a->unit);
        if (x->qty.v >= 0) {
            ok = cs__edi_dec_add(&sold, x->qty) &&
                 (!x->has_amount || cs__edi_dec_add(&rev, x->amount));
        } else {
            edi_dec q = {-x->qty.v, x->qty.scale};
            edi_dec m = {-x->amount.v, x->amount.scale};
            any_return = true;
            ok = cs__edi_dec_add(&ret, q) &&
                 (!x->has_amount || cs__edi_dec_add(&refund, m));
        }
        if (!ok)
            return cs__edi_fail(err, x->lin,
                                "the sums of item %s overflow at LIN %s",
                                x->sku, x->line_no);
        any_amount |= x->has_amount;
        retail &= strcmp(x->loc_qual, "162") == 0;
    }
    snprintf(salt, sizeof(salt), "%s|%s|%s", a->sku, a->start, a->end);
    if ((g = cs__edi_event_open(r, d, ids, unh, unt, salt, "cs.sales.v1",
                                tenant)) == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    cs_json_kv_str(g, "enterprise", enterprise);
    cs_json_kv_str(g, "sku", a->sku);
    cs_json_kv_str(g, "period_start", a->start);
    cs_json_kv_str(g, "period_end", a->end);
    kv_dec(g, "quantity", sold);
    cs_json_kv_str(g, "unit", a->unit);
    if (any_amount)
        kv_dec(g, "revenue", rev);
    if (hdr->currency != NULL)
        cs_json_kv_str(g, "currency", hdr->currency);
    else if (o->currency != NULL && o->currency[0] != '\0')
        cs_json_kv_str(g, "currency", o->currency);
    /* EANCOM SLSRPT reports a retailer's places of sale (LOC+162) */
    if (retail)
        cs_json_kv_str(g, "channel", "retail");
    /* Not in the v1 contract (ingest ignores them): returns, the report
     * and each place of sale as the document states them. */
    if (any_return) {
        kv_dec(g, "returned_quantity", ret);
        if (any_amount)
            kv_dec(g, "returned_revenue", refund);
    }
    if (hdr->report_id != NULL && hdr->report_id[0] != '\0' &&
        cs__edi_utf8_valid(hdr->report_id, strlen(hdr->report_id)))
        cs_json_kv_str(g, "report_id", hdr->report_id);
    cs_json_kv_int(g, "n_sales_points", (long long)n);
    cs_json_key(g, "sales_points");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n && i < SALES_MAX_POINTS; i++) {
        const sale *x = &a[i];
        yajl_gen_map_open(g);
        if (cs__edi_utf8_valid(x->location, strlen(x->location)))
            cs_json_kv_str(g, "location", x->location);
        if (cs__edi_utf8_valid(x->line_no, strlen(x->line_no)))
            cs_json_kv_str(g, "line", x->line_no);
        kv_dec(g, "quantity", x->qty);
        if (x->has_amount)
            kv_dec(g, "amount", x->amount);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    snprintf(key, sizeof(key), "%s/%s", enterprise, a->sku);
    return cs__edi_event_close(r, g, "cs.sales.v1", key, a->lin, err);
}

cs_status cs__edi_sales(edi_run *r, edi_doc *d, const edi_ids *ids, size_t unh,
                        size_t unt, cs_err *why)
{
    header hdr = {0};
    sales ss = {0};
    const char *enterprise;
    size_t queued = r->n_pending;
    cs_status rc;

    rc = read_message(r, d, unh, unt, &hdr, &ss, why);
    if (rc == CS_OK)
        rc = cs__edi_resolve(d, r->o, &hdr.seller, "seller", &enterprise, why);
    if (rc != CS_OK)
        goto out;
    for (size_t i = 0; i < ss.n; i++)
        if (ss.v[i].amount_from_pri) {
            cs__edi_warn(r, ss.v[i].amount_seg,
                         "no MOA+203 line amount: the sales value of a "
                         "line is the amount its PRI states");
            break;
        }
    for (size_t i = 0; i < ss.n; i++)
        if (hdr.start[0] != '\0' && hdr.end[0] != '\0' &&
            (strcmp(ss.v[i].start, hdr.start) < 0 ||
             strcmp(ss.v[i].end, hdr.end) > 0)) {
            cs__edi_warn(r, ss.v[i].lin,
                         "LIN %s: its place of sale's period %s..%s (DTM+356) "
                         "lies outside the report's %s..%s (DTM+90/91); the "
                         "place of sale's is taken",
                         ss.v[i].line_no, ss.v[i].start, ss.v[i].end, hdr.start,
                         hdr.end);
            break;
        }
    qsort(ss.v, ss.n, sizeof(ss.v[0]), by_item);
    for (size_t i = 0, j; i < ss.n && rc == CS_OK; i = j) {
        for (j = i + 1; j < ss.n && same_item(&ss.v[i], &ss.v[j]); j++)
            ;
        rc = build(r, d, ids, unh, unt, &hdr, enterprise, &ss.v[i], &ss.v[j],
                   why);
    }
    if (rc != CS_OK)
        cs__edi_unqueue(r, queued); /* all of the message or none of it */
out:
    free(ss.v);
    return rc;
}
