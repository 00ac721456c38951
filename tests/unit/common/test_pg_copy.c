/* test_pg_copy.c - COPY text escaping (no server needed) and SQLSTATE
 * classes of failures. */
#include <string.h>

#include "cs_pg.h"
#include "cs_test.h"

static void fields_are_escaped(void **state)
{
    cs_copybuf b = {0};

    (void)state;
    cs_copybuf_field(&b, "a\tb", true);
    cs_copybuf_field(&b, "line1\nline2\r", false);
    cs_copybuf_field(&b, "back\\slash", false);
    cs_copybuf_field(&b, NULL, false);
    cs_copybuf_field(&b, "", false);
    cs_copybuf_end_row(&b);
    assert_false(b.failed);
    assert_int_equal(b.len,
                     strlen("a\\tb\tline1\\nline2\\r\tback\\\\slash\t\\N\t\n"));
    assert_memory_equal(
        b.buf, "a\\tb\tline1\\nline2\\r\tback\\\\slash\t\\N\t\n", b.len);
    cs_copybuf_reset(&b);
    assert_int_equal(b.len, 0);
    cs_copybuf_free(&b);
}

static void buffer_grows(void **state)
{
    cs_copybuf b = {0};
    char big[5000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int i = 0; i < 100; i++) {
        cs_copybuf_field(&b, big, true);
        cs_copybuf_end_row(&b);
    }
    assert_false(b.failed);
    assert_int_equal(b.len, 100 * sizeof(big));
    cs_copybuf_free(&b);
}

static void lost_connection_is_transient(void **state)
{
    (void)state;
    /* A NULL result means the client lost the server: retry later. */
    assert_int_equal(cs_pg_status_of(NULL, NULL), CS_E_DB_DOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_escaped),
        cmocka_unit_test(buffer_grows),
        cmocka_unit_test(lost_connection_is_transient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
