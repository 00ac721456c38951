/* edi_value.c - checks and normalises the values EDI states: decimals
 * (either decimal mark), dates in the EDIFACT 2379 formats, unit codes,
 * control counts; plus the content hash behind deterministic event ids. */
#include "edi_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_str.h"
#include "cs_time.h"

#define EDI_MAX_INT_DIGITS 15 /* quantities and amounts are < 10^15 */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

cs_status cs__edi_decimal(const edi_seg *s, const char *what, const char *in,
                          char decimal, char *out, size_t out_bytes,
                          cs_err *err)
{
    const char *p = in, *int_start, *frac = NULL;
    size_t n_int, n_frac = 0, o = 0;

    if (*p == '-')
        return cs__edi_fail(err, s, "%s \"%s\" is negative", what, in);
    if (*p == '+')
        p++;
    int_start = p;
    while (is_digit(*p))
        p++;
    n_int = (size_t)(p - int_start);
    if (*p == decimal) {
        frac = ++p;
        while (is_digit(*p))
            p++;
        n_frac = (size_t)(p - frac);
    }
    if (*p != '\0' || n_int + n_frac == 0)
        return cs__edi_fail(err, s,
                            "%s \"%s\" is not a decimal number (decimal "
                            "mark '%c')",
                            what, in, decimal);
    while (n_int > 1 && *int_start == '0') {
        int_start++;
        n_int--;
    }
    if (n_int > EDI_MAX_INT_DIGITS)
        return cs__edi_fail(err, s, "%s \"%s\" is not below 10^15", what, in);
    if (n_int + n_frac + 3 > out_bytes)
        return cs__edi_fail(err, s, "%s \"%s\" has too many digits", what, in);
    if (n_int == 0)
        out[o++] = '0';
    memcpy(out + o, int_start, n_int);
    o += n_int;
    if (n_frac > 0) {
        out[o++] = '.';
        memcpy(out + o, frac, n_frac);
        o += n_frac;
    }
    out[o] = '\0';
    return CS_OK;
}

static cs_status check(const edi_seg *s, const char *what, const char *in,
                       const char *out, bool is_date, cs_err *err)
{
    cs_err e = {0};
    cs_status rc = is_date ? cs_time_check_date(out, strlen(out), &e)
                           : cs_time_check_datetime(out, strlen(out), &e);
    if (rc != CS_OK)
        return cs__edi_fail(err, s, "%s \"%s\" is not a valid date: %s", what,
                            in, e.msg);
    return CS_OK;
}

/* YYMMDD: years 00-69 are 20xx, 70-99 19xx (the usual EDI window). */
static int century(const char *yy)
{
    return (yy[0] - '0') * 10 + (yy[1] - '0') < 70 ? 20 : 19;
}

cs_status cs__edi_date(const edi_seg *s, const char *what, const char *in,
                       const char *fmt, const char *offset, char *out,
                       size_t out_bytes, cs_err *err)
{
    size_t n = strlen(in);
    int w;

    if (fmt[0] == '\0')
        fmt = "102";
    if (!all_digits(in, n))
        return cs__edi_fail(err, s, "%s \"%s\" is not a date (digits only)",
                            what, in);
    if (strcmp(fmt, "102") == 0 && n == 8) {
        w = snprintf(out, out_bytes, "%.4s-%.2s-%.2s", in, in + 4, in + 6);
    } else if (strcmp(fmt, "101") == 0 && n == 6) {
        w = snprintf(out, out_bytes, "%d%.2s-%.2s-%.2s", century(in), in,
                     in + 2, in + 4);
    } else if (strcmp(fmt, "203") == 0 && n == 12) {
        w = snprintf(out, out_bytes, "%.4s-%.2s-%.2sT%.2s:%.2s:00%s", in,
                     in + 4, in + 6, in + 8, in + 10, offset);
    } else if (strcmp(fmt, "204") == 0 && n == 14) {
        w = snprintf(out, out_bytes, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s", in,
                     in + 4, in + 6, in + 8, in + 10, in + 12, offset);
    } else if (strcmp(fmt, "102") == 0 || strcmp(fmt, "101") == 0 ||
               strcmp(fmt, "203") == 0 || strcmp(fmt, "204") == 0) {
        return cs__edi_fail(err, s,
                            "%s \"%s\" has %zu digits, format %s "
                            "needs %d",
                            what, in, n, fmt,
                            fmt[2] == '2'   ? 8
                            : fmt[2] == '1' ? 6
                            : fmt[2] == '3' ? 12
                                            : 14);
    } else {
        return cs__edi_fail(err, s,
                            "%s: date format \"%s\" is not supported "
                            "(102, 203, 204, 101 are)",
                            what, fmt);
    }
    if (w < 0 || (size_t)w >= out_bytes)
        return cs__edi_fail(err, s, "%s \"%s\" is too long", what, in);
    return check(s, what, in, out, fmt[2] == '2' || fmt[2] == '1', err);
}

cs_status cs__edi_datetime(const edi_seg *s, const char *what, const char *date,
                           const char *time, const char *offset, char *out,
                           size_t out_bytes, cs_err *err)
{
    size_t nd = strlen(date), nt = strlen(time);
    char ymd[16];
    int w;

    if (!all_digits(date, nd) || (nd != 6 && nd != 8))
        return cs__edi_fail(err, s, "%s date \"%s\" is not YYMMDD or CCYYMMDD",
                            what, date);
    if (!all_digits(time, nt) || (nt != 4 && nt != 6 && nt != 7 && nt != 8))
        return cs__edi_fail(err, s, "%s time \"%s\" is not HHMM[SS[d..]]", what,
                            time);
    if (nd == 6)
        snprintf(ymd, sizeof(ymd), "%d%.6s", century(date), date);
    else
        snprintf(ymd, sizeof(ymd), "%.8s", date);
    w = snprintf(out, out_bytes, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s", ymd,
                 ymd + 4, ymd + 6, time, time + 2, nt >= 6 ? time + 4 : "00",
                 offset);
    if (w < 0 || (size_t)w >= out_bytes)
        return cs__edi_fail(err, s, "%s date-time is too long", what);
    {
        cs_err e = {0};
        if (cs_time_check_datetime(out, strlen(out), &e) != CS_OK)
            return cs__edi_fail(err, s,
                                "%s date-time \"%s %s\" is not valid: %s", what,
                                date, time, e.msg);
    }
    return CS_OK;
}

cs_status cs__edi_unit(const edi_seg *s, const char *what, const char *in,
                       cs_err *err)
{
    size_t n = strlen(in);

    if (n == 0)
        return cs__edi_fail(err, s, "%s: no unit of measure stated", what);
    if (n > 8)
        return cs__edi_fail(
            err, s, "%s: unit \"%s\" is longer than 8 characters", what, in);
    for (size_t i = 0; i < n; i++)
        if (!((in[i] >= 'A' && in[i] <= 'Z') || is_digit(in[i])))
            return cs__edi_fail(err, s,
                                "%s: unit \"%s\" is not a unit code "
                                "(upper-case letters and digits)",
                                what, in);
    return CS_OK;
}

cs_status cs__edi_n2(const edi_seg *s, const char *what, const char *in,
                     char *out, size_t out_bytes, cs_err *err)
{
    char buf[EDI_NUM_BYTES];
    size_t n = strlen(in);

    if (n == 0 || n > 17)
        return cs__edi_fail(err, s,
                            "%s \"%.40s\" is not an amount of 1-17 digits "
                            "with two implied decimals",
                            what, in);
    for (size_t i = 0; i < n; i++)
        if (!is_digit(in[i]))
            return cs__edi_fail(err, s,
                                "%s \"%.40s\" is not an amount (digits "
                                "only, two implied decimals)",
                                what, in);
    /* "5" is 0.05, "255438" is 2554.38 */
    if (n <= 2)
        snprintf(buf, sizeof(buf), "0.%s%s", n == 1 ? "0" : "", in);
    else
        snprintf(buf, sizeof(buf), "%.*s.%s", (int)(n - 2), in, in + n - 2);
    return cs__edi_decimal(s, what, buf, '.', out, out_bytes, err);
}

cs_status cs__edi_currency(const edi_seg *s, const char *what, const char *in,
                           cs_err *err)
{
    if (strlen(in) != 3 || in[0] < 'A' || in[0] > 'Z' || in[1] < 'A' ||
        in[1] > 'Z' || in[2] < 'A' || in[2] > 'Z')
        return cs__edi_fail(err, s, "%s \"%s\" is not an ISO 4217 code", what,
                            in);
    return CS_OK;
}

cs_status cs__edi_count(const edi_seg *s, const char *what, const char *in,
                        int64_t *out, cs_err *err)
{
    size_t n = strlen(in);
    cs_err e = {0};

    if (n == 0 || n > 10 || !all_digits(in, n) ||
        cs_parse_i64(in, 0, INT64_MAX, out, &e) != CS_OK)
        return cs__edi_fail(err, s, "%s \"%s\" is not a count", what, in);
    return CS_OK;
}

uint64_t cs__edi_hash_segs(const edi_lex *lx, size_t from, size_t to)
{
    uint64_t h = CS_FNV1A_INIT;

    /* Over tags and components with fixed markers, so the same message
     * sent with other separators or line ends hashes the same. */
    for (size_t i = from; i <= to && i < lx->n_segs; i++) {
        const edi_seg *s = &lx->segs[i];
        h = cs_fnv1a(h, s->tag, strlen(s->tag));
        for (size_t e = 1; e <= s->n_elems; e++) {
            h = cs_fnv1a(h, "\x1d", 1);
            for (size_t c = 1; c <= cs__edi_n_comps(lx, s, e); c++) {
                const char *v = cs__edi_get(lx, s, e, c);
                h = cs_fnv1a(h, "\x1f", 1);
                h = cs_fnv1a(h, v, strlen(v));
            }
        }
        h = cs_fnv1a(h, "\x1e", 1);
    }
    return h;
}

cs_status cs__edi_check_text(const edi_lex *lx, const edi_seg *s,
                             const char *charset, cs_err *err)
{
    bool ascii = charset != NULL &&
                 (strcmp(charset, "UNOA") == 0 || strcmp(charset, "UNOB") == 0);
    bool eight_bit = charset != NULL && !ascii &&
                     strcmp(charset, "UNOW") != 0 &&
                     strcmp(charset, "UNOY") != 0;

    if (eight_bit)
        return CS_OK;
    for (size_t e = 1; e <= s->n_elems; e++) {
        for (size_t c = 1; c <= cs__edi_n_comps(lx, s, e); c++) {
            const char *v = cs__edi_get(lx, s, e, c);
            size_t n = strlen(v);
            if (ascii) {
                for (size_t k = 0; k < n; k++)
                    if ((unsigned char)v[k] >= 0x80)
                        return cs__edi_fail(err, s,
                                            "element %zu: byte 0x%02X is "
                                            "not in character set %s "
                                            "(7-bit ASCII)",
                                            e, (unsigned)(unsigned char)v[k],
                                            charset);
            } else if (!cs__edi_utf8_valid(v, n)) {
                return cs__edi_fail(err, s, "element %zu is not valid UTF-8%s",
                                    e,
                                    charset ? ""
                                            : " (X12 declares no "
                                              "character set)");
            }
        }
    }
    return CS_OK;
}

void cs__edi_trim(const char *in, char *out, size_t out_bytes)
{
    size_t n;

    while (*in == ' ')
        in++;
    n = strlen(in);
    while (n > 0 && in[n - 1] == ' ')
        n--;
    if (n >= out_bytes)
        n = out_bytes - 1;
    memcpy(out, in, n);
    out[n] = '\0';
}

void cs__edi_ascii(const char *in, char *out, size_t out_bytes)
{
    size_t i = 0;

    for (; in[i] != '\0' && i + 1 < out_bytes; i++) {
        unsigned char c = (unsigned char)in[i];
        /* ids and sources stay printable ASCII whatever the charset; the
         * content hash next to them keeps distinct bytes distinct */
        out[i] = c > 0x20 && c < 0x7f && c != ':' && c != '/' ? (char)c : '_';
    }
    out[i] = '\0';
}

/* ---- exact sums ---- */

#define EDI_DEC_MAX_SCALE 9

cs_status cs__edi_dec_parse(const edi_seg *s, const char *what, const char *in,
                            char decimal, edi_dec *out, cs_err *err)
{
    char norm[EDI_NUM_BYTES];
    const char *p, *dot;
    bool neg = in[0] == '-';
    int64_t v = 0;
    int scale = 0;

    if (cs__edi_decimal(s, what, in + (neg ? 1 : 0), decimal, norm,
                        sizeof(norm), err) != CS_OK)
        return CS_E_INVALID;
    dot = strchr(norm, '.');
    if (dot != NULL && strlen(dot + 1) > EDI_DEC_MAX_SCALE)
        return cs__edi_fail(err, s, "%s \"%s\" has more than %d decimals", what,
                            in, EDI_DEC_MAX_SCALE);
    for (p = norm; *p != '\0'; p++) {
        if (*p == '.')
            continue;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, *p - '0', &v))
            return cs__edi_fail(err, s, "%s \"%s\" has too many digits", what,
                                in);
        if (dot != NULL && p > dot)
            scale++;
    }
    out->v = neg ? -v : v;
    out->scale = scale;
    return CS_OK;
}

static bool dec_rescale(edi_dec *x, int scale)
{
    while (x->scale < scale) {
        if (__builtin_mul_overflow(x->v, 10, &x->v))
            return false;
        x->scale++;
    }
    return true;
}

bool cs__edi_dec_add(edi_dec *acc, edi_dec x)
{
    int scale = acc->scale > x.scale ? acc->scale : x.scale;

    if (!dec_rescale(acc, scale) || !dec_rescale(&x, scale))
        return false;
    return !__builtin_add_overflow(acc->v, x.v, &acc->v);
}

void cs__edi_dec_text(edi_dec x, char *out, size_t out_bytes)
{
    char digits[32];
    uint64_t a = x.v < 0 ? -(uint64_t)x.v : (uint64_t)x.v;
    int n = snprintf(digits, sizeof(digits), "%0*llu", x.scale + 1,
                     (unsigned long long)a);

    if (x.scale == 0)
        snprintf(out, out_bytes, "%s%s", x.v < 0 ? "-" : "", digits);
    else
        snprintf(out, out_bytes, "%s%.*s.%s", x.v < 0 ? "-" : "", n - x.scale,
                 digits, digits + n - x.scale);
}
