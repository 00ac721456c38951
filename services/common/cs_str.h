/* cs_str.h - bounded string copies and strict number parsing, instead of
 * strcpy/strncpy/atoi: every parse checks errno, the end pointer and the
 * range, so "12abc" or "" is an error and never a silent zero. */
#ifndef CS_STR_H
#define CS_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

/* Copies src into dst (size dst_bytes), always NUL-terminating. Returns
 * strlen(src); a result >= dst_bytes means the copy was truncated. */
size_t cs_strlcpy(char *dst, const char *src, size_t dst_bytes);

cs_status cs_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
                       cs_err *err);
cs_status cs_parse_u32(const char *s, uint32_t *out, cs_err *err);
cs_status cs_parse_double(const char *s, double *out, cs_err *err);
/* Accepts 1/0, true/false, yes/no, on/off (any case). */
cs_status cs_parse_bool(const char *s, bool *out, cs_err *err);

/* Returns a new copy of the first len bytes of s, NUL-terminated, or
 * NULL when out of memory. */
char *cs_strndup(const char *s, size_t len);

#endif
