/* tokens.c - verified bearer tokens kept in memory for a short time
 * (CS_API_TOKEN_CACHE_MS, 1 s by default), so that a request costs no
 * database round trip to find its principal: the first request of a token
 * looks it up (cs_token_principal), the following ones within ttl_ms use
 * the principal read then. A revoked token is therefore refused after at
 * most ttl_ms. Only tokens the database knew are kept (an unknown token
 * is looked up every time, so a new one works at once). Direct-mapped like
 * the read cache: a fixed number of slots, a hash's slot by its first
 * bytes (the hash is a keyed BLAKE2b, uniform), one reader-writer lock per
 * slot. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_metrics.h"

typedef struct token_slot {
    pthread_rwlock_t mu;
    char hash[CS_TOKEN_HASH_HEX_BYTES];
    api_principal *who; /* NULL: empty */
    uint64_t expires_ms;
} token_slot;

struct api_tokens {
    token_slot *slots;
    size_t n;
    unsigned ttl_ms;
    _Atomic uint64_t hits, misses;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

api_principal *api_principal_new(const PGresult *res)
{
    const char *v[6];
    size_t len[6], total = 0;
    api_principal *p;
    char *o;

    for (int i = 0; i < 6; i++) {
        v[i] = PQgetisnull(res, 0, i) ? "" : PQgetvalue(res, 0, i);
        len[i] = strlen(v[i]) + 1;
        total += len[i];
    }
    p = malloc(sizeof(*p) + total);
    if (p == NULL)
        return NULL;
    atomic_init(&p->refs, 1);
    o = p->text;
    for (int i = 0; i < 6; i++) {
        memcpy(o, v[i], len[i]);
        v[i] = o;
        o += len[i];
    }
    p->token_id = v[0];
    p->name = v[1];
    p->role = v[2];
    p->regions = v[3];
    p->enterprise = v[4];
    p->tenant = v[5];
    p->role_bit = strcmp(p->role, "admin") == 0        ? API_ROLE_ADMIN
                  : strcmp(p->role, "bureau") == 0     ? API_ROLE_BUREAU
                  : strcmp(p->role, "enterprise") == 0 ? API_ROLE_ENTERPRISE
                  : strcmp(p->role, "connector") == 0  ? API_ROLE_CONNECTOR
                                                       : 0;
    return p;
}

api_principal *api_principal_ref(api_principal *p)
{
    if (p != NULL)
        atomic_fetch_add(&p->refs, 1);
    return p;
}

void api_principal_unref(api_principal *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
        free(p);
}

api_tokens *api_tokens_new(size_t n_slots, unsigned ttl_ms)
{
    api_tokens *t;

    if (ttl_ms == 0 || n_slots == 0)
        return NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->slots = calloc(n_slots, sizeof(*t->slots));
    if (t->slots == NULL) {
        free(t);
        return NULL;
    }
    t->n = n_slots;
    t->ttl_ms = ttl_ms;
    for (size_t i = 0; i < n_slots; i++)
        api_rwlock_init(&t->slots[i].mu);
    return t;
}

void api_tokens_free(api_tokens *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        api_principal_unref(t->slots[i].who);
        pthread_rwlock_destroy(&t->slots[i].mu);
    }
    free(t->slots);
    free(t);
}

_Atomic uint64_t *api_tokens_counter(api_tokens *t, bool hits)
{
    static _Atomic uint64_t zero;

    if (t == NULL)
        return &zero;
    return hits ? &t->hits : &t->misses;
}

static token_slot *slot_of(api_tokens *t, const char *hash_hex)
{
    uint64_t h = 0;

    for (int i = 0; i < 12 && hash_hex[i] != '\0'; i++) {
        char c = hash_hex[i];
        h = h << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return &t->slots[h % t->n];
}

api_principal *api_tokens_get(api_tokens *t, const char *hash_hex)
{
    token_slot *s;
    api_principal *who = NULL;

    if (t == NULL)
        return NULL;
    s = slot_of(t, hash_hex);
    pthread_rwlock_rdlock(&s->mu);
    if (s->who != NULL && s->expires_ms > now_ms() &&
        strcmp(s->hash, hash_hex) == 0)
        who = api_principal_ref(s->who);
    pthread_rwlock_unlock(&s->mu);
    cs_metric_add(who != NULL ? &t->hits : &t->misses, 1);
    return who;
}

void api_tokens_put(api_tokens *t, const char *hash_hex, api_principal *who)
{
    token_slot *s;
    api_principal *old;

    if (t == NULL || who == NULL)
        return;
    s = slot_of(t, hash_hex);
    api_principal_ref(who);
    pthread_rwlock_wrlock(&s->mu);
    old = s->who;
    s->who = who;
    (void)snprintf(s->hash, sizeof(s->hash), "%s", hash_hex);
    s->expires_ms = now_ms() + t->ttl_ms;
    pthread_rwlock_unlock(&s->mu);
    api_principal_unref(old);
}
