/* test_csv.c - cs-import-csv's converter: mapped columns, units, dates and
 * decimals; grouped order lines; every rejection with its line number
 * while the good rows still convert; ids that make re-runs duplicates;
 * encodings, malformed records and mapping errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_csv.h"
#include "cs_event.h"
#include "cs_family.h"
#include "cs_json.h"
#include "cs_test.h"

#define T_MAX 32

typedef struct t_out {
    size_t n_events, n_rejects;
    char *json[T_MAX];
    char *key[T_MAX];
    size_t line[T_MAX];
    char why[T_MAX][CS_ERR_MSG_BYTES];
    cs_status rc;
    cs_err err;
} t_out;

static cs_status on_event(void *ctx, const cs_csv_event *ev, cs_err *err)
{
    t_out *o = ctx;
    cs_json_doc *doc = NULL;
    cs_event e;
    cs_record rec = {0};
    (void)err;
    assert_true(o->n_events < T_MAX);
    /* what cs-ingest will check */
    assert_int_equal(cs_json_parse(ev->json, ev->json_len,
                                   &cs_json_default_limits, &doc, err),
                     CS_OK);
    assert_int_equal(cs_event_parse(cs_json_root(doc), ev->type, &e, err),
                     CS_OK);
    assert_int_equal(
        cs_record_decode(cs_family_by_type(ev->type), e.data, &rec, err),
        CS_OK);
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
    o->json[o->n_events] = strdup(ev->json);
    o->key[o->n_events] = strdup(ev->key);
    o->n_events++;
    return CS_OK;
}

static void on_reject(void *ctx, size_t line, const char *raw, size_t len,
                      const char *why)
{
    t_out *o = ctx;
    (void)raw;
    (void)len;
    assert_true(o->n_rejects < T_MAX);
    o->line[o->n_rejects] = line;
    snprintf(o->why[o->n_rejects], CS_ERR_MSG_BYTES, "%s", why);
    o->n_rejects++;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static cs_csv_map *map_text(const char *text)
{
    cs_csv_map *m = NULL;
    cs_err err = {0};
    if (cs_csv_map_parse(text, strlen(text), &m, &err) != CS_OK)
        fail_msg("mapping: %s", err.msg);
    return m;
}

static cs_csv_map *map_file(const char *name)
{
    char path[512];
    size_t len;
    char *text;
    cs_csv_map *m;
    snprintf(path, sizeof(path), "%s/%s", CSV_DATA, name);
    text = slurp(path, &len);
    m = map_text(text);
    free(text);
    return m;
}

static void run_buf(const cs_csv_map *m, const char *buf, size_t len, t_out *o)
{
    memset(o, 0, sizeof(*o));
    o->rc = cs_csv_convert(buf, len, m, "2026-11-29T00:00:00Z", on_event,
                           on_reject, o, NULL, &o->err);
}

static void run_file(const char *map_name, const char *csv_name, t_out *o)
{
    char path[512];
    size_t len;
    char *buf;
    cs_csv_map *m = map_file(map_name);
    snprintf(path, sizeof(path), "%s/%s", CSV_DATA, csv_name);
    buf = slurp(path, &len);
    run_buf(m, buf, len, o);
    free(buf);
    cs_csv_map_free(m);
}

static void t_free(t_out *o)
{
    for (size_t i = 0; i < o->n_events; i++) {
        free(o->json[i]);
        free(o->key[i]);
    }
}

static void has(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", hay, needle);
}

static const char *why_of(const t_out *o, size_t line)
{
    for (size_t i = 0; i < o->n_rejects; i++)
        if (o->line[i] == line)
            return o->why[i];
    fail_msg("line %zu was not rejected", line);
    return NULL;
}

static void orders_good_rows_convert_bad_rows_named(void **state)
{
    static const size_t rejected[] = {5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16};
    t_out o;
    (void)state;
    run_file("orders.map", "orders.csv", &o);
    assert_int_equal(o.rc, CS_E_INVALID);
    assert_int_equal(o.n_events, 3);
    has(o.json[0], "\"order_id\":\"PO-1\"");
    has(o.json[0], "\"source\":\"erp://kingdee/plant-3\"");
    has(o.json[0], "\"tenantid\":\"91350100M000100Y43\"");
    has(o.json[0], "\"order_date\":\"2026-11-01\",\"currency\":\"CNY\"");
    has(o.json[0], "{\"line_no\":10,\"sku\":\"CELL-21700\",\"quantity\":1200,"
                   "\"unit\":\"PCS\",\"unit_price\":12.50,"
                   "\"requested_date\":\"2026-11-20\"}");
    has(o.json[0], "{\"line_no\":20,\"sku\":\"NI-SULF\",\"quantity\":3.75,"
                   "\"unit\":\"T\"}");
    has(o.json[0], "\"time\":\"2026-11-29T00:00:00Z\"");
    assert_string_equal(o.key[0], "91350100M000100Y43/PO-1");
    has(o.json[1], "\"sku\":\"PACK, 60 \\\"cells\\\"\"");
    has(o.json[1], "\"unit\":\"PCS\""); /* "pcs": case-insensitive match */
    has(o.json[2], "\"order_id\":\"PO-11\"");
    assert_int_equal(o.n_rejects, sizeof(rejected) / sizeof(rejected[0]));
    for (size_t i = 0; i < o.n_rejects; i++)
        assert_int_equal(o.line[i], rejected[i]);
    has(why_of(&o, 5), "column \"单位\" (unit): unknown unit \"箱\"");
    has(why_of(&o, 6), "not sent: line 5 of the same order_id PO-3");
    has(why_of(&o, 7), "has 9 fields, the header has 10");
    has(why_of(&o, 8), "\"2026/13/04\" is not a valid date");
    has(why_of(&o, 9), "credit code check character is '4', expected '3'");
    has(why_of(&o, 10), "(quantity): \"-2\" is negative"); /* 2-line record */
    has(why_of(&o, 12), "order_date is \"2026-11-08\" on line 12 but "
                        "\"2026-11-09\" on line 13");
    has(why_of(&o, 15), "data.lines[1].line_no: 1 repeats data.lines[0]");
    has(why_of(&o, 14), "not sent: line 15 of the same order_id PO-9");
    has(why_of(&o, 16), "\"1,5\" is not a decimal number");
    has(o.err.msg, "line 5: ");
    t_free(&o);
}

static void reruns_give_the_same_ids(void **state)
{
    t_out a, b, c;
    char path[512], *buf, *at;
    size_t len;
    cs_csv_map *m = map_file("orders.map");
    (void)state;
    snprintf(path, sizeof(path), "%s/orders.csv", CSV_DATA);
    buf = slurp(path, &len);
    run_buf(m, buf, len, &a);
    run_buf(m, buf, len, &b);
    assert_int_equal(a.n_events, b.n_events);
    for (size_t i = 0; i < a.n_events; i++)
        assert_string_equal(a.json[i], b.json[i]);
    /* a changed quantity is a new revision: a new id for PO-1 only */
    at = strstr(buf, ",1200,");
    assert_non_null(at);
    memcpy(at, ",1201,", 6);
    run_buf(m, buf, len, &c);
    assert_string_not_equal(a.json[0], c.json[0]);
    assert_memory_not_equal(strstr(a.json[0], "\"id\""),
                            strstr(c.json[0], "\"id\""), 26);
    assert_string_equal(a.json[1], c.json[1]);
    t_free(&a);
    t_free(&b);
    t_free(&c);
    free(buf);
    cs_csv_map_free(m);
}

static void gb18030_export(void **state)
{
    t_out o;
    (void)state;
    run_file("orders_gb18030.map", "orders_gb18030.csv", &o);
    assert_int_equal(o.rc, CS_OK);
    assert_int_equal(o.n_events, 1);
    has(o.json[0], "\"sku\":\"电池-21700\",\"quantity\":12,\"unit\":\"PCS\"");
    t_free(&o);
}

static void shipments_with_comma_decimals_and_time_column(void **state)
{
    t_out o;
    (void)state;
    run_file("shipments.map", "shipments.csv", &o);
    assert_int_equal(o.rc, CS_OK);
    assert_int_equal(o.n_events, 1);
    has(o.json[0], "\"type\":\"cs.shipment.v1\"");
    has(o.json[0], "\"time\":\"2026-11-02T10:05:00+08:00\"");
    has(o.json[0], "\"tenantid\":\"91110000802100433B\"");
    has(o.json[0], "\"shipped_at\":\"2026-11-02T10:00:00+08:00\"");
    has(o.json[0], "{\"line_no\":1,\"order_line_no\":1,\"sku\":\"CELL-21700\","
                   "\"quantity\":1200.000,\"unit\":\"PCS\",\"batch\":\"B-7\","
                   "\"identifier\":\"88.123.4567/B-7\"}");
    has(o.json[0], "{\"line_no\":2,\"order_line_no\":2,\"sku\":\"NI-SULF\","
                   "\"quantity\":3.75,\"unit\":\"T\"}");
    assert_string_equal(o.key[0], "91110000802100433B/ASN-9");
    t_free(&o);
}

static void inventory_rows_stand_alone(void **state)
{
    t_out o;
    (void)state;
    run_file("inventory.map", "inventory.tsv", &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_rejects, 1);
    assert_int_equal(o.line[0], 3);
    has(o.why[0], "column \"on_hand\" (on_hand): \"ten\" is not a decimal");
    t_free(&o);
}

static void missing_column_stops_the_file(void **state)
{
    static const char map[] = "type = cs.order.v1\n"
                              "column.order_id = po\ncolumn.buyer = b\n"
                              "column.supplier = s\ncolumn.order_date = d\n"
                              "column.sku = sku\ncolumn.quantity = Menge\n"
                              "column.unit = u\n";
    static const char csv[] = "po,b,s,d,sku,qty,u\nPO-1,91350100M000100Y43,"
                              "91110000802100433B,2026-11-01,A,1,PCS\n";
    cs_csv_map *m = map_text(map);
    t_out o;
    (void)state;
    run_buf(m, csv, strlen(csv), &o);
    assert_int_equal(o.rc, CS_E_INVALID);
    assert_int_equal(o.n_events, 0);
    assert_int_equal(o.line[0], 1);
    has(o.why[0], "missing column \"Menge\" (mapped to quantity)");
    cs_csv_map_free(m);
}

static void malformed_records(void **state)
{
    static const char map[] = "type = cs.inventory.v1\n"
                              "column.enterprise = e\ncolumn.sku = s\n"
                              "column.as_of = t\ncolumn.on_hand = q\n"
                              "default.unit = PCS\n";
#define E "91350100M000100Y43"
    static const char csv[] =
        "\xEF\xBB\xBF"
        "e,s,t,q\r\n" E ",A,2026-11-01 08:00,1\r\n"
        "\r\n" E ",B\"x,2026-11-01T08:00:00Z,2\r\n" E
        ",\xff,2026-11-01T08:00:00Z,3\r\n" E ",\"C\",2026-11-01T08:00:00Z,4\n" E
        ",\"D,2026-11-01T08:00:00Z,5\n";
    cs_csv_map *m = map_text(map);
    t_out o;
    (void)state;
    run_buf(m, csv, sizeof(csv) - 1, &o);
    assert_int_equal(o.n_events, 2); /* A and C */
    has(o.json[0], "\"as_of\":\"2026-11-01T08:00:00Z\"");
    has(o.json[1], "\"sku\":\"C\"");
    assert_int_equal(o.n_rejects, 3);
    assert_int_equal(o.line[0], 4);
    has(o.why[0], "field 2: a quote inside an unquoted field on line 4");
    assert_int_equal(o.line[1], 5);
    has(o.why[1], "column \"s\" (sku): \"\xff\" is not valid UTF-8");
    assert_int_equal(o.line[2], 7);
    has(o.why[2], "field 2: the quote opened on line 7 is never closed");
    t_free(&o);
    cs_csv_map_free(m);
#undef E
}

static void mapping_errors_name_the_line(void **state)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"# x\ntype = cs.order.v1\ncolour = red\n",
         "mapping line 3: unknown key \"colour\""},
        {"type = cs.order.v9\n", "mapping line 1: type \"cs.order.v9\""},
        {"column.sku = a\n", "mapping line 1: column.sku before the type"},
        {"type = cs.order.v1\ncolumn.colour = c\n",
         "mapping line 2: column.colour: cs.order.v1 has no field "
         "\"colour\""},
        {"type = cs.order.v1\ndate.format = DD/MM/YY\n",
         "mapping line 2: date.format \"DD/MM/YY\""},
        {"type = cs.order.v1\nno equals sign\n",
         "mapping line 2: want KEY = VALUE"},
        {"type = cs.order.v1\ncolumn.order_id = po\n",
         "mapping gives field buyer of cs.order.v1 neither a column nor a "
         "default"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cs_csv_map *m = NULL;
        cs_err err = {0};
        assert_int_equal(
            cs_csv_map_parse(t[i].text, strlen(t[i].text), &m, &err),
            CS_E_CONFIG);
        assert_null(m);
        has(err.msg, t[i].want);
    }
}

static void master_data(void **state)
{
    static const char ent_map[] =
        "type = cs.enterprise.v1\ncolumn.uscc = code\ncolumn.name = name\n"
        "column.region_code = region\ncolumn.industry_code = industry\n"
        "column.lat = lat\ncolumn.lon = lon\n";
    static const char ent_csv[] =
        "code,name,region,industry,lat,lon\n"
        "91350100M000100Y43,Fuzhou Cells,350100,C3841,26.07,119.30\n"
        "91110000802100433B,Beijing Nickel,110000,C32,-91.5,116.4\n";
    static const char link_map[] =
        "type = cs.supply_link.v1\ncolumn.supplier = s\ncolumn.buyer = b\n"
        "column.sku = sku\ncolumn.share = share\n"
        "column.lead_time_days = lt\ncolumn.active = active\n";
    static const char link_csv[] =
        "s,b,sku,share,lt,active\n"
        "91110000802100433B,91350100M000100Y43,X,0.6,14,是\n"
        "91110000802100433B,91350100M000100Y43,Y,0.4,0,否\n"
        "91110000802100433B,91350100M000100Y43,Z,0.4,-1,否\n";
    static const char prod_map[] =
        "type = cs.product.v1\ntenant = 91350100M000100Y43\n"
        "column.sku = sku\ncolumn.name = name\ndefault.unit = PCS\n";
    static const char prod_csv[] = "sku,name\nX,21700 cell\n";
    cs_csv_map *m;
    cs_err err = {0};
    t_out o;
    (void)state;

    m = map_text(ent_map);
    run_buf(m, ent_csv, strlen(ent_csv), &o);
    assert_int_equal(o.n_events, 1);
    has(o.json[0], "\"lat\":26.07,\"lon\":119.30");
    assert_string_equal(o.key[0], "91350100M000100Y43");
    assert_int_equal(o.line[0], 3);
    has(o.why[0], "lat"); /* -91.5 is out of range: the decoder says so */
    t_free(&o);
    cs_csv_map_free(m);

    m = map_text(link_map);
    run_buf(m, link_csv, strlen(link_csv), &o);
    assert_int_equal(o.n_events, 2);
    has(o.json[0], "\"share\":0.6,\"lead_time_days\":14,\"active\":true");
    has(o.json[1], "\"lead_time_days\":0,\"active\":false");
    assert_string_equal(o.key[0], "91110000802100433B/91350100M000100Y43/X");
    assert_int_equal(o.line[0], 4);
    has(o.why[0], "\"-1\" is not a whole number");
    t_free(&o);
    cs_csv_map_free(m);

    m = map_text(prod_map);
    run_buf(m, prod_csv, strlen(prod_csv), &o);
    assert_int_equal(o.n_events, 1);
    has(o.json[0], "\"tenantid\":\"91350100M000100Y43\"");
    assert_string_equal(o.key[0], "91350100M000100Y43/X");
    t_free(&o);
    cs_csv_map_free(m);

    m = NULL;
    assert_int_equal(cs_csv_map_parse("type = cs.product.v1\n", 21, &m, &err),
                     CS_E_CONFIG);
    has(err.msg, "the mapping needs a tenant line");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orders_good_rows_convert_bad_rows_named),
        cmocka_unit_test(reruns_give_the_same_ids),
        cmocka_unit_test(gb18030_export),
        cmocka_unit_test(shipments_with_comma_decimals_and_time_column),
        cmocka_unit_test(inventory_rows_stand_alone),
        cmocka_unit_test(missing_column_stops_the_file),
        cmocka_unit_test(malformed_records),
        cmocka_unit_test(mapping_errors_name_the_line),
        cmocka_unit_test(master_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
