/* cs_ident.h - domain identifiers: the unified social credit code
 * (GB 32100-2015), GB/T 2260 region codes and GB/T 4754-2017 industry
 * codes. Pure checks; each fills err with the reason on failure. */
#ifndef CS_IDENT_H
#define CS_IDENT_H

#include <stddef.h>

#include "cs_err.h"

#define CS_USCC_LEN 18

/* Computes the check character (position 18) of the first 17 characters
 * of a credit code. Returns CS_E_INVALID if a character is not in the
 * code's alphabet (digits and upper-case letters without I, O, S, V, Z). */
cs_status cs_uscc_check_char(const char *first17, char *out, cs_err *err);

/* Validates a whole credit code: length 18, alphabet, administrative
 * division digits in positions 3-8, and the check character. */
cs_status cs_uscc_validate(const char *code, size_t len, cs_err *err);

/* 6 digits whose first two name a province-level division (11..82). */
cs_status cs_region_validate(const char *code, size_t len, cs_err *err);

/* A section letter A..T, optionally followed by 2, 3 or 4 digits
 * (section, division, group, class: "C", "C36", "C367", "C3670"). */
cs_status cs_industry_validate(const char *code, size_t len, cs_err *err);

#endif
