/* cs_time.c - calendar-correct checks of ISO-8601 dates and times. */
#include "cs_time.h"

#include <stdbool.h>

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

cs_status cs_time_check_date(const char *s, size_t len, cs_err *err)
{
    int y, m, d;

    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return cs_err_set(err, CS_E_INVALID,
                          "not an ISO-8601 date (YYYY-MM-DD)");
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m))
        return cs_err_set(err, CS_E_INVALID, "date %.10s does not exist", s);
    return CS_OK;
}

cs_status cs_time_check_datetime(const char *s, size_t len, cs_err *err)
{
    int hh, mm, ss, oh, om;
    size_t i = 19;
    cs_status rc;

    if (len < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return cs_err_set(err, CS_E_INVALID,
                          "not an RFC 3339 date-time "
                          "(YYYY-MM-DDTHH:MM:SS[.fff]Z or with +HH:MM)");
    rc = cs_time_check_date(s, 10, err);
    if (rc != CS_OK)
        return rc;
    if (s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, &hh) ||
        !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss) || hh > 23 ||
        mm > 59 || ss > 60)
        return cs_err_set(err, CS_E_INVALID,
                          "time of day is not HH:MM:SS in range");
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || i - start > 9)
            return cs_err_set(err, CS_E_INVALID,
                              "fraction of a second needs 1-9 digits");
    }
    if (i == len)
        return cs_err_set(err, CS_E_INVALID,
                          "date-time needs a UTC offset (Z or +HH:MM)");
    if (i == len - 1 && (s[i] == 'Z' || s[i] == 'z'))
        return CS_OK;
    if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' &&
        digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om) && oh <= 23 &&
        om <= 59)
        return CS_OK;
    return cs_err_set(err, CS_E_INVALID,
                      "date-time needs a UTC offset (Z or +HH:MM)");
}

cs_status cs_time_check_date_or_datetime(const char *s, size_t len, cs_err *err)
{
    if (len == 10)
        return cs_time_check_date(s, len, err);
    return cs_time_check_datetime(s, len, err);
}
