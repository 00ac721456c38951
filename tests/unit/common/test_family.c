/* test_family.c - every event family decodes its documented example, and
 * each class of bad field is refused with the field's path and reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_family.h"
#include "cs_test.h"

#define A "91350100M000100Y43"
#define B "91110000802100433B"

typedef struct example {
    const char *type;
    const char *data; /* the data object */
} example;

static const example good[] = {
    {"cs.order.v1",
     "{\"order_id\":\"PO-1\",\"buyer\":\"" A "\",\"supplier\":\"" B "\","
     "\"order_date\":\"2026-11-01\",\"lines\":[{\"line_no\":1,\"sku\":\"X\","
     "\"quantity\":2,\"unit\":\"PCS\"}]}"},
    {"cs.shipment.v1",
     "{\"shipment_id\":\"ASN-9\",\"supplier\":\"" B "\",\"buyer\":\"" A "\","
     "\"order_id\":\"PO-1\",\"shipped_at\":\"2026-11-02T10:00:00+08:00\","
     "\"delivered_at\":\"2026-11-03\",\"lines\":[{\"line_no\":1,"
     "\"order_line_no\":1,\"sku\":\"X\",\"quantity\":\"2.000\",\"unit\":"
     "\"PCS\",\"batch\":\"B-7\",\"identifier\":\"88.123.4567/B-7\"}]}"},
    {"cs.production.v1",
     "{\"enterprise\":\"" A "\",\"sku\":\"X\",\"date\":\"2026-11-01\","
     "\"output\":100,\"capacity\":120,\"unit\":\"PCS\"}"},
    {"cs.sales.v1",
     "{\"enterprise\":\"" A "\",\"sku\":\"X\",\"period_start\":"
     "\"2026-10-01\",\"period_end\":\"2026-10-31\",\"quantity\":50,\"unit\":"
     "\"PCS\",\"revenue\":\"1000.00\",\"channel\":\"online\","
     "\"region_code\":\"330100\"}"},
    {"cs.inventory.v1",
     "{\"enterprise\":\"" A "\",\"site\":\"WH-1\",\"sku\":\"X\",\"as_of\":"
     "\"2026-11-01T00:00:00Z\",\"on_hand\":10,\"on_order\":5,\"unit\":"
     "\"PCS\"}"},
    {"cs.enterprise.v1",
     "{\"uscc\":\"" A "\",\"name\":\"Fuzhou Cells\",\"region_code\":"
     "\"350100\",\"industry_code\":\"C3841\",\"lat\":26.07,\"lon\":119.3,"
     "\"capacity\":1000,\"capacity_unit\":\"PCS/day\"}"},
    {"cs.product.v1", "{\"sku\":\"X\",\"name\":\"21700 cell\",\"unit\":\"PCS\","
                      "\"identifier\":\"88.123.4567/X\"}"},
    {"cs.supply_link.v1",
     "{\"supplier\":\"" B "\",\"buyer\":\"" A "\",\"sku\":\"X\",\"share\":"
     "0.6,\"lead_time_days\":14}"},
    {"cs.risk_event.v1",
     "{\"risk_id\":\"R-1\",\"kind\":\"flood\",\"severity\":4,\"regions\":"
     "[\"330100\",\"330106\"],\"starts_at\":\"2026-07-01T00:00:00Z\","
     "\"expected_end\":\"2026-07-10T00:00:00Z\"}"},
    {"cs.order_response.v1",
     "{\"order_id\":\"PO-1\",\"buyer\":\"" A "\",\"supplier\":\"" B "\","
     "\"responded_at\":\"2026-11-02\",\"status\":\"changed\","
     "\"lines\":[{\"line_no\":1,\"sku\":\"X\",\"quantity\":1,\"unit\":"
     "\"PCS\",\"promised_date\":\"2026-11-20\",\"status\":"
     "\"changed\"}]}"},
    {"cs.invoice.v1",
     "{\"invoice_id\":\"INV-1\",\"supplier\":\"" B "\",\"buyer\":\"" A
     "\",\"invoice_date\":\"2026-11-05\",\"order_id\":\"PO-1\","
     "\"total_amount\":\"25.00\",\"lines\":[{\"line_no\":1,\"sku\":"
     "\"X\",\"quantity\":2,\"unit\":\"PCS\",\"unit_price\":\"12.50\","
     "\"amount\":\"25.00\"}]}"},
    {"cs.demand_plan.v1",
     "{\"buyer\":\"" A "\",\"supplier\":\"" B "\",\"sku\":\"X\","
     "\"period_start\":\"2026-11-09\",\"period_end\":\"2026-11-15\","
     "\"quantity\":8000,\"unit\":\"PCS\",\"firm\":false,"
     "\"forecast_code\":\"D\",\"schedule_type\":\"PS\","
     "\"issued_date\":\"2026-11-05\"}"},
};

static cs_status decode(const char *type, const char *data, cs_record *r,
                        cs_err *err)
{
    const cs_family *f = cs_family_by_type(type);
    cs_json_doc *doc = NULL;
    cs_status rc;

    assert_non_null(f);
    rc = cs_json_parse(data, strlen(data), NULL, &doc, err);
    if (rc == CS_OK)
        rc = cs_record_decode(f, cs_json_root(doc), r, err);
    cs_json_doc_free(doc);
    return rc;
}

static void every_family_decodes_its_example(void **state)
{
    (void)state;
    assert_int_equal(cs_n_families, sizeof(good) / sizeof(good[0]));
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cs_record r = {0};
        cs_err err = {0};
        if (decode(good[i].type, good[i].data, &r, &err) != CS_OK)
            fail_msg("%s: %s", good[i].type, err.msg);
        cs_record_clear(&r);
    }
}

static void values_come_out_in_field_order(void **state)
{
    const cs_family *f = cs_family_by_type("cs.sales.v1");
    cs_record r = {0};
    cs_err err = {0};
    cs_json_doc *doc = NULL;

    (void)state;
    assert_int_equal(
        cs_json_parse(good[3].data, strlen(good[3].data), NULL, &doc, &err),
        CS_OK);
    assert_int_equal(cs_record_decode(f, cs_json_root(doc), &r, &err), CS_OK);
    assert_string_equal(r.v[cs_family_field(f, "revenue", false)], "1000.00");
    /* defaults fill absent optional fields */
    assert_string_equal(r.v[cs_family_field(f, "currency", false)], "CNY");
    assert_string_equal(r.v[cs_family_field(f, "channel", false)], "online");
    cs_record_clear(&r);
    cs_json_doc_free(doc);
}

static void arrays_and_booleans_become_sql_text(void **state)
{
    const cs_family *f = cs_family_by_type("cs.risk_event.v1");
    const cs_family *l = cs_family_by_type("cs.supply_link.v1");
    cs_record r = {0}, s = {0};
    cs_err err = {0};

    (void)state;
    assert_int_equal(decode("cs.risk_event.v1", good[8].data, &r, &err), CS_OK);
    assert_string_equal(r.v[cs_family_field(f, "regions", false)],
                        "{330100,330106}");
    assert_int_equal(decode("cs.supply_link.v1", good[7].data, &s, &err),
                     CS_OK);
    assert_string_equal(s.v[cs_family_field(l, "active", false)], "true");
    assert_int_equal(s.n_lines, 0);
    cs_record_clear(&r);
    cs_record_clear(&s);
}

/* The example of type with `from` replaced by `to` must be refused with
 * a message containing want. */
static void refuse(const char *type, const char *from, const char *to,
                   const char *want)
{
    const char *base = NULL;
    char *text;
    const char *at;
    size_t n;
    cs_record r = {0};
    cs_err err = {0};

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (strcmp(good[i].type, type) == 0)
            base = good[i].data;
    assert_non_null(base);
    at = strstr(base, from);
    if (at == NULL)
        fail_msg("%s: no \"%s\" in the example", type, from);
    n = strlen(base) - strlen(from) + strlen(to) + 1;
    text = malloc(n);
    snprintf(text, n, "%.*s%s%s", (int)(at - base), base, to,
             at + strlen(from));
    if (decode(type, text, &r, &err) != CS_E_INVALID ||
        strstr(err.msg, want) == NULL)
        fail_msg("%s with %s: got \"%s\", want \"%s\"", type, to, err.msg,
                 want);
    cs_record_clear(&r);
    free(text);
}

static void each_class_of_bad_field_is_named(void **state)
{
    (void)state;
    /* wrong types */
    refuse("cs.production.v1", "\"output\":100", "\"output\":[1]",
           "data.output: must be a number, got array");
    refuse("cs.supply_link.v1", "\"lead_time_days\":14",
           "\"lead_time_days\":\"14\"",
           "data.lead_time_days: must be an integer from 0 to 3650");
    refuse("cs.product.v1", "\"name\":\"21700 cell\"", "\"name\":7",
           "data.name: must be a string, got number");
    /* ranges */
    refuse("cs.supply_link.v1", "\"share\":0.6", "\"share\":1.2",
           "data.share: must be at most 1");
    refuse("cs.risk_event.v1", "\"severity\":4", "\"severity\":6",
           "data.severity: must be an integer from 1 to 5");
    refuse("cs.enterprise.v1", "\"lat\":26.07", "\"lat\":96",
           "data.lat: must be at most 90");
    refuse("cs.inventory.v1", "\"on_hand\":10", "\"on_hand\":-1",
           "data.on_hand: must not be negative");
    /* codes */
    refuse("cs.enterprise.v1", "\"uscc\":\"" A "\"",
           "\"uscc\":\"91350100M000100Y4X\"",
           "data.uscc: credit code check character is 'X', expected '3'");
    refuse("cs.enterprise.v1", "\"region_code\":\"350100\"",
           "\"region_code\":\"990100\"", "data.region_code: region code");
    refuse("cs.enterprise.v1", "\"industry_code\":\"C3841\"",
           "\"industry_code\":\"C38\\u0031x\"", "data.industry_code");
    refuse("cs.sales.v1", "\"channel\":\"online\"", "\"channel\":\"tv\"",
           "data.channel: \"tv\" is not one of the allowed values");
    refuse("cs.risk_event.v1", "\"kind\":\"flood\"", "\"kind\":\"meteor\"",
           "data.kind");
    refuse("cs.shipment.v1", "\"identifier\":\"88.123.4567/B-7\"",
           "\"identifier\":\"B-7\"", "data.lines[0].identifier");
    refuse("cs.risk_event.v1", "[\"330100\",\"330106\"]",
           "[\"330100\",\"33010\"]", "data.regions[1]: region code");
    /* times and cross-field rules */
    refuse("cs.shipment.v1", "\"delivered_at\":\"2026-11-03\"",
           "\"delivered_at\":\"2026-11-02T01:00:00Z\"",
           "data.delivered_at: 2026-11-02T01:00:00Z is before");
    refuse("cs.sales.v1", "\"period_end\":\"2026-10-31\"",
           "\"period_end\":\"2026-09-30\"", "data.period_end");
    refuse("cs.inventory.v1", "\"as_of\":\"2026-11-01T00:00:00Z\"",
           "\"as_of\":\"2026-11-01\"", "data.as_of: not an RFC 3339");
    refuse("cs.enterprise.v1", ",\"lon\":119.3", "",
           "data.lat: give lat and lon together");
    refuse("cs.risk_event.v1", "\"regions\":[\"330100\",\"330106\"],", "",
           "data.regions: give regions, or lat, lon and radius_km");
    refuse("cs.supply_link.v1", "\"buyer\":\"" A "\"", "\"buyer\":\"" B "\"",
           "data.buyer: must differ from data.supplier");
    refuse("cs.shipment.v1", "\"line_no\":1,", "\"line_no\":0,",
           "data.lines[0].line_no");
    refuse("cs.order.v1", "\"lines\":[", "\"lines\":[],\"x\":[",
           "data.lines: required, a non-empty array");
    refuse("cs.production.v1", "\"unit\":\"PCS\"",
           "\"unit\":\"PIECES-OF-SOMETHING\"",
           "data.unit: longer than 16 bytes");
    /* order responses and invoices */
    refuse("cs.order_response.v1", "\"status\":\"changed\",\"lines",
           "\"status\":\"maybe\",\"lines",
           "data.status: \"maybe\" is not one of the allowed values");
    refuse("cs.order_response.v1", "\"responded_at\":\"2026-11-02\",", "",
           "data.responded_at: required");
    refuse("cs.order_response.v1", "\"supplier\":\"" B "\"",
           "\"supplier\":\"" A "\"",
           "data.supplier: must differ from data.buyer");
    refuse("cs.order_response.v1", "\"lines\":[", "\"lines\":{},\"x\":[",
           "data.lines: must be an array");
    refuse("cs.invoice.v1", "\"amount\":\"25.00\"", "\"amount\":\"-1\"",
           "data.lines[0].amount: must not be negative");
    refuse("cs.invoice.v1", "\"lines\":[", "\"lines\":[],\"x\":[",
           "data.lines: required, a non-empty array");
    /* demand plans */
    refuse("cs.demand_plan.v1", "\"supplier\":\"" B "\"",
           "\"supplier\":\"" A "\"",
           "data.supplier: must differ from data.buyer");
    refuse("cs.demand_plan.v1", "\"period_end\":\"2026-11-15\"",
           "\"period_end\":\"2026-11-08\"",
           "data.period_end: 2026-11-08 is before data.period_start");
    refuse("cs.demand_plan.v1", "\"quantity\":8000", "\"quantity\":-1",
           "data.quantity: must not be negative");
    refuse("cs.demand_plan.v1", "\"firm\":false", "\"firm\":\"no\"",
           "data.firm");
}

/* An order response may accept or reject the whole order without lines
 * (X12 855 BAK without PO1); the other families with lines may not. */
static void order_response_lines_are_optional(void **state)
{
    cs_record r = {0};
    cs_err err = {0};

    (void)state;
    assert_int_equal(decode("cs.order_response.v1",
                            "{\"order_id\":\"PO-1\",\"buyer\":\"" A
                            "\",\"supplier\":\"" B
                            "\",\"responded_at\":\"2026-11-02\",\"status\":"
                            "\"accepted\"}",
                            &r, &err),
                     CS_OK);
    assert_int_equal(r.n_lines, 0);
    assert_string_equal(
        r.v[cs_family_field(cs_family_by_type("cs.order_response.v1"),
                            "currency", false)],
        "CNY");
    cs_record_clear(&r);
}

static void instants_compare_across_offsets(void **state)
{
    /* 2026-11-02T10:00+08:00 is 02:00Z: a delivery at 03:00Z is fine */
    cs_record r = {0};
    cs_err err = {0};

    (void)state;
    assert_int_equal(
        decode("cs.shipment.v1",
               "{\"shipment_id\":\"S\",\"supplier\":\"" B "\",\"buyer\":\"" A
               "\",\"shipped_at\":\"2026-11-02T10:00:00+08:00\","
               "\"delivered_at\":\"2026-11-02T03:00:00Z\",\"lines\":[{"
               "\"line_no\":1,\"sku\":\"X\",\"quantity\":1,\"unit\":\"EA\"}]}",
               &r, &err),
        CS_OK);
    cs_record_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_family_decodes_its_example),
        cmocka_unit_test(values_come_out_in_field_order),
        cmocka_unit_test(arrays_and_booleans_become_sql_text),
        cmocka_unit_test(each_class_of_bad_field_is_named),
        cmocka_unit_test(instants_compare_across_offsets),
        cmocka_unit_test(order_response_lines_are_optional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
