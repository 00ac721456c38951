/* test_json.c - the bounded JSON document and the output helpers. */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cs_json.h"
#include "cs_log.h"
#include "cs_test.h"

static cs_status parse(const char *s, cs_json_doc **doc, cs_err *err)
{
    return cs_json_parse(s, strlen(s), NULL, doc, err);
}

static void numbers_keep_their_text(void **state)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};
    const cs_jval *v;

    (void)state;
    assert_int_equal(
        parse("{\"q\": 12.50, \"big\": 12345678901234567890.000001}", &doc,
              &err),
        CS_OK);
    v = cs_json_get(cs_json_root(doc), "q");
    assert_non_null(v);
    assert_int_equal(v->type, CS_J_NUMBER);
    assert_string_equal(v->text, "12.50");
    assert_string_equal(cs_json_get(cs_json_root(doc), "big")->text,
                        "12345678901234567890.000001");
    assert_null(cs_json_get(cs_json_root(doc), "missing"));
    cs_json_doc_free(doc);
}

static void structure_is_walkable(void **state)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};
    const cs_jval *arr, *c;
    int n = 0;

    (void)state;
    assert_int_equal(
        parse("{\"a\":[1,\"two\",null,true,{\"x\":{}}]}", &doc, &err), CS_OK);
    arr = cs_json_get(cs_json_root(doc), "a");
    assert_int_equal(arr->type, CS_J_ARRAY);
    assert_int_equal(arr->len, 5);
    for (c = arr->child; c != NULL; c = c->next)
        n++;
    assert_int_equal(n, 5);
    assert_int_equal(arr->child->next->type, CS_J_STRING);
    assert_string_equal(arr->child->next->text, "two");
    assert_int_equal(arr->child->next->next->type, CS_J_NULL);
    assert_true(arr->child->next->next->next->b);
    cs_json_doc_free(doc);
}

static void malformed_json_reports_offset(void **state)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};

    (void)state;
    assert_int_equal(parse("{\"a\": tru}", &doc, &err), CS_E_INVALID);
    assert_null(doc);
    assert_non_null(strstr(err.msg, "malformed JSON at byte"));
    assert_int_equal(parse("", &doc, &err), CS_E_INVALID);
    assert_int_equal(parse("{\"a\":1} {", &doc, &err), CS_E_INVALID);
}

static void depth_and_size_are_capped(void **state)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};
    char deep[200];
    cs_json_limits small = {.max_bytes = 8, .max_depth = 32};

    (void)state;
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_int_equal(cs_json_parse(deep, sizeof(deep), NULL, &doc, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "deeper than 32"));
    assert_int_equal(cs_json_parse("{\"a\":12345}", 11, &small, &doc, &err),
                     CS_E_TOO_LARGE);
}

static void duplicate_keys_and_bad_utf8_are_refused(void **state)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};

    (void)state;
    assert_int_equal(parse("{\"id\":\"a\",\"id\":\"b\"}", &doc, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "duplicate member \"id\""));
    assert_int_equal(parse("{\"s\":\"\xff\xfe\"}", &doc, &err), CS_E_INVALID);
    assert_int_equal(parse("{\"s\":\"a\\u0000b\"}", &doc, &err), CS_E_INVALID);
    /* same key in sibling objects is fine */
    assert_int_equal(parse("[{\"id\":1},{\"id\":2}]", &doc, &err), CS_OK);
    cs_json_doc_free(doc);
}

static void doubles_print_shortest_round_trip(void **state)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;

    (void)state;
    yajl_gen_array_open(g);
    cs_json_double(g, 0.1);
    cs_json_double(g, 1.0 / 3.0);
    cs_json_double(g, 1e300);
    cs_json_double(g, NAN);
    yajl_gen_array_close(g);
    yajl_gen_get_buf(g, &buf, &len);
    assert_string_equal((const char *)buf,
                        "[0.1,0.3333333333333333,1e+300,null]");
    yajl_gen_free(g);
}

static void escape_handles_control_characters(void **state)
{
    char buf[64];
    size_t n;

    (void)state;
    n = cs_json_escape_into(buf, 0, sizeof(buf), "a\"b\\c\n\x01", 7);
    assert_string_equal(buf, "a\\\"b\\\\c\\n\\u0001");
    assert_int_equal(n, strlen(buf));
    /* truncation never splits past the buffer */
    n = cs_json_escape_into(buf, 0, 4, "abcdef", 6);
    assert_int_equal(n, 3);
    assert_string_equal(buf, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_keep_their_text),
        cmocka_unit_test(structure_is_walkable),
        cmocka_unit_test(malformed_json_reports_offset),
        cmocka_unit_test(depth_and_size_are_capped),
        cmocka_unit_test(duplicate_keys_and_bad_utf8_are_refused),
        cmocka_unit_test(doubles_print_shortest_round_trip),
        cmocka_unit_test(escape_handles_control_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
