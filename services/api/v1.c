/* v1.c - the /v1 read handlers. Each runs inside the transaction that
 * api_begin opened with the principal set, so row-level security decides
 * which rows exist: a row outside the caller's scope is simply not found
 * (404), never "forbidden", which would confirm that it exists. */
#include "api_int.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_json.h"
#include "cs_str.h"

#define ORDER_ID_MAX_BYTES   64
#define IDENTIFIER_MAX_BYTES 200
#define NAME_QUERY_MAX_BYTES 100
#define PAGE_DEFAULT         50
#define PAGE_MAX             1000 /* a province's map in one or two pages */
#define CURSOR_MAX_BYTES     64

/* Well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF): PostgreSQL would refuse anything else. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* 1..max bytes of UTF-8, no control characters (and no '/' unless
 * allowed). */
static bool valid_text(const char *s, size_t max, bool slash_ok)
{
    size_t n = strlen(s);

    if (n == 0 || n > max || !valid_utf8((const unsigned char *)s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (c == '/' && !slash_ok))
            return false;
    }
    return true;
}

static void gen_col_number(yajl_gen g, const char *key, const PGresult *res,
                           int row, int col)
{
    cs_json_key(g, key);
    if (PQgetisnull(res, row, col))
        yajl_gen_null(g);
    else
        yajl_gen_number(g, PQgetvalue(res, row, col),
                        (size_t)PQgetlength(res, row, col));
}

static void gen_col_str(yajl_gen g, const char *key, const PGresult *res,
                        int row, int col)
{
    cs_json_kv_str(
        g, key, PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col));
}

void api_get_order(api_req *r, const char *id)
{
    const char *tenant = cs_http_query(r->http, "tenant");
    const char *params[3];
    PGresult *hdr = NULL, *lines = NULL;
    yajl_gen g = NULL;
    cs_err err = {0};

    if (!valid_text(id, ORDER_ID_MAX_BYTES, false)) {
        cs_http_error(r->resp, 400, "invalid", "id",
                      "order id must be 1-%d bytes of UTF-8 without '/' or "
                      "control characters",
                      ORDER_ID_MAX_BYTES);
        return;
    }
    if (tenant != NULL && !valid_text(tenant, 64, false)) {
        cs_http_error(r->resp, 400, "invalid", "tenant",
                      "tenant must be 1-64 bytes of UTF-8 without control "
                      "characters");
        return;
    }
    params[0] = id;
    params[1] = tenant;
    if (cs_pg_run(r->db, "order_header", 2, params, &hdr, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }
    if (PQntuples(hdr) == 0) {
        cs_http_error(r->resp, 404, "not_found", "id", "no order with id %s",
                      id);
        goto out;
    }
    if (PQntuples(hdr) > 1) {
        cs_http_error(r->resp, 409, "ambiguous", "tenant",
                      "order id %s exists for several tenants; add "
                      "?tenant=ID",
                      id);
        goto out;
    }
    params[0] = PQgetvalue(hdr, 0, 0);
    params[1] = PQgetvalue(hdr, 0, 1);
    params[2] = PQgetvalue(hdr, 0, 11);
    if (cs_pg_run(r->db, "order_lines", 3, params, &lines, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }

    g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "tenant_id", PQgetvalue(hdr, 0, 0));
    cs_json_kv_str(g, "order_id", PQgetvalue(hdr, 0, 1));
    cs_json_kv_str(g, "buyer", PQgetvalue(hdr, 0, 2));
    cs_json_kv_str(g, "supplier", PQgetvalue(hdr, 0, 3));
    cs_json_kv_str(g, "order_time", PQgetvalue(hdr, 0, 4));
    cs_json_kv_str(g, "currency", PQgetvalue(hdr, 0, 5));
    cs_json_kv_raw_number(g, "n_lines", PQgetvalue(hdr, 0, 6));
    cs_json_kv_str(g, "event_id", PQgetvalue(hdr, 0, 7));
    cs_json_kv_str(g, "event_time", PQgetvalue(hdr, 0, 8));
    cs_json_kv_str(g, "source", PQgetvalue(hdr, 0, 9));
    cs_json_kv_str(g, "updated_at", PQgetvalue(hdr, 0, 10));
    cs_json_key(g, "lines");
    yajl_gen_array_open(g);
    for (int i = 0; i < PQntuples(lines); i++) {
        yajl_gen_map_open(g);
        cs_json_kv_raw_number(g, "line_no", PQgetvalue(lines, i, 0));
        cs_json_kv_str(g, "sku", PQgetvalue(lines, i, 1));
        gen_col_number(g, "quantity", lines, i, 2);
        cs_json_kv_str(g, "unit", PQgetvalue(lines, i, 3));
        gen_col_number(g, "unit_price", lines, i, 4);
        gen_col_str(g, "requested_time", lines, i, 5);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 200, g);
out:
    if (g != NULL) /* yajl_gen_free does not accept NULL */
        yajl_gen_free(g);
    PQclear(hdr);
    PQclear(lines);
}

/* One enterprise row of ENTERPRISE_COLS (api_sql.c) as an object. */
static void gen_enterprise(yajl_gen g, const PGresult *res, int i)
{
    yajl_gen_map_open(g);
    gen_col_str(g, "uscc", res, i, 0);
    gen_col_str(g, "name", res, i, 1);
    gen_col_str(g, "region_code", res, i, 2);
    gen_col_str(g, "industry_code", res, i, 3);
    gen_col_number(g, "lat", res, i, 4);
    gen_col_number(g, "lon", res, i, 5);
    gen_col_number(g, "capacity", res, i, 6);
    gen_col_str(g, "capacity_unit", res, i, 7);
    gen_col_str(g, "updated_at", res, i, 8);
    if (PQnfields(res) > 10) { /* the current risk score, when joined */
        gen_col_number(g, "score", res, i, 9);
        gen_col_str(g, "level", res, i, 10);
    }
    if (PQnfields(res) > 11) /* the score's criticality component */
        gen_col_number(g, "criticality", res, i, 11);
    yajl_gen_map_close(g);
}

/* Copies s into out (out_bytes) with LIKE's wildcards and escape
 * character escaped; false when it does not fit. */
static bool like_escape(const char *s, char *out, size_t out_bytes)
{
    size_t o = 0;

    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '%' || *s == '_') {
            if (o + 1 >= out_bytes)
                return false;
            out[o++] = '\\';
        }
        if (o + 1 >= out_bytes)
            return false;
        out[o++] = *s;
    }
    out[o] = '\0';
    return true;
}

/* The cursor is the last credit code of the previous page, base64url:
 * opaque to clients, checked on the way back in. */
static bool cursor_decode(const char *text, char *uscc_out, size_t out_bytes)
{
    unsigned char raw[CURSOR_MAX_BYTES];
    size_t n = 0;
    cs_err err = {0};

    if (strlen(text) > CURSOR_MAX_BYTES ||
        sodium_base642bin(raw, sizeof(raw), text, strlen(text), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != CS_USCC_LEN || n + 1 > out_bytes)
        return false;
    memcpy(uscc_out, raw, n);
    uscc_out[n] = '\0';
    return cs_uscc_validate(uscc_out, n, &err) == CS_OK;
}

void api_list_enterprises(api_req *r, const char *rest)
{
    const char *region = cs_http_query(r->http, "region");
    const char *industry = cs_http_query(r->http, "industry");
    const char *name = cs_http_query(r->http, "name");
    const char *limit_s = cs_http_query(r->http, "limit");
    const char *cursor = cs_http_query(r->http, "cursor");
    static const char *const known[] = {"region", "industry", "name",   "q",
                                        "level",  "limit",    "cursor", NULL};
    const char *level = NULL;
    char name_like[2 * NAME_QUERY_MAX_BYTES + 1];
    char after[CS_USCC_LEN + 1], limit_txt[16];
    char next[2 * CS_USCC_LEN + 8];
    const char *params[6];
    int64_t limit = PAGE_DEFAULT;
    PGresult *res = NULL;
    yajl_gen g = NULL;
    cs_err err = {0};
    int n;

    (void)rest;
    if (!api_params_known(r, known) ||
        !api_param_enum(r, "level", api_levels, &level))
        return;
    if (name != NULL && cs_http_query(r->http, "q") != NULL) {
        cs_http_error(r->resp, 400, "invalid", "q",
                      "q and name are the same filter; give one");
        return;
    }
    if (name == NULL)
        name = cs_http_query(r->http, "q");
    if (region != NULL &&
        cs_region_validate(region, strlen(region), &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "region",
                      "region must be a GB/T 2260 code: %s", err.msg);
        return;
    }
    if (industry != NULL &&
        cs_industry_validate(industry, strlen(industry), &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "industry",
                      "industry must be a GB/T 4754 code: %s", err.msg);
        return;
    }
    if (name != NULL && (!valid_text(name, NAME_QUERY_MAX_BYTES, true) ||
                         !like_escape(name, name_like, sizeof(name_like)))) {
        cs_http_error(r->resp, 400, "invalid", "name",
                      "name must be 1-%d bytes of UTF-8 without control "
                      "characters",
                      NAME_QUERY_MAX_BYTES);
        return;
    }
    if (limit_s != NULL &&
        cs_parse_i64(limit_s, 1, PAGE_MAX, &limit, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "limit",
                      "limit must be an integer from 1 to %d", PAGE_MAX);
        return;
    }
    if (cursor != NULL && !cursor_decode(cursor, after, sizeof(after))) {
        cs_http_error(r->resp, 400, "invalid", "cursor",
                      "cursor is not one this API returned");
        return;
    }
    (void)snprintf(limit_txt, sizeof(limit_txt), "%d", (int)limit + 1);
    params[0] = region;
    params[1] = industry;
    params[2] = name != NULL ? name_like : NULL;
    params[3] = cursor != NULL ? after : NULL;
    params[4] = limit_txt;
    params[5] = level;
    if (cs_pg_run(r->db, "enterprise_list", 6, params, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }
    n = PQntuples(res);
    g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    cs_json_key(g, "items");
    yajl_gen_array_open(g);
    for (int i = 0; i < n && i < limit; i++)
        gen_enterprise(g, res, i);
    yajl_gen_array_close(g);
    if (n > limit) {
        const char *last = PQgetvalue(res, (int)limit - 1, 0);
        sodium_bin2base64(next, sizeof(next), (const unsigned char *)last,
                          strlen(last),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        cs_json_kv_str(g, "next_cursor", next);
    } else {
        cs_json_kv_str(g, "next_cursor", NULL);
    }
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 200, g);
out:
    if (g != NULL)
        yajl_gen_free(g);
    PQclear(res);
}

void api_get_enterprise(api_req *r, const char *rest)
{
    static const char *const none[] = {NULL};
    char uscc[CS_USCC_LEN + 1];
    const char *sub = strchr(rest, '/');
    const char *params[1] = {uscc};
    PGresult *res = NULL;
    yajl_gen g = NULL;
    cs_err err = {0};

    /* /v1/enterprises/{uscc}/{risk,suppliers,customers,alternatives} */
    if (sub != NULL) {
        api_enterprise_sub(r, rest, (size_t)(sub - rest), sub + 1);
        return;
    }
    if (!api_params_known(r, none))
        return;
    if (strlen(rest) != CS_USCC_LEN) {
        cs_http_error(r->resp, 400, "invalid", "uscc",
                      "not a unified social credit code: it has %zu "
                      "characters, not %d",
                      strlen(rest), CS_USCC_LEN);
        return;
    }
    memcpy(uscc, rest, CS_USCC_LEN + 1);
    if (cs_uscc_validate(uscc, strlen(uscc), &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "uscc",
                      "not a unified social credit code: %s", err.msg);
        return;
    }
    if (cs_pg_run(r->db, "enterprise_one", 1, params, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }
    if (PQntuples(res) == 0) {
        cs_http_error(r->resp, 404, "not_found", "uscc",
                      "no enterprise %s in your scope", uscc);
        goto out;
    }
    g = yajl_gen_alloc(NULL);
    gen_enterprise(g, res, 0);
    api_reply_gen(r->resp, 200, g);
out:
    if (g != NULL)
        yajl_gen_free(g);
    PQclear(res);
}

typedef struct resolve_part {
    const char *stmt;
    const char *key;
    PGresult *res;
} resolve_part;

static void gen_product(yajl_gen g, const PGresult *res, int i)
{
    yajl_gen_map_open(g);
    gen_col_str(g, "tenant_id", res, i, 0);
    gen_col_str(g, "sku", res, i, 1);
    gen_col_str(g, "name", res, i, 2);
    gen_col_str(g, "category", res, i, 3);
    gen_col_str(g, "unit", res, i, 4);
    gen_col_str(g, "identifier", res, i, 5);
    gen_col_str(g, "updated_at", res, i, 6);
    yajl_gen_map_close(g);
}

static void gen_line(yajl_gen g, const PGresult *res, int i)
{
    yajl_gen_map_open(g);
    gen_col_str(g, "tenant_id", res, i, 0);
    gen_col_str(g, "shipment_id", res, i, 1);
    gen_col_number(g, "line_no", res, i, 2);
    gen_col_str(g, "shipped_at", res, i, 3);
    gen_col_str(g, "supplier", res, i, 4);
    gen_col_str(g, "buyer", res, i, 5);
    gen_col_str(g, "order_id", res, i, 6);
    gen_col_number(g, "order_line_no", res, i, 7);
    gen_col_str(g, "sku", res, i, 8);
    gen_col_number(g, "quantity", res, i, 9);
    gen_col_str(g, "unit", res, i, 10);
    gen_col_str(g, "batch", res, i, 11);
    gen_col_str(g, "lot", res, i, 12);
    yajl_gen_map_close(g);
}

static void gen_shipment(yajl_gen g, const PGresult *res, int i)
{
    yajl_gen_map_open(g);
    gen_col_str(g, "tenant_id", res, i, 0);
    gen_col_str(g, "shipment_id", res, i, 1);
    gen_col_str(g, "supplier", res, i, 2);
    gen_col_str(g, "buyer", res, i, 3);
    gen_col_str(g, "order_id", res, i, 4);
    gen_col_str(g, "shipped_at", res, i, 5);
    gen_col_str(g, "delivered_at", res, i, 6);
    gen_col_number(g, "n_lines", res, i, 7);
    yajl_gen_map_close(g);
}

static void gen_order_header(yajl_gen g, const PGresult *res, int i)
{
    yajl_gen_map_open(g);
    gen_col_str(g, "tenant_id", res, i, 0);
    gen_col_str(g, "order_id", res, i, 1);
    gen_col_str(g, "buyer", res, i, 2);
    gen_col_str(g, "supplier", res, i, 3);
    gen_col_str(g, "order_time", res, i, 4);
    gen_col_str(g, "currency", res, i, 5);
    gen_col_number(g, "n_lines", res, i, 6);
    yajl_gen_map_close(g);
}

void api_resolve(api_req *r, const char *identifier)
{
    resolve_part parts[] = {
        {"resolve_products", "products", NULL},
        {"resolve_lines", "shipment_lines", NULL},
        {"resolve_suppliers", "suppliers", NULL},
        {"resolve_shipments", "shipments", NULL},
        {"resolve_orders", "orders", NULL},
    };
    void (*gen[])(yajl_gen, const PGresult *, int) = {
        gen_product, gen_line, gen_enterprise, gen_shipment, gen_order_header,
    };
    const size_t n_parts = sizeof(parts) / sizeof(parts[0]);
    const char *params[1] = {identifier};
    yajl_gen g = NULL;
    cs_err err = {0};

    if (!valid_text(identifier, IDENTIFIER_MAX_BYTES, true)) {
        cs_http_error(r->resp, 400, "invalid", "identifier",
                      "identifier must be 1-%d bytes of UTF-8 without "
                      "control characters",
                      IDENTIFIER_MAX_BYTES);
        return;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (cs_pg_run(r->db, parts[i].stmt, 1, params, &parts[i].res, &err) !=
            CS_OK) {
            api_db_failure(r, &err);
            goto out;
        }
    }
    if (PQntuples(parts[0].res) == 0 && PQntuples(parts[1].res) == 0) {
        cs_http_error(r->resp, 404, "not_found", "identifier",
                      "identifier %s resolves to nothing in your scope",
                      identifier);
        goto out;
    }
    g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "identifier", identifier);
    for (size_t i = 0; i < n_parts; i++) {
        cs_json_key(g, parts[i].key);
        yajl_gen_array_open(g);
        for (int row = 0; row < PQntuples(parts[i].res); row++)
            gen[i](g, parts[i].res, row);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 200, g);
out:
    if (g != NULL)
        yajl_gen_free(g);
    for (size_t i = 0; i < n_parts; i++)
        PQclear(parts[i].res);
}

bool api_valid_text(const char *s, size_t max, bool slash_ok)
{
    return valid_text(s, max, slash_ok);
}
