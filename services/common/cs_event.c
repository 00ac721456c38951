/* cs_event.c - CloudEvents envelope checks and the order decoder. */
#include "cs_event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_family.h"
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

/* The typed view of a cs.order.v1 record, on top of the generic decoder
 * (cs_family.c), so the order rules live in one table. */
cs_status cs_order_decode(const cs_jval *data, cs_order *o, cs_err *err)
{
    const cs_family *f = cs_family_by_type("cs.order.v1");
    cs_record r = {0};
    cs_status rc;

    memset(o, 0, sizeof(*o));
    rc = cs_record_decode(f, data, &r, err);
    if (rc != CS_OK)
        goto out;
    /* Strings are borrowed from the document (or static defaults); the
     * record owns none for this family. */
    o->order_id = r.v[cs_family_field(f, "order_id", false)];
    o->buyer = r.v[cs_family_field(f, "buyer", false)];
    o->supplier = r.v[cs_family_field(f, "supplier", false)];
    o->order_date = r.v[cs_family_field(f, "order_date", false)];
    o->currency = r.v[cs_family_field(f, "currency", false)];
    o->lines = calloc(r.n_lines, sizeof(*o->lines));
    if (o->lines == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r.n_lines; i++) {
        cs_order_line *l = &o->lines[i];
        const char *const *v = r.line[i];
        l->line_no = strtoll(v[cs_family_field(f, "line_no", true)], NULL, 10);
        l->sku = v[cs_family_field(f, "sku", true)];
        l->quantity = v[cs_family_field(f, "quantity", true)];
        l->unit = v[cs_family_field(f, "unit", true)];
        l->unit_price = v[cs_family_field(f, "unit_price", true)];
        l->requested_date = v[cs_family_field(f, "requested_date", true)];
    }
    o->n_lines = r.n_lines;
out:
    if (rc != CS_OK)
        cs_order_clear(o);
    cs_record_clear(&r);
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
