/* cs_test.h - helpers shared by the cmocka unit tests. cmocka 1.1.5's
 * assert_float_equal casts to float, so doubles use cs_assert_near. */
#ifndef CS_TEST_H
#define CS_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define cs_assert_near(a, b, tol)                                              \
    do {                                                                       \
        double cs_a_ = (a), cs_b_ = (b), cs_t_ = (tol);                        \
        if (!(fabs(cs_a_ - cs_b_) <= cs_t_))                                   \
            fail_msg("%s = %.17g, expected %.17g within %.3g", #a, cs_a_,      \
                     cs_b_, cs_t_);                                            \
    } while (0)

#endif
