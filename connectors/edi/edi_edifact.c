/* edi_edifact.c - UN/EDIFACT: the [UNA] UNB / [UNG] / UNH envelope with
 * its references and counts, and the ORDERS, ORDRSP, DESADV and INVOIC
 * messages mapped onto the neutral document. */
#include "edi_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cs_str.h"

/* Order lines are the buyer's, despatched lines the supplier's. */
static const char *const order_sku_prefer[] = {"IN", "BP", NULL};
static const char *const ship_sku_prefer[] = {"SA", "VP", "VN", NULL};

typedef struct uni_env {
    char sender[36], receiver[36];
    const char *sender_qual, *receiver_qual;
    const char *ref, *charset, *group_ref;
    char time[EDI_TIME_BYTES];
} uni_env;

#define G(s, e, c) cs__edi_get(lx, (s), (e), (c))

static bool known_charset(const char *c)
{
    static const char *const ok[] = {"UNOA", "UNOB", "UNOC", "UNOD", "UNOE",
                                     "UNOF", "UNOG", "UNOH", "UNOI", "UNOJ",
                                     "UNOK", "UNOW", "UNOY"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(c, ok[i]) == 0)
            return true;
    return false;
}

static cs_status dtm(const edi_lex *lx, const edi_seg *s, char *out,
                     const cs_edi_opts *o, cs_err *err)
{
    char what[32];
    snprintf(what, sizeof(what), "DTM %s date", G(s, 1, 1));
    return cs__edi_date(s, what, G(s, 1, 2), G(s, 1, 3), o->time_offset, out,
                        EDI_TIME_BYTES, err);
}

/* The QTY qualifier (6063) each kind takes, best first: ordered (21),
 * despatched (12), to be delivered (113) for a response, invoiced (47);
 * 1 (discrete quantity) only when the line states none of those. */
static int qty_rank(edi_kind k, const char *q)
{
    static const char *const best[] = {
        [EDI_ORDER] = "21",
        [EDI_SHIPMENT] = "12",
        [EDI_ORDER_RESPONSE] = "113",
        [EDI_INVOICE] = "47",
    };
    if (strcmp(q, best[k]) == 0)
        return 3;
    if (k == EDI_ORDER_RESPONSE && strcmp(q, "21") == 0)
        return 2;
    return strcmp(q, "1") == 0 ? 1 : 0;
}

/* A code of a list (BGM 4343 / 1225, LIN 1229) as accepted / changed /
 * rejected, or NULL. */
static const char *status_of(const char *code, const char *acc, const char *chg,
                             const char *rej)
{
    char pad[16];
    snprintf(pad, sizeof(pad), " %s ", code);
    return code[0] == '\0'            ? NULL
           : strstr(acc, pad) != NULL ? "accepted"
           : strstr(chg, pad) != NULL ? "changed"
           : strstr(rej, pad) != NULL ? "rejected"
                                      : NULL;
}

/* A stated value of an optional field that fails its check (err): in an
 * order response, where senders fill what they cannot answer with text,
 * a warning and the field left out (then); elsewhere the message fails.
 * True when the walk goes on. */
static bool leave_out(edi_run *r, const edi_doc *d, cs_err *err,
                      const char *then)
{
    cs_err w = *err;

    if (d->kind != EDI_ORDER_RESPONSE)
        return false;
    snprintf(w.msg, sizeof(w.msg), "%.*s; %s", (int)(sizeof(w.msg) / 2),
             err->msg, then);
    w.code = CS_OK;
    if (r->on_reject != NULL)
        r->on_reject(r->ctx, &w);
    memset(err, 0, sizeof(*err));
    return true;
}

/* Lines of a response that state no item or no usable quantity are left
 * out, each with a warning; the rest of the response still converts. */
static void drop_unusable_lines(edi_run *r, edi_doc *d)
{
    size_t k = 0;

    for (size_t i = 0; i < d->n_lines; i++) {
        edi_line *l = &d->lines[i];
        if (l->quantity[0] == '\0' || l->n_ids == 0) {
            cs__edi_warn(r, l->seg, "LIN %s states no %s: the line is left out",
                         l->line_no_text,
                         l->n_ids == 0 ? "item identifier"
                                       : "quantity (QTY+113, 21 or 1)");
            continue;
        }
        d->lines[k++] = *l;
    }
    d->n_lines = k;
}

static cs_status map_message(edi_run *r, size_t unh, size_t unt, edi_doc *d,
                             cs_err *err)
{
    const edi_lex *lx = r->lx;
    const cs_edi_opts *o = r->o;
    const edi_kind kind = d->kind;
    const bool is_order = kind == EDI_ORDER;
    const bool priced = kind != EDI_SHIPMENT;
    bool have_bgm = false, in_summary = false;
    int date_rank = 0, total_rank = 0;
    const edi_seg *cnt = NULL;
    edi_line *l = NULL;
    char buf[EDI_TIME_BYTES];
    bool bad_currency = false;

    for (size_t j = unh + 1; j < unt; j++) {
        const edi_seg *s = &lx->segs[j];
        char dec = s->seps.decimal;
        if (cs__edi_is(s, "BGM")) {
            have_bgm = true;
            if (kind == EDI_ORDER_RESPONSE) {
                /* the response's own number; the order is RFF+ON */
                d->response_id = G(s, 2, 1);
                d->status_seg = s;
                d->status_code = G(s, 4, 1);
                d->status =
                    status_of(d->status_code, " AP ", " AC CA ", " RE ");
                if (d->status == NULL) {
                    /* else the message function (1225) */
                    d->status = status_of(G(s, 3, 1), " 29 ", " 30 4 ", " 27 ");
                    if (d->status != NULL)
                        d->status_code = G(s, 3, 1);
                }
            } else {
                d->doc_id = G(s, 2, 1);
                d->doc_id_seg = s;
            }
        } else if (cs__edi_is(s, "DTM")) {
            const char *q = G(s, 1, 1);
            /* the document's own date: order date (4) for an order,
             * despatch (11) for a notice, invoice date (3) for an
             * invoice; else the message date (137) */
            int rank = 0;
            if (l == NULL && strcmp(q, "137") == 0)
                rank = 1;
            else if (l == NULL &&
                     ((is_order && strcmp(q, "4") == 0) ||
                      (kind == EDI_SHIPMENT && strcmp(q, "11") == 0) ||
                      (kind == EDI_INVOICE && strcmp(q, "3") == 0)))
                rank = 2;
            if (rank > date_rank) {
                if (dtm(lx, s, buf, o, err) != CS_OK) {
                    if (!leave_out(r, d, err, "the date is left out"))
                        return CS_E_INVALID;
                    continue;
                }
                memcpy(d->date, buf, sizeof(buf));
                date_rank = rank;
            } else if (kind == EDI_SHIPMENT && strcmp(q, "35") == 0) {
                if (dtm(lx, s, d->delivered_at, o, err) != CS_OK)
                    return CS_E_INVALID;
            } else if (l == NULL && !is_order && kind != EDI_SHIPMENT &&
                       strcmp(q, "4") == 0) {
                if (dtm(lx, s, buf, o, err) != CS_OK) {
                    if (!leave_out(r, d, err, "the date is left out"))
                        return CS_E_INVALID;
                    continue;
                }
                memcpy(d->order_date, buf, sizeof(buf));
            } else if ((is_order && strcmp(q, "2") == 0) ||
                       (kind == EDI_ORDER_RESPONSE &&
                        (strcmp(q, "2") == 0 || strcmp(q, "69") == 0))) {
                /* requested (order) or promised (response) delivery */
                if (dtm(lx, s, buf, o, err) != CS_OK) {
                    if (!leave_out(r, d, err, "the date is left out"))
                        return CS_E_INVALID;
                    continue;
                }
                memcpy(l != NULL ? l->requested : d->requested, buf,
                       sizeof(buf));
            }
        } else if (cs__edi_is(s, "CUX") && d->currency == NULL &&
                   !bad_currency) {
            if (cs__edi_currency(s, "CUX currency", G(s, 1, 2), err) != CS_OK) {
                /* prices in an unknown currency are no prices */
                if (!leave_out(r, d, err,
                               "the currency and every price of the "
                               "message are left out"))
                    return CS_E_INVALID;
                bad_currency = true;
                continue;
            }
            d->currency = G(s, 1, 2);
        } else if (cs__edi_is(s, "NAD") && l == NULL) {
            const char *q = G(s, 1, 1), *id = G(s, 2, 1);
            if (id[0] == '\0')
                continue;
            if (strcmp(q, "BY") == 0 && d->buyer.id == NULL) {
                d->buyer.id = id;
                d->buyer.id_qual = G(s, 2, 3);
                d->buyer.id_from = "NAD+BY";
                d->buyer.seg = s;
            } else if ((strcmp(q, "SU") == 0 || strcmp(q, "SE") == 0) &&
                       d->supplier.id == NULL) {
                d->supplier.id = id;
                d->supplier.id_qual = G(s, 2, 3);
                d->supplier.id_from = q[1] == 'U' ? "NAD+SU" : "NAD+SE";
                d->supplier.seg = s;
            }
        } else if (cs__edi_is(s, "UNS")) {
            in_summary = true;
            l = NULL;
        } else if (cs__edi_is(s, "LIN")) {
            if ((l = cs__edi_doc_add_line(d, s, err)) == NULL)
                return err->code;
            l->line_no_text = G(s, 1, 1);
            if (G(s, 3, 1)[0] != '\0') {
                l->ids[0].id = G(s, 3, 1);
                l->ids[0].qual = G(s, 3, 2);
                l->n_ids = 1;
            }
            if (kind == EDI_ORDER_RESPONSE && G(s, 2, 1)[0] != '\0') {
                /* action request (1229) */
                l->status_code = G(s, 2, 1);
                l->status = status_of(l->status_code, " 4 5 11 ", " 1 3 6 9 ",
                                      " 2 7 10 ");
            }
        } else if (cs__edi_is(s, "PIA") && l != NULL) {
            for (size_t e = 2; e <= s->n_elems && e <= 6; e++) {
                const char *id = G(s, e, 1), *q = G(s, e, 2);
                if (id[0] == '\0' || l->n_ids >= EDI_MAX_ITEM_IDS)
                    continue;
                l->ids[l->n_ids].id = id;
                l->ids[l->n_ids].qual = q;
                l->n_ids++;
                if (strcmp(q, "NB") == 0 && l->batch == NULL)
                    l->batch = id;
            }
        } else if (cs__edi_is(s, "IMD") && l != NULL &&
                   l->description == NULL && G(s, 3, 4)[0] != '\0') {
            l->description = G(s, 3, 4);
            l->description2 = G(s, 3, 5);
        } else if (cs__edi_is(s, "QTY") && l != NULL &&
                   qty_rank(kind, G(s, 1, 1)) > 0 &&
                   (qty_rank(kind, G(s, 1, 1)) > l->qty_rank ||
                    qty_rank(kind, G(s, 1, 1)) == 3)) {
            const char *unit = G(s, 1, 3);
            if (unit[0] == '\0')
                unit = o->default_unit != NULL ? o->default_unit : "";
            if (cs__edi_decimal(s, "QTY quantity", G(s, 1, 2), dec, buf,
                                sizeof(buf), err) != CS_OK ||
                cs__edi_unit(s, "QTY", unit, err) != CS_OK) {
                if (!leave_out(r, d, err, "the quantity is left out"))
                    return CS_E_INVALID;
                continue;
            }
            memcpy(l->quantity, buf, sizeof(l->quantity));
            l->unit = unit;
            l->qty_rank = qty_rank(kind, G(s, 1, 1));
        } else if (cs__edi_is(s, "PRI") && l != NULL && priced &&
                   (l->unit_price[0] == '\0' ||
                    strcmp(G(s, 1, 1), "AAA") == 0)) {
            if (G(s, 1, 2)[0] != '\0' &&
                cs__edi_decimal(s, "PRI price", G(s, 1, 2), dec, buf,
                                sizeof(buf), err) != CS_OK) {
                if (!leave_out(r, d, err, "the price is left out"))
                    return CS_E_INVALID;
                continue;
            }
            if (G(s, 1, 2)[0] != '\0')
                memcpy(l->unit_price, buf, sizeof(l->unit_price));
        } else if (cs__edi_is(s, "MOA") && kind == EDI_INVOICE) {
            const char *q = G(s, 1, 1);
            /* line amount (203); the invoice amount (77), else the
             * message total (86), else the invoice total (39) */
            int rank = strcmp(q, "77") == 0   ? 3
                       : strcmp(q, "86") == 0 ? 2
                       : strcmp(q, "39") == 0 ? 1
                                              : 0;
            if (l != NULL && strcmp(q, "203") == 0 && l->amount[0] == '\0') {
                if (cs__edi_decimal(s, "MOA 203 line amount", G(s, 1, 2), dec,
                                    l->amount, sizeof(l->amount), err) != CS_OK)
                    return CS_E_INVALID;
            } else if (in_summary && rank > total_rank) {
                if (cs__edi_decimal(s, "MOA total amount", G(s, 1, 2), dec,
                                    d->total_amount, sizeof(d->total_amount),
                                    err) != CS_OK)
                    return CS_E_INVALID;
                total_rank = rank;
            }
        } else if (cs__edi_is(s, "RFF")) {
            const char *q = G(s, 1, 1), *v = G(s, 1, 2);
            if (strcmp(q, "ON") == 0 && kind == EDI_ORDER_RESPONSE) {
                if (l == NULL && d->doc_id == NULL) {
                    d->doc_id = v;
                    d->doc_id_seg = s;
                }
            } else if (strcmp(q, "ON") == 0 && !is_order) {
                if (l == NULL && d->order_id == NULL)
                    d->order_id = v;
                else if (l != NULL)
                    l->order_id = v;
            } else if (strcmp(q, "LI") == 0 && l != NULL) {
                cs_err e = {0};
                int64_t no;
                if (cs_parse_i64(v, 1, 1000000, &no, &e) == CS_OK)
                    l->order_line_no = no;
            }
        } else if (cs__edi_is(s, "CNT") && strcmp(G(s, 1, 1), "2") == 0) {
            cnt = s;
        }
    }
    if (!have_bgm)
        return cs__edi_fail(err, d->head, "message has no BGM");
    if (kind == EDI_ORDER_RESPONSE) {
        if (d->doc_id == NULL)
            return cs__edi_fail(err, d->head,
                                "order response states no order number "
                                "(RFF+ON)");
        if (d->status == NULL)
            return cs__edi_fail(err, d->status_seg,
                                "order response states no response type: "
                                "BGM 4343 \"%s\" is not AP, AC, CA or RE "
                                "and 1225 \"%s\" is not 29, 30, 4 or 27",
                                G(d->status_seg, 4, 1), G(d->status_seg, 3, 1));
        /* no DTM 137: the response is dated by its envelope (UNB) */
        if (d->date[0] == '\0')
            memcpy(d->date, d->time, sizeof(d->date));
    }
    if (d->date[0] == '\0')
        return cs__edi_fail(err, d->head,
                            is_order ? "message states no order date "
                                       "(DTM 4 or 137)"
                            : kind == EDI_SHIPMENT
                                ? "message states no despatch date "
                                  "(DTM 11 or 137)"
                                : "message states no invoice date "
                                  "(DTM 3 or 137)");
    if (cnt != NULL) {
        int64_t n;
        if (cs__edi_count(cnt, "CNT 2 number of line items", G(cnt, 1, 2), &n,
                          err) != CS_OK)
            return CS_E_INVALID;
        if ((size_t)n != d->n_lines) {
            cs__edi_fail(err, cnt,
                         "CNT counts %" PRId64 " line items, the message "
                         "has %zu LIN",
                         n, d->n_lines);
            if (cs__edi_control(r, err))
                return CS_E_INVALID;
        }
    }
    if (kind == EDI_ORDER_RESPONSE) {
        for (size_t i = 0; bad_currency && i < d->n_lines; i++)
            d->lines[i].unit_price[0] = '\0';
        drop_unusable_lines(r, d);
    }
    return CS_OK;
}

/* Names of message types senders often mix in, for the rejection. */
static const char *message_name(const char *type)
{
    static const struct {
        const char *type, *name;
    } t[] = {
        {"INVRPT", "inventory report"},
        {"DELFOR", "delivery schedule"},
        {"DELJIT", "delivery just in time"},
        {"ORDCHG", "purchase order change request"},
        {"PRICAT", "price/sales catalogue"},
        {"RECADV", "receiving advice"},
        {"REMADV", "remittance advice"},
        {"APERAK", "application error and acknowledgement"},
        {"CONTRL", "syntax and service report"},
        {"IFTSTA", "transport status"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(type, t[i].type) == 0)
            return t[i].name;
    return "a message type";
}

static cs_status message(edi_run *r, const uni_env *env, size_t unh, size_t unt)
{
    const edi_lex *lx = r->lx;
    const edi_seg *s_unh = &lx->segs[unh], *s_unt = &lx->segs[unt];
    const char *type = G(s_unh, 2, 1);
    edi_doc d = {0};
    edi_ids ids;
    cs_err e = {0};
    cs_status rc;
    edi_tally t = {"UNT segment count", "UNT", "segments", NULL,
                   "UNT reference",     "UNH"};
    char holder[48];
    const char *charset = env->charset;

    if (r->stats != NULL)
        r->stats->n_messages++;
    if (!cs__edi_message_text(r, unh, unt, &charset, &e))
        goto reject;
    snprintf(holder, sizeof(holder), "message %s", G(s_unh, 1, 1));
    t.holder = holder;
    if (cs__edi_check_tally(r, s_unt, &t, G(s_unt, 1, 1), unt - unh + 1,
                            G(s_unt, 2, 1), G(s_unh, 1, 1), &e))
        goto reject;
    d.syntax = EDI_EDIFACT;
    d.head = s_unh;
    d.charset = charset;
    memcpy(d.time, env->time, sizeof(d.time));
    cs__edi_ascii(env->sender, d.sender, sizeof(d.sender));
    d.kind = cs__edi_kind_of(EDI_EDIFACT, type);
    if (d.kind == 0) {
        cs__edi_fail(&e, s_unh,
                     "message type %s (%s, reference %s) is not supported: "
                     "cs-edi converts ORDERS, ORDRSP, DESADV, INVOIC and "
                     "SLSRPT",
                     type, message_name(type), G(s_unh, 1, 1));
        goto reject;
    }
    /* ordered and responded-to or invoiced lines are the buyer's items,
     * despatched lines the supplier's */
    d.sku_prefer = d.kind == EDI_SHIPMENT ? ship_sku_prefer : order_sku_prefer;
    cs__edi_doc_envelope(&d, env->sender, env->sender_qual, "UNB sender",
                         env->receiver, env->receiver_qual, "UNB recipient");
    ids = (edi_ids){.sender = env->sender,
                    .receiver = env->receiver,
                    .group_ref = env->group_ref,
                    .interchange_ref = env->ref,
                    .message_ref = G(s_unh, 1, 1)};
    if (d.kind == EDI_SALES) {
        rc = cs__edi_sales(r, &d, &ids, unh, unt, &e);
        return cs__edi_events_done(r, &d, rc, &e);
    }
    rc = map_message(r, unh, unt, &d, &e);
    if (rc == CS_E_NOMEM) {
        cs__edi_doc_free(&d);
        return rc;
    }
    if (rc != CS_OK)
        goto reject;
    return cs__edi_message_out(r, &d, &ids, unh, unt);
reject:
    cs__edi_doc_free(&d);
    cs__edi_reject(r, &e);
    return CS_OK;
}

static const char *const message_ends[] = {"UNT", "UNH", "UNZ", "UNB", "UNA",
                                           "UNE", "UNG", "ISA", NULL};
static const edi_tally une_tally = {
    "UNE message count", "UNE", "messages", "group", "UNE reference", "UNG"};

cs_status cs__edi_edifact_interchange(edi_run *r, size_t *i, cs_err *err)
{
    const edi_lex *lx = r->lx;
    const edi_seg *unb, *ung = NULL;
    uni_env env = {0};
    edi_interchange x = {.trailer = "UNZ",
                         .missing_trailers = "UNE and UNZ",
                         .messages = "messages"};
    size_t j = *i, n_msgs = 0, n_groups = 0, n_in_group = 0;
    cs_status rc;

    if (r->stats != NULL)
        r->stats->n_interchanges++;
    if (cs__edi_is(&lx->segs[j], "UNA"))
        j++;
    if (j >= lx->n_segs || !cs__edi_is(&lx->segs[j], "UNB")) {
        cs_err e = {0};
        if (j >= lx->n_segs && lx->has_fatal) {
            e = lx->fatal;
            r->fatal_reported = true;
        } else if (j >= lx->n_segs)
            cs__edi_fail(&e, &lx->segs[j - 1], "UNA without a UNB after it");
        else
            cs__edi_fail(&e, &lx->segs[j], "expected UNB after UNA");
        cs__edi_reject(r, &e);
        *i = j < lx->n_segs ? j + 1 : j;
        return CS_OK;
    }
    unb = x.head = &lx->segs[j++];
    env.charset = G(unb, 1, 1);
    cs__edi_trim(G(unb, 2, 1), env.sender, sizeof(env.sender));
    cs__edi_trim(G(unb, 3, 1), env.receiver, sizeof(env.receiver));
    env.sender_qual = G(unb, 2, 2);
    env.receiver_qual = G(unb, 3, 2);
    env.ref = x.ref = G(unb, 5, 1);
    env.group_ref = "";
    if (unb->bad != NULL) {
        cs__edi_fail(&x.why, unb, "%s", unb->bad);
        x.bad = true;
    } else if (!known_charset(env.charset)) {
        cs__edi_fail(&x.why, unb,
                     "syntax identifier \"%s\" is not a known character "
                     "set (UNOA..UNOK, UNOW, UNOY)",
                     env.charset);
        x.bad = true;
    } else if (cs__edi_check_text(lx, unb, env.charset, &x.why) != CS_OK ||
               cs__edi_datetime(unb, "UNB", G(unb, 4, 1), G(unb, 4, 2),
                                r->o->time_offset, env.time, sizeof(env.time),
                                &x.why) != CS_OK) {
        x.bad = true;
    }
    while (!x.done && j < lx->n_segs) {
        const edi_seg *s = &lx->segs[j];
        if (cs__edi_is(s, "UNA") || cs__edi_is(s, "UNB") ||
            cs__edi_is(s, "ISA"))
            break;
        if (cs__edi_is(s, "UNG")) {
            if (ung != NULL && !x.bad) {
                cs__edi_fail(&x.why, s,
                             "UNG inside the group opened at "
                             "segment %zu (no UNE)",
                             ung->pos);
                x.bad = true;
            }
            ung = s;
            n_groups++;
            n_in_group = 0;
            env.group_ref = G(s, 5, 1);
            j++;
        } else if (cs__edi_is(s, "UNH")) {
            size_t k;
            n_msgs++;
            n_in_group++;
            if (!cs__edi_message_span(r, j, message_ends, "UNT", "message",
                                      G(s, 1, 1), &k)) {
                j = k;
                continue;
            }
            if (!x.bad) {
                rc = message(r, &env, j, k);
                if (rc != CS_OK)
                    return rc;
            }
            j = k + 1;
        } else if (cs__edi_is(s, "UNE")) {
            if (!x.bad && ung == NULL) {
                cs__edi_fail(&x.why, s, "UNE without a UNG");
                x.bad = true;
            } else if (!x.bad) {
                x.bad = cs__edi_check_tally(r, s, &une_tally, G(s, 1, 1),
                                            n_in_group, G(s, 2, 1),
                                            env.group_ref, &x.why);
            }
            ung = NULL;
            j++;
        } else if (cs__edi_is(s, "UNZ")) {
            /* UNZ counts the groups when there are any, else messages */
            edi_tally t = {"UNZ count",
                           "UNZ",
                           n_groups > 0 ? "groups" : "messages",
                           "interchange",
                           "UNZ reference",
                           "UNB"};
            if (!x.bad && ung != NULL) {
                cs__edi_fail(&x.why, s,
                             "UNZ before the UNE of the group "
                             "opened at segment %zu",
                             ung->pos);
                x.bad = true;
            } else if (!x.bad) {
                x.bad = cs__edi_check_tally(r, s, &t, G(s, 1, 1),
                                            n_groups > 0 ? n_groups : n_msgs,
                                            G(s, 2, 1), env.ref, &x.why);
            }
            x.done = true;
            j++;
        } else {
            if (!x.bad) {
                cs__edi_fail(&x.why, s,
                             "segment outside a message (between UNT and "
                             "UNH)");
                x.bad = true;
            }
            j++;
        }
    }
    *i = x.next = j;
    x.open_group = ung;
    return cs__edi_interchange_end(r, &x, err);
}
