/* csv_convert.c - CSV rows into canonical events: values normalised by
 * the mapping, rows of one order or shipment grouped into one event,
 * every event checked by the family decoder cs-ingest uses, and each
 * failure reported against the file lines it concerns. */
#include "csv_int.h"

#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_gen.h>

#include "cs_event.h"
#include "cs_family.h"
#include "cs_hash.h"
#include "cs_ident.h"
#include "cs_json.h"
#include "cs_str.h"
#include "cs_time.h"

#define CSV_MAX_LINES      1000 /* lines per order or shipment */
#define CSV_MAX_INT_DIGITS 15
#define CSV_VALUE_BYTES    64

typedef struct row {
    size_t line;
    char *raw;
    size_t raw_len;
    char *v[CSV_MAX_FIELDS]; /* normalised, NULL when absent */
    char *time;
    char *key; /* owner/id as written (groups even bad rows) */
    char *why; /* rejection, or NULL */
} row;

typedef struct group {
    char *key;
    size_t *rows;
    size_t n, cap;
} group;

typedef struct conv {
    const cs_csv_map *m;
    const char *file_time;
    cs_csv_event_fn on_event;
    cs_csv_reject_fn on_reject;
    void *ctx;
    cs_csv_stats *stats;
    row *rows;
    size_t n_rows, cap_rows;
    group *groups;
    size_t n_groups, cap_groups;
    size_t *slots; /* open addressing: group index + 1, 0 empty */
    size_t n_slots;
    int col[CSV_MAX_FIELDS];
    int time_col;
    size_t n_header;
    iconv_t cd;
    cs_err first;
    bool has_reject;
} conv;

static void reject(conv *c, size_t line, const char *raw, size_t raw_len,
                   const char *why)
{
    while (raw_len > 0 &&
           (raw[raw_len - 1] == '\n' || raw[raw_len - 1] == '\r'))
        raw_len--;
    if (!c->has_reject) {
        c->has_reject = true;
        cs_err_set(&c->first, CS_E_INVALID, "line %zu: %s", line, why);
    }
    if (c->stats != NULL && line > 0)
        c->stats->n_rejected_rows++;
    if (c->on_reject != NULL)
        c->on_reject(c->ctx, line, raw, raw_len, why);
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], cp;
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07;
        else
            return false;
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

/* The field as UTF-8 (new string), or NULL with why set. */
static char *to_utf8(conv *c, const char *in, char *why, size_t why_bytes)
{
    size_t n = strlen(in);

    if (c->cd == (iconv_t)-1) {
        if (!utf8_valid((const unsigned char *)in, n)) {
            snprintf(why, why_bytes, "\"%.40s\" is not valid UTF-8", in);
            return NULL;
        }
        return strdup(in);
    } else {
        size_t cap = 4 * n + 1, il = n, ol = cap - 1;
        char *out = malloc(cap), *ip = (char *)(uintptr_t)in, *op = out;
        if (out == NULL)
            return NULL;
        iconv(c->cd, NULL, NULL, NULL, NULL);
        if (iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1) {
            snprintf(why, why_bytes, "byte %zu of \"%.40s\" is not valid %s",
                     n - il, in, c->m->encoding);
            free(out);
            return NULL;
        }
        *op = '\0';
        return out;
    }
}

static char *trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool norm_decimal(const char *in, char mark, char *out, size_t out_bytes,
                         char *why, size_t why_bytes)
{
    const char *p = in, *ip, *fp = NULL;
    size_t ni, nf = 0, o = 0;

    if (*p == '-') {
        snprintf(why, why_bytes, "\"%s\" is negative", in);
        return false;
    }
    if (*p == '+')
        p++;
    ip = p;
    while (*p >= '0' && *p <= '9')
        p++;
    ni = (size_t)(p - ip);
    if (*p == mark) {
        fp = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        nf = (size_t)(p - fp);
    }
    if (*p != '\0' || ni + nf == 0) {
        snprintf(why, why_bytes,
                 "\"%s\" is not a decimal number (decimal mark '%c')", in,
                 mark);
        return false;
    }
    while (ni > 1 && *ip == '0')
        ip++, ni--;
    if (ni > CSV_MAX_INT_DIGITS || ni + nf + 3 > out_bytes) {
        snprintf(why, why_bytes, "\"%s\" is not below 10^15", in);
        return false;
    }
    if (ni == 0)
        out[o++] = '0';
    memcpy(out + o, ip, ni);
    o += ni;
    if (nf > 0) {
        out[o++] = '.';
        memcpy(out + o, fp, nf);
        o += nf;
    }
    out[o] = '\0';
    return true;
}

static bool norm_date(const cs_csv_map *m, const char *in, char *out,
                      size_t out_bytes, char *why, size_t why_bytes)
{
    size_t n = strlen(in);
    const char *y = NULL, *mo = NULL, *d = NULL;
    cs_err e = {0};

    if (n == 10 && in[4] == '-' && in[7] == '-') {
        y = in, mo = in + 5, d = in + 8; /* ISO is never ambiguous */
    } else if (m->date_fmt == CSV_YMD_SLASH && n == 10 && in[4] == '/' &&
               in[7] == '/') {
        y = in, mo = in + 5, d = in + 8;
    } else if (m->date_fmt == CSV_YMD_DIGITS && n == 8 && digits(in, 8)) {
        y = in, mo = in + 4, d = in + 6;
    } else if (m->date_fmt == CSV_DMY_DOT && n == 10 && in[2] == '.' &&
               in[5] == '.') {
        d = in, mo = in + 3, y = in + 6;
    } else if (m->date_fmt == CSV_MDY_SLASH && n == 10 && in[2] == '/' &&
               in[5] == '/') {
        mo = in, d = in + 3, y = in + 6;
    }
    if (y == NULL) {
        snprintf(why, why_bytes,
                 "\"%s\" is not a date in the mapping's "
                 "date.format",
                 in);
        return false;
    }
    snprintf(out, out_bytes, "%.4s-%.2s-%.2s", y, mo, d);
    if (cs_time_check_date(out, strlen(out), &e) != CS_OK) {
        snprintf(why, why_bytes, "\"%.40s\" is not a valid date: %.160s", in,
                 e.msg);
        return false;
    }
    return true;
}

static bool norm_datetime(const cs_csv_map *m, const char *in, char *out,
                          size_t out_bytes, char *why, size_t why_bytes)
{
    size_t n = strlen(in);
    cs_err e = {0};

    if (cs_time_check_datetime(in, n, &e) == CS_OK) {
        snprintf(out, out_bytes, "%s", in);
        return true;
    }
    /* "YYYY-MM-DD HH:MM[:SS]" as ERPs export it: the mapping's offset */
    if ((n == 16 || n == 19) && (in[10] == ' ' || in[10] == 'T')) {
        snprintf(out, out_bytes, "%.10sT%.8s%s%s", in, in + 11,
                 n == 16 ? ":00" : "", m->time_offset);
        if (cs_time_check_datetime(out, strlen(out), &e) == CS_OK)
            return true;
    }
    snprintf(why, why_bytes,
             "\"%.40s\" is not a date-time (RFC 3339, or YYYY-MM-DD HH:MM[:SS] "
             "with time.offset): %.120s",
             in, e.msg);
    return false;
}

/* Normalises v for field f (new string in *out), or sets why. */
static bool normalise(const cs_csv_map *m, const csv_field *f, const char *v,
                      char **out, char *why, size_t why_bytes)
{
    char buf[CSV_VALUE_BYTES];
    cs_err e = {0};
    size_t n = strlen(v);
    const char *res = v;

    switch (f->kind) {
    case CSV_TEXT:
        if (n > f->max_bytes) {
            snprintf(why, why_bytes, "\"%.40s...\" is longer than %zu bytes", v,
                     f->max_bytes);
            return false;
        }
        break;
    case CSV_USCC:
        if (cs_uscc_validate(v, n, &e) != CS_OK) {
            snprintf(why, why_bytes, "\"%.40s\": %.160s", v, e.msg);
            return false;
        }
        break;
    case CSV_DATE:
        if (!norm_date(m, v, buf, sizeof(buf), why, why_bytes))
            return false;
        res = buf;
        break;
    case CSV_DATETIME:
        if (!norm_datetime(m, v, buf, sizeof(buf), why, why_bytes))
            return false;
        res = buf;
        break;
    case CSV_DATE_OR_DATETIME:
        if (!(n > 10 ? norm_datetime(m, v, buf, sizeof(buf), why, why_bytes)
                     : norm_date(m, v, buf, sizeof(buf), why, why_bytes)))
            return false;
        res = buf;
        break;
    case CSV_DECIMAL:
        if (!norm_decimal(v, m->decimal, buf, sizeof(buf), why, why_bytes))
            return false;
        res = buf;
        break;
    case CSV_INT:
        if (n == 0 || n > 7 || !digits(v, n)) {
            snprintf(why, why_bytes, "\"%.40s\" is not a line number", v);
            return false;
        }
        {
            int64_t x;
            if (cs_parse_i64(v, 1, 1000000, &x, &e) != CS_OK) {
                snprintf(why, why_bytes, "\"%s\" is not 1-1000000", v);
                return false;
            }
            snprintf(buf, sizeof(buf), "%" PRId64, x);
            res = buf;
        }
        break;
    case CSV_UNIT:
        if (m->n_units > 0) {
            size_t i;
            for (i = 0; i < m->n_units; i++)
                if (strcmp(m->unit_from[i], v) == 0)
                    break;
            if (i == m->n_units)
                for (i = 0; i < m->n_units; i++)
                    if (strcasecmp(m->unit_from[i], v) == 0)
                        break;
            if (i == m->n_units) {
                snprintf(why, why_bytes,
                         "unknown unit \"%.40s\" (the mapping's unit. lines "
                         "do not list it)",
                         v);
                return false;
            }
            res = m->unit_to[i];
        } else if (n > 16) {
            snprintf(why, why_bytes, "unit \"%.40s\" is longer than 16 bytes",
                     v);
            return false;
        }
        break;
    case CSV_SIGNED:
        if (v[0] == '-') {
            if (!norm_decimal(v + 1, m->decimal, buf + 1, sizeof(buf) - 1, why,
                              why_bytes))
                return false;
            buf[0] = '-';
        } else if (!norm_decimal(v, m->decimal, buf, sizeof(buf), why,
                                 why_bytes)) {
            return false;
        }
        res = buf;
        break;
    case CSV_COUNT:
        if (n == 0 || n > 9 || !digits(v, n)) {
            snprintf(why, why_bytes, "\"%.40s\" is not a whole number", v);
            return false;
        }
        {
            int64_t x;
            if (cs_parse_i64(v, 0, 999999999, &x, &e) != CS_OK) {
                snprintf(why, why_bytes, "\"%.40s\": %.160s", v, e.msg);
                return false;
            }
            snprintf(buf, sizeof(buf), "%" PRId64, x);
            res = buf;
        }
        break;
    case CSV_BOOL: {
        bool b;
        if (strcmp(v, "是") == 0 || strcmp(v, "Y") == 0)
            b = true;
        else if (strcmp(v, "否") == 0 || strcmp(v, "N") == 0)
            b = false;
        else if (cs_parse_bool(v, &b, &e) != CS_OK) {
            snprintf(why, why_bytes,
                     "\"%.40s\" is not true/false, 1/0, yes/no or 是/否", v);
            return false;
        }
        res = b ? "true" : "false";
        break;
    }
    case CSV_CURRENCY:
        if (n != 3 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' ||
            v[2] < 'A' || v[2] > 'Z') {
            snprintf(why, why_bytes, "\"%.40s\" is not an ISO 4217 code", v);
            return false;
        }
        break;
    }
    *out = strdup(res);
    return *out != NULL;
}

static cs_status add_row(conv *c, row **out, cs_err *err)
{
    if (c->n_rows == c->cap_rows) {
        size_t nc = c->cap_rows ? c->cap_rows * 2 : 256;
        row *nr = realloc(c->rows, nc * sizeof(*nr));
        if (nr == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        c->rows = nr;
        c->cap_rows = nc;
    }
    *out = &c->rows[c->n_rows++];
    memset(*out, 0, sizeof(**out));
    return CS_OK;
}

/* Converts the fields of one record into r; sets r->why on a fault. */
static void fill_row(conv *c, row *r, char **fields, size_t n_fields)
{
    const csv_family *fam = c->m->fam;
    char why[CS_ERR_MSG_BYTES] = "";
    int owner = fam->owner ? cs__csv_field(fam, fam->owner) : -1;
    int idf = cs__csv_field(fam, fam->id ? fam->id : fam->key2);
    char keybuf[512];

    if (n_fields != c->n_header) {
        snprintf(why, sizeof(why), "has %zu fields, the header has %zu",
                 n_fields, c->n_header);
        r->why = strdup(why);
        return;
    }
    for (size_t i = 0; i < fam->n_fields && r->why == NULL; i++) {
        const csv_field *f = &fam->fields[i];
        const char *src = NULL;
        char *u = NULL, *t;
        if (c->col[i] >= 0) {
            u = to_utf8(c, fields[c->col[i]], why, sizeof(why));
            if (u == NULL) {
                char msg[2 * CS_ERR_MSG_BYTES];
                snprintf(msg, sizeof(msg), "column \"%s\" (%s): %s",
                         c->m->column[i], f->name, why);
                r->why = strdup(msg);
                break;
            }
            t = trim(u);
            if (t[0] != '\0')
                src = t;
        }
        if (src == NULL)
            src = c->m->dflt[i];
        if (src == NULL) {
            if (f->required || (c->col[i] >= 0 && f->kind == CSV_INT)) {
                snprintf(why, sizeof(why), "column \"%s\" (%s) is empty",
                         c->m->column[i] ? c->m->column[i] : "-", f->name);
                r->why = strdup(why);
            }
            free(u);
            continue;
        }
        if (!normalise(c->m, f, src, &r->v[i], why, sizeof(why))) {
            char msg[2 * CS_ERR_MSG_BYTES];
            snprintf(msg, sizeof(msg), "column \"%s\" (%s): %s",
                     c->m->column[i] ? c->m->column[i] : "default", f->name,
                     why);
            r->why = strdup(msg);
        }
        free(u);
    }
    if (r->why == NULL && c->time_col >= 0) {
        char *u = to_utf8(c, fields[c->time_col], why, sizeof(why));
        char buf[CSV_VALUE_BYTES];
        if (u == NULL ||
            !norm_datetime(c->m, trim(u), buf, sizeof(buf), why, sizeof(why))) {
            char msg[2 * CS_ERR_MSG_BYTES];
            snprintf(msg, sizeof(msg), "column \"%s\" (time): %s",
                     c->m->time_column, why);
            r->why = strdup(msg);
        } else {
            r->time = strdup(buf);
        }
        free(u);
    }
    /* the group key as written, so a bad row still sinks its order */
    if (fam->id != NULL && n_fields == c->n_header) {
        const char *o = c->col[owner] >= 0  ? fields[c->col[owner]]
                        : c->m->dflt[owner] ? c->m->dflt[owner]
                                            : "";
        const char *k = c->col[idf] >= 0  ? fields[c->col[idf]]
                        : c->m->dflt[idf] ? c->m->dflt[idf]
                                          : "";
        snprintf(keybuf, sizeof(keybuf), "%s\x1f%s", o, k);
        r->key = strdup(keybuf);
    }
}

static uint64_t fnv(uint64_t h, const char *s)
{
    return cs_fnv1a(h, s, strlen(s)) ^ 0xff; /* a separator between values */
}

static size_t hash_key(const char *s)
{
    return (size_t)fnv(CS_FNV1A_INIT, s);
}

static cs_status group_of(conv *c, const char *key, size_t *out, cs_err *err)
{
    size_t mask, h;
    group *g;

    if ((c->n_groups + 1) * 2 > c->n_slots) {
        size_t ns = c->n_slots ? c->n_slots * 2 : 1024;
        size_t *slots = calloc(ns, sizeof(*slots));
        if (slots == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        for (size_t i = 0; i < c->n_groups; i++) {
            h = hash_key(c->groups[i].key) & (ns - 1);
            while (slots[h] != 0)
                h = (h + 1) & (ns - 1);
            slots[h] = i + 1;
        }
        free(c->slots);
        c->slots = slots;
        c->n_slots = ns;
    }
    mask = c->n_slots - 1;
    for (h = hash_key(key) & mask; c->slots[h] != 0; h = (h + 1) & mask)
        if (strcmp(c->groups[c->slots[h] - 1].key, key) == 0) {
            *out = c->slots[h] - 1;
            return CS_OK;
        }
    if (c->n_groups == c->cap_groups) {
        size_t nc = c->cap_groups ? c->cap_groups * 2 : 256;
        group *ng = realloc(c->groups, nc * sizeof(*ng));
        if (ng == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        c->groups = ng;
        c->cap_groups = nc;
    }
    g = &c->groups[c->n_groups];
    memset(g, 0, sizeof(*g));
    g->key = strdup(key);
    if (g->key == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    c->slots[h] = ++c->n_groups;
    *out = c->n_groups - 1;
    return CS_OK;
}

static cs_status group_add(group *g, size_t row_i, cs_err *err)
{
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        size_t *nr = realloc(g->rows, nc * sizeof(*nr));
        if (nr == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        g->rows = nr;
        g->cap = nc;
    }
    g->rows[g->n++] = row_i;
    return CS_OK;
}

static void gen_value(yajl_gen g, const csv_field *f, const char *v)
{
    cs_json_key(g, f->name);
    if (f->kind == CSV_DECIMAL || f->kind == CSV_INT || f->kind == CSV_SIGNED ||
        f->kind == CSV_COUNT)
        yajl_gen_number(g, v, strlen(v));
    else if (f->kind == CSV_BOOL)
        yajl_gen_bool(g, strcmp(v, "true") == 0);
    else
        cs_json_str(g, v);
}

/* Rejects every row of g: the faulty ones with their reason, the others
 * because their order or shipment cannot be sent without them. */
static void reject_group(conv *c, const group *g, const char *what)
{
    for (size_t k = 0; k < g->n; k++) {
        row *r = &c->rows[g->rows[k]];
        char msg[2 * CS_ERR_MSG_BYTES];
        if (r->why != NULL)
            snprintf(msg, sizeof(msg), "%s", r->why);
        else
            snprintf(msg, sizeof(msg), "%s", what);
        reject(c, r->line, r->raw, r->raw_len, msg);
    }
}

static cs_status emit_group(conv *c, const group *g, cs_err *err)
{
    const cs_csv_map *m = c->m;
    const csv_family *fam = m->fam;
    int owner = fam->owner ? cs__csv_field(fam, fam->owner) : -1;
    int idf = cs__csv_field(fam, fam->id ? fam->id : fam->key2);
    int line_no = cs__csv_field(fam, "line_no");
    const row *r0 = &c->rows[g->rows[0]];
    const char *tenant = m->tenant ? m->tenant : r0->v[owner];
    const char *time = r0->time ? r0->time : c->file_time;
    char id[64], key[256], msg[CS_ERR_MSG_BYTES];
    uint64_t h = CS_FNV1A_INIT;
    yajl_gen gen = NULL;
    const unsigned char *buf;
    size_t len;
    cs_json_doc *doc = NULL;
    cs_event ev;
    cs_record rec = {0};
    cs_err e = {0};
    cs_status rc = CS_OK;
    bool has_lines = fam->id != NULL;

    for (size_t k = 0; k < g->n; k++)
        if (c->rows[g->rows[k]].why != NULL) {
            snprintf(msg, sizeof(msg),
                     "not sent: line %zu of the same %s %s is rejected",
                     c->rows[g->rows[k]].line, fam->id ? fam->id : "record",
                     r0->v[idf] ? r0->v[idf] : "");
            reject_group(c, g, msg);
            return CS_OK;
        }
    if (g->n > CSV_MAX_LINES) {
        snprintf(msg, sizeof(msg), "%s %s has %zu lines, at most %d", fam->id,
                 r0->v[idf], g->n, CSV_MAX_LINES);
        reject_group(c, g, msg);
        return CS_OK;
    }
    /* header values must agree on every row of the order */
    for (size_t i = 0; i < fam->n_fields; i++) {
        if (fam->fields[i].is_line)
            continue;
        for (size_t k = 1; k < g->n; k++) {
            const row *r = &c->rows[g->rows[k]];
            const char *a = r0->v[i] ? r0->v[i] : "",
                       *b = r->v[i] ? r->v[i] : "";
            if (strcmp(a, b) != 0) {
                snprintf(msg, sizeof(msg),
                         "%s %s: %s is \"%.32s\" on line %zu but \"%.32s\" "
                         "on line %zu",
                         fam->id, r0->v[idf], fam->fields[i].name, a, r0->line,
                         b, r->line);
                reject_group(c, g, msg);
                return CS_OK;
            }
        }
    }
    /* the id: type, tenant and every value, never the clock */
    h = fnv(h, fam->type);
    h = fnv(h, tenant);
    for (size_t k = 0; k < g->n; k++)
        for (size_t i = 0; i < fam->n_fields; i++)
            h = fnv(h, c->rows[g->rows[k]].v[i] ? c->rows[g->rows[k]].v[i]
                                                : "\x01");
    snprintf(id, sizeof(id), "csv:%016" PRIx64, h);
    key[0] = '\0';
    for (const char *const *kf = fam->key; *kf != NULL; kf++) {
        int fi = cs__csv_field(fam, *kf);
        const char *kv = strcmp(*kf, "@tenant") == 0 ? tenant
                         : fi >= 0 && r0->v[fi]      ? r0->v[fi]
                                                     : "";
        size_t used = strlen(key);
        snprintf(key + used, sizeof(key) - used, "%s%s", used ? "/" : "", kv);
    }

    gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    yajl_gen_map_open(gen);
    cs_json_kv_str(gen, "specversion", "1.0");
    cs_json_kv_str(gen, "id", id);
    cs_json_kv_str(gen, "source",
                   m->source ? m->source : "csv://cs-import-csv");
    cs_json_kv_str(gen, "type", fam->type);
    cs_json_kv_str(gen, "time", time);
    cs_json_kv_str(gen, "tenantid", tenant);
    cs_json_key(gen, "data");
    yajl_gen_map_open(gen);
    for (size_t i = 0; i < fam->n_fields; i++)
        if (!fam->fields[i].is_line && r0->v[i] != NULL)
            gen_value(gen, &fam->fields[i], r0->v[i]);
    if (has_lines) {
        cs_json_key(gen, "lines");
        yajl_gen_array_open(gen);
        for (size_t k = 0; k < g->n; k++) {
            const row *r = &c->rows[g->rows[k]];
            yajl_gen_map_open(gen);
            if (line_no >= 0 && r->v[line_no] == NULL)
                cs_json_kv_int(gen, "line_no", (long long)(k + 1));
            for (size_t i = 0; i < fam->n_fields; i++)
                if (fam->fields[i].is_line && r->v[i] != NULL)
                    gen_value(gen, &fam->fields[i], r->v[i]);
            yajl_gen_map_close(gen);
        }
        yajl_gen_array_close(gen);
    }
    yajl_gen_map_close(gen);
    yajl_gen_map_close(gen);
    yajl_gen_get_buf(gen, &buf, &len);

    /* the same checks cs-ingest applies, so nothing is sent that would
     * only be dead-lettered */
    if (cs_json_parse((const char *)buf, len, &cs_json_default_limits, &doc,
                      &e) != CS_OK ||
        cs_event_parse(cs_json_root(doc), fam->type, &ev, &e) != CS_OK ||
        cs_record_decode(cs_family_by_type(fam->type), ev.data, &rec, &e) !=
            CS_OK) {
        size_t li;
        const char *at = strstr(e.msg, "lines[");
        if (at != NULL && sscanf(at, "lines[%zu]", &li) == 1 && li < g->n) {
            row *bad = &c->rows[g->rows[li]];
            snprintf(msg, sizeof(msg), "%s", e.msg);
            bad->why = strdup(msg);
            snprintf(msg, sizeof(msg),
                     "not sent: line %zu of the same %s %s is rejected",
                     bad->line, fam->id, r0->v[idf]);
        } else {
            snprintf(msg, sizeof(msg), "%s", e.msg);
        }
        reject_group(c, g, msg);
        goto out;
    }
    {
        cs_csv_event out = {.type = fam->type,
                            .topic = fam->topic,
                            .key = key,
                            .json = (const char *)buf,
                            .json_len = len};
        char *copy = cs_strndup((const char *)buf, len);
        if (copy == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        out.json = copy;
        rc = c->on_event(c->ctx, &out, err);
        free(copy);
        if (rc == CS_OK && c->stats != NULL)
            c->stats->n_events++;
    }
out:
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
    yajl_gen_free(gen);
    return rc;
}

static void free_conv(conv *c)
{
    for (size_t i = 0; i < c->n_rows; i++) {
        row *r = &c->rows[i];
        for (size_t k = 0; k < CSV_MAX_FIELDS; k++)
            free(r->v[k]);
        free(r->raw);
        free(r->time);
        free(r->key);
        free(r->why);
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        free(c->groups[i].key);
        free(c->groups[i].rows);
    }
    free(c->rows);
    free(c->groups);
    free(c->slots);
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
}

cs_status cs_csv_convert(const char *buf, size_t len, const cs_csv_map *m,
                         const char *file_time, cs_csv_event_fn on_event,
                         cs_csv_reject_fn on_reject, void *ctx,
                         cs_csv_stats *stats, cs_err *err)
{
    conv c = {.m = m,
              .file_time = file_time,
              .on_event = on_event,
              .on_reject = on_reject,
              .ctx = ctx,
              .stats = stats,
              .cd = (iconv_t)-1,
              .time_col = -1};
    cs_csv_reader *rd = NULL;
    char **fields, msg[2 * CS_ERR_MSG_BYTES];
    size_t n_fields, line, raw_len;
    const char *raw;
    char **hdr = NULL;
    size_t n_hdr = 0;
    cs_status rc;
    cs_err e = {0};

    if (stats != NULL)
        memset(stats, 0, sizeof(*stats));
    if (m->encoding != NULL && strcasecmp(m->encoding, "UTF-8") != 0) {
        c.cd = iconv_open("UTF-8", m->encoding);
        if (c.cd == (iconv_t)-1)
            return cs_err_set(err, CS_E_CONFIG,
                              "encoding \"%s\" is not known to iconv",
                              m->encoding);
    }
    rc = cs_csv_reader_new(buf, len, m->delim, &rd, err);
    if (rc != CS_OK)
        goto out;
    rc = cs_csv_reader_next(rd, &fields, &n_fields, &line, &raw, &raw_len, &e);
    if (rc != CS_OK) {
        reject(&c, 1, "", 0,
               rc == CS_E_NOT_FOUND ? "the file has no header row" : e.msg);
        rc = CS_OK;
        goto out;
    }
    c.n_header = n_fields;
    n_hdr = n_fields;
    /* header names in the file's encoding, compared as UTF-8 */
    hdr = calloc(n_fields, sizeof(*hdr));
    if (hdr == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n_fields; k++) {
        char why[CS_ERR_MSG_BYTES];
        hdr[k] = to_utf8(&c, fields[k], why, sizeof(why));
        if (hdr[k] == NULL) {
            snprintf(msg, sizeof(msg), "header field %zu: %s", k + 1, why);
            reject(&c, line, raw, raw_len, msg);
            goto out;
        }
        fields[k] = trim(hdr[k]);
    }
    for (size_t i = 0; i < m->fam->n_fields; i++) {
        c.col[i] = -1;
        if (m->column[i] == NULL)
            continue;
        for (size_t k = 0; k < n_fields; k++)
            if (strcmp(fields[k], m->column[i]) == 0)
                c.col[i] = (int)k;
        if (c.col[i] < 0) {
            snprintf(msg, sizeof(msg),
                     "missing column \"%s\" (mapped to %s): the file is not "
                     "read",
                     m->column[i], m->fam->fields[i].name);
            reject(&c, line, raw, raw_len, msg);
            goto out;
        }
    }
    if (m->time_column != NULL) {
        for (size_t k = 0; k < n_fields; k++)
            if (strcmp(fields[k], m->time_column) == 0)
                c.time_col = (int)k;
        if (c.time_col < 0) {
            snprintf(msg, sizeof(msg),
                     "missing column \"%s\" (mapped to time): the file is "
                     "not read",
                     m->time_column);
            reject(&c, line, raw, raw_len, msg);
            goto out;
        }
    }
    for (;;) {
        row *r = NULL;
        size_t gi;
        cs_status st = cs_csv_reader_next(rd, &fields, &n_fields, &line, &raw,
                                          &raw_len, &e);
        if (st == CS_E_NOT_FOUND)
            break;
        if (st == CS_E_NOMEM) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        if (stats != NULL)
            stats->n_rows++;
        rc = add_row(&c, &r, err);
        if (rc != CS_OK)
            goto out;
        r->line = line;
        r->raw = cs_strndup(raw, raw_len);
        r->raw_len = r->raw != NULL ? raw_len : 0;
        if (st != CS_OK)
            r->why = strdup(e.msg); /* reported in file order, below */
        else
            fill_row(&c, r, fields, n_fields);
        if (m->fam->id != NULL && r->key != NULL) {
            rc = group_of(&c, r->key, &gi, err);
            if (rc == CS_OK)
                rc = group_add(&c.groups[gi], c.n_rows - 1, err);
        } else {
            /* flat rows, or a row whose key cannot be read: alone */
            char solo[32];
            snprintf(solo, sizeof(solo), "\x02%zu", c.n_rows);
            rc = group_of(&c, solo, &gi, err);
            if (rc == CS_OK)
                rc = group_add(&c.groups[gi], c.n_rows - 1, err);
        }
        if (rc != CS_OK)
            goto out;
    }
    for (size_t i = 0; i < c.n_groups; i++) {
        rc = emit_group(&c, &c.groups[i], err);
        if (rc != CS_OK)
            goto out;
    }
    rc = CS_OK;
out:
    for (size_t k = 0; k < n_hdr && hdr != NULL; k++)
        free(hdr[k]);
    free(hdr);
    cs_csv_reader_free(rd);
    free_conv(&c);
    if (rc == CS_OK && c.has_reject) {
        *err = c.first;
        rc = CS_E_INVALID;
    }
    return rc;
}
