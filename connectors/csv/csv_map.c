/* csv_map.c - the mapping file of cs-import-csv and the field tables of
 * the families it can write (docs/connectors.md lists both). */
#include "csv_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_str.h"
#include "cs_time.h"

static const csv_field order_fields[] = {
    {"order_id", CSV_TEXT, false, true, 64},
    {"buyer", CSV_USCC, false, true, 18},
    {"supplier", CSV_USCC, false, true, 18},
    {"order_date", CSV_DATE_OR_DATETIME, false, true, 0},
    {"currency", CSV_CURRENCY, false, false, 3},
    {"line_no", CSV_INT, true, false, 0},
    {"sku", CSV_TEXT, true, true, 128},
    {"quantity", CSV_DECIMAL, true, true, 0},
    {"unit", CSV_UNIT, true, true, 16},
    {"unit_price", CSV_DECIMAL, true, false, 0},
    {"requested_date", CSV_DATE_OR_DATETIME, true, false, 0},
};

static const csv_field shipment_fields[] = {
    {"shipment_id", CSV_TEXT, false, true, 64},
    {"supplier", CSV_USCC, false, true, 18},
    {"buyer", CSV_USCC, false, true, 18},
    {"order_id", CSV_TEXT, false, false, 64},
    {"shipped_at", CSV_DATE_OR_DATETIME, false, true, 0},
    {"delivered_at", CSV_DATE_OR_DATETIME, false, false, 0},
    {"line_no", CSV_INT, true, false, 0},
    {"order_line_no", CSV_INT, true, false, 0},
    {"sku", CSV_TEXT, true, true, 128},
    {"quantity", CSV_DECIMAL, true, true, 0},
    {"unit", CSV_UNIT, true, true, 16},
    {"batch", CSV_TEXT, true, false, 64},
    {"lot", CSV_TEXT, true, false, 64},
    {"identifier", CSV_TEXT, true, false, 256},
};

static const csv_field production_fields[] = {
    {"enterprise", CSV_USCC, false, true, 18},
    {"site", CSV_TEXT, false, false, 64},
    {"sku", CSV_TEXT, false, true, 128},
    {"date", CSV_DATE, false, true, 0},
    {"output", CSV_DECIMAL, false, true, 0},
    {"capacity", CSV_DECIMAL, false, false, 0},
    {"unit", CSV_UNIT, false, true, 16},
};

static const csv_field sales_fields[] = {
    {"enterprise", CSV_USCC, false, true, 18},
    {"sku", CSV_TEXT, false, true, 128},
    {"period_start", CSV_DATE, false, true, 0},
    {"period_end", CSV_DATE, false, true, 0},
    {"quantity", CSV_DECIMAL, false, true, 0},
    {"unit", CSV_UNIT, false, true, 16},
    {"revenue", CSV_DECIMAL, false, false, 0},
    {"currency", CSV_CURRENCY, false, false, 3},
    {"channel", CSV_TEXT, false, false, 16},
    {"region_code", CSV_TEXT, false, false, 6},
};

static const csv_field inventory_fields[] = {
    {"enterprise", CSV_USCC, false, true, 18},
    {"site", CSV_TEXT, false, false, 64},
    {"sku", CSV_TEXT, false, true, 128},
    {"as_of", CSV_DATETIME, false, true, 0},
    {"on_hand", CSV_DECIMAL, false, true, 0},
    {"on_order", CSV_DECIMAL, false, false, 0},
    {"unit", CSV_UNIT, false, true, 16},
};

static const csv_field enterprise_fields[] = {
    {"uscc", CSV_USCC, false, true, 18},
    {"name", CSV_TEXT, false, true, 200},
    {"region_code", CSV_TEXT, false, true, 6},
    {"industry_code", CSV_TEXT, false, true, 5},
    {"lat", CSV_SIGNED, false, false, 0},
    {"lon", CSV_SIGNED, false, false, 0},
    {"capacity", CSV_DECIMAL, false, false, 0},
    {"capacity_unit", CSV_TEXT, false, false, 16},
};

static const csv_field product_fields[] = {
    {"sku", CSV_TEXT, false, true, 128},
    {"name", CSV_TEXT, false, true, 200},
    {"category", CSV_TEXT, false, false, 64},
    {"unit", CSV_UNIT, false, true, 16},
    {"identifier", CSV_TEXT, false, false, 256},
};

static const csv_field supply_link_fields[] = {
    {"supplier", CSV_USCC, false, true, 18},
    {"buyer", CSV_USCC, false, true, 18},
    {"sku", CSV_TEXT, false, true, 128},
    {"share", CSV_DECIMAL, false, true, 0},
    {"lead_time_days", CSV_COUNT, false, true, 0},
    {"active", CSV_BOOL, false, false, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const key_order[] = {"buyer", "order_id", NULL};
static const char *const key_shipment[] = {"supplier", "shipment_id", NULL};
static const char *const key_fact[] = {"enterprise", "sku", NULL};
static const char *const key_enterprise[] = {"uscc", NULL};
static const char *const key_product[] = {"@tenant", "sku", NULL};
static const char *const key_link[] = {"supplier", "buyer", "sku", NULL};

static const csv_family families[] = {
    {"cs.order.v1", "cs.orders", "buyer", "order_id", NULL, key_order,
     order_fields, N(order_fields)},
    {"cs.shipment.v1", "cs.shipments", "supplier", "shipment_id", NULL,
     key_shipment, shipment_fields, N(shipment_fields)},
    {"cs.production.v1", "cs.production", "enterprise", NULL, "sku", key_fact,
     production_fields, N(production_fields)},
    {"cs.sales.v1", "cs.sales", "enterprise", NULL, "sku", key_fact,
     sales_fields, N(sales_fields)},
    {"cs.inventory.v1", "cs.inventory", "enterprise", NULL, "sku", key_fact,
     inventory_fields, N(inventory_fields)},
    {"cs.enterprise.v1", "cs.master", "uscc", NULL, "uscc", key_enterprise,
     enterprise_fields, N(enterprise_fields)},
    {"cs.product.v1", "cs.master", NULL, NULL, "sku", key_product,
     product_fields, N(product_fields)},
    {"cs.supply_link.v1", "cs.master", "buyer", NULL, "sku", key_link,
     supply_link_fields, N(supply_link_fields)},
};

const csv_family *cs__csv_family(const char *type)
{
    for (size_t i = 0; i < N(families); i++)
        if (strcmp(families[i].type, type) == 0)
            return &families[i];
    return NULL;
}

int cs__csv_field(const csv_family *f, const char *name)
{
    for (size_t i = 0; i < f->n_fields; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cs_csv_map_type(const cs_csv_map *m)
{
    return m->fam->type;
}

void cs_csv_map_free(cs_csv_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < CSV_MAX_FIELDS; i++) {
        free(m->column[i]);
        free(m->dflt[i]);
    }
    for (size_t i = 0; i < m->n_units; i++) {
        free(m->unit_from[i]);
        free(m->unit_to[i]);
    }
    free(m->time_column);
    free(m->source);
    free(m->tenant);
    free(m->encoding);
    free(m);
}

static char *trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static cs_status set_str(char **slot, const char *v, cs_err *err)
{
    free(*slot);
    *slot = strdup(v);
    if (*slot == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    return CS_OK;
}

/* One "key = value" of the mapping; fam is known before column lines. */
static cs_status map_line(cs_csv_map *m, const char *key, const char *val,
                          cs_err *err)
{
    int f;

    if (strcmp(key, "type") == 0) {
        if ((m->fam = cs__csv_family(val)) == NULL)
            return cs_err_set(err, CS_E_CONFIG,
                              "type \"%s\" is not one cs-import-csv writes "
                              "(cs.order.v1, cs.shipment.v1, "
                              "cs.production.v1, cs.sales.v1, "
                              "cs.inventory.v1, cs.enterprise.v1, "
                              "cs.product.v1, cs.supply_link.v1)",
                              val);
        return CS_OK;
    }
    if (strcmp(key, "source") == 0)
        return set_str(&m->source, val, err);
    if (strcmp(key, "tenant") == 0)
        return set_str(&m->tenant, val, err);
    if (strcmp(key, "encoding") == 0)
        return set_str(&m->encoding, val, err);
    if (strcmp(key, "delimiter") == 0) {
        if (strcmp(val, "tab") == 0)
            m->delim = '\t';
        else if (strlen(val) == 1 && val[0] != '"')
            m->delim = val[0];
        else
            return cs_err_set(err, CS_E_CONFIG,
                              "delimiter must be one character or \"tab\"");
        return CS_OK;
    }
    if (strcmp(key, "decimal") == 0) {
        if (strcmp(val, ".") != 0 && strcmp(val, ",") != 0)
            return cs_err_set(err, CS_E_CONFIG,
                              "decimal must be \".\" or \",\"");
        m->decimal = val[0];
        return CS_OK;
    }
    if (strcmp(key, "time.offset") == 0) {
        char probe[48];
        cs_err e = {0};
        snprintf(probe, sizeof(probe), "2000-01-01T00:00:00%s", val);
        if (strlen(val) >= sizeof(m->time_offset) ||
            cs_time_check_datetime(probe, strlen(probe), &e) != CS_OK)
            return cs_err_set(err, CS_E_CONFIG,
                              "time.offset must be Z or +HH:MM");
        cs_strlcpy(m->time_offset, val, sizeof(m->time_offset));
        return CS_OK;
    }
    if (strcmp(key, "date.format") == 0) {
        static const char *const names[] = {
            "YYYY-MM-DD", "YYYY/MM/DD", "YYYYMMDD", "DD.MM.YYYY", "MM/DD/YYYY"};
        for (size_t i = 0; i < N(names); i++)
            if (strcmp(val, names[i]) == 0) {
                m->date_fmt = (csv_date_fmt)i;
                return CS_OK;
            }
        return cs_err_set(err, CS_E_CONFIG,
                          "date.format \"%s\" is not YYYY-MM-DD, "
                          "YYYY/MM/DD, YYYYMMDD, DD.MM.YYYY or MM/DD/YYYY",
                          val);
    }
    if (strncmp(key, "unit.", 5) == 0) {
        if (m->n_units >= CSV_MAX_UNITS)
            return cs_err_set(err, CS_E_CONFIG, "more than %d unit lines",
                              CSV_MAX_UNITS);
        if (val[0] == '\0' || strlen(val) > 16)
            return cs_err_set(err, CS_E_CONFIG,
                              "unit %s must map to 1-16 bytes", key + 5);
        m->unit_from[m->n_units] = strdup(key + 5);
        m->unit_to[m->n_units] = strdup(val);
        m->n_units++;
        if (m->unit_from[m->n_units - 1] == NULL ||
            m->unit_to[m->n_units - 1] == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        return CS_OK;
    }
    if (strcmp(key, "column.time") == 0)
        return set_str(&m->time_column, val, err);
    if (strncmp(key, "column.", 7) == 0 || strncmp(key, "default.", 8) == 0) {
        bool is_col = key[0] == 'c';
        const char *name = key + (is_col ? 7 : 8);
        if (m->fam == NULL)
            return cs_err_set(err, CS_E_CONFIG, "%s before the type line", key);
        if ((f = cs__csv_field(m->fam, name)) < 0)
            return cs_err_set(err, CS_E_CONFIG, "%s: %s has no field \"%s\"",
                              key, m->fam->type, name);
        return set_str(is_col ? &m->column[f] : &m->dflt[f], val, err);
    }
    return cs_err_set(err, CS_E_CONFIG, "unknown key \"%s\"", key);
}

cs_status cs_csv_map_parse(const char *text, size_t len, cs_csv_map **out,
                           cs_err *err)
{
    cs_csv_map *m = calloc(1, sizeof(*m));
    char *copy = cs_strndup(text, len), *save = NULL, *line;
    size_t line_no = 0;
    const char *p;
    cs_status rc = CS_OK;

    if (m == NULL || copy == NULL) {
        free(m);
        free(copy);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    m->delim = ',';
    m->decimal = '.';
    cs_strlcpy(m->time_offset, "Z", sizeof(m->time_offset));
    /* strtok_r would merge empty lines and lose the numbering */
    for (p = copy; rc == CS_OK && *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *eq, *key, *val;
        line = copy + (p - copy);
        line[n] = '\0';
        p = nl ? line + n + 1 : line + n;
        line_no++;
        line = trim(line);
        if (line[0] == '\0' || line[0] == '#')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            rc = cs_err_set(err, CS_E_CONFIG,
                            "mapping line %zu: want KEY = VALUE", line_no);
            break;
        }
        *eq = '\0';
        key = trim(line);
        val = trim(eq + 1);
        rc = map_line(m, key, val, err);
        if (rc != CS_OK) {
            char msg[2 * CS_ERR_MSG_BYTES];
            snprintf(msg, sizeof(msg), "mapping line %zu: %s", line_no,
                     err->msg);
            cs_strlcpy(err->msg, msg, sizeof(err->msg));
        }
    }
    (void)save;
    free(copy);
    if (rc == CS_OK && m->fam == NULL)
        rc = cs_err_set(err, CS_E_CONFIG, "mapping has no type line");
    if (rc == CS_OK && m->fam->owner == NULL && m->tenant == NULL)
        rc = cs_err_set(err, CS_E_CONFIG,
                        "%s names no owner: the mapping needs a tenant line",
                        m->fam->type);
    if (rc == CS_OK) {
        for (size_t i = 0; i < m->fam->n_fields; i++) {
            const csv_field *f = &m->fam->fields[i];
            if (f->required && m->column[i] == NULL && m->dflt[i] == NULL) {
                rc = cs_err_set(err, CS_E_CONFIG,
                                "mapping gives field %s of %s neither a "
                                "column nor a default",
                                f->name, m->fam->type);
                break;
            }
        }
    }
    if (rc != CS_OK) {
        cs_csv_map_free(m);
        return rc;
    }
    *out = m;
    return CS_OK;
}
