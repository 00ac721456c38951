/* cs_family.c - field tables of every event family (docs/events.md) and
 * the one decoder that checks them. */
#include "cs_family.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_str.h"
#include "cs_time.h"

#define AMOUNT_MAX 1e15
#define PATH_BYTES 64

static const char *const channels[] = {
    "direct", "distributor", "retail", "online", "export", "other", NULL};
static const char *const response_statuses[] = {"accepted", "changed",
                                                "rejected", NULL};
static const char *const risk_kinds[] = {"flood",     "fire",     "power_cut",
                                         "logistics", "sanction", "financial",
                                         "quality",   "labour",   NULL};

/* Shorthands for the tables. */
#define REQ(n, k)                                                              \
    {                                                                          \
        n, k, true, 0, 0, NULL, NULL                                           \
    }
#define OPT(n, k)                                                              \
    {                                                                          \
        n, k, false, 0, 0, NULL, NULL                                          \
    }
#define TXT(n, req, max)                                                       \
    {                                                                          \
        n, CS_F_TEXT, req, 1, max, NULL, NULL                                  \
    }
#define INTR(n, req, lo, hi)                                                   \
    {                                                                          \
        n, CS_F_INT, req, lo, hi, NULL, NULL                                   \
    }

static const cs_field order_fields[] = {
    TXT("order_id", true, 64),
    REQ("buyer", CS_F_USCC),
    REQ("supplier", CS_F_USCC),
    REQ("order_date", CS_F_DATE_OR_TIME),
    {"currency", CS_F_CURRENCY, false, 0, 0, NULL, "CNY"},
};
static const cs_field order_lines[] = {
    INTR("line_no", true, 1, 1000000), TXT("sku", true, 128),
    REQ("quantity", CS_F_AMOUNT),      TXT("unit", true, 16),
    OPT("unit_price", CS_F_AMOUNT),    OPT("requested_date", CS_F_DATE_OR_TIME),
};

static const cs_field shipment_fields[] = {
    TXT("shipment_id", true, 64),
    REQ("supplier", CS_F_USCC),
    REQ("buyer", CS_F_USCC),
    TXT("order_id", false, 64),
    REQ("shipped_at", CS_F_DATE_OR_TIME),
    OPT("delivered_at", CS_F_DATE_OR_TIME),
};
static const cs_field shipment_lines[] = {
    INTR("line_no", true, 1, 1000000),
    INTR("order_line_no", false, 1, 1000000),
    TXT("sku", true, 128),
    REQ("quantity", CS_F_AMOUNT),
    TXT("unit", true, 16),
    TXT("batch", false, 64),
    TXT("lot", false, 64),
    OPT("identifier", CS_F_IDENT),
};

static const cs_field production_fields[] = {
    REQ("enterprise", CS_F_USCC), {"site", CS_F_TEXT, false, 1, 64, NULL, ""},
    TXT("sku", true, 128),        REQ("date", CS_F_DATE),
    REQ("output", CS_F_AMOUNT),   OPT("capacity", CS_F_AMOUNT),
    TXT("unit", true, 16),
};

static const cs_field sales_fields[] = {
    REQ("enterprise", CS_F_USCC),
    TXT("sku", true, 128),
    REQ("period_start", CS_F_DATE),
    REQ("period_end", CS_F_DATE),
    REQ("quantity", CS_F_AMOUNT),
    TXT("unit", true, 16),
    OPT("revenue", CS_F_AMOUNT),
    {"currency", CS_F_CURRENCY, false, 0, 0, NULL, "CNY"},
    {"channel", CS_F_ENUM, false, 0, 0, channels, "other"},
    OPT("region_code", CS_F_REGION),
};

static const cs_field inventory_fields[] = {
    REQ("enterprise", CS_F_USCC), {"site", CS_F_TEXT, false, 1, 64, NULL, ""},
    TXT("sku", true, 128),        REQ("as_of", CS_F_TIME),
    REQ("on_hand", CS_F_AMOUNT),  OPT("on_order", CS_F_AMOUNT),
    TXT("unit", true, 16),
};

static const cs_field enterprise_fields[] = {
    REQ("uscc", CS_F_USCC),
    TXT("name", true, 200),
    REQ("region_code", CS_F_REGION),
    REQ("industry_code", CS_F_INDUSTRY),
    OPT("lat", CS_F_LAT),
    OPT("lon", CS_F_LON),
    OPT("capacity", CS_F_AMOUNT),
    TXT("capacity_unit", false, 16),
};

static const cs_field product_fields[] = {
    TXT("sku", true, 128),         TXT("name", true, 200),
    TXT("category", false, 64),    TXT("unit", true, 16),
    OPT("identifier", CS_F_IDENT),
};

static const cs_field supply_link_fields[] = {
    REQ("supplier", CS_F_USCC),
    REQ("buyer", CS_F_USCC),
    TXT("sku", true, 128),
    REQ("share", CS_F_SHARE),
    INTR("lead_time_days", true, 0, 3650),
    {"active", CS_F_BOOL, false, 0, 0, NULL, "true"},
};

static const cs_field risk_event_fields[] = {
    TXT("risk_id", true, 64),
    {"kind", CS_F_ENUM, true, 0, 0, risk_kinds, NULL},
    INTR("severity", true, 1, 5),
    OPT("regions", CS_F_REGIONS),
    OPT("lat", CS_F_LAT),
    OPT("lon", CS_F_LON),
    OPT("radius_km", CS_F_POSITIVE),
    REQ("starts_at", CS_F_TIME),
    OPT("expected_end", CS_F_TIME),
    TXT("description", false, 2000),
};

static const cs_field order_response_fields[] = {
    TXT("order_id", true, 64),
    REQ("buyer", CS_F_USCC),
    REQ("supplier", CS_F_USCC),
    REQ("responded_at", CS_F_DATE_OR_TIME),
    {"status", CS_F_ENUM, true, 0, 0, response_statuses, NULL},
    TXT("status_code", false, 8),
    TXT("response_id", false, 64),
    OPT("order_date", CS_F_DATE_OR_TIME),
    {"currency", CS_F_CURRENCY, false, 0, 0, NULL, "CNY"},
};
static const cs_field order_response_lines[] = {
    INTR("line_no", true, 1, 1000000),
    TXT("sku", true, 128),
    REQ("quantity", CS_F_AMOUNT),
    TXT("unit", true, 16),
    OPT("unit_price", CS_F_AMOUNT),
    OPT("promised_date", CS_F_DATE_OR_TIME),
    {"status", CS_F_ENUM, false, 0, 0, response_statuses, NULL},
    TXT("status_code", false, 8),
};

static const cs_field invoice_fields[] = {
    TXT("invoice_id", true, 64),
    REQ("supplier", CS_F_USCC),
    REQ("buyer", CS_F_USCC),
    REQ("invoice_date", CS_F_DATE_OR_TIME),
    TXT("order_id", false, 64),
    OPT("order_date", CS_F_DATE_OR_TIME),
    {"currency", CS_F_CURRENCY, false, 0, 0, NULL, "CNY"},
    OPT("total_amount", CS_F_AMOUNT),
};
static const cs_field invoice_lines[] = {
    INTR("line_no", true, 1, 1000000), TXT("sku", true, 128),
    REQ("quantity", CS_F_AMOUNT),      TXT("unit", true, 16),
    OPT("unit_price", CS_F_AMOUNT),    OPT("amount", CS_F_AMOUNT),
};

static const cs_field demand_plan_fields[] = {
    REQ("buyer", CS_F_USCC),
    REQ("supplier", CS_F_USCC),
    TXT("sku", true, 128),
    REQ("period_start", CS_F_DATE),
    REQ("period_end", CS_F_DATE),
    REQ("quantity", CS_F_AMOUNT),
    TXT("unit", true, 16),
    {"firm", CS_F_BOOL, false, 0, 0, NULL, "false"},
    TXT("forecast_code", false, 8),
    TXT("schedule_type", false, 8),
    TXT("schedule_ref", false, 64),
    OPT("issued_date", CS_F_DATE),
};

/* Families whose events may carry no lines: an order response that only
 * accepts or rejects the whole order (X12 855 BAK without PO1). */
static const char *const lines_optional[] = {"cs.order_response.v1", NULL};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *val(const cs_family *f, const cs_row row, const char *name,
                       bool line)
{
    int i = cs_family_field(f, name, line);
    return i < 0 ? NULL : row[i];
}

static cs_status differ(const cs_family *f, const cs_record *r, const char *a,
                        const char *b, cs_err *err)
{
    const char *va = val(f, r->v, a, false), *vb = val(f, r->v, b, false);

    if (va != NULL && vb != NULL && strcmp(va, vb) == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "data.%s: must differ from "
                          "data.%s",
                          b, a);
    return CS_OK;
}

/* later >= earlier when both are present. */
static cs_status not_before(const cs_family *f, const cs_record *r,
                            const char *earlier, const char *later, cs_err *err)
{
    const char *e = val(f, r->v, earlier, false);
    const char *l = val(f, r->v, later, false);
    int64_t te, tl;

    if (e == NULL || l == NULL)
        return CS_OK;
    if (cs_time_to_unix_us(e, strlen(e), &te, err) != CS_OK ||
        cs_time_to_unix_us(l, strlen(l), &tl, err) != CS_OK)
        return CS_E_INVALID; /* already checked; cannot happen */
    if (tl < te)
        return cs_err_set(err, CS_E_INVALID, "data.%s: %s is before data.%s %s",
                          later, l, earlier, e);
    return CS_OK;
}

static cs_status check_order(const cs_family *f, const cs_record *r,
                             cs_err *err)
{
    return differ(f, r, "buyer", "supplier", err);
}

static cs_status check_shipment(const cs_family *f, const cs_record *r,
                                cs_err *err)
{
    cs_status rc = differ(f, r, "supplier", "buyer", err);
    return rc ? rc : not_before(f, r, "shipped_at", "delivered_at", err);
}

static cs_status check_sales(const cs_family *f, const cs_record *r,
                             cs_err *err)
{
    return not_before(f, r, "period_start", "period_end", err);
}

static cs_status check_demand_plan(const cs_family *f, const cs_record *r,
                                   cs_err *err)
{
    cs_status rc = differ(f, r, "buyer", "supplier", err);
    return rc ? rc : not_before(f, r, "period_start", "period_end", err);
}

static cs_status check_enterprise(const cs_family *f, const cs_record *r,
                                  cs_err *err)
{
    if ((val(f, r->v, "lat", false) == NULL) !=
        (val(f, r->v, "lon", false) == NULL))
        return cs_err_set(err, CS_E_INVALID,
                          "data.lat: give lat and lon together, or neither");
    return CS_OK;
}

static cs_status check_link(const cs_family *f, const cs_record *r, cs_err *err)
{
    return differ(f, r, "supplier", "buyer", err);
}

static cs_status check_risk(const cs_family *f, const cs_record *r, cs_err *err)
{
    bool has_lat = val(f, r->v, "lat", false) != NULL;
    bool has_lon = val(f, r->v, "lon", false) != NULL;
    bool has_radius = val(f, r->v, "radius_km", false) != NULL;
    bool has_point = has_lat && has_lon && has_radius;

    if ((has_lat || has_lon || has_radius) && !has_point)
        return cs_err_set(err, CS_E_INVALID,
                          "data.radius_km: a point needs lat, lon and "
                          "radius_km together");
    if (!has_point && val(f, r->v, "regions", false) == NULL)
        return cs_err_set(err, CS_E_INVALID,
                          "data.regions: give regions, or lat, lon and "
                          "radius_km");
    return not_before(f, r, "starts_at", "expected_end", err);
}

const cs_family cs_families[] = {
    {"cs.order.v1", "cs.orders", order_fields, N(order_fields), "lines",
     order_lines, N(order_lines), check_order},
    {"cs.shipment.v1", "cs.shipments", shipment_fields, N(shipment_fields),
     "lines", shipment_lines, N(shipment_lines), check_shipment},
    {"cs.production.v1", "cs.production", production_fields,
     N(production_fields), NULL, NULL, 0, NULL},
    {"cs.sales.v1", "cs.sales", sales_fields, N(sales_fields), NULL, NULL, 0,
     check_sales},
    {"cs.inventory.v1", "cs.inventory", inventory_fields, N(inventory_fields),
     NULL, NULL, 0, NULL},
    {"cs.enterprise.v1", "cs.master", enterprise_fields, N(enterprise_fields),
     NULL, NULL, 0, check_enterprise},
    {"cs.product.v1", "cs.master", product_fields, N(product_fields), NULL,
     NULL, 0, NULL},
    {"cs.supply_link.v1", "cs.master", supply_link_fields,
     N(supply_link_fields), NULL, NULL, 0, check_link},
    {"cs.risk_event.v1", "cs.risk_events", risk_event_fields,
     N(risk_event_fields), NULL, NULL, 0, check_risk},
    {"cs.order_response.v1", "cs.order_responses", order_response_fields,
     N(order_response_fields), "lines", order_response_lines,
     N(order_response_lines), check_order},
    {"cs.invoice.v1", "cs.invoices", invoice_fields, N(invoice_fields), "lines",
     invoice_lines, N(invoice_lines), check_link},
    {"cs.demand_plan.v1", "cs.demand_plans", demand_plan_fields,
     N(demand_plan_fields), NULL, NULL, 0, check_demand_plan},
};
const size_t cs_n_families = N(cs_families);

const cs_family *cs_family_by_type(const char *type)
{
    for (size_t i = 0; i < cs_n_families; i++)
        if (strcmp(cs_families[i].type, type) == 0)
            return &cs_families[i];
    return NULL;
}

bool cs_family_on_topic(const cs_family *f, const char *topic)
{
    return strcmp(f->topic, topic) == 0;
}

int cs_family_field(const cs_family *f, const char *name, bool line)
{
    const cs_field *fs = line ? f->line_fields : f->fields;
    size_t n = line ? f->n_line_fields : f->n_fields;

    for (size_t i = 0; i < n; i++)
        if (strcmp(fs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static char *own(cs_record *r, const char *s, size_t len)
{
    char *d;

    if (r->n_owned == r->cap_owned) {
        size_t cap = r->cap_owned ? r->cap_owned * 2 : 4;
        char **no = realloc(r->owned, cap * sizeof(*no));
        if (no == NULL)
            return NULL;
        r->owned = no;
        r->cap_owned = cap;
    }
    d = cs_strndup(s, len);
    if (d != NULL)
        r->owned[r->n_owned++] = d;
    return d;
}

static cs_status wrong_type(cs_err *err, const char *path, const char *want,
                            const cs_jval *v)
{
    return cs_err_set(err, CS_E_INVALID, "%s: must be %s, got %s", path, want,
                      cs_jtype_name(v->type));
}

/* A decimal given as a JSON number or numeric string; checks range. */
static cs_status decimal(const cs_jval *v, const char *path, double lo,
                         bool lo_open, double hi, const char **out, cs_err *err)
{
    char *end = NULL;
    double d;

    if (v->type != CS_J_NUMBER && v->type != CS_J_STRING)
        return wrong_type(err, path, "a number", v);
    errno = 0;
    d = strtod(v->text, &end);
    if (v->len == 0 || end != v->text + v->len || errno == ERANGE ||
        !isfinite(d) || strpbrk(v->text, "xXnNiI") != NULL)
        return cs_err_set(err, CS_E_INVALID, "%s: \"%.32s\" is not a number",
                          path, v->text);
    if (lo == 0 && !lo_open && (d < 0 || v->text[0] == '-'))
        return cs_err_set(err, CS_E_INVALID, "%s: must not be negative", path);
    if (d < lo || (lo_open && d <= lo))
        return cs_err_set(err, CS_E_INVALID, "%s: must be %s %g", path,
                          lo_open ? "greater than" : "at least", lo);
    if (d > hi || (hi == AMOUNT_MAX && d == hi))
        return cs_err_set(err, CS_E_INVALID, "%s: must be at most %g", path,
                          hi);
    *out = v->text;
    return CS_OK;
}

static cs_status ident(const char *s, const char *path, cs_err *err)
{
    const char *slash = strchr(s, '/');
    size_t prefix = slash ? (size_t)(slash - s) : 0;

    if (slash == NULL || prefix == 0 || slash[1] == '\0' ||
        strspn(s, "0123456789.") != prefix || s[0] == '.' ||
        s[prefix - 1] == '.' || strlen(s) > 256)
        return cs_err_set(err, CS_E_INVALID,
                          "%s: not an identifier PREFIX/SUFFIX such as "
                          "88.123.4567/BATCH-1",
                          path);
    return CS_OK;
}

static cs_status regions(cs_record *r, const cs_jval *v, const char *path,
                         const char **out, cs_err *err)
{
    char buf[8 * 64 + 3];
    size_t len = 0, i = 0;

    if (v->type != CS_J_ARRAY || v->len == 0 || v->len > 64)
        return cs_err_set(err, CS_E_INVALID,
                          "%s: must be an array of 1-64 region codes", path);
    buf[len++] = '{';
    for (const cs_jval *c = v->child; c != NULL; c = c->next, i++) {
        if (c->type != CS_J_STRING ||
            cs_region_validate(c->text, c->len, err) != CS_OK) {
            char where[PATH_BYTES + 8];
            if (c->type != CS_J_STRING)
                cs_err_set(err, CS_E_INVALID, "must be a string");
            snprintf(where, sizeof(where), "%s[%zu]", path, i);
            return cs_err_wrap(err, where);
        }
        if (i > 0)
            buf[len++] = ',';
        memcpy(buf + len, c->text, 6);
        len += 6;
    }
    buf[len++] = '}';
    *out = own(r, buf, len);
    return *out ? CS_OK : cs_err_set(err, CS_E_NOMEM, "out of memory");
}

/* prefix then name into path (PATH_BYTES), cut short like snprintf: this
 * runs for every field of every event, where snprintf was a tenth of
 * cs-ingest's CPU (perf, tests/bench/ingest). */
static void join_path(char *path, const char *prefix, const char *name)
{
    size_t lp = strlen(prefix), ln = strlen(name);

    if (lp > PATH_BYTES - 1)
        lp = PATH_BYTES - 1;
    if (ln > PATH_BYTES - 1 - lp)
        ln = PATH_BYTES - 1 - lp;
    memcpy(path, prefix, lp);
    memcpy(path + lp, name, ln);
    path[lp + ln] = '\0';
}

static cs_status decode_field(cs_record *r, const cs_field *fd,
                              const cs_jval *obj, const char *prefix,
                              const char **out, cs_err *err)
{
    const cs_jval *v = cs_json_get(obj, fd->name);
    char path[PATH_BYTES];
    cs_status rc = CS_OK;

    join_path(path, prefix, fd->name);
    *out = NULL;
    if (v == NULL || v->type == CS_J_NULL) {
        if (fd->required)
            return cs_err_set(err, CS_E_INVALID, "%s: required", path);
        *out = fd->dflt;
        return CS_OK;
    }
    switch (fd->kind) {
    case CS_F_AMOUNT:
        return decimal(v, path, 0, false, AMOUNT_MAX, out, err);
    case CS_F_POSITIVE:
        return decimal(v, path, 0, true, AMOUNT_MAX, out, err);
    case CS_F_SHARE:
        return decimal(v, path, 0, false, 1, out, err);
    case CS_F_LAT:
        return decimal(v, path, -90, false, 90, out, err);
    case CS_F_LON:
        return decimal(v, path, -180, false, 180, out, err);
    case CS_F_INT: {
        int64_t n;
        cs_err perr = {0};
        if (v->type != CS_J_NUMBER ||
            cs_parse_i64(v->text, fd->min, fd->max, &n, &perr) != CS_OK)
            return cs_err_set(err, CS_E_INVALID,
                              "%s: must be an integer from %lld to %lld", path,
                              (long long)fd->min, (long long)fd->max);
        *out = v->text;
        return CS_OK;
    }
    case CS_F_BOOL:
        if (v->type != CS_J_BOOL)
            return wrong_type(err, path, "true or false", v);
        *out = v->b ? "true" : "false";
        return CS_OK;
    case CS_F_REGIONS:
        return regions(r, v, path, out, err);
    default:
        break;
    }
    /* The remaining kinds are strings. */
    if (v->type != CS_J_STRING)
        return wrong_type(err, path, "a string", v);
    if (v->len == 0)
        return cs_err_set(err, CS_E_INVALID, "%s: must not be empty", path);
    switch (fd->kind) {
    case CS_F_TEXT:
        if ((int64_t)v->len > fd->max)
            rc = cs_err_set(err, CS_E_INVALID, "%s: longer than %lld bytes",
                            path, (long long)fd->max);
        break;
    case CS_F_USCC:
        rc = cs_uscc_validate(v->text, v->len, err);
        break;
    case CS_F_REGION:
        rc = cs_region_validate(v->text, v->len, err);
        break;
    case CS_F_INDUSTRY:
        rc = cs_industry_validate(v->text, v->len, err);
        break;
    case CS_F_DATE:
        rc = cs_time_check_date(v->text, v->len, err);
        break;
    case CS_F_TIME:
        rc = cs_time_check_datetime(v->text, v->len, err);
        break;
    case CS_F_DATE_OR_TIME:
        rc = cs_time_check_date_or_datetime(v->text, v->len, err);
        break;
    case CS_F_CURRENCY:
        if (v->len != 3 || strspn(v->text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
            return cs_err_set(err, CS_E_INVALID,
                              "%s: must be an ISO 4217 code such as \"CNY\"",
                              path);
        break;
    case CS_F_ENUM:
        for (const char *const *c = fd->choices; *c != NULL; c++) {
            if (strcmp(*c, v->text) == 0) {
                *out = v->text;
                return CS_OK;
            }
        }
        return cs_err_set(err, CS_E_INVALID,
                          "%s: \"%.32s\" is not one of "
                          "the allowed values (see docs/events.md)",
                          path, v->text);
    case CS_F_IDENT:
        rc = ident(v->text, path, err);
        if (rc != CS_OK)
            return rc;
        break;
    default:
        return cs_err_set(err, CS_E_INTERNAL, "%s: unknown field kind", path);
    }
    if (rc != CS_OK)
        return cs_err_wrap(err, path);
    *out = v->text;
    return CS_OK;
}

static cs_status decode_lines(const cs_family *f, const cs_jval *data,
                              cs_record *r, cs_err *err)
{
    const cs_jval *lines = cs_json_get(data, f->lines_key);
    int no = cs_family_field(f, "line_no", true);
    size_t i = 0;
    bool optional = false;

    for (const char *const *t = lines_optional; *t != NULL; t++)
        optional = optional || strcmp(*t, f->type) == 0;
    if (optional && (lines == NULL || lines->type == CS_J_NULL ||
                     (lines->type == CS_J_ARRAY && lines->len == 0)))
        return CS_OK;
    if (optional && (lines->type != CS_J_ARRAY))
        return cs_err_set(err, CS_E_INVALID, "data.%s: must be an array",
                          f->lines_key);
    if (lines == NULL || lines->type != CS_J_ARRAY || lines->len == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "data.%s: required, a non-empty array", f->lines_key);
    if (lines->len > CS_FAMILY_MAX_LINES)
        return cs_err_set(err, CS_E_INVALID, "data.%s: more than %d lines",
                          f->lines_key, CS_FAMILY_MAX_LINES);
    r->line = calloc(lines->len, sizeof(*r->line));
    if (r->line == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (const cs_jval *lv = lines->child; lv != NULL; lv = lv->next, i++) {
        char prefix[PATH_BYTES];
        snprintf(prefix, sizeof(prefix), "data.%s[%zu].", f->lines_key, i);
        if (lv->type != CS_J_OBJECT)
            return cs_err_set(err, CS_E_INVALID,
                              "data.%s[%zu]: must be an object", f->lines_key,
                              i);
        for (size_t k = 0; k < f->n_line_fields; k++) {
            cs_status rc = decode_field(r, &f->line_fields[k], lv, prefix,
                                        &r->line[i][k], err);
            if (rc != CS_OK)
                return rc;
        }
        r->n_lines++;
        for (size_t j = 0; no >= 0 && j < i; j++)
            if (strcmp(r->line[j][no], r->line[i][no]) == 0)
                return cs_err_set(err, CS_E_INVALID,
                                  "data.%s[%zu].line_no: %s repeats "
                                  "data.%s[%zu]",
                                  f->lines_key, i, r->line[i][no], f->lines_key,
                                  j);
    }
    return CS_OK;
}

cs_status cs_record_decode(const cs_family *f, const cs_jval *data,
                           cs_record *r, cs_err *err)
{
    cs_status rc;

    if (data == NULL || data->type != CS_J_OBJECT)
        return cs_err_set(err, CS_E_INVALID, "data: must be an object");
    for (size_t k = 0; k < f->n_fields; k++) {
        rc = decode_field(r, &f->fields[k], data, "data.", &r->v[k], err);
        if (rc != CS_OK)
            return rc;
    }
    if (f->lines_key != NULL) {
        rc = decode_lines(f, data, r, err);
        if (rc != CS_OK)
            return rc;
    }
    return f->check != NULL ? f->check(f, r, err) : CS_OK;
}

void cs_record_clear(cs_record *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_owned; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->line);
    memset(r, 0, sizeof(*r));
}
