/* tokens.c - verified bearer tokens kept in memory for a short time
 * (CS_API_TOKEN_CACHE_MS, 1 s by default), so that a request costs no
 * database round trip to find its principal: the first request of a token
 * looks it up (cs_token_principal), the following ones within ttl_ms use
 * the principal read then. Only tokens the database knew are kept (an
 * unknown token is looked up every time, so a new one works at once). An
 * entry in the second half of its life is checked again by a background
 * thread (its own connection), which renews it or drops a revoked token's,
 * so that requests do not all wait for the lookup when it expires; while
 * that check is pending, the entry is served up to ttl_ms past its end. A
 * revoked token is therefore refused after at most 2 * ttl_ms. Direct-mapped
 * like the read cache: a fixed number of slots, a hash's slot by its first
 * bytes (the hash is a keyed BLAKE2b, uniform), one reader-writer lock per
 * slot. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_log.h"
#include "cs_metrics.h"

typedef struct token_slot {
    pthread_rwlock_t mu;
    char hash[CS_TOKEN_HASH_HEX_BYTES];
    api_principal *who; /* NULL: empty */
    uint64_t expires_ms;
    _Atomic bool checking; /* queued for the background check */
} token_slot;

#define CHECK_QUEUE 64

struct api_tokens {
    token_slot *slots;
    size_t n;
    unsigned ttl_ms;
    _Atomic uint64_t hits, misses;
    /* the background check of entries in the second half of their life */
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    char q[CHECK_QUEUE][CS_TOKEN_HASH_HEX_BYTES];
    size_t q_head, q_len;
    bool stop, started;
    pthread_t thread;
    cs_pg *db;
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

static token_slot *slot_of(api_tokens *t, const char *hash_hex);

/* Looks hash up again: a fresh entry when the token is still valid, none
 * when it was revoked (the next request looks it up and gets 401). */
static void check_token(api_tokens *t, const char *hash)
{
    const char *params[1] = {hash};
    PGresult *res = NULL;
    cs_err err = {0};
    token_slot *s = slot_of(t, hash);

    if ((!cs_pg_ok(t->db) && cs_pg_reset(t->db, &err) != CS_OK) ||
        cs_pg_run(t->db, "auth_token", 1, params, &res, &err) != CS_OK) {
        cs_log_warn("token check failed", CS_KV_STR("error", err.msg));
    } else if (PQntuples(res) == 1) {
        api_principal *who = api_principal_new(res);
        api_tokens_put(t, hash, who); /* clears checking */
        api_principal_unref(who);
        PQclear(res);
        return;
    } else {
        api_principal *old = NULL;
        pthread_rwlock_wrlock(&s->mu);
        if (s->who != NULL && strcmp(s->hash, hash) == 0) {
            old = s->who;
            s->who = NULL;
        }
        pthread_rwlock_unlock(&s->mu);
        api_principal_unref(old);
    }
    PQclear(res);
    atomic_store(&s->checking, false);
}

static void *checker(void *arg)
{
    api_tokens *t = arg;

    for (;;) {
        char hash[CS_TOKEN_HASH_HEX_BYTES];

        pthread_mutex_lock(&t->qmu);
        while (!t->stop && t->q_len == 0)
            pthread_cond_wait(&t->qcv, &t->qmu);
        if (t->stop) {
            pthread_mutex_unlock(&t->qmu);
            return NULL;
        }
        memcpy(hash, t->q[t->q_head], sizeof(hash));
        t->q_head = (t->q_head + 1) % CHECK_QUEUE;
        t->q_len--;
        pthread_mutex_unlock(&t->qmu);
        check_token(t, hash);
    }
}

cs_status api_tokens_new(api *a, size_t n_slots, unsigned ttl_ms,
                         api_tokens **out, cs_err *err)
{
    api_tokens *t;
    cs_status rc;

    *out = NULL;
    if (ttl_ms == 0 || n_slots == 0)
        return CS_OK;
    t = calloc(1, sizeof(*t));
    if (t == NULL || (t->slots = calloc(n_slots, sizeof(*t->slots))) == NULL) {
        free(t);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    t->n = n_slots;
    t->ttl_ms = ttl_ms;
    for (size_t i = 0; i < n_slots; i++)
        api_rwlock_init(&t->slots[i].mu);
    pthread_mutex_init(&t->qmu, NULL);
    pthread_cond_init(&t->qcv, NULL);
    rc = cs_pg_connect(a->cfg->pg_dsn, a->setup_sql, cs_api_stmts,
                       cs_api_n_stmts, &t->db, err);
    if (rc == CS_OK && pthread_create(&t->thread, NULL, checker, t) != 0)
        rc = cs_err_set(err, CS_E_INTERNAL, "cannot start the token checker");
    t->started = rc == CS_OK;
    if (rc != CS_OK) {
        api_tokens_free(t);
        return rc;
    }
    *out = t;
    return CS_OK;
}

void api_tokens_free(api_tokens *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->qmu);
    t->stop = true;
    pthread_cond_broadcast(&t->qcv);
    pthread_mutex_unlock(&t->qmu);
    if (t->started)
        pthread_join(t->thread, NULL);
    cs_pg_close(t->db);
    for (size_t i = 0; i < t->n; i++) {
        api_principal_unref(t->slots[i].who);
        pthread_rwlock_destroy(&t->slots[i].mu);
    }
    pthread_mutex_destroy(&t->qmu);
    pthread_cond_destroy(&t->qcv);
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

static bool queue_check(api_tokens *t, const char *hash_hex)
{
    bool queued = false;

    pthread_mutex_lock(&t->qmu);
    if (t->q_len < CHECK_QUEUE) {
        memcpy(t->q[(t->q_head + t->q_len) % CHECK_QUEUE], hash_hex,
               CS_TOKEN_HASH_HEX_BYTES);
        t->q_len++;
        queued = true;
        pthread_cond_signal(&t->qcv);
    }
    pthread_mutex_unlock(&t->qmu);
    return queued;
}

api_principal *api_tokens_get(api_tokens *t, const char *hash_hex)
{
    return api_tokens_lookup(t, hash_hex, true);
}

api_principal *api_tokens_lookup(api_tokens *t, const char *hash_hex,
                                 bool count_miss)
{
    token_slot *s;
    api_principal *who = NULL;
    uint64_t now = now_ms();

    if (t == NULL)
        return NULL;
    s = slot_of(t, hash_hex);
    pthread_rwlock_rdlock(&s->mu);
    if (s->who != NULL && strcmp(s->hash, hash_hex) == 0) {
        bool fresh = s->expires_ms > now;
        /* expired while its background check is queued or running (slow
         * on a loaded machine): still served for up to ttl_ms more, so
         * that the request threads do not all look it up at once; a check
         * that fails or finds the token revoked ends that at once */
        if (fresh ||
            (atomic_load(&s->checking) && now - s->expires_ms < t->ttl_ms))
            who = api_principal_ref(s->who);
        /* in the second half of its life: have it checked again in the
         * background, so that no request waits for the lookup */
        if (fresh && s->expires_ms - now < t->ttl_ms / 2 &&
            !atomic_exchange(&s->checking, true) && !queue_check(t, hash_hex))
            atomic_store(&s->checking, false);
    }
    pthread_rwlock_unlock(&s->mu);
    if (who != NULL || count_miss)
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
    atomic_store(&s->checking, false);
    pthread_rwlock_unlock(&s->mu);
    api_principal_unref(old);
}
