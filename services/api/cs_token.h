/* cs_token.h - API bearer tokens: 32 random bytes from libsodium, shown
 * once as "cs_" + unpadded base64url, and stored only as a keyed BLAKE2b
 * hash (crypto_generichash) whose key derives from a server-side pepper.
 * The hash is the lookup key, so a request costs one hash, never a slow
 * password hash. Shared by cs-api (verify) and cs-admin (create). */
#ifndef CS_TOKEN_H
#define CS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_err.h"

#define CS_TOKEN_PREFIX    "cs_"
#define CS_TOKEN_RAW_BYTES 32
/* "cs_" + 43 base64url characters + NUL */
#define CS_TOKEN_TEXT_BYTES     47
#define CS_TOKEN_HASH_BYTES     32
#define CS_TOKEN_HASH_HEX_BYTES (2 * CS_TOKEN_HASH_BYTES + 1)
#define CS_TOKEN_KEY_BYTES      32

/* The development default of CS_TOKEN_PEPPER. Anyone who knows it can
 * check guessed tokens against a stolen hash table: production must set
 * its own secret (and keep it out of the database). */
#define CS_TOKEN_DEV_PEPPER "chainsight-development-pepper-do-not-use"

typedef struct cs_token_key {
    unsigned char k[CS_TOKEN_KEY_BYTES];
} cs_token_key;

/* Initialises libsodium and derives the hashing key from the pepper (any
 * length of at least 16 bytes). */
cs_status cs_token_key_init(cs_token_key *key, const char *pepper, cs_err *err);
void cs_token_key_wipe(cs_token_key *key);
bool cs_token_pepper_is_default(const char *pepper);

/* Fills text (CS_TOKEN_TEXT_BYTES) with a new random token. */
cs_status cs_token_generate(char *text, cs_err *err);

/* Checks the shape of a presented token (prefix, length, alphabet) and
 * writes the hex of its keyed hash into hex (CS_TOKEN_HASH_HEX_BYTES).
 * CS_E_INVALID when the token is malformed. */
cs_status cs_token_hash_hex(const cs_token_key *key, const char *text,
                            size_t len, char *hex, cs_err *err);

#endif
