/* edi_x12.c - ANSI X12: the ISA / GS / ST envelope with its control
 * numbers and counts, and the 850 (purchase order), 855 (purchase order
 * acknowledgment), 856 (ship notice) and 810 (invoice) transaction sets
 * mapped onto the neutral document. */
#include "edi_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cs_str.h"

/* The buyer's own item numbers name an order line (the order belongs to
 * the buyer), the vendor's a shipped line; else the first id stated. */
static const char *const order_sku_prefer[] = {"BP", "IN", "CB", "SK", NULL};
static const char *const ship_sku_prefer[] = {"VP", "VN", "VA", "SA", NULL};

typedef struct x12_env {
    char sender[16], receiver[16];
    const char *sender_qual, *receiver_qual;
    const char *isa13, *gs06;
    char time[EDI_TIME_BYTES];
} x12_env;

static const char *el(const edi_lex *lx, const edi_seg *s, size_t e)
{
    return cs__edi_get(lx, s, e, 1);
}

static cs_status x12_date(const edi_seg *s, const char *what, const char *v,
                          char *out, cs_err *err)
{
    size_t n = strlen(v);
    return cs__edi_date(s, what, v, n == 6 ? "101" : "102", "", out,
                        EDI_TIME_BYTES, err);
}

static void add_ids(const edi_lex *lx, const edi_seg *s, size_t first,
                    edi_line *l)
{
    for (size_t e = first; e + 1 <= s->n_elems; e += 2) {
        const char *q = el(lx, s, e), *v = el(lx, s, e + 1);
        if (v[0] == '\0' || l->n_ids >= EDI_MAX_ITEM_IDS)
            continue;
        l->ids[l->n_ids].qual = q;
        l->ids[l->n_ids].id = v;
        l->n_ids++;
    }
}

/* A party named by an N1 segment: the first of the codes listed. */
static void n1_party(const edi_lex *lx, const edi_seg *s, edi_party *p,
                     const char *const *codes, const char *const *froms)
{
    const char *code = el(lx, s, 1), *id = el(lx, s, 4);

    if (id[0] == '\0' || p->id != NULL)
        return;
    for (size_t k = 0; codes[k] != NULL; k++) {
        if (strcmp(code, codes[k]) == 0) {
            p->id = id;
            p->id_qual = el(lx, s, 3);
            p->id_from = froms[k];
            p->seg = s;
            return;
        }
    }
}

/* CTT01 against the lines of the set (PO1 or IT1). */
static cs_status ctt_lines(edi_run *r, const edi_seg *ctt, const edi_doc *d,
                           const char *line_tag, cs_err *err)
{
    int64_t n;

    if (ctt == NULL)
        return CS_OK;
    if (cs__edi_count(ctt, "CTT01 number of line items", el(r->lx, ctt, 1), &n,
                      err) != CS_OK)
        return CS_E_INVALID;
    if ((size_t)n != d->n_lines) {
        cs__edi_fail(err, ctt,
                     "CTT01 counts %" PRId64 " line items, the transaction "
                     "set has %zu %s",
                     n, d->n_lines, line_tag);
        if (cs__edi_control(r, err))
            return CS_E_INVALID;
    }
    return CS_OK;
}

/* A PO1 (850, 855) or IT1 (810) line: number, quantity, unit, price, ids. */
static edi_line *item_line(const edi_lex *lx, const edi_seg *s, edi_doc *d,
                           cs_err *err)
{
    char what[32];
    edi_line *l = cs__edi_doc_add_line(d, s, err);

    if (l == NULL)
        return NULL;
    l->line_no_text = el(lx, s, 1);
    if (el(lx, s, 2)[0] != '\0') {
        snprintf(what, sizeof(what), "%s02 quantity", s->tag);
        if (cs__edi_decimal(s, what, el(lx, s, 2), '.', l->quantity,
                            sizeof(l->quantity), err) != CS_OK)
            return NULL;
        snprintf(what, sizeof(what), "%s03", s->tag);
        if (cs__edi_unit(s, what, el(lx, s, 3), err) != CS_OK)
            return NULL;
        l->unit = el(lx, s, 3);
    }
    snprintf(what, sizeof(what), "%s04 unit price", s->tag);
    if (el(lx, s, 4)[0] != '\0' &&
        cs__edi_decimal(s, what, el(lx, s, 4), '.', l->unit_price,
                        sizeof(l->unit_price), err) != CS_OK)
        return NULL;
    add_ids(lx, s, 6, l);
    return l;
}

/* PID05, the item description, of the line in progress. */
static void pid(const edi_lex *lx, const edi_seg *s, edi_line *l)
{
    if (l != NULL && l->description == NULL && el(lx, s, 5)[0] != '\0')
        l->description = el(lx, s, 5);
}

/* The parties an order, acknowledgment or invoice names (N1 entity
 * identifier codes, X12 98). */
static const char *const buyer_codes[] = {"BY", "BT", NULL};
static const char *const buyer_froms[] = {"N1*BY", "N1*BT"};
static const char *const supplier_codes[] = {"SE", "VN", "SU", NULL};
static const char *const supplier_froms[] = {"N1*SE", "N1*VN", "N1*SU"};
/* an order names its buyer BY (BT is whom to bill) */
static const char *const order_buyer_codes[] = {"BY", NULL};
/* a ship notice: ordered by, shipped from */
static const char *const ship_buyer_codes[] = {"BY", "OB", NULL};
static const char *const ship_buyer_froms[] = {"N1*BY", "N1*OB"};
static const char *const ship_supplier_codes[] = {"SE", "SU", "VN",
                                                  "SF", "SH", NULL};
static const char *const ship_supplier_froms[] = {"N1*SE", "N1*SU", "N1*VN",
                                                  "N1*SF", "N1*SH"};

/* What an order (850), acknowledgment (855) and invoice (810) share as
 * they are walked: the line in progress and the CTT. */
typedef struct item_walk {
    const char *line_tag;           /* "PO1" or "IT1" */
    const char *const *buyer_codes; /* N1 codes naming the buyer */
    edi_line *l;                    /* NULL before the first line */
    const edi_seg *ctt;
} item_walk;

/* The segments those share: CUR, the N1 parties (before the first line),
 * the lines, PID and CTT. 1: s was one of them; 0: it was not; -1: err
 * is set. */
static int item_segment(const edi_lex *lx, const edi_seg *s, edi_doc *d,
                        item_walk *w, cs_err *err)
{
    if (cs__edi_is(s, "CUR")) {
        if (cs__edi_currency(s, "CUR02", el(lx, s, 2), err) != CS_OK)
            return -1;
        d->currency = el(lx, s, 2);
    } else if (cs__edi_is(s, "N1")) {
        if (w->l == NULL) {
            n1_party(lx, s, &d->buyer, w->buyer_codes, buyer_froms);
            n1_party(lx, s, &d->supplier, supplier_codes, supplier_froms);
        }
    } else if (cs__edi_is(s, w->line_tag)) {
        if ((w->l = item_line(lx, s, d, err)) == NULL)
            return -1;
    } else if (cs__edi_is(s, "PID")) {
        pid(lx, s, w->l);
    } else if (cs__edi_is(s, "CTT")) {
        w->ctt = s;
    } else {
        return 0;
    }
    return 1;
}

static cs_status map_850(edi_run *r, size_t st, size_t se, edi_doc *d,
                         cs_err *err)
{
    const edi_lex *lx = r->lx;
    item_walk w = {"PO1", order_buyer_codes, NULL, NULL};
    bool have_beg = false;

    d->kind = EDI_ORDER;
    d->sku_prefer = order_sku_prefer;
    for (size_t j = st + 1; j < se; j++) {
        const edi_seg *s = &lx->segs[j];
        int common = item_segment(lx, s, d, &w, err);
        if (common < 0)
            return err->code;
        if (common > 0)
            continue;
        if (cs__edi_is(s, "BEG")) {
            have_beg = true;
            d->doc_id = el(lx, s, 3);
            d->doc_id_seg = s;
            if (x12_date(s, "BEG05 purchase order date", el(lx, s, 5), d->date,
                         err) != CS_OK)
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "DTM")) {
            const char *q = el(lx, s, 1);
            char *dst = w.l != NULL ? w.l->requested : d->requested;
            if ((strcmp(q, "002") == 0 ||
                 (strcmp(q, "106") == 0 && dst[0] == '\0')) &&
                x12_date(s, "DTM02 requested date", el(lx, s, 2), dst, err) !=
                    CS_OK)
                return CS_E_INVALID;
        }
    }
    if (!have_beg)
        return cs__edi_fail(err, d->head, "transaction set 850 has no BEG");
    return ctt_lines(r, w.ctt, d, "PO1", err);
}

static cs_status map_856(edi_run *r, size_t st, size_t se, edi_doc *d,
                         cs_err *err)
{
    const edi_lex *lx = r->lx;
    edi_line *l = NULL;
    const edi_seg *ctt = NULL;
    const char *order = NULL;
    size_t n_hl = 0;
    int64_t n_ctt;
    bool have_bsn = false, have_011 = false, several = false;

    d->kind = EDI_SHIPMENT;
    d->sku_prefer = ship_sku_prefer;
    for (size_t j = st + 1; j < se; j++) {
        const edi_seg *s = &lx->segs[j];
        if (cs__edi_is(s, "BSN")) {
            have_bsn = true;
            d->doc_id = el(lx, s, 2);
            d->doc_id_seg = s;
            if (!have_011 && x12_date(s, "BSN03 shipment date", el(lx, s, 3),
                                      d->date, err) != CS_OK)
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "DTM")) {
            const char *q = el(lx, s, 1);
            if (strcmp(q, "011") == 0) {
                have_011 = true;
                if (x12_date(s, "DTM02 shipped date", el(lx, s, 2), d->date,
                             err) != CS_OK)
                    return CS_E_INVALID;
            } else if (strcmp(q, "035") == 0 &&
                       x12_date(s, "DTM02 delivered date", el(lx, s, 2),
                                d->delivered_at, err) != CS_OK) {
                return CS_E_INVALID;
            }
        } else if (cs__edi_is(s, "N1")) {
            n1_party(lx, s, &d->buyer, ship_buyer_codes, ship_buyer_froms);
            n1_party(lx, s, &d->supplier, ship_supplier_codes,
                     ship_supplier_froms);
        } else if (cs__edi_is(s, "HL")) {
            n_hl++;
        } else if (cs__edi_is(s, "PRF")) {
            const char *po = el(lx, s, 1);
            if (order != NULL && strcmp(order, po) != 0)
                several = true;
            order = po;
        } else if (cs__edi_is(s, "LIN")) {
            cs_err e = {0};
            int64_t no;
            if ((l = cs__edi_doc_add_line(d, s, err)) == NULL)
                return err->code;
            l->line_no_text = el(lx, s, 1);
            if (cs_parse_i64(l->line_no_text, 1, 1000000, &no, &e) == CS_OK)
                l->order_line_no = no;
            l->order_id = order;
            add_ids(lx, s, 2, l);
            for (size_t k = 0; k < l->n_ids; k++)
                if (strcmp(l->ids[k].qual, "LT") == 0)
                    l->lot = l->ids[k].id;
        } else if (cs__edi_is(s, "SN1") && l != NULL) {
            if (cs__edi_decimal(s, "SN102 quantity shipped", el(lx, s, 2), '.',
                                l->quantity, sizeof(l->quantity),
                                err) != CS_OK ||
                cs__edi_unit(s, "SN103", el(lx, s, 3), err) != CS_OK)
                return CS_E_INVALID;
            l->unit = el(lx, s, 3);
        } else if (cs__edi_is(s, "PID")) {
            pid(lx, s, l);
        } else if (cs__edi_is(s, "CTT")) {
            ctt = s;
        }
    }
    if (!have_bsn)
        return cs__edi_fail(err, d->head, "transaction set 856 has no BSN");
    if (!several)
        d->order_id = order;
    if (ctt != NULL) {
        if (cs__edi_count(ctt, "CTT01 number of line items", el(lx, ctt, 1),
                          &n_ctt, err) != CS_OK)
            return CS_E_INVALID;
        /* Senders count either the HL segments (the 856 guide) or the
         * item lines; anything else is a wrong count. */
        if ((size_t)n_ctt != n_hl && (size_t)n_ctt != d->n_lines) {
            cs__edi_fail(err, ctt,
                         "CTT01 counts %" PRId64 ", the transaction set "
                         "has %zu HL and %zu LIN",
                         n_ctt, n_hl, d->n_lines);
            if (cs__edi_control(r, err))
                return CS_E_INVALID;
        }
    }
    return CS_OK;
}

/* BAK02 acknowledgment types (X12 587) and ACK01 line item status codes
 * (X12 668) as accepted / changed / rejected. */
static const char *const bak_accepted[] = {"AD", "AK", "AP", "AT", NULL};
static const char *const bak_changed[] = {"AC", "AE", "RO", NULL};
static const char *const bak_rejected[] = {"RD", "RF", "RJ", NULL};
static const char *const ack_accepted[] = {"IA", "AR", "SP", NULL};
static const char *const ack_changed[] = {"BP", "DR", "IB", "IC",
                                          "IP", "IQ", "IS", NULL};
static const char *const ack_rejected[] = {"ID", "IR", "R1", "R2",
                                           "R3", "R4", NULL};

static bool in_list(const char *v, const char *const *list)
{
    for (size_t k = 0; list[k] != NULL; k++)
        if (strcmp(v, list[k]) == 0)
            return true;
    return false;
}

static const char *status_of(const char *code, const char *const *acc,
                             const char *const *chg, const char *const *rej)
{
    return in_list(code, acc)   ? "accepted"
           : in_list(code, chg) ? "changed"
           : in_list(code, rej) ? "rejected"
                                : NULL;
}

static cs_status map_855(edi_run *r, size_t st, size_t se, edi_doc *d,
                         cs_err *err)
{
    /* promised dates: current schedule delivery, estimated delivery,
     * current schedule ship (X12 374) */
    static const char *const promised[] = {"067", "017", "068", NULL};
    const edi_lex *lx = r->lx;
    item_walk w = {"PO1", buyer_codes, NULL, NULL};
    bool have_bak = false;
    size_t acked = 0; /* lines whose ACK was read */
    int header_rank = 0;

    d->kind = EDI_ORDER_RESPONSE;
    d->sku_prefer = order_sku_prefer;
    for (size_t j = st + 1; j < se; j++) {
        const edi_seg *s = &lx->segs[j];
        int common = item_segment(lx, s, d, &w, err);
        if (common < 0)
            return err->code;
        if (common > 0)
            continue;
        if (cs__edi_is(s, "BAK")) {
            have_bak = true;
            d->status_code = el(lx, s, 2);
            d->status_seg = s;
            d->doc_id = el(lx, s, 3);
            d->doc_id_seg = s;
            if (el(lx, s, 4)[0] != '\0' &&
                x12_date(s, "BAK04 purchase order date", el(lx, s, 4),
                         d->order_date, err) != CS_OK)
                return CS_E_INVALID;
            if (el(lx, s, 8)[0] != '\0')
                d->response_id = el(lx, s, 8);
            if (el(lx, s, 9)[0] != '\0' &&
                x12_date(s, "BAK09 acknowledgment date", el(lx, s, 9), d->date,
                         err) != CS_OK)
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "DTM") && w.l == NULL) {
            const char *q = el(lx, s, 1);
            for (int k = 0; promised[k] != NULL; k++) {
                int rank = 3 - k;
                if (strcmp(q, promised[k]) != 0 || rank <= header_rank)
                    continue;
                if (x12_date(s, "DTM02 promised date", el(lx, s, 2),
                             d->requested, err) != CS_OK)
                    return CS_E_INVALID;
                header_rank = rank;
            }
        } else if (cs__edi_is(s, "ACK") && w.l != NULL && acked != d->n_lines) {
            /* the first ACK of a line: its status, and the quantity and
             * date the supplier confirms */
            acked = d->n_lines;
            w.l->status_code = el(lx, s, 1);
            w.l->status = status_of(w.l->status_code, ack_accepted, ack_changed,
                                    ack_rejected);
            if (el(lx, s, 2)[0] != '\0') {
                const char *unit = el(lx, s, 3)[0] ? el(lx, s, 3)
                                   : w.l->unit     ? w.l->unit
                                                   : "";
                if (cs__edi_decimal(s, "ACK02 quantity", el(lx, s, 2), '.',
                                    w.l->quantity, sizeof(w.l->quantity),
                                    err) != CS_OK ||
                    cs__edi_unit(s, "ACK03", unit, err) != CS_OK)
                    return CS_E_INVALID;
                w.l->unit = unit;
            }
            if (el(lx, s, 5)[0] != '\0' &&
                x12_date(s, "ACK05 date", el(lx, s, 5), w.l->requested, err) !=
                    CS_OK)
                return CS_E_INVALID;
        } else if (cs__edi_is(s, "SCH") && w.l != NULL &&
                   w.l->requested[0] == '\0' && el(lx, s, 6)[0] != '\0') {
            if (x12_date(s, "SCH06 schedule date", el(lx, s, 6), w.l->requested,
                         err) != CS_OK)
                return CS_E_INVALID;
        }
    }
    if (!have_bak)
        return cs__edi_fail(err, d->head, "transaction set 855 has no BAK");
    d->status =
        status_of(d->status_code, bak_accepted, bak_changed, bak_rejected);
    if (d->status == NULL)
        return cs__edi_fail(err, d->status_seg,
                            "BAK02 acknowledgment type \"%s\" is not one "
                            "of AC AD AE AK AP AT RD RF RJ RO",
                            d->status_code);
    /* no BAK09: the acknowledgment is dated by its envelope (GS04) */
    if (d->date[0] == '\0')
        memcpy(d->date, d->time, sizeof(d->date));
    return ctt_lines(r, w.ctt, d, "PO1", err);
}

static cs_status map_810(edi_run *r, size_t st, size_t se, edi_doc *d,
                         cs_err *err)
{
    const edi_lex *lx = r->lx;
    item_walk w = {"IT1", buyer_codes, NULL, NULL};
    bool have_big = false;

    d->kind = EDI_INVOICE;
    /* invoice lines are matched against the buyer's order lines */
    d->sku_prefer = order_sku_prefer;
    for (size_t j = st + 1; j < se; j++) {
        const edi_seg *s = &lx->segs[j];
        int common = item_segment(lx, s, d, &w, err);
        if (common < 0)
            return err->code;
        if (common > 0)
            continue;
        if (cs__edi_is(s, "BIG")) {
            have_big = true;
            if (x12_date(s, "BIG01 invoice date", el(lx, s, 1), d->date, err) !=
                CS_OK)
                return CS_E_INVALID;
            d->doc_id = el(lx, s, 2);
            d->doc_id_seg = s;
            if (el(lx, s, 3)[0] != '\0' &&
                x12_date(s, "BIG03 purchase order date", el(lx, s, 3),
                         d->order_date, err) != CS_OK)
                return CS_E_INVALID;
            if (el(lx, s, 4)[0] != '\0')
                d->order_id = el(lx, s, 4);
        } else if (cs__edi_is(s, "TDS")) {
            if (cs__edi_n2(s, "TDS01 total invoice amount", el(lx, s, 1),
                           d->total_amount, sizeof(d->total_amount),
                           err) != CS_OK)
                return CS_E_INVALID;
        }
    }
    if (!have_big)
        return cs__edi_fail(err, d->head, "transaction set 810 has no BIG");
    return ctt_lines(r, w.ctt, d, "IT1", err);
}

/* Names of transaction sets senders often mix in, for the rejection. */
static const char *set_name(const char *type)
{
    static const struct {
        const char *type, *name;
    } t[] = {
        {"846", "inventory inquiry/advice"},
        {"852", "product activity data"},
        {"860", "purchase order change request"},
        {"862", "shipping schedule"},
        {"864", "text message"},
        {"865", "purchase order change acknowledgment"},
        {"940", "warehouse shipping order"},
        {"997", "functional acknowledgment"},
        {"999", "implementation acknowledgment"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(type, t[i].type) == 0)
            return t[i].name;
    return "a transaction set";
}

/* One ST..SE: checked, mapped and queued, or rejected alone. */
static cs_status message(edi_run *r, const x12_env *env, size_t st, size_t se,
                         cs_err *err)
{
    const edi_lex *lx = r->lx;
    const edi_seg *s_st = &lx->segs[st], *s_se = &lx->segs[se];
    const char *type = el(lx, s_st, 1);
    edi_doc d = {0};
    edi_ids ids;
    cs_err e = {0};
    cs_status rc = CS_OK;
    const char *charset = NULL; /* X12 declares none: UTF-8 */
    edi_tally t = {"SE01 segment count",  "SE01", "segments", NULL,
                   "SE02 control number", "ST02"};
    char holder[48];

    (void)err;
    if (r->stats != NULL)
        r->stats->n_messages++;
    if (!cs__edi_message_text(r, st, se, &charset, &e))
        goto reject;
    snprintf(holder, sizeof(holder), "transaction set %s", el(lx, s_st, 2));
    t.holder = holder;
    if (cs__edi_check_tally(r, s_se, &t, el(lx, s_se, 1), se - st + 1,
                            el(lx, s_se, 2), el(lx, s_st, 2), &e))
        goto reject;
    d.syntax = EDI_X12;
    d.head = s_st;
    memcpy(d.time, env->time, sizeof(d.time));
    cs__edi_ascii(env->sender, d.sender, sizeof(d.sender));
    d.kind = cs__edi_kind_of(EDI_X12, type);
    if (d.kind == 0) {
        cs__edi_fail(&e, s_st,
                     "transaction set %s (%s, control number %s) is not "
                     "supported: cs-edi converts 810, 830, 850, 855 and 856",
                     type, set_name(type), el(lx, s_st, 2));
        goto reject;
    }
    cs__edi_doc_envelope(&d, env->sender, env->sender_qual, "ISA06",
                         env->receiver, env->receiver_qual, "ISA08");
    ids = (edi_ids){.sender = env->sender,
                    .receiver = env->receiver,
                    .group_ref = env->gs06,
                    .interchange_ref = env->isa13,
                    .message_ref = el(lx, s_st, 2)};
    if (d.kind == EDI_DEMAND_PLAN) {
        rc = cs__edi_demand_plan(r, &d, &ids, st, se, &e);
        return cs__edi_events_done(r, &d, rc, &e);
    }
    rc = d.kind == EDI_ORDER            ? map_850(r, st, se, &d, &e)
         : d.kind == EDI_ORDER_RESPONSE ? map_855(r, st, se, &d, &e)
         : d.kind == EDI_SHIPMENT       ? map_856(r, st, se, &d, &e)
                                        : map_810(r, st, se, &d, &e);
    if (rc == CS_E_NOMEM) {
        cs__edi_doc_free(&d);
        return rc;
    }
    if (rc != CS_OK)
        goto reject;
    return cs__edi_message_out(r, &d, &ids, st, se);
reject:
    cs__edi_doc_free(&d);
    cs__edi_reject(r, &e);
    return CS_OK;
}

static const char *const set_ends[] = {"SE", "ST", "GE", "IEA", "ISA", NULL};
static const edi_tally ge_tally = {"GE01 number of transaction sets",
                                   "GE01",
                                   "transaction sets",
                                   "group",
                                   "GE02 control number",
                                   "GS06"};
static const edi_tally iea_tally = {"IEA01 number of groups", "IEA01",
                                    "functional groups",      "interchange",
                                    "IEA02 control number",   "ISA13"};

cs_status cs__edi_x12_interchange(edi_run *r, size_t *i, cs_err *err)
{
    const edi_lex *lx = r->lx;
    const edi_seg *isa = &lx->segs[*i], *gs = NULL;
    x12_env env = {0};
    edi_interchange x = {.head = isa,
                         .trailer = "IEA",
                         .missing_trailers = "GE and IEA",
                         .messages = "transaction sets"};
    size_t j = *i + 1, n_groups = 0, n_sets = 0;
    cs_status rc;

    if (r->stats != NULL)
        r->stats->n_interchanges++;
    cs__edi_trim(el(lx, isa, 6), env.sender, sizeof(env.sender));
    cs__edi_trim(el(lx, isa, 8), env.receiver, sizeof(env.receiver));
    env.sender_qual = el(lx, isa, 5);
    env.receiver_qual = el(lx, isa, 7);
    env.isa13 = el(lx, isa, 13);
    env.gs06 = "";
    x.ref = env.isa13;
    if (isa->bad != NULL) {
        cs__edi_fail(&x.why, isa, "%s", isa->bad);
        x.bad = true;
    }
    while (!x.done && j < lx->n_segs) {
        const edi_seg *s = &lx->segs[j];
        if (cs__edi_is(s, "ISA") || cs__edi_is(s, "UNA") ||
            cs__edi_is(s, "UNB"))
            break; /* the next interchange: this one lacks its IEA */
        if (cs__edi_is(s, "GS")) {
            if (gs != NULL && !x.bad) {
                cs__edi_fail(&x.why, s,
                             "GS inside the group opened at "
                             "segment %zu (no GE)",
                             gs->pos);
                x.bad = true;
            }
            gs = s;
            n_groups++;
            n_sets = 0;
            env.gs06 = el(lx, s, 6);
            if (cs__edi_datetime(s, "GS04/GS05", el(lx, s, 4), el(lx, s, 5),
                                 r->o->time_offset, env.time, sizeof(env.time),
                                 &x.why) != CS_OK)
                x.bad = true;
            j++;
        } else if (cs__edi_is(s, "ST")) {
            size_t k;
            n_sets++;
            if (gs == NULL && !x.bad) {
                cs__edi_fail(&x.why, s, "ST outside a GS functional group");
                x.bad = true;
            }
            if (!cs__edi_message_span(r, j, set_ends, "SE", "transaction set",
                                      el(lx, s, 2), &k)) {
                j = k;
                continue;
            }
            if (!x.bad) {
                rc = message(r, &env, j, k, err);
                if (rc != CS_OK)
                    return rc;
            }
            j = k + 1;
        } else if (cs__edi_is(s, "GE")) {
            if (!x.bad && gs == NULL) {
                cs__edi_fail(&x.why, s, "GE without a GS");
                x.bad = true;
            } else if (!x.bad) {
                x.bad =
                    cs__edi_check_tally(r, s, &ge_tally, el(lx, s, 1), n_sets,
                                        el(lx, s, 2), env.gs06, &x.why);
            }
            gs = NULL;
            j++;
        } else if (cs__edi_is(s, "IEA")) {
            if (!x.bad && gs != NULL) {
                cs__edi_fail(&x.why, s,
                             "IEA before the GE of the group "
                             "opened at segment %zu",
                             gs->pos);
                x.bad = true;
            } else if (!x.bad) {
                x.bad = cs__edi_check_tally(r, s, &iea_tally, el(lx, s, 1),
                                            n_groups, el(lx, s, 2), env.isa13,
                                            &x.why);
            }
            x.done = true;
            j++;
        } else {
            if (!x.bad) {
                cs__edi_fail(&x.why, s,
                             "segment outside a transaction set (between "
                             "SE and ST)");
                x.bad = true;
            }
            j++;
        }
    }
    *i = x.next = j;
    x.open_group = gs;
    return cs__edi_interchange_end(r, &x, err);
}
