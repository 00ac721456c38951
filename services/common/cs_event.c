/* cs_event.c - CloudEvents envelope checks and the order decoder. */
#include "cs_event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_str.h"
#include "cs_time.h"

#define CS_QTY_MAX 1e15 /* fits numeric(24,6) with room to spare */

/* A required (or optional) string member; *out is NULL when optional and
 * absent. max_bytes of 0 means no limit beyond the document's. */
static cs_status get_str(const cs_jval *obj, const char *path, const char *key,
                         bool required, size_t max_bytes, const char **out,
                         cs_err *err)
{
    const cs_jval *v = cs_json_get(obj, key);

    *out = NULL;
    if (v == NULL || v->type == CS_J_NULL) {
        if (required)
            return cs_err_set(err, CS_E_INVALID, "%s%s: required", path, key);
        return CS_OK;
    }
    if (v->type != CS_J_STRING)
        return cs_err_set(err, CS_E_INVALID, "%s%s: must be a string, got %s",
                          path, key, cs_jtype_name(v->type));
    if (v->len == 0)
        return cs_err_set(err, CS_E_INVALID, "%s%s: must not be empty", path,
                          key);
    if (max_bytes > 0 && v->len > max_bytes)
        return cs_err_set(err, CS_E_INVALID, "%s%s: longer than %zu bytes",
                          path, key, max_bytes);
    *out = v->text;
    return CS_OK;
}

/* A non-negative decimal given as a JSON number (or a numeric string,
 * which some ERPs send to keep precision). */
static cs_status get_amount(const cs_jval *obj, const char *path,
                            const char *key, bool required, const char **out,
                            cs_err *err)
{
    const cs_jval *v = cs_json_get(obj, key);
    char *end = NULL;
    double d;

    *out = NULL;
    if (v == NULL || v->type == CS_J_NULL) {
        if (required)
            return cs_err_set(err, CS_E_INVALID, "%s%s: required", path, key);
        return CS_OK;
    }
    if (v->type != CS_J_NUMBER && v->type != CS_J_STRING)
        return cs_err_set(err, CS_E_INVALID, "%s%s: must be a number, got %s",
                          path, key, cs_jtype_name(v->type));
    errno = 0;
    d = strtod(v->text, &end);
    if (v->len == 0 || end != v->text + v->len || errno == ERANGE ||
        !isfinite(d) || strpbrk(v->text, "xXnN") != NULL)
        return cs_err_set(err, CS_E_INVALID, "%s%s: \"%.32s\" is not a number",
                          path, key, v->text);
    if (d < 0 || v->text[0] == '-')
        return cs_err_set(err, CS_E_INVALID, "%s%s: must not be negative", path,
                          key);
    if (d >= CS_QTY_MAX)
        return cs_err_set(err, CS_E_INVALID, "%s%s: larger than 1e15", path,
                          key);
    *out = v->text;
    return CS_OK;
}

static cs_status check_tenant(const char *t, cs_err *err)
{
    for (const char *c = t; *c; c++) {
        bool ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
                  *c == '.';
        if (!ok)
            return cs_err_set(err, CS_E_INVALID,
                              "tenantid: only letters, digits, '-', '_' and "
                              "'.' are allowed");
    }
    return CS_OK;
}

cs_status cs_event_parse(const cs_jval *root, const char *expect_type,
                         cs_event *ev, cs_err *err)
{
    const char *spec;
    cs_status rc;

    memset(ev, 0, sizeof(*ev));
    if (root->type != CS_J_OBJECT)
        return cs_err_set(err, CS_E_INVALID,
                          "event must be a JSON object, got %s",
                          cs_jtype_name(root->type));
    if ((rc = get_str(root, "", "specversion", true, 16, &spec, err)) ||
        (rc = get_str(root, "", "id", true, CS_EVENT_ID_MAX_BYTES, &ev->id,
                      err)) ||
        (rc = get_str(root, "", "source", true, 512, &ev->source, err)) ||
        (rc = get_str(root, "", "type", true, 128, &ev->type, err)) ||
        (rc = get_str(root, "", "time", true, 64, &ev->time, err)) ||
        (rc = get_str(root, "", "tenantid", true, CS_EVENT_TENANT_MAX_BYTES,
                      &ev->tenant_id, err)))
        return rc;
    if (strcmp(spec, "1.0") != 0)
        return cs_err_set(err, CS_E_INVALID,
                          "specversion: \"%.16s\" is not supported, need "
                          "\"1.0\"",
                          spec);
    if (expect_type != NULL && strcmp(ev->type, expect_type) != 0)
        return cs_err_set(err, CS_E_INVALID,
                          "type: \"%.64s\" does not belong on this topic "
                          "(expected \"%s\")",
                          ev->type, expect_type);
    rc = cs_time_check_datetime(ev->time, strlen(ev->time), err);
    if (rc != CS_OK)
        return cs_err_wrap(err, "time");
    rc = check_tenant(ev->tenant_id, err);
    if (rc != CS_OK)
        return rc;
    ev->data = cs_json_get(root, "data");
    if (ev->data == NULL)
        return cs_err_set(err, CS_E_INVALID, "data: required");
    if (ev->data->type != CS_J_OBJECT)
        return cs_err_set(err, CS_E_INVALID, "data: must be an object, got %s",
                          cs_jtype_name(ev->data->type));
    return CS_OK;
}

static cs_status get_uscc(const cs_jval *obj, const char *path, const char *key,
                          const char **out, cs_err *err)
{
    cs_status rc = get_str(obj, path, key, true, 0, out, err);

    if (rc != CS_OK)
        return rc;
    rc = cs_uscc_validate(*out, strlen(*out), err);
    if (rc != CS_OK) {
        char where[64];
        snprintf(where, sizeof(where), "%s%s", path, key);
        return cs_err_wrap(err, where);
    }
    return CS_OK;
}

static cs_status decode_line(const cs_jval *lv, size_t i, cs_order_line *l,
                             cs_err *err)
{
    char path[48];
    const cs_jval *no;
    int64_t line_no;
    cs_err perr = {0};
    cs_status rc;

    snprintf(path, sizeof(path), "data.lines[%zu].", i);
    if (lv->type != CS_J_OBJECT)
        return cs_err_set(err, CS_E_INVALID,
                          "data.lines[%zu]: must be an "
                          "object",
                          i);
    no = cs_json_get(lv, "line_no");
    if (no == NULL || no->type != CS_J_NUMBER ||
        cs_parse_i64(no->text, 1, 1000000, &line_no, &perr) != CS_OK)
        return cs_err_set(err, CS_E_INVALID,
                          "%sline_no: required, an integer from 1 to "
                          "1000000",
                          path);
    l->line_no = line_no;
    if ((rc = get_str(lv, path, "sku", true, 128, &l->sku, err)) ||
        (rc = get_amount(lv, path, "quantity", true, &l->quantity, err)) ||
        (rc = get_str(lv, path, "unit", true, 16, &l->unit, err)) ||
        (rc = get_amount(lv, path, "unit_price", false, &l->unit_price, err)) ||
        (rc = get_str(lv, path, "requested_date", false, 64, &l->requested_date,
                      err)))
        return rc;
    if (l->requested_date != NULL) {
        rc = cs_time_check_date_or_datetime(l->requested_date,
                                            strlen(l->requested_date), err);
        if (rc != CS_OK) {
            char where[64];
            snprintf(where, sizeof(where), "%srequested_date", path);
            return cs_err_wrap(err, where);
        }
    }
    return CS_OK;
}

cs_status cs_order_decode(const cs_jval *data, cs_order *o, cs_err *err)
{
    const cs_jval *lines, *lv;
    cs_status rc;
    size_t i;

    memset(o, 0, sizeof(*o));
    if ((rc =
             get_str(data, "data.", "order_id", true, 64, &o->order_id, err)) ||
        (rc = get_uscc(data, "data.", "buyer", &o->buyer, err)) ||
        (rc = get_uscc(data, "data.", "supplier", &o->supplier, err)) ||
        (rc = get_str(data, "data.", "order_date", true, 64, &o->order_date,
                      err)) ||
        (rc = get_str(data, "data.", "currency", false, 3, &o->currency, err)))
        return rc;
    rc = cs_time_check_date_or_datetime(o->order_date, strlen(o->order_date),
                                        err);
    if (rc != CS_OK)
        return cs_err_wrap(err, "data.order_date");
    if (o->currency == NULL) {
        o->currency = "CNY";
    } else if (strlen(o->currency) != 3 || o->currency[0] < 'A' ||
               o->currency[0] > 'Z' || o->currency[1] < 'A' ||
               o->currency[1] > 'Z' || o->currency[2] < 'A' ||
               o->currency[2] > 'Z') {
        return cs_err_set(err, CS_E_INVALID,
                          "data.currency: must be an ISO 4217 code such as "
                          "\"CNY\"");
    }
    if (strcmp(o->buyer, o->supplier) == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "data.supplier: must differ from data.buyer");

    lines = cs_json_get(data, "lines");
    if (lines == NULL || lines->type != CS_J_ARRAY || lines->len == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "data.lines: required, a non-empty array");
    if (lines->len > CS_ORDER_MAX_LINES)
        return cs_err_set(err, CS_E_INVALID, "data.lines: more than %d lines",
                          CS_ORDER_MAX_LINES);
    o->lines = calloc(lines->len, sizeof(*o->lines));
    if (o->lines == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (lv = lines->child, i = 0; lv != NULL; lv = lv->next, i++) {
        rc = decode_line(lv, i, &o->lines[i], err);
        if (rc != CS_OK)
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (o->lines[j].line_no == o->lines[i].line_no) {
                rc = cs_err_set(err, CS_E_INVALID,
                                "data.lines[%zu].line_no: %lld repeats "
                                "data.lines[%zu]",
                                i, (long long)o->lines[i].line_no, j);
                goto fail;
            }
        }
        o->n_lines++;
    }
    return CS_OK;
fail:
    cs_order_clear(o);
    return rc;
}

void cs_order_clear(cs_order *o)
{
    if (o == NULL)
        return;
    free(o->lines);
    o->lines = NULL;
    o->n_lines = 0;
}
