/* test_event.c - the CloudEvents envelope and the cs.order.v1 decoder:
 * every rejection names the field and the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_event.h"
#include "cs_test.h"

#define BUYER    "91350100M000100Y43"
#define SUPPLIER "91110000802100433B"

static const char good_order[] =
    "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"erp://sap\","
    "\"type\":\"cs.order.v1\",\"time\":\"2026-11-01T08:00:00+08:00\","
    "\"tenantid\":\"" BUYER "\",\"data\":{\"order_id\":\"PO-1\","
    "\"buyer\":\"" BUYER "\",\"supplier\":\"" SUPPLIER "\","
    "\"order_date\":\"2026-11-01\",\"currency\":\"CNY\",\"lines\":["
    "{\"line_no\":1,\"sku\":\"A\",\"quantity\":10,\"unit\":\"PCS\","
    "\"unit_price\":\"2.50\",\"requested_date\":\"2026-11-20\"},"
    "{\"line_no\":2,\"sku\":\"B\",\"quantity\":0.5,\"unit\":\"KG\"}]}}";

/* Parses text (with "%s" replaced by `with` when given) and returns the
 * status of envelope + order decoding; err holds the reason. */
static cs_status check(const char *text, cs_err *err)
{
    cs_json_doc *doc = NULL;
    cs_event ev;
    cs_order o;
    cs_status rc = cs_json_parse(text, strlen(text), NULL, &doc, err);

    if (rc == CS_OK)
        rc = cs_event_parse(cs_json_root(doc), "cs.order.v1", &ev, err);
    if (rc == CS_OK) {
        rc = cs_order_decode(ev.data, &o, err);
        cs_order_clear(&o);
    }
    cs_json_doc_free(doc);
    return rc;
}

/* good_order with the first occurrence of `from` replaced by `to`. */
static char *mutate(const char *from, const char *to)
{
    const char *at = strstr(good_order, from);
    size_t n = strlen(good_order) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);

    assert_non_null(at);
    snprintf(s, n, "%.*s%s%s", (int)(at - good_order), good_order, to,
             at + strlen(from));
    return s;
}

static void expect_rejection(const char *from, const char *to,
                             const char *reason)
{
    char *text = mutate(from, to);
    cs_err err = {0};
    cs_status rc = check(text, &err);

    if (rc != CS_E_INVALID || strstr(err.msg, reason) == NULL)
        fail_msg("replacing %s by %s: got status %d \"%s\", want \"%s\"", from,
                 to, rc, err.msg, reason);
    free(text);
}

static void good_order_decodes(void **state)
{
    cs_json_doc *doc = NULL;
    cs_event ev;
    cs_order o;
    cs_err err = {0};

    (void)state;
    assert_int_equal(
        cs_json_parse(good_order, strlen(good_order), NULL, &doc, &err), CS_OK);
    assert_int_equal(
        cs_event_parse(cs_json_root(doc), "cs.order.v1", &ev, &err), CS_OK);
    assert_string_equal(ev.id, "e1");
    assert_string_equal(ev.tenant_id, BUYER);
    assert_int_equal(cs_order_decode(ev.data, &o, &err), CS_OK);
    assert_string_equal(o.order_id, "PO-1");
    assert_int_equal(o.n_lines, 2);
    assert_int_equal(o.lines[0].line_no, 1);
    assert_string_equal(o.lines[0].quantity, "10");
    assert_string_equal(o.lines[0].unit_price, "2.50");
    assert_string_equal(o.lines[1].quantity, "0.5");
    assert_null(o.lines[1].unit_price);
    assert_null(o.lines[1].requested_date);
    cs_order_clear(&o);
    cs_json_doc_free(doc);
}

static void envelope_errors_name_the_attribute(void **state)
{
    (void)state;
    expect_rejection("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\"",
                     "specversion");
    expect_rejection("\"id\":\"e1\",", "", "id: required");
    expect_rejection("\"id\":\"e1\"", "\"id\":\"\"", "id: must not be empty");
    expect_rejection("\"type\":\"cs.order.v1\"", "\"type\":\"cs.sales.v1\"",
                     "does not belong on this topic");
    expect_rejection("2026-11-01T08:00:00+08:00", "2026-11-01T08:00:00",
                     "time: date-time needs a UTC offset");
    expect_rejection("2026-11-01T08:00:00+08:00", "2026-02-30T08:00:00Z",
                     "time: date 2026-02-30 does not exist");
    expect_rejection("\"tenantid\":\"" BUYER "\"", "\"tenantid\":\"a b\"",
                     "tenantid: only letters");
    expect_rejection("\"tenantid\":\"" BUYER "\"", "\"tenantid\":7",
                     "tenantid: must be a string, got number");
}

static void data_errors_name_the_field_path(void **state)
{
    (void)state;
    expect_rejection("\"order_id\":\"PO-1\",", "", "data.order_id: required");
    expect_rejection("\"buyer\":\"" BUYER "\"",
                     "\"buyer\":\"91350100M000100Y44\"",
                     "data.buyer: credit code check character");
    expect_rejection("\"supplier\":\"" SUPPLIER "\"",
                     "\"supplier\":\"" BUYER "\"",
                     "data.supplier: must differ");
    expect_rejection("\"order_date\":\"2026-11-01\"",
                     "\"order_date\":\"01/11/2026\"", "data.order_date");
    expect_rejection("\"currency\":\"CNY\"", "\"currency\":\"rmb\"",
                     "data.currency");
    expect_rejection("\"quantity\":10", "\"quantity\":-1",
                     "data.lines[0].quantity: must not be negative");
    expect_rejection("\"quantity\":10", "\"quantity\":\"ten\"",
                     "data.lines[0].quantity: \"ten\" is not a number");
    expect_rejection("\"quantity\":10", "\"quantity\":1e400",
                     "data.lines[0].quantity");
    expect_rejection("\"quantity\":10", "\"quantity\":\"NaN\"",
                     "data.lines[0].quantity");
    expect_rejection("\"quantity\":0.5", "\"quantity\":true",
                     "data.lines[1].quantity: must be a number, got boolean");
    expect_rejection("\"line_no\":2", "\"line_no\":1",
                     "data.lines[1].line_no: 1 repeats data.lines[0]");
    expect_rejection("\"line_no\":2", "\"line_no\":2.5",
                     "data.lines[1].line_no");
    expect_rejection("\"unit\":\"KG\"", "\"unit\":\"\"",
                     "data.lines[1].unit: must not be empty");
    expect_rejection("\"requested_date\":\"2026-11-20\"",
                     "\"requested_date\":\"2026-13-01\"",
                     "data.lines[0].requested_date");
}

static void empty_lines_and_wrong_data_type(void **state)
{
    cs_err err = {0};
    char *s;

    (void)state;
    s = mutate("\"lines\":[", "\"lines\":[],\"x\":[");
    assert_int_equal(check(s, &err), CS_E_INVALID);
    assert_non_null(strstr(err.msg, "data.lines: required, a non-empty"));
    free(s);
    assert_int_equal(check("[1,2]", &err), CS_E_INVALID);
    assert_non_null(strstr(err.msg, "must be a JSON object"));
    assert_int_equal(
        check("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\","
              "\"type\":\"cs.order.v1\",\"time\":\"2026-01-01T00:00:00Z\","
              "\"tenantid\":\"t\",\"data\":\"x\"}",
              &err),
        CS_E_INVALID);
    assert_non_null(strstr(err.msg, "data: must be an object"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_order_decodes),
        cmocka_unit_test(envelope_errors_name_the_attribute),
        cmocka_unit_test(data_errors_name_the_field_path),
        cmocka_unit_test(empty_lines_and_wrong_data_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
