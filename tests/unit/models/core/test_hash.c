/* test_hash.c - FNV-1a against its published test vectors, and the string
 * set through growth, with owned and borrowed strings. */
#include <stdio.h>
#include <string.h>

#include "cs_hash.h"
#include "cs_test.h"

/* Vectors of the FNV reference test suite (Fowler, Noll, Vo; "FNV Hash",
 * isthe.com/chongo/tech/comp/fnv, test_fnv.c: fnv1a_64 of "", "a",
 * "foobar"). */
static void fnv1a_vectors(void **state)
{
    (void)state;
    assert_true(cs_fnv1a(CS_FNV1A_INIT, "", 0) == 0xcbf29ce484222325ull);
    assert_true(cs_fnv1a(CS_FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(cs_fnv1a(CS_FNV1A_INIT, "foobar", 6) == 0x85944171f73967e8ull);
    /* continued hashing equals hashing the concatenation */
    assert_true(cs_fnv1a(cs_fnv1a(CS_FNV1A_INIT, "foo", 3), "bar", 3) ==
                cs_fnv1a(CS_FNV1A_INIT, "foobar", 6));
}

static void owned_set_grows(void **state)
{
    cs_strset s = {.owns = true};
    char buf[32];

    (void)state;
    assert_false(cs_strset_has(&s, "x"));
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof(buf), "tenant-%d", i);
        assert_int_equal(cs_strset_add(&s, buf), 1);
    }
    buf[0] = '\0'; /* the set kept copies, not this buffer */
    assert_int_equal(s.n, 1000);
    assert_true(s.cap >= 2000);
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof(buf), "tenant-%d", i);
        assert_true(cs_strset_has(&s, buf));
        assert_int_equal(cs_strset_add(&s, buf), 0);
    }
    assert_int_equal(s.n, 1000);
    assert_false(cs_strset_has(&s, "tenant-1000"));
    assert_false(cs_strset_has(&s, ""));
    cs_strset_free(&s);
    assert_int_equal(s.n, 0);
    assert_false(cs_strset_has(&s, "tenant-1"));
    assert_int_equal(cs_strset_add(&s, "tenant-1"), 1); /* usable again */
    cs_strset_free(&s);
}

static void borrowed_set(void **state)
{
    const char *words[] = {"a", "b", "a", "", "b", "c", ""};
    cs_strset s = {0};
    int added = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        added += cs_strset_add(&s, words[i]);
    assert_int_equal(added, 4);
    assert_int_equal(s.n, 4);
    assert_true(cs_strset_has(&s, ""));
    assert_true(cs_strset_has(&s, "c"));
    assert_false(cs_strset_has(&s, "d"));
    cs_strset_free(&s); /* frees the table only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fnv1a_vectors),
        cmocka_unit_test(owned_set_grows),
        cmocka_unit_test(borrowed_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
