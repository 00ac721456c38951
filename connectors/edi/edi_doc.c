/* edi_doc.c - the neutral document a mapper fills, turned into one
 * canonical CloudEvent: partner ids resolved to credit codes, text
 * converted to UTF-8 from the interchange's character set, line numbers
 * and SKUs chosen, limits of docs/events.md checked. Also the partner
 * map and the per-interchange event queue. */
#include "edi_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cs_ident.h"
#include "cs_json.h"
#include "cs_str.h"

#define EDI_ID_MAX_BYTES   64
#define EDI_SKU_MAX_BYTES  128
#define EDI_TEXT_MAX_BYTES 512
#define EDI_MAX_LINE_NO    1000000
#define PARTNER_ID_MAX     64

/* ---- partner map ---- */

typedef struct partner {
    char id[PARTNER_ID_MAX + 1];
    char uscc[CS_USCC_LEN + 1];
} partner;

struct cs_edi_partners {
    partner *v;
    size_t n, cap;
};

const char *cs_edi_partners_find(const cs_edi_partners *p, const char *id)
{
    if (p == NULL || id == NULL)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].id, id) == 0)
            return p->v[i].uscc;
    return NULL;
}

void cs_edi_partners_free(cs_edi_partners *p)
{
    if (p == NULL)
        return;
    free(p->v);
    free(p);
}

cs_status cs_edi_partners_parse(const char *text, size_t len,
                                cs_edi_partners **out, cs_err *err)
{
    cs_edi_partners *p = calloc(1, sizeof(*p));
    size_t line_no = 0, i = 0;
    cs_status rc;

    if (p == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    while (i < len) {
        const char *line = text + i, *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i;
        const char *tab;
        size_t id_len, code_len;
        cs_err e = {0};

        i += n + (nl ? 1 : 0);
        line_no++;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        tab = memchr(line, '\t', n);
        if (tab == NULL) {
            rc = cs_err_set(err, CS_E_CONFIG,
                            "partner map line %zu: want PARTNER_ID<TAB>"
                            "CREDIT_CODE",
                            line_no);
            goto fail;
        }
        id_len = (size_t)(tab - line);
        code_len = n - id_len - 1;
        if (id_len == 0 || id_len > PARTNER_ID_MAX) {
            rc = cs_err_set(err, CS_E_CONFIG,
                            "partner map line %zu: partner id must be 1-%d "
                            "bytes",
                            line_no, PARTNER_ID_MAX);
            goto fail;
        }
        if (cs_uscc_validate(tab + 1, code_len, &e) != CS_OK) {
            rc = cs_err_set(err, CS_E_CONFIG, "partner map line %zu: %s",
                            line_no, e.msg);
            goto fail;
        }
        if (p->n == p->cap) {
            size_t ncap = p->cap ? p->cap * 2 : 16;
            partner *nv = realloc(p->v, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
                goto fail;
            }
            p->v = nv;
            p->cap = ncap;
        }
        memcpy(p->v[p->n].id, line, id_len);
        p->v[p->n].id[id_len] = '\0';
        memcpy(p->v[p->n].uscc, tab + 1, CS_USCC_LEN);
        p->v[p->n].uscc[CS_USCC_LEN] = '\0';
        if (cs_edi_partners_find(p, p->v[p->n].id) != NULL) {
            rc = cs_err_set(err, CS_E_CONFIG,
                            "partner map line %zu: partner \"%s\" is listed "
                            "twice",
                            line_no, p->v[p->n].id);
            goto fail;
        }
        p->n++;
    }
    *out = p;
    return CS_OK;
fail:
    cs_edi_partners_free(p);
    return rc;
}

cs_status cs_edi_partners_load(const char *path, cs_edi_partners **out,
                               cs_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    cs_status rc;

    if (f == NULL)
        return cs_err_set(err, CS_E_CONFIG, "cannot open partner map %s: %s",
                          path, strerror(errno));
    do {
        if (cap - len < 4096) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return cs_err_set(err, CS_E_CONFIG, "cannot read partner map %s", path);
    }
    fclose(f);
    rc = cs_edi_partners_parse(buf, len, out, err);
    free(buf);
    if (rc != CS_OK)
        cs_err_wrap(err, path);
    return rc;
}

/* ---- text ---- */

/* Strings made while building one event, freed together. */
typedef struct strs {
    char **v;
    size_t n, cap;
} strs;

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += k + 1;
    }
    return true;
}

bool cs__edi_utf8_valid(const char *s, size_t n)
{
    return utf8_valid((const unsigned char *)s, n);
}

/* iconv names of the EDIFACT syntax identifiers beyond UNOC. */
static const char *iconv_name(const char *charset)
{
    static const struct {
        const char *unox, *name;
    } t[] = {
        {"UNOD", "ISO-8859-2"}, {"UNOE", "ISO-8859-5"}, {"UNOF", "ISO-8859-7"},
        {"UNOG", "ISO-8859-3"}, {"UNOH", "ISO-8859-4"}, {"UNOI", "ISO-8859-6"},
        {"UNOJ", "ISO-8859-8"}, {"UNOK", "ISO-8859-9"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(charset, t[i].unox) == 0)
            return t[i].name;
    return NULL;
}

/* Returns in as UTF-8: a copy kept in st, or NULL with err set. */
static const char *text(strs *st, const edi_doc *d, const char *in, cs_err *err)
{
    size_t n = strlen(in), cap = 4 * n + 1;
    char *out;

    if (st->n == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 64;
        char **nv = realloc(st->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            cs_err_set(err, CS_E_NOMEM, "out of memory");
            return NULL;
        }
        st->v = nv;
        st->cap = ncap;
    }
    out = malloc(cap);
    if (out == NULL) {
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    st->v[st->n++] = out;
    if (d->charset != NULL && strcmp(d->charset, "UNOC") == 0) {
        size_t o = 0; /* ISO 8859-1 maps straight onto U+0000..U+00FF */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)in[i];
            if (c < 0x80) {
                out[o++] = (char)c;
            } else {
                out[o++] = (char)(0xC0 | (c >> 6));
                out[o++] = (char)(0x80 | (c & 0x3F));
            }
        }
        out[o] = '\0';
        return out;
    }
    if (d->charset != NULL && iconv_name(d->charset) != NULL) {
        iconv_t cd = iconv_open("UTF-8", iconv_name(d->charset));
        char *ip = (char *)(uintptr_t)in, *op = out;
        size_t il = n, ol = cap - 1;
        if (cd == (iconv_t)-1) {
            cs__edi_fail(err, d->head, "character set %s is not available",
                         d->charset);
            return NULL;
        }
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            iconv_close(cd);
            cs__edi_fail(err, d->head,
                         "text \"%.40s\" is not valid in character set %s", in,
                         d->charset);
            return NULL;
        }
        iconv_close(cd);
        *op = '\0';
        return out;
    }
    if (!utf8_valid((const unsigned char *)in, n)) {
        cs__edi_fail(err, d->head, "text \"%.40s\" is not valid %s", in,
                     d->charset ? d->charset : "UTF-8");
        return NULL;
    }
    memcpy(out, in, n + 1);
    return out;
}

static void strs_free(strs *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->v[i]);
    free(st->v);
    st->v = NULL;
    st->n = st->cap = 0;
}

/* ---- the document ---- */

edi_kind cs__edi_kind_of(edi_syntax syntax, const char *type)
{
    static const struct {
        const char *x12, *edifact;
        edi_kind kind;
    } t[] = {
        {"850", "ORDERS", EDI_ORDER},    {"855", "ORDRSP", EDI_ORDER_RESPONSE},
        {"856", "DESADV", EDI_SHIPMENT}, {"810", "INVOIC", EDI_INVOICE},
        {NULL, "SLSRPT", EDI_SALES},     {"830", NULL, EDI_DEMAND_PLAN},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *code = syntax == EDI_EDIFACT ? t[i].edifact : t[i].x12;
        if (code != NULL && strcmp(type, code) == 0)
            return t[i].kind;
    }
    return (edi_kind)0;
}

const char *cs__edi_kind_type(edi_kind k)
{
    switch (k) {
    case EDI_ORDER:
        return "cs.order.v1";
    case EDI_SHIPMENT:
        return "cs.shipment.v1";
    case EDI_ORDER_RESPONSE:
        return "cs.order_response.v1";
    case EDI_INVOICE:
        return "cs.invoice.v1";
    case EDI_SALES:
        return "cs.sales.v1";
    case EDI_DEMAND_PLAN:
        return "cs.demand_plan.v1";
    }
    return "";
}

edi_line *cs__edi_doc_add_line(edi_doc *d, const edi_seg *seg, cs_err *err)
{
    edi_line *l;

    if (d->n_lines >= EDI_MAX_LINES) {
        cs__edi_fail(err, seg, "more than %d lines in one message",
                     EDI_MAX_LINES);
        return NULL;
    }
    if (d->n_lines == d->cap_lines) {
        size_t ncap = d->cap_lines ? d->cap_lines * 2 : 16;
        edi_line *nv = realloc(d->lines, ncap * sizeof(*nv));
        if (nv == NULL) {
            cs_err_set(err, CS_E_NOMEM, "out of memory");
            return NULL;
        }
        d->lines = nv;
        d->cap_lines = ncap;
    }
    l = &d->lines[d->n_lines++];
    memset(l, 0, sizeof(*l));
    l->seg = seg;
    return l;
}

void cs__edi_doc_free(edi_doc *d)
{
    if (d == NULL)
        return;
    free(d->lines);
    d->lines = NULL;
    d->n_lines = d->cap_lines = 0;
}

void cs__edi_doc_envelope(edi_doc *d, const char *sender,
                          const char *sender_qual, const char *sender_from,
                          const char *receiver, const char *receiver_qual,
                          const char *receiver_from)
{
    edi_party from = {
        .env_id = sender, .env_qual = sender_qual, .env_from = sender_from};
    edi_party to = {.env_id = receiver,
                    .env_qual = receiver_qual,
                    .env_from = receiver_from};

    /* the buyer sends an order or a planning schedule; the supplier
     * everything else */
    bool buyer_sends = d->kind == EDI_ORDER || d->kind == EDI_DEMAND_PLAN;
    d->buyer = buyer_sends ? from : to;
    d->supplier = buyer_sends ? to : from;
}

/* A partner id: a credit code as it is, else through the map, where
 * "QUALIFIER:ID" beats a bare "ID" (ISA ids are unique only with their
 * qualifier). */
static const char *resolve_id(const cs_edi_opts *o, const char *qual,
                              const char *id)
{
    cs_err e = {0};
    char both[PARTNER_ID_MAX + 1];
    const char *found;

    if (id == NULL || id[0] == '\0')
        return NULL;
    if (cs_uscc_validate(id, strlen(id), &e) == CS_OK)
        return id;
    if (qual != NULL && qual[0] != '\0') {
        int w = snprintf(both, sizeof(both), "%s:%s", qual, id);
        if (w > 0 && (size_t)w < sizeof(both) &&
            (found = cs_edi_partners_find(o->partners, both)) != NULL)
            return found;
    }
    return cs_edi_partners_find(o->partners, id);
}

cs_status cs__edi_resolve(const edi_doc *d, const cs_edi_opts *o,
                          const edi_party *p, const char *role,
                          const char **out, cs_err *err)
{
    if ((*out = resolve_id(o, p->id_qual, p->id)) != NULL)
        return CS_OK;
    if ((*out = resolve_id(o, p->env_qual, p->env_id)) != NULL)
        return CS_OK;
    if (p->id != NULL && p->id[0] != '\0')
        return cs__edi_fail(err, d->head,
                            "no credit code for the %s: neither %s "
                            "\"%.35s\" (segment %zu) nor %s \"%.35s\" is "
                            "in the partner map or a credit code",
                            role, p->id_from, p->id, p->seg ? p->seg->pos : 0,
                            p->env_from, p->env_id ? p->env_id : "");
    return cs__edi_fail(err, d->head,
                        "no credit code for the %s: %s \"%.35s\" is not in "
                        "the partner map and not a credit code",
                        role, p->env_from, p->env_id ? p->env_id : "");
}

static const char *pick_sku(const edi_doc *d, const edi_line *l)
{
    if (d->sku_prefer != NULL)
        for (const char *const *q = d->sku_prefer; *q != NULL; q++)
            for (size_t i = 0; i < l->n_ids; i++)
                if (strcmp(l->ids[i].qual, *q) == 0 && l->ids[i].id[0])
                    return l->ids[i].id;
    for (size_t i = 0; i < l->n_ids; i++)
        if (l->ids[i].id[0] != '\0')
            return l->ids[i].id;
    return NULL;
}

/* Stated line numbers when each is an integer 1..10^6 and all differ,
 * else positions 1..n (a document's numbering either works or not). */
static bool stated_line_nos(const edi_doc *d, int64_t *nos)
{
    for (size_t i = 0; i < d->n_lines; i++) {
        cs_err e = {0};
        const char *t = d->lines[i].line_no_text;
        if (t == NULL || t[0] == '\0' ||
            cs_parse_i64(t, 1, EDI_MAX_LINE_NO, &nos[i], &e) != CS_OK)
            return false;
        for (size_t j = 0; j < i; j++)
            if (nos[j] == nos[i])
                return false;
    }
    return true;
}

static cs_status check_len(const edi_seg *s, const char *what, const char *v,
                           size_t max, cs_err *err)
{
    size_t n = strlen(v);
    if (n == 0 || n > max)
        return cs__edi_fail(err, s, "%s \"%.40s\" must be 1-%zu bytes", what, v,
                            max);
    return CS_OK;
}

static void kv_text(yajl_gen g, const char *k, const char *v)
{
    if (v != NULL)
        cs_json_kv_str(g, k, v);
}

static cs_status gen_lines(yajl_gen g, strs *st, const edi_doc *d,
                           const int64_t *nos, bool stated, cs_err *err)
{
    cs_json_key(g, "lines");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < d->n_lines; i++) {
        const edi_line *l = &d->lines[i];
        const char *sku = pick_sku(d, l), *t;

        if (sku == NULL)
            return cs__edi_fail(err, l->seg,
                                "line %zu states no item "
                                "identifier",
                                i + 1);
        if ((sku = text(st, d, sku, err)) == NULL ||
            check_len(l->seg, "item identifier", sku, EDI_SKU_MAX_BYTES, err) !=
                CS_OK)
            return err->code;
        if (l->quantity[0] == '\0')
            return cs__edi_fail(err, l->seg, "line %zu states no quantity",
                                i + 1);
        yajl_gen_map_open(g);
        cs_json_kv_int(g, "line_no", stated ? nos[i] : (long long)(i + 1));
        if (d->kind == EDI_SHIPMENT && l->order_line_no > 0)
            cs_json_kv_int(g, "order_line_no", l->order_line_no);
        cs_json_kv_str(g, "sku", sku);
        cs_json_kv_raw_number(g, "quantity", l->quantity);
        cs_json_kv_str(g, "unit", l->unit);
        if (d->kind != EDI_SHIPMENT && l->unit_price[0] != '\0')
            cs_json_kv_raw_number(g, "unit_price", l->unit_price);
        if (d->kind == EDI_ORDER || d->kind == EDI_ORDER_RESPONSE) {
            const char *k =
                d->kind == EDI_ORDER ? "requested_date" : "promised_date";
            if (l->requested[0] != '\0')
                cs_json_kv_str(g, k, l->requested);
            else if (d->requested[0] != '\0')
                cs_json_kv_str(g, k, d->requested);
        }
        if (d->kind == EDI_ORDER_RESPONSE) {
            kv_text(g, "status", l->status);
            kv_text(g, "status_code", l->status_code);
        } else if (d->kind == EDI_INVOICE) {
            if (l->amount[0] != '\0')
                cs_json_kv_raw_number(g, "amount", l->amount);
        } else if (d->kind == EDI_SHIPMENT) {
            if (l->batch != NULL) {
                if ((t = text(st, d, l->batch, err)) == NULL ||
                    check_len(l->seg, "batch", t, EDI_ID_MAX_BYTES, err))
                    return err->code;
                cs_json_kv_str(g, "batch", t);
            }
            if (l->lot != NULL) {
                if ((t = text(st, d, l->lot, err)) == NULL ||
                    check_len(l->seg, "lot", t, EDI_ID_MAX_BYTES, err))
                    return err->code;
                cs_json_kv_str(g, "lot", t);
            }
        }
        /* Not in the v1 contract (ingest ignores them): every item
         * identifier and the description as the document states them. */
        cs_json_key(g, "item_ids");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < l->n_ids; k++) {
            const char *q, *v;
            if (l->ids[k].id[0] == '\0')
                continue;
            if ((q = text(st, d, l->ids[k].qual, err)) == NULL ||
                (v = text(st, d, l->ids[k].id, err)) == NULL)
                return err->code;
            yajl_gen_map_open(g);
            if (q[0] != '\0')
                cs_json_kv_str(g, "qualifier", q);
            cs_json_kv_str(g, "id", v);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        if (l->description != NULL && l->description[0] != '\0') {
            char both[EDI_TEXT_MAX_BYTES];
            if (l->description2 != NULL && l->description2[0] != '\0')
                snprintf(both, sizeof(both), "%s %s", l->description,
                         l->description2);
            else
                snprintf(both, sizeof(both), "%s", l->description);
            if ((t = text(st, d, both, err)) == NULL)
                return err->code;
            kv_text(g, "description", t);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    return CS_OK;
}

cs_status cs__edi_doc_event(const edi_doc *d, const cs_edi_opts *o, char **key,
                            char **json, size_t *json_len, cs_err *err)
{
    strs *st = NULL;
    yajl_gen g = NULL;
    const char *buyer, *supplier, *doc_id, *tenant, *order_id = NULL;
    const char *response_id = NULL;
    char source[160];
    int64_t *nos = NULL;
    bool stated;
    const unsigned char *gbuf;
    size_t glen;
    cs_status rc;
    int w;

    *key = *json = NULL;
    if (d->n_lines == 0 && d->kind != EDI_ORDER_RESPONSE)
        return cs__edi_fail(err, d->head, "the message has no lines");
    if (cs__edi_resolve(d, o, &d->buyer, "buyer", &buyer, err) != CS_OK ||
        cs__edi_resolve(d, o, &d->supplier, "supplier", &supplier, err) !=
            CS_OK)
        return CS_E_INVALID;
    if (strcmp(buyer, supplier) == 0) {
        /* name where each side came from: a self-addressed test file
         * (ISA06 = ISA08) is the usual cause */
        const edi_party *b = &d->buyer, *s = &d->supplier;
        bool bs = resolve_id(o, b->id_qual, b->id) != NULL;
        bool ss = resolve_id(o, s->id_qual, s->id) != NULL;
        return cs__edi_fail(
            err, d->head,
            "buyer and supplier are the same enterprise %s "
            "(buyer from %s \"%.35s\", supplier from %s "
            "\"%.35s\"): no other party is named, and the contract "
            "needs two",
            buyer, bs ? b->id_from : b->env_from, bs ? b->id : b->env_id,
            ss ? s->id_from : s->env_from, ss ? s->id : s->env_id);
    }
    st = calloc(1, sizeof(*st));
    nos = calloc(d->n_lines ? d->n_lines : 1, sizeof(*nos));
    g = yajl_gen_alloc(NULL);
    if (st == NULL || nos == NULL || g == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    if ((doc_id = text(st, d, d->doc_id ? d->doc_id : "", err)) == NULL ||
        check_len(d->doc_id_seg ? d->doc_id_seg : d->head,
                  d->kind == EDI_SHIPMENT  ? "shipment number"
                  : d->kind == EDI_INVOICE ? "invoice number"
                                           : "order number",
                  doc_id, EDI_ID_MAX_BYTES, err) != CS_OK) {
        rc = err->code;
        goto out;
    }
    if (d->order_id != NULL && d->order_id[0] != '\0' &&
        ((order_id = text(st, d, d->order_id, err)) == NULL ||
         check_len(d->head, "order number", order_id, EDI_ID_MAX_BYTES, err) !=
             CS_OK)) {
        rc = err->code;
        goto out;
    }
    if (o->source != NULL && o->source[0] != '\0')
        snprintf(source, sizeof(source), "%s", o->source);
    else
        snprintf(source, sizeof(source), "edi://%s/%s",
                 d->syntax == EDI_X12       ? "x12"
                 : d->syntax == EDI_EDIFACT ? "edifact"
                                            : "idoc",
                 d->sender);
    /* the enterprise that issued the document owns it */
    tenant = o->tenant != NULL && o->tenant[0] != '\0' ? o->tenant
             : d->kind == EDI_ORDER                    ? buyer
                                                       : supplier;
    if (d->response_id != NULL && d->response_id[0] != '\0' &&
        ((response_id = text(st, d, d->response_id, err)) == NULL ||
         check_len(d->head, "response number", response_id, EDI_ID_MAX_BYTES,
                   err) != CS_OK)) {
        rc = err->code;
        goto out;
    }
    stated = stated_line_nos(d, nos);

    yajl_gen_map_open(g);
    cs_json_kv_str(g, "specversion", "1.0");
    cs_json_kv_str(g, "id", d->event_id);
    cs_json_kv_str(g, "source", source);
    cs_json_kv_str(g, "type", cs__edi_kind_type(d->kind));
    cs_json_kv_str(g, "time", d->time);
    cs_json_kv_str(g, "tenantid", tenant);
    cs_json_kv_str(g, "datacontenttype", "application/json");
    cs_json_key(g, "data");
    yajl_gen_map_open(g);
    if (d->kind == EDI_ORDER) {
        const char *cur = d->currency ? d->currency : o->currency;
        cs_json_kv_str(g, "order_id", doc_id);
        cs_json_kv_str(g, "buyer", buyer);
        cs_json_kv_str(g, "supplier", supplier);
        cs_json_kv_str(g, "order_date", d->date);
        if (cur != NULL && cur[0] != '\0')
            cs_json_kv_str(g, "currency", cur);
    } else if (d->kind == EDI_SHIPMENT) {
        cs_json_kv_str(g, "shipment_id", doc_id);
        cs_json_kv_str(g, "supplier", supplier);
        cs_json_kv_str(g, "buyer", buyer);
        if (order_id != NULL)
            cs_json_kv_str(g, "order_id", order_id);
        cs_json_kv_str(g, "shipped_at", d->date);
        if (d->delivered_at[0] != '\0')
            cs_json_kv_str(g, "delivered_at", d->delivered_at);
    } else if (d->kind == EDI_ORDER_RESPONSE) {
        const char *cur = d->currency ? d->currency : o->currency;
        cs_json_kv_str(g, "order_id", doc_id);
        cs_json_kv_str(g, "buyer", buyer);
        cs_json_kv_str(g, "supplier", supplier);
        cs_json_kv_str(g, "responded_at", d->date);
        cs_json_kv_str(g, "status", d->status);
        kv_text(g, "status_code", d->status_code);
        kv_text(g, "response_id", response_id);
        if (d->order_date[0] != '\0')
            cs_json_kv_str(g, "order_date", d->order_date);
        if (cur != NULL && cur[0] != '\0')
            cs_json_kv_str(g, "currency", cur);
    } else {
        const char *cur = d->currency ? d->currency : o->currency;
        cs_json_kv_str(g, "invoice_id", doc_id);
        cs_json_kv_str(g, "supplier", supplier);
        cs_json_kv_str(g, "buyer", buyer);
        cs_json_kv_str(g, "invoice_date", d->date);
        if (order_id != NULL)
            cs_json_kv_str(g, "order_id", order_id);
        if (d->order_date[0] != '\0')
            cs_json_kv_str(g, "order_date", d->order_date);
        if (cur != NULL && cur[0] != '\0')
            cs_json_kv_str(g, "currency", cur);
        if (d->total_amount[0] != '\0')
            cs_json_kv_raw_number(g, "total_amount", d->total_amount);
    }
    /* a response for the whole order has no lines */
    rc = d->n_lines > 0 ? gen_lines(g, st, d, nos, stated, err) : CS_OK;
    if (rc != CS_OK)
        goto out;
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &gbuf, &glen) != yajl_gen_status_ok) {
        rc = cs__edi_fail(err, d->head, "could not build the event JSON");
        goto out;
    }
    *json = cs_strndup((const char *)gbuf, glen);
    *json_len = glen;
    {
        size_t klen = strlen(doc_id) + CS_USCC_LEN + 2;
        *key = malloc(klen);
        if (*key != NULL) {
            w = snprintf(*key, klen, "%s/%s",
                         d->kind == EDI_ORDER || d->kind == EDI_ORDER_RESPONSE
                             ? buyer
                             : supplier,
                         doc_id);
            (void)w;
        }
    }
    if (*json == NULL || *key == NULL) {
        free(*json);
        free(*key);
        *json = *key = NULL;
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = CS_OK;
out:
    if (g != NULL)
        yajl_gen_free(g);
    if (st != NULL)
        strs_free(st);
    free(st);
    free(nos);
    return rc;
}

/* ---- the run: rejections and the per-interchange queue ---- */

void cs__edi_reject(edi_run *r, const cs_err *why)
{
    if (!r->has_reject) {
        r->first = *why;
        r->has_reject = true;
    }
    if (r->stats != NULL)
        r->stats->n_rejected++;
    if (r->on_reject != NULL)
        r->on_reject(r->ctx, why);
}

bool cs__edi_control(edi_run *r, cs_err *why)
{
    char msg[2 * CS_ERR_MSG_BYTES];

    if (r->o->strict_controls)
        return true;
    snprintf(msg, sizeof(msg),
             "%s (converted anyway: every message ends at its trailer; "
             "--strict-controls rejects)",
             why->msg);
    cs_strlcpy(why->msg, msg, sizeof(why->msg));
    why->code = CS_OK;
    if (r->on_reject != NULL)
        r->on_reject(r->ctx, why);
    memset(why, 0, sizeof(*why));
    return false;
}

cs_status cs__edi_queue_json(edi_run *r, const char *type, char *key,
                             char *json, size_t len)
{
    if (r->n_pending == r->cap_pending) {
        size_t ncap = r->cap_pending ? r->cap_pending * 2 : 16;
        char **nk = realloc(r->keys, ncap * sizeof(*nk));
        char **nj = nk ? realloc(r->jsons, ncap * sizeof(*nj)) : NULL;
        size_t *nl = nj ? realloc(r->lens, ncap * sizeof(*nl)) : NULL;
        const char **nt = nl ? realloc(r->types, ncap * sizeof(*nt)) : NULL;
        if (nk)
            r->keys = nk;
        if (nj)
            r->jsons = nj;
        if (nl)
            r->lens = nl;
        if (nt == NULL) {
            free(key);
            free(json);
            return CS_E_NOMEM;
        }
        r->types = nt;
        r->cap_pending = ncap;
    }
    r->keys[r->n_pending] = key;
    r->jsons[r->n_pending] = json;
    r->lens[r->n_pending] = len;
    r->types[r->n_pending] = type;
    r->n_pending++;
    return CS_OK;
}

void cs__edi_unqueue(edi_run *r, size_t n)
{
    for (size_t k = n; k < r->n_pending; k++) {
        free(r->keys[k]);
        free(r->jsons[k]);
    }
    if (n < r->n_pending)
        r->n_pending = n;
}

cs_status cs__edi_queue(edi_run *r, const edi_doc *d)
{
    cs_err e = {0};
    char *key, *json;
    size_t len;
    cs_status rc = cs__edi_doc_event(d, r->o, &key, &json, &len, &e);

    if (rc == CS_E_NOMEM || rc == CS_E_INTERNAL)
        return rc;
    if (rc != CS_OK) {
        cs__edi_reject(r, &e);
        return CS_OK;
    }
    return cs__edi_queue_json(r, cs__edi_kind_type(d->kind), key, json, len);
}

void *cs__edi_event_open(const edi_run *r, const edi_doc *d, const edi_ids *ids,
                         size_t from, size_t to, const char *salt,
                         const char *type, const char *tenant)
{
    static const char *const names[] = {"", "x12", "edifact", "idoc"};
    const cs_edi_opts *o = r->o;
    char event_id[129], source[160];
    yajl_gen g = yajl_gen_alloc(NULL);

    if (g == NULL)
        return NULL;
    cs__edi_event_id(r, d->syntax, ids, from, to, salt, event_id,
                     sizeof(event_id));
    if (o->source != NULL && o->source[0] != '\0')
        snprintf(source, sizeof(source), "%s", o->source);
    else
        snprintf(source, sizeof(source), "edi://%s/%s", names[d->syntax],
                 d->sender);
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "specversion", "1.0");
    cs_json_kv_str(g, "id", event_id);
    cs_json_kv_str(g, "source", source);
    cs_json_kv_str(g, "type", type);
    cs_json_kv_str(g, "time", d->time);
    cs_json_kv_str(g, "tenantid", tenant);
    cs_json_kv_str(g, "datacontenttype", "application/json");
    cs_json_key(g, "data");
    yajl_gen_map_open(g);
    return g;
}

cs_status cs__edi_event_close(edi_run *r, void *gv, const char *type,
                              const char *key, const edi_seg *s, cs_err *err)
{
    yajl_gen g = gv;
    const unsigned char *gbuf;
    size_t glen;
    char *json, *k;

    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &gbuf, &glen) != yajl_gen_status_ok) {
        yajl_gen_free(g);
        return cs__edi_fail(err, s,
                            "could not build the event JSON (text that is "
                            "not UTF-8?)");
    }
    json = cs_strndup((const char *)gbuf, glen);
    yajl_gen_free(g);
    k = cs_strndup(key, strlen(key));
    if (json == NULL || k == NULL) {
        free(json);
        free(k);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    return cs__edi_queue_json(r, type, k, json, glen);
}

cs_status cs__edi_events_done(edi_run *r, edi_doc *d, cs_status rc,
                              const cs_err *why)
{
    cs__edi_doc_free(d);
    if (rc == CS_E_NOMEM)
        return rc;
    if (rc != CS_OK)
        cs__edi_reject(r, why);
    return CS_OK;
}

void cs__edi_warn(edi_run *r, const edi_seg *s, const char *fmt, ...)
{
    cs_err w = {0};
    char msg[CS_ERR_MSG_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cs__edi_fail(&w, s, "%s", msg);
    w.code = CS_OK;
    if (r->on_reject != NULL)
        r->on_reject(r->ctx, &w);
}

cs_status cs__edi_flush(edi_run *r, bool ok, cs_err *err)
{
    cs_status rc = CS_OK;

    for (size_t i = 0; i < r->n_pending; i++) {
        if (ok && rc == CS_OK) {
            cs_edi_event ev = {.type = r->types[i],
                               .key = r->keys[i],
                               .json = r->jsons[i],
                               .json_len = r->lens[i]};
            rc = r->on_event(r->ctx, &ev, err);
            if (rc == CS_OK && r->stats != NULL)
                r->stats->n_events++;
        }
        free(r->keys[i]);
        free(r->jsons[i]);
    }
    r->n_pending = 0;
    return rc;
}
