/* token.c - generating and hashing API bearer tokens (see cs_token.h). */
#include "cs_token.h"

#include <sodium.h>
#include <string.h>

#define PEPPER_MIN_BYTES 16
/* Domain separation: this key derivation is used for nothing else. */
static const char kdf_context[] = "chainsight.api-token.v1";

cs_status cs_token_key_init(cs_token_key *key, const char *pepper, cs_err *err)
{
    size_t len = pepper != NULL ? strlen(pepper) : 0;

    if (sodium_init() < 0)
        return cs_err_set(err, CS_E_INTERNAL, "cannot initialise libsodium");
    if (len < PEPPER_MIN_BYTES)
        return cs_err_set(err, CS_E_CONFIG,
                          "token pepper must be at least %d bytes",
                          PEPPER_MIN_BYTES);
    crypto_generichash(key->k, sizeof(key->k), (const unsigned char *)pepper,
                       len, (const unsigned char *)kdf_context,
                       sizeof(kdf_context) - 1);
    return CS_OK;
}

void cs_token_key_wipe(cs_token_key *key)
{
    sodium_memzero(key->k, sizeof(key->k));
}

bool cs_token_pepper_is_default(const char *pepper)
{
    return pepper != NULL && strcmp(pepper, CS_TOKEN_DEV_PEPPER) == 0;
}

cs_status cs_token_generate(char *text, cs_err *err)
{
    unsigned char raw[CS_TOKEN_RAW_BYTES];
    size_t plen = strlen(CS_TOKEN_PREFIX);

    if (sodium_init() < 0)
        return cs_err_set(err, CS_E_INTERNAL, "cannot initialise libsodium");
    randombytes_buf(raw, sizeof(raw));
    memcpy(text, CS_TOKEN_PREFIX, plen);
    sodium_bin2base64(text + plen, CS_TOKEN_TEXT_BYTES - plen, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    return CS_OK;
}

cs_status cs_token_hash_hex(const cs_token_key *key, const char *text,
                            size_t len, char *hex, cs_err *err)
{
    unsigned char raw[CS_TOKEN_RAW_BYTES], h[CS_TOKEN_HASH_BYTES];
    size_t plen = strlen(CS_TOKEN_PREFIX), raw_len = 0;
    const char *end = NULL;

    if (len != CS_TOKEN_TEXT_BYTES - 1 ||
        memcmp(text, CS_TOKEN_PREFIX, plen) != 0)
        return cs_err_set(err, CS_E_INVALID, "malformed token");
    /* Decoding proves the alphabet and that exactly 32 bytes are there. */
    if (sodium_base642bin(raw, sizeof(raw), text + plen, len - plen, NULL,
                          &raw_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        raw_len != sizeof(raw) || end != text + len)
        return cs_err_set(err, CS_E_INVALID, "malformed token");
    sodium_memzero(raw, sizeof(raw));
    crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, key->k,
                       sizeof(key->k));
    sodium_bin2hex(hex, CS_TOKEN_HASH_HEX_BYTES, h, sizeof(h));
    return CS_OK;
}
