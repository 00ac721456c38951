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

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

cs_status cs_time_to_unix_us(const char *s, size_t len, int64_t *out,
                             cs_err *err)
{
    int y = 0, mo = 0, d = 0, hh = 0, mm = 0, ss = 0, oh = 0, om = 0;
    int64_t frac_us = 0, sign = 0;
    size_t i = 19;
    cs_status rc = cs_time_check_date_or_datetime(s, len, err);

    if (rc != CS_OK)
        return rc;
    digits(s, 4, &y);
    digits(s + 5, 2, &mo);
    digits(s + 8, 2, &d);
    if (len > 10) {
        digits(s + 11, 2, &hh);
        digits(s + 14, 2, &mm);
        digits(s + 17, 2, &ss);
        if (s[i] == '.') {
            int64_t scale = 100000;
            for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                frac_us += (s[i] - '0') * scale;
                scale /= 10;
            }
        }
        if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '+' ? 1 : -1;
            digits(s + i + 1, 2, &oh);
            digits(s + i + 4, 2, &om);
        }
    }
    *out = ((days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss) -
            sign * (oh * 3600 + om * 60)) *
               1000000 +
           frac_us;
    return CS_OK;
}

void cs_time_deadline(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
