/* cs_hash.h - hashing for in-memory tables: 64-bit FNV-1a and a set of
 * strings with open addressing (linear probing, at most half full).
 * Neither is for anything an adversary could aim at (no seed). */
#ifndef CS_HASH_H
#define CS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_FNV1A_INIT 14695981039346656037ull

/* FNV-1a over n bytes at p, continued from h (start with CS_FNV1A_INIT). */
static inline uint64_t cs_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* A set of NUL-terminated strings. With owns, cs_strset_add keeps a copy
 * of each string and cs_strset_free frees them; otherwise the set only
 * points at the caller's strings, which must outlive it. Zero-initialise
 * ({0}, or {.owns = true}); the first add allocates. */
typedef struct cs_strset {
    char **slot;
    size_t cap, n; /* cap: 0 or a power of two */
    bool owns;
} cs_strset;

bool cs_strset_has(const cs_strset *s, const char *str);
/* 1: added, 0: already there, -1: out of memory (the set is unchanged). */
int cs_strset_add(cs_strset *s, const char *str);
/* Empties the set and frees its memory (and the strings it owns). */
void cs_strset_free(cs_strset *s);

#endif
