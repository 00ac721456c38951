/* cs_str.c - bounded copies and strict number parsing. */
#include "cs_str.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t cs_strlcpy(char *dst, const char *src, size_t dst_bytes)
{
    size_t len = strlen(src);

    if (dst_bytes > 0) {
        size_t n = len < dst_bytes - 1 ? len : dst_bytes - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

cs_status cs_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
                       cs_err *err)
{
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0')
        return cs_err_set(err, CS_E_INVALID, "empty value, expected integer");
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == ERANGE || (end != NULL && *end != '\0') || end == s)
        return cs_err_set(err, CS_E_INVALID, "\"%s\" is not an integer", s);
    if (v < min || v > max)
        return cs_err_set(err, CS_E_INVALID,
                          "%lld is out of range [%lld, %lld]", v,
                          (long long)min, (long long)max);
    *out = (int64_t)v;
    return CS_OK;
}

cs_status cs_parse_u32(const char *s, uint32_t *out, cs_err *err)
{
    int64_t v;
    cs_status rc = cs_parse_i64(s, 0, UINT32_MAX, &v, err);

    if (rc == CS_OK)
        *out = (uint32_t)v;
    return rc;
}

cs_status cs_parse_double(const char *s, double *out, cs_err *err)
{
    char *end = NULL;
    double v;

    if (s == NULL || *s == '\0')
        return cs_err_set(err, CS_E_INVALID, "empty value, expected number");
    errno = 0;
    v = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || end == s || !isfinite(v))
        return cs_err_set(err, CS_E_INVALID, "\"%s\" is not a finite number",
                          s);
    *out = v;
    return CS_OK;
}

cs_status cs_parse_bool(const char *s, bool *out, cs_err *err)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; s != NULL && i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return CS_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return CS_OK;
        }
    }
    return cs_err_set(err, CS_E_INVALID, "\"%s\" is not a boolean", s ? s : "");
}

char *cs_strndup(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
