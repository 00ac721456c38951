/* edi_idoc.c - SAP IDoc flat files (EDI_DC40 control record, then fixed-
 * width data records) of the order types ORDERS01..ORDERS05 as
 * cs.order.v1. Each record becomes a lexer segment whose elements are its
 * fields, trimmed, in SAP's layout order, so the mapping and its errors
 * ("segment N (E2EDP01003, byte B): ...") work as for X12 and EDIFACT.
 * Layouts: SAP's ORDERS01 segment definitions (E1EDK01, E1EDK02,
 * E1EDK03, E1EDKA1, E1EDP01, E1EDP19, E1EDP20; record header SEGNAM 30,
 * MANDT 3, DOCNUM 16, SEGNUM 6, PSGNUM 6, HLEVEL 2), as the bots-edi
 * ORDERS01 grammar states them. docs/connectors.md has the mapping. */
#include "edi_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_str.h"

#define IDOC_HEADER_BYTES 63 /* SEGNAM .. HLEVEL of a data record */
#define IDOC_DC40_BYTES   524
#define IDOC_MAX_FIELDS   48 /* tag and fields of the widest layout */

/* The control record from byte 10 (after TABNAM). */
enum {
    DC_MANDT = 1,
    DC_DOCNUM,
    DC_DOCREL,
    DC_STATUS,
    DC_DIRECT,
    DC_OUTMOD,
    DC_EXPRSS,
    DC_TEST,
    DC_IDOCTYP,
    DC_CIMTYP,
    DC_MESTYP,
    DC_MESCOD,
    DC_MESFCT,
    DC_STD,
    DC_STDVRS,
    DC_STDMES,
    DC_SNDPOR,
    DC_SNDPRT,
    DC_SNDPFC,
    DC_SNDPRN,
    DC_SNDSAD,
    DC_SNDLAD,
    DC_RCVPOR,
    DC_RCVPRT,
    DC_RCVPFC,
    DC_RCVPRN,
    DC_RCVSAD,
    DC_RCVLAD,
    DC_CREDAT,
    DC_CRETIM,
};
static const unsigned char dc40_widths[] = {
    3, 16, 4,  2,  1,  1, 1, 1,  30, 30, 30, 3, 3,  1,  6,  6,  10, 2,
    2, 10, 21, 70, 10, 2, 2, 10, 21, 70, 8,  6, 14, 14, 14, 70, 20, 0};

/* Data records: MANDT, DOCNUM, SEGNUM, PSGNUM, HLEVEL, then SDATA. */
enum { R_DOCNUM = 2, R_SEGNUM = 3, F = 6 };

typedef struct idoc_layout {
    const char *type; /* E1EDK01: SEGNAM without its E1 / E2 and version */
    unsigned char widths[24];
} idoc_layout;

static const idoc_layout layouts[] = {
    /* ACTION KZABS CURCY HWAER WKURS ZTERM KUNDEUINR EIGENUINR BSART
     * BELNR */
    {"EDK01", {3, 1, 3, 3, 12, 17, 20, 20, 4, 35, 0}},
    /* QUALF BELNR POSNR DATUM UZEIT */
    {"EDK02", {3, 35, 6, 8, 6, 0}},
    /* IDDAT DATUM UZEIT */
    {"EDK03", {3, 8, 6, 0}},
    /* PARVW PARTN LIFNR NAME1 */
    {"EDKA1", {3, 17, 17, 35, 0}},
    /* POSEX ACTION PSTYP KZABS MENGE MENEE BMNG2 PMENE ABFTZ VPREI PEINH
     * NETWR */
    {"EDP01", {6, 3, 1, 1, 15, 3, 15, 3, 7, 15, 9, 18, 0}},
    /* QUALF IDTNR KTEXT */
    {"EDP19", {3, 35, 70, 0}},
    /* WMENG AMENG EDATU EZEIT */
    {"EDP20", {15, 15, 8, 6, 0}},
};
enum { K01_CURCY = F + 2, K01_BELNR = F + 9 };
enum { K02_QUALF = F, K02_BELNR, K02_POSNR, K02_DATUM };
enum { K03_IDDAT = F, K03_DATUM };
enum { KA1_PARVW = F, KA1_PARTN };
enum {
    P01_POSEX = F,
    P01_MENGE = F + 4,
    P01_MENEE = F + 5,
    P01_VPREI = F + 9,
    P01_PEINH = F + 10
};
enum { P19_QUALF = F, P19_IDTNR, P19_KTEXT };
enum { P20_EDATU = F + 2 };

/* The SAP item id qualifiers (E1EDP19 QUALF): the buyer's material number
 * (001) names an order line, else the vendor's (002), else the EAN
 * (003). */
static const char *const idoc_sku_prefer[] = {"001", "002", "003", NULL};

#define G(s, e) cs__edi_get(lx, (s), (e), 1)

bool cs__edi_is_idoc(const char *buf, size_t len)
{
    return len >= 8 && memcmp(buf, "EDI_DC40", 8) == 0;
}

/* "E2EDK01003" or "E1EDK01" -> "EDK01"; NULL when not an E1 / E2 name. */
static const char *seg_type(const edi_seg *s, char out[8])
{
    if (strlen(s->tag) < 7 || s->tag[0] != 'E' ||
        (s->tag[1] != '1' && s->tag[1] != '2'))
        return NULL;
    memcpy(out, s->tag + 2, 5);
    out[5] = '\0';
    return out;
}

static bool is_type(const edi_seg *s, const char *type)
{
    char t[8];
    return seg_type(s, t) != NULL && strcmp(t, type) == 0;
}

/* Appends a field: bytes [at, at + w) of the record, trimmed (short
 * records give empty fields). */
static cs_status add_field(edi_lex *lx, char **out, const char *rec,
                           size_t rec_len, size_t at, size_t w, cs_err *err)
{
    size_t b = at < rec_len ? at : rec_len;
    size_t e = at + w < rec_len ? at + w : rec_len;
    char *start = *out;

    while (b < e && rec[b] == ' ')
        b++;
    while (e > b && rec[e - 1] == ' ')
        e--;
    if (lx->n_comps == lx->cap_comps) {
        size_t ncap = lx->cap_comps ? lx->cap_comps * 2 : 256;
        const char **nc = realloc(lx->comps, ncap * sizeof(*nc));
        edi_elem *ne = nc ? realloc(lx->elems, ncap * sizeof(*ne)) : NULL;
        if (nc != NULL)
            lx->comps = nc;
        if (ne == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        lx->elems = ne;
        lx->cap_comps = lx->cap_elems = ncap;
    }
    memcpy(start, rec + b, e - b);
    start[e - b] = '\0';
    *out += e - b + 1;
    lx->elems[lx->n_elems].first_comp = lx->n_comps;
    lx->elems[lx->n_elems].n_comps = 1;
    lx->n_elems++;
    lx->comps[lx->n_comps++] = start;
    return CS_OK;
}

cs_status cs__edi_idoc_lex(const char *buf, size_t len, edi_lex *lx,
                           cs_err *err)
{
    size_t p = 0;
    char *out;

    size_t n_lines = 1;

    memset(lx, 0, sizeof(*lx));
    /* fields are disjoint slices of their record, each copied with a NUL:
     * the file's bytes plus at most IDOC_MAX_FIELDS NULs per record */
    for (size_t k = 0; k < len; k++)
        n_lines += buf[k] == '\n';
    if ((lx->text = malloc(len + n_lines * IDOC_MAX_FIELDS + 1)) == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    out = lx->text;
    while (p < len) {
        const char *rec = buf + p, *nl = memchr(rec, '\n', len - p);
        size_t n = nl ? (size_t)(nl - rec) : len - p, at;
        const unsigned char *w = NULL;
        edi_seg *s;
        char type[8];

        p += n + (nl ? 1 : 0);
        if (n > 0 && rec[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (lx->n_segs == lx->cap_segs) {
            size_t ncap = lx->cap_segs ? lx->cap_segs * 2 : 64;
            edi_seg *ns = realloc(lx->segs, ncap * sizeof(*ns));
            if (ns == NULL)
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            lx->segs = ns;
            lx->cap_segs = ncap;
        }
        s = &lx->segs[lx->n_segs++];
        memset(s, 0, sizeof(*s));
        s->pos = lx->n_segs;
        s->offset_bytes = (size_t)(rec - buf);
        s->syntax = EDI_IDOC;
        s->first_elem = lx->n_elems;
        /* the tag: SEGNAM (TABNAM for the control record) */
        at = n >= 8 && memcmp(rec, "EDI_DC40", 8) == 0 ? 10 : 30;
        s->tag = out;
        if (add_field(lx, &out, rec, n, 0, at, err) != CS_OK)
            return CS_E_NOMEM;
        lx->n_elems--; /* the tag is not an element */
        lx->n_comps--;
        if (at == 10) {
            w = dc40_widths;
        } else {
            static const unsigned char hdr[] = {3, 16, 6, 6, 2, 0};
            if (n < IDOC_HEADER_BYTES)
                s->bad = strdup("the record is shorter than its 63-byte "
                                "header (SEGNAM .. HLEVEL)");
            for (size_t k = 0; hdr[k] != 0; at += hdr[k++])
                if (add_field(lx, &out, rec, n, at, hdr[k], err) != CS_OK)
                    return CS_E_NOMEM;
            if (seg_type(s, type) != NULL)
                for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]);
                     k++)
                    if (strcmp(layouts[k].type, type) == 0)
                        w = layouts[k].widths;
        }
        for (size_t k = 0; w != NULL && w[k] != 0; at += w[k++])
            if (add_field(lx, &out, rec, n, at, w[k], err) != CS_OK)
                return CS_E_NOMEM;
        s->n_elems = lx->n_elems - s->first_elem;
        if (s->tag[0] == '\0' && s->bad == NULL)
            s->bad = strdup("the record names no segment (SEGNAM is "
                            "blank)");
    }
    return CS_OK;
}

/* The order of one IDoc: control record at dc, data records to end. */
static cs_status map_idoc(edi_run *r, size_t dc, size_t end, edi_doc *d,
                          cs_err *err)
{
    const edi_lex *lx = r->lx;
    const edi_seg *c = &lx->segs[dc];
    edi_line *l = NULL;
    int date_rank = 0, id_rank = 0;
    int64_t want_segnum = 1;

    for (size_t j = dc + 1; j < end; j++) {
        const edi_seg *s = &lx->segs[j];
        cs_err e = {0};
        int64_t segnum;

        if (strcmp(G(s, R_DOCNUM), G(c, DC_DOCNUM)) != 0) {
            cs__edi_fail(err, s,
                         "DOCNUM %s differs from the control record's %s",
                         G(s, R_DOCNUM), G(c, DC_DOCNUM));
            if (cs__edi_control(r, err))
                return CS_E_INVALID;
        }
        if (cs_parse_i64(G(s, R_SEGNUM), 0, 999999, &segnum, &e) != CS_OK ||
            segnum != want_segnum) {
            cs__edi_fail(err, s, "SEGNUM \"%s\" where %" PRId64 " follows",
                         G(s, R_SEGNUM), want_segnum);
            if (cs__edi_control(r, err))
                return CS_E_INVALID;
        }
        want_segnum++;
        if (is_type(s, "EDK01")) {
            if (G(s, K01_CURCY)[0] != '\0') {
                if (cs__edi_currency(s, "E1EDK01 CURCY", G(s, K01_CURCY),
                                     err) != CS_OK)
                    return CS_E_INVALID;
                d->currency = G(s, K01_CURCY);
            }
            if (id_rank < 1 && G(s, K01_BELNR)[0] != '\0') {
                d->doc_id = G(s, K01_BELNR);
                d->doc_id_seg = s;
                id_rank = 1;
            }
        } else if (is_type(s, "EDK02") && strcmp(G(s, K02_QUALF), "001") == 0) {
            /* 001: the customer's purchase order */
            if (G(s, K02_BELNR)[0] != '\0') {
                d->doc_id = G(s, K02_BELNR);
                d->doc_id_seg = s;
                id_rank = 2;
            }
            if (date_rank < 1 && G(s, K02_DATUM)[0] != '\0') {
                if (cs__edi_date(s, "E1EDK02 DATUM", G(s, K02_DATUM), "102", "",
                                 d->date, EDI_TIME_BYTES, err) != CS_OK)
                    return CS_E_INVALID;
                date_rank = 1;
            }
        } else if (is_type(s, "EDK03")) {
            /* 012 document date, else 022 purchase order date */
            const char *q = G(s, K03_IDDAT);
            int rank = strcmp(q, "012") == 0   ? 3
                       : strcmp(q, "022") == 0 ? 2
                                               : 0;
            if (rank > date_rank) {
                char what[32];
                snprintf(what, sizeof(what), "E1EDK03 %s DATUM", q);
                if (cs__edi_date(s, what, G(s, K03_DATUM), "102", "", d->date,
                                 EDI_TIME_BYTES, err) != CS_OK)
                    return CS_E_INVALID;
                date_rank = rank;
            }
        } else if (is_type(s, "EDKA1")) {
            /* AG sold-to party (the buyer), LF vendor (the supplier) */
            const char *role = G(s, KA1_PARVW), *id = G(s, KA1_PARTN);
            edi_party *p = strcmp(role, "AG") == 0   ? &d->buyer
                           : strcmp(role, "LF") == 0 ? &d->supplier
                                                     : NULL;
            if (p != NULL && id[0] != '\0' && p->id == NULL) {
                p->id = id;
                p->id_qual = role;
                p->id_from = p == &d->buyer ? "E1EDKA1 AG" : "E1EDKA1 LF";
                p->seg = s;
            }
        } else if (is_type(s, "EDP01")) {
            const char *price = G(s, P01_VPREI), *per = G(s, P01_PEINH);
            if ((l = cs__edi_doc_add_line(d, s, err)) == NULL)
                return err->code;
            l->line_no_text = G(s, P01_POSEX);
            if (cs__edi_decimal(s, "E1EDP01 MENGE quantity", G(s, P01_MENGE),
                                '.', l->quantity, sizeof(l->quantity),
                                err) != CS_OK ||
                cs__edi_unit(s, "E1EDP01 MENEE", G(s, P01_MENEE), err) != CS_OK)
                return CS_E_INVALID;
            l->unit = G(s, P01_MENEE);
            /* VPREI is per PEINH units: a unit price only when that is 1 */
            if (price[0] != '\0' && (per[0] == '\0' || strcmp(per, "1") == 0) &&
                cs__edi_decimal(s, "E1EDP01 VPREI price", price, '.',
                                l->unit_price, sizeof(l->unit_price),
                                err) != CS_OK)
                return CS_E_INVALID;
        } else if (is_type(s, "EDP20") && l != NULL &&
                   l->requested[0] == '\0' && G(s, P20_EDATU)[0] != '\0') {
            if (cs__edi_date(s, "E1EDP20 EDATU", G(s, P20_EDATU), "102", "",
                             l->requested, EDI_TIME_BYTES, err) != CS_OK)
                return CS_E_INVALID;
        } else if (is_type(s, "EDP19") && l != NULL &&
                   G(s, P19_IDTNR)[0] != '\0' && l->n_ids < EDI_MAX_ITEM_IDS) {
            l->ids[l->n_ids].qual = G(s, P19_QUALF);
            l->ids[l->n_ids].id = G(s, P19_IDTNR);
            l->n_ids++;
            if (G(s, P19_KTEXT)[0] != '\0' &&
                (l->description == NULL || strcmp(G(s, P19_QUALF), "001") == 0))
                l->description = G(s, P19_KTEXT);
        }
    }
    if (d->doc_id == NULL)
        return cs__edi_fail(err, c,
                            "IDoc %s states no order number (E1EDK02 QUALF "
                            "001 or E1EDK01 BELNR)",
                            G(c, DC_DOCNUM));
    if (d->date[0] == '\0')
        return cs__edi_fail(err, c,
                            "IDoc %s states no order date (E1EDK03 IDDAT 012 "
                            "or 022, or E1EDK02 QUALF 001 DATUM)",
                            G(c, DC_DOCNUM));
    return CS_OK;
}

static bool order_type(const char *t)
{
    return strncmp(t, "ORDERS0", 7) == 0 && t[7] >= '1' && t[7] <= '5' &&
           t[8] == '\0';
}

cs_status cs__edi_idoc(edi_run *r, size_t *i, cs_err *err)
{
    const edi_lex *lx = r->lx;
    const edi_seg *c = &lx->segs[*i];
    size_t dc = *i, end = *i + 1;
    edi_doc d = {0};
    edi_ids ids;
    cs_err e = {0};
    const char *charset = NULL; /* UTF-8 */
    cs_status rc;

    while (end < lx->n_segs && !cs__edi_is(&lx->segs[end], "EDI_DC40"))
        end++;
    if (r->stats != NULL) {
        r->stats->n_interchanges++;
        r->stats->n_messages++;
    }
    if (!cs__edi_is(c, "EDI_DC40")) {
        cs__edi_fail(&e, c,
                     "a data record before any EDI_DC40 control "
                     "record");
        goto reject;
    }
    if (G(c, DC_CREDAT)[0] == '\0') {
        cs__edi_fail(&e, c,
                     "control record without CREDAT (bytes 378-385): "
                     "shorter than its %d bytes?",
                     IDOC_DC40_BYTES);
        goto reject;
    }
    if (!order_type(G(c, DC_IDOCTYP))) {
        cs__edi_fail(&e, c,
                     "IDoc type %s (message type %s, IDoc %s) is not "
                     "supported: cs-edi converts ORDERS01..ORDERS05",
                     G(c, DC_IDOCTYP), G(c, DC_MESTYP), G(c, DC_DOCNUM));
        goto reject;
    }
    if (!cs__edi_message_text(r, dc, end - 1, &charset, &e))
        goto reject;
    d.kind = EDI_ORDER;
    d.syntax = EDI_IDOC;
    d.head = c;
    d.sku_prefer = idoc_sku_prefer;
    if (cs__edi_datetime(c, "EDI_DC40 CREDAT / CRETIM", G(c, DC_CREDAT),
                         G(c, DC_CRETIM), r->o->time_offset, d.time,
                         sizeof(d.time), &e) != CS_OK)
        goto reject;
    cs__edi_ascii(G(c, DC_SNDPRN), d.sender, sizeof(d.sender));
    cs__edi_doc_envelope(&d, G(c, DC_SNDPRN), G(c, DC_SNDPRT),
                         "EDI_DC40 SNDPRN", G(c, DC_RCVPRN), G(c, DC_RCVPRT),
                         "EDI_DC40 RCVPRN");
    rc = map_idoc(r, dc, end, &d, &e);
    if (rc == CS_E_NOMEM) {
        cs__edi_doc_free(&d);
        return rc;
    }
    if (rc != CS_OK)
        goto reject;
    ids = (edi_ids){.sender = G(c, DC_SNDPRN),
                    .receiver = G(c, DC_RCVPRN),
                    .group_ref = "",
                    .interchange_ref = G(c, DC_DOCNUM),
                    .message_ref = G(c, DC_DOCNUM)};
    *i = end;
    rc = cs__edi_message_out(r, &d, &ids, dc, end - 1);
    return rc != CS_OK ? rc : cs__edi_flush(r, true, err);
reject:
    *i = end;
    cs__edi_doc_free(&d);
    cs__edi_reject(r, &e);
    return CS_OK;
}
