/* cs_ident.c - credit code, region and industry code checks.
 *
 * GB 32100-2015 section 5: 31-character alphabet "0-9 A-H J-N P-R T U W-Y",
 * values 0..30 in that order; weights W_i = 3^(i-1) mod 31 for positions
 * 1..17; check value C18 = 31 - (sum of value_i * W_i mod 31), where 31
 * maps to 0. */
#include "cs_ident.h"

#include <string.h>

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

static int uscc_value(char c)
{
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

cs_status cs_uscc_check_char(const char *first17, char *out, cs_err *err)
{
    int sum = 0, c18;

    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0)
            return cs_err_set(err, CS_E_INVALID,
                              "character %d of credit code is not allowed "
                              "(0-9, A-Z without I, O, S, V, Z)",
                              i + 1);
        sum += v * uscc_weights[i];
    }
    c18 = 31 - sum % 31;
    *out = uscc_alphabet[c18 == 31 ? 0 : c18];
    return CS_OK;
}

cs_status cs_uscc_validate(const char *code, size_t len, cs_err *err)
{
    char want;
    cs_status rc;

    if (len != CS_USCC_LEN)
        return cs_err_set(err, CS_E_INVALID,
                          "credit code has %zu characters, need 18", len);
    for (int i = 2; i < 8; i++)
        if (code[i] < '0' || code[i] > '9')
            return cs_err_set(err, CS_E_INVALID,
                              "credit code positions 3-8 must be a region "
                              "code of 6 digits");
    rc = cs_uscc_check_char(code, &want, err);
    if (rc != CS_OK)
        return rc;
    if (uscc_value(code[17]) < 0)
        return cs_err_set(err, CS_E_INVALID,
                          "character 18 of credit code is not allowed");
    if (code[17] != want)
        return cs_err_set(err, CS_E_INVALID,
                          "credit code check character is '%c', expected "
                          "'%c'",
                          code[17], want);
    return CS_OK;
}

cs_status cs_region_validate(const char *code, size_t len, cs_err *err)
{
    /* GB/T 2260 province-level prefixes. */
    static const int provinces[] = {
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
        43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    int prefix;

    if (len != 6)
        return cs_err_set(err, CS_E_INVALID,
                          "region code has %zu characters, need 6 digits", len);
    for (size_t i = 0; i < 6; i++)
        if (code[i] < '0' || code[i] > '9')
            return cs_err_set(err, CS_E_INVALID,
                              "region code must be 6 digits");
    prefix = (code[0] - '0') * 10 + (code[1] - '0');
    for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
        if (provinces[i] == prefix)
            return CS_OK;
    return cs_err_set(err, CS_E_INVALID,
                      "region code %.6s does not start with a province "
                      "code of GB/T 2260",
                      code);
}

cs_status cs_industry_validate(const char *code, size_t len, cs_err *err)
{
    if (len == 0 || len == 2 || len > 5)
        return cs_err_set(err, CS_E_INVALID,
                          "industry code must be a section letter and 0, "
                          "2, 3 or 4 digits (e.g. C3670)");
    if (code[0] < 'A' || code[0] > 'T')
        return cs_err_set(err, CS_E_INVALID,
                          "industry code must start with a section letter "
                          "A-T of GB/T 4754-2017");
    for (size_t i = 1; i < len; i++)
        if (code[i] < '0' || code[i] > '9')
            return cs_err_set(err, CS_E_INVALID,
                              "industry code digits expected after the "
                              "section letter");
    return CS_OK;
}
