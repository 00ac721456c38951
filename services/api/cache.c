/* cache.c - a small in-process cache of /v1 read answers (CS_API_CACHE_MS,
 * off by default). The key is the token id, the path and every query
 * argument, so an entry is only ever served to the principal that read
 * it; authentication and the rate limit still run for every request (a
 * revoked token is refused once the token cache lets it go, tokens.c),
 * only the read transaction is skipped. Only 200 answers are kept; any
 * write through this process (a non-GET request that succeeded) empties
 * the cache. Direct-mapped: a fixed number of slots, a key's slot by its
 * hash, nothing to evict. A slot holds a reference-counted, immutable
 * entry: a hit takes a reference under the slot's lock, shared (a
 * pointer load and an increment), and copies the body with no lock held,
 * and a refresh swaps the pointer to an entry it built beforehand, under
 * the lock exclusive for that swap alone, so a reader never waits for a
 * writer copying a body, nor a writer for readers copying theirs; hits
 * never wait for each other. Fresh lifetimes are jittered (up to ttl_ms / 8
 * shorter) so entries stored together do not expire together. Stale while
 * revalidate, off the request threads: an entry is fresh for ttl_ms; for
 * stale_ms more it is still served, and the first request that finds it so
 * queues a refresh for a background thread (each with a database connection of
 * its own), which reads the route again as the same principal and replaces the
 * entry. libmicrohttpd pins a connection to one pool thread, so a refresh on a
 * request thread would stall every connection of that thread for the length of
 * the query; here a request never waits for one. Refresh threads (and, on this
 * host, their database sessions) run at a lower priority (api.refresh_nice), so
 * on a machine short of cores a refresh takes the CPU requests leave; the
 * number of threads bounds the refreshes running at once. An answer is
 * at most ttl_ms + stale_ms old, or ttl_ms + 2 * stale_ms while its
 * refresh is still queued or running (older entries are read again by
 * the request, as a miss); readers see other replicas' and cs-analyst's
 * writes within that time. */
#include "api_int.h"

#include "cs_hash.h"
#include "cs_log.h"
#include "cs_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CACHE_KEY_MAX  1024
#define CACHE_BODY_MAX (256u * 1024u)
#define REFRESH_QUEUE  256

/* One answer, immutable once stored: readers take a reference under the
 * slot's lock (a pointer load and an increment) and copy the body out
 * with no lock held; a refresh builds the new entry beforehand and swaps
 * the pointer, and whoever drops the last reference frees the old one. */
typedef struct cache_entry {
    _Atomic unsigned refs;
    uint64_t stored_ms, expires_ms, generation;
    const char *content_type;
    size_t body_len;
    char *body; /* in the same allocation, after the key */
    char key[];
} cache_entry;

typedef struct cache_slot {
    /* held only to load e and take a reference (shared), or to swap e
     * (exclusive): a few instructions either way */
    pthread_rwlock_t mu;
    cache_entry *e;
    _Atomic bool refreshing; /* a refresh is queued or running */
    /* the key's hash when that refresh is a background read of a request
     * that timed out (api_cache_background), else 0 */
    _Atomic uint64_t background;
} cache_slot;

/* What a refresh needs, in one allocation: the key, the path and the
 * query arguments of the request that found the entry stale. */
typedef struct refresh_job {
    char *block;
    const char *key, *path;
    const char *const *args;
    api_principal *who;
} refresh_job;

struct api_cache {
    api *a;
    cache_slot *slots;
    size_t n;
    unsigned ttl_ms, stale_ms;
    _Atomic uint64_t generation; /* bumped by every write */
    _Atomic uint64_t hits, misses, stale, refreshes;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    refresh_job q[REFRESH_QUEUE];
    size_t q_head, q_len;
    bool stop;
    pthread_t *threads;
    cs_pg **dbs;
    /* per refresher, under qmu: what cancels its session's query, so that
     * a stop need not wait for a read of up to api.refresh_timeout_ms */
    PGcancel **cancels;
    size_t n_threads;
    char setup_sql[256]; /* of the refreshers' connections */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void entry_unref(cache_entry *e)
{
    if (e != NULL && atomic_fetch_sub(&e->refs, 1) == 1)
        free(e);
}

/* The slot's entry with a reference taken (NULL when empty). */
static cache_entry *slot_entry(cache_slot *s)
{
    cache_entry *e;

    pthread_rwlock_rdlock(&s->mu);
    e = s->e;
    if (e != NULL)
        atomic_fetch_add(&e->refs, 1);
    pthread_rwlock_unlock(&s->mu);
    return e;
}

static void job_free(refresh_job *j)
{
    api_principal_unref(j->who);
    free(j->block);
    memset(j, 0, sizeof(*j));
}

static void refresh_done(api_cache *c, const char *key);

/* Renices the server process of db's session when it runs on this host
 * (a Unix socket) and is a PostgreSQL backend: the refresh's query burns
 * its CPU there, not in the refresh thread. Best effort: without the
 * right (same user or CAP_SYS_NICE) it stays as it is, said once. */
static void nice_backend(cs_pg *db, unsigned nice, int *done_pid)
{
    int pid = PQbackendPID(db->conn);
    const char *host = PQhost(db->conn);
    char path[64], comm[32] = "";
    FILE *f;

    if (pid <= 0 || pid == *done_pid || host == NULL || host[0] != '/')
        return;
    *done_pid = pid;
    (void)snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(comm, sizeof(comm), f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    if (strncmp(comm, "postgres", 8) != 0) /* another PID namespace */
        return;
    if (setpriority(PRIO_PROCESS, (id_t)pid, (int)nice) != 0)
        cs_log_info("cache refresh: cannot renice the database session",
                    CS_KV_INT("pid", pid), CS_KV_STR("error", strerror(errno)));
}

/* Keeps refresher i's cancel object for its session's current server
 * process (a reset starts another); false when the cache is stopping. A
 * stop between this and the query's start would find nothing to cancel:
 * that read then runs to its end (microseconds of window). */
static bool arm_cancel(api_cache *c, size_t i, cs_pg *db, int *pid)
{
    PGcancel *fresh = NULL, *old = NULL;
    bool go;

    if (PQbackendPID(db->conn) != *pid) {
        *pid = PQbackendPID(db->conn);
        fresh = PQgetCancel(db->conn);
    }
    pthread_mutex_lock(&c->qmu);
    if (fresh != NULL) {
        old = c->cancels[i];
        c->cancels[i] = fresh;
    }
    go = !c->stop;
    pthread_mutex_unlock(&c->qmu);
    if (old != NULL)
        PQfreeCancel(old);
    return go;
}

static void *refresher(void *arg)
{
    api_cache *c = ((void **)arg)[0];
    cs_pg *db = ((void **)arg)[1];
    size_t i = (size_t)(uintptr_t)((void **)arg)[2];
    unsigned nice = c->a->cfg->refresh_nice;
    int backend = 0, cancel_pid = 0;

    free(arg);
    /* background work: on Linux a TID names the thread alone */
    if (nice > 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), (int)nice) != 0)
        cs_log_warn("cache refresh: cannot lower the thread's priority",
                    CS_KV_STR("error", strerror(errno)));
    for (;;) {
        refresh_job j;
        cs_err err = {0};

        pthread_mutex_lock(&c->qmu);
        while (!c->stop && c->q_len == 0)
            pthread_cond_wait(&c->qcv, &c->qmu);
        if (c->stop) {
            pthread_mutex_unlock(&c->qmu);
            return NULL;
        }
        j = c->q[c->q_head];
        c->q_head = (c->q_head + 1) % REFRESH_QUEUE;
        c->q_len--;
        pthread_mutex_unlock(&c->qmu);
        if (cs_pg_ok(db) || cs_pg_reset(db, &err) == CS_OK) {
            if (nice > 0) /* again after a reset: another process */
                nice_backend(db, nice, &backend);
            if (arm_cancel(c, i, db, &cancel_pid))
                api_read_again(c->a, db, j.who, j.path, j.args);
        } else
            cs_log_warn("cache refresh: no database",
                        CS_KV_STR("error", err.msg));
        cs_metric_add(&c->refreshes, 1);
        refresh_done(c, j.key); /* when it failed, a later request retries */
        job_free(&j);
    }
}

cs_status api_cache_new(api *a, size_t n_slots, unsigned ttl_ms,
                        unsigned stale_ms, unsigned n_refreshers,
                        api_cache **out, cs_err *err)
{
    api_cache *c;

    *out = NULL;
    if (ttl_ms == 0 || n_slots == 0)
        return CS_OK;
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->slots = calloc(n_slots, sizeof(*c->slots))) == NULL ||
        (c->threads = calloc(n_refreshers + 1, sizeof(*c->threads))) == NULL ||
        (c->dbs = calloc(n_refreshers + 1, sizeof(*c->dbs))) == NULL ||
        (c->cancels = calloc(n_refreshers + 1, sizeof(*c->cancels))) == NULL) {
        if (c != NULL) {
            free(c->slots);
            free(c->threads);
            free(c->dbs);
        }
        free(c);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    c->a = a;
    c->n = n_slots;
    c->ttl_ms = ttl_ms;
    c->stale_ms = stale_ms;
    for (size_t i = 0; i < n_slots; i++)
        api_rwlock_init(&c->slots[i].mu);
    pthread_mutex_init(&c->qmu, NULL);
    pthread_cond_init(&c->qcv, NULL);
    /* a refresh is background work: no parallel workers, so that it takes
     * one core at most from the request threads */
    (void)snprintf(c->setup_sql, sizeof(c->setup_sql),
                   "%s; SET max_parallel_workers_per_gather = 0; "
                   "SET statement_timeout = %u",
                   a->setup_sql, a->cfg->refresh_timeout_ms);
    for (unsigned i = 0; i < n_refreshers; i++) {
        void **arg = NULL;
        cs_status rc = cs_pg_connect(a->cfg->pg_dsn, c->setup_sql, cs_api_stmts,
                                     cs_api_n_stmts, &c->dbs[i], err);
        if (rc == CS_OK && (arg = malloc(3 * sizeof(*arg))) == NULL)
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        if (rc == CS_OK) {
            arg[0] = c;
            arg[1] = c->dbs[i];
            arg[2] = (void *)(uintptr_t)i;
            if (pthread_create(&c->threads[i], NULL, refresher, arg) != 0) {
                free(arg);
                rc = cs_err_set(err, CS_E_INTERNAL,
                                "cannot start a cache refresh thread");
            }
        }
        if (rc != CS_OK) {
            cs_pg_close(c->dbs[i]);
            c->dbs[i] = NULL;
            api_cache_free(c);
            return rc;
        }
        c->n_threads++;
    }
    *out = c;
    return CS_OK;
}

void api_cache_free(api_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->qmu);
    c->stop = true;
    pthread_cond_broadcast(&c->qcv);
    for (size_t i = 0; c->cancels != NULL && i < c->n_threads; i++) {
        char why[256];
        if (c->cancels[i] != NULL && !PQcancel(c->cancels[i], why, sizeof(why)))
            cs_log_info("cache refresh: cannot cancel a read",
                        CS_KV_STR("error", why));
    }
    pthread_mutex_unlock(&c->qmu);
    for (size_t i = 0; i < c->n_threads; i++) {
        pthread_join(c->threads[i], NULL);
        cs_pg_close(c->dbs[i]);
        if (c->cancels[i] != NULL)
            PQfreeCancel(c->cancels[i]);
    }
    for (; c->q_len > 0; c->q_len--) {
        job_free(&c->q[c->q_head]);
        c->q_head = (c->q_head + 1) % REFRESH_QUEUE;
    }
    for (size_t i = 0; i < c->n; i++) {
        entry_unref(c->slots[i].e);
        pthread_rwlock_destroy(&c->slots[i].mu);
    }
    pthread_mutex_destroy(&c->qmu);
    pthread_cond_destroy(&c->qcv);
    free(c->threads);
    free(c->dbs);
    free(c->cancels);
    free(c->slots);
    free(c);
}

_Atomic uint64_t *api_cache_counter(api_cache *c, api_cache_count which)
{
    static _Atomic uint64_t zero;

    if (c == NULL)
        return &zero;
    switch (which) {
    case API_CACHE_HITS:
        return &c->hits;
    case API_CACHE_STALE:
        return &c->stale;
    case API_CACHE_REFRESHES:
        return &c->refreshes;
    default:
        return &c->misses;
    }
}

void api_rwlock_init(pthread_rwlock_t *l)
{
    pthread_rwlockattr_t attr;

    /* glibc prefers readers by default: a steady stream of hits would
     * starve the writer of a refreshed answer */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(l, &attr);
    pthread_rwlockattr_destroy(&attr);
}

uint64_t api_cache_generation(api_cache *c)
{
    return c != NULL ? atomic_load(&c->generation) : 0;
}

typedef struct key_buf {
    char s[CACHE_KEY_MAX];
    size_t len;
    bool overflow;
} key_buf;

static void key_add(key_buf *k, const char *s)
{
    size_t n = strlen(s);

    if (k->len + n + 1 >= sizeof(k->s)) {
        k->overflow = true;
        return;
    }
    memcpy(k->s + k->len, s, n + 1);
    k->len += n;
}

/* a string with its length first, so that no value can forge another
 * key: "5:limit" */
static void key_add_counted(key_buf *k, const char *s)
{
    char n[24];

    (void)snprintf(n, sizeof(n), "%zu:", strlen(s));
    key_add(k, n);
    key_add(k, s);
}

static bool add_arg(void *cls, const char *name, const char *value)
{
    key_buf *k = cls;

    key_add(k, value != NULL ? " " : " -"); /* "?x" and "?x=" differ */
    key_add_counted(k, name);
    key_add_counted(k, value != NULL ? value : "");
    return true;
}

/* token id, path and query arguments (in the order sent: another order
 * is another key, which costs a miss, never a wrong answer) */
static bool make_key(const api_req *r, key_buf *k)
{
    k->len = 0;
    k->overflow = false;
    k->s[0] = '\0';
    key_add(k, r->token_id);
    key_add(k, " ");
    key_add_counted(k, r->http->path);
    api_each_arg(r, add_arg, k);
    return !k->overflow;
}

/* a key's hash, never 0 (a slot's "no background read") */
static uint64_t key_hash(const key_buf *k)
{
    return cs_fnv1a(CS_FNV1A_INIT, k->s, k->len) | 1u;
}

static cache_slot *slot_of(api_cache *c, const key_buf *k)
{
    return &c->slots[key_hash(k) % c->n];
}

/* counts the query arguments and their bytes */
typedef struct arg_size {
    size_t n, bytes;
} arg_size;

static bool size_arg(void *cls, const char *name, const char *value)
{
    arg_size *z = cls;

    z->n++;
    z->bytes += strlen(name) + 1 + (value != NULL ? strlen(value) + 1 : 0);
    return true;
}

typedef struct arg_copy {
    const char **ptrs;
    char *o;
} arg_copy;

static bool copy_arg(void *cls, const char *name, const char *value)
{
    arg_copy *w = cls;
    const char *v[2] = {name, value};

    for (int i = 0; i < 2; i++) {
        if (v[i] == NULL) {
            *w->ptrs++ = NULL;
            continue;
        }
        *w->ptrs++ = w->o;
        w->o = stpcpy(w->o, v[i]) + 1;
    }
    return true;
}

/* Queues a refresh of r's URL as r's principal; false when the queue is
 * full (a later request tries again). */
static bool queue_refresh(api_cache *c, const api_req *r, const key_buf *k)
{
    arg_size z = {0, 0};
    size_t path_len = strlen(r->http->path) + 1, ptr_bytes;
    refresh_job j = {0};
    arg_copy w;
    bool queued = false;

    api_each_arg(r, size_arg, &z);
    ptr_bytes = (2 * z.n + 1) * sizeof(char *);
    j.block = malloc(ptr_bytes + k->len + 1 + path_len + z.bytes);
    if (j.block == NULL)
        return false;
    w.ptrs = (const char **)(void *)j.block;
    w.o = j.block + ptr_bytes;
    j.args = (const char *const *)(void *)j.block;
    j.key = memcpy(w.o, k->s, k->len + 1);
    w.o += k->len + 1;
    j.path = memcpy(w.o, r->http->path, path_len);
    w.o += path_len;
    api_each_arg(r, copy_arg, &w);
    *w.ptrs = NULL;
    j.who = api_principal_ref(r->who);
    pthread_mutex_lock(&c->qmu);
    if (c->q_len < REFRESH_QUEUE && c->n_threads > 0) {
        c->q[(c->q_head + c->q_len) % REFRESH_QUEUE] = j;
        c->q_len++;
        queued = true;
        pthread_cond_signal(&c->qcv);
    }
    pthread_mutex_unlock(&c->qmu);
    if (!queued)
        job_free(&j);
    return queued;
}

bool api_cache_get(api_cache *c, api_req *r)
{
    return api_cache_lookup(c, r, true);
}

bool api_cache_lookup(api_cache *c, api_req *r, bool count_miss)
{
    key_buf k;
    cache_slot *s;
    cache_entry *e;
    bool hit = false, stale = false;

    if (c == NULL || !make_key(r, &k))
        return false;
    /* an answer read from now on may be kept unless a write intervenes */
    r->cache_gen = atomic_load(&c->generation);
    s = slot_of(c, &k);
    e = slot_entry(s);
    if (e != NULL && e->generation == r->cache_gen &&
        strcmp(e->key, k.s) == 0) {
        uint64_t now = now_ms();
        hit = e->expires_ms > now;
        stale = !hit && e->expires_ms + c->stale_ms > now;
        if (stale) {
            /* served, and the first request to see it so has it read
             * again in the background */
            if (!atomic_exchange(&s->refreshing, true) &&
                !queue_refresh(c, r, &k))
                atomic_store(&s->refreshing, false); /* the queue is full */
        } else if (!hit && c->stale_ms > 0 && atomic_load(&s->refreshing) &&
                   e->expires_ms + 2 * (uint64_t)c->stale_ms > now) {
            /* past the window with its refresh still queued or running
             * (slow on a loaded machine, the refresh threads being
             * niced): served for up to stale_ms more, so that the
             * requests do not all read it themselves at once; a refresh
             * that fails ends that at once (refresh_done clears the
             * flag) */
            stale = true;
        }
        if (hit || stale)
            cs_http_set_body(r->resp, 200, e->content_type, e->body,
                             e->body_len);
        hit = (hit || stale) && (r->resp->body != NULL || e->body_len == 0);
        if (hit) { /* how old the answer is, for clients that care (RFC 9111) */
            r->resp->has_age = true;
            r->resp->age_s =
                (unsigned)((now > e->stored_ms ? now - e->stored_ms : 0) /
                           1000u);
        }
    }
    entry_unref(e);
    if (hit || count_miss)
        cs_metric_add(hit ? &c->hits : &c->misses, 1);
    if (hit && stale)
        cs_metric_add(&c->stale, 1);
    return hit;
}

/* The slot's flag gates queueing (one refresh per slot at a time), so
 * it is cleared whatever the slot holds now: its entry may be another
 * key's, or none, when the read was a background one (api_cache_background)
 * or its answer was not kept (not a 200: the stale entry stays, and a
 * later request queues another). */
static void refresh_done(api_cache *c, const char *key)
{
    key_buf k;
    cache_slot *s;

    k.len = strlen(key);
    memcpy(k.s, key, k.len + 1);
    s = slot_of(c, &k);
    atomic_store(&s->background, 0);
    atomic_store(&s->refreshing, false);
}

bool api_cache_pending(api_cache *c, api_req *r)
{
    key_buf k;
    uint64_t h;

    if (c == NULL || !make_key(r, &k))
        return false;
    h = key_hash(&k); /* hashed once: the slot and the mark */
    return atomic_load(&c->slots[h % c->n].background) == h;
}

bool api_cache_background(api_cache *c, api_req *r)
{
    key_buf k;
    cache_slot *s;
    uint64_t h;

    if (c == NULL || c->n_threads == 0 || !make_key(r, &k))
        return false;
    h = key_hash(&k);
    s = &c->slots[h % c->n];
    if (atomic_exchange(&s->refreshing, true))
        return true; /* this slot's read is queued or running already */
    atomic_store(&s->background, h);
    if (queue_refresh(c, r, &k))
        return true;
    atomic_store(&s->background, 0);
    atomic_store(&s->refreshing, false); /* the queue is full */
    return false;
}

/* A fresh entry's lifetime: ttl_ms less up to an eighth of it, drawn per
 * entry, so that entries stored together do not all expire (and queue
 * their refreshes) in the same instant. */
static uint64_t ttl_jittered(unsigned ttl_ms)
{
    static _Thread_local uint64_t x;

    if (x == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = (((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&x ^
             (uint64_t)ts.tv_sec) |
            1u;
    }
    x ^= x << 13; /* xorshift64 */
    x ^= x >> 7;
    x ^= x << 17;
    return ttl_ms - (ttl_ms >= 8 ? x % (ttl_ms / 8 + 1) : 0);
}

void api_cache_put(api_cache *c, const api_req *r)
{
    const cs_http_resp *resp = r->resp;
    key_buf k;
    cache_slot *s;
    cache_entry *e, *old;

    if (c == NULL || resp->status != 200 || resp->body_len > CACHE_BODY_MAX ||
        !make_key(r, &k))
        return;
    e = malloc(sizeof(*e) + k.len + 1 + resp->body_len + 1);
    if (e == NULL)
        return;
    atomic_init(&e->refs, 1); /* the slot's */
    memcpy(e->key, k.s, k.len + 1);
    e->body = e->key + k.len + 1;
    memcpy(e->body, resp->body, resp->body_len);
    e->body[resp->body_len] = '\0';
    e->body_len = resp->body_len;
    e->content_type = resp->content_type;
    e->stored_ms = now_ms();
    e->expires_ms = e->stored_ms + ttl_jittered(c->ttl_ms);
    e->generation = r->cache_gen;
    s = slot_of(c, &k);
    pthread_rwlock_wrlock(&s->mu);
    old = s->e;
    s->e = e;
    atomic_store(&s->refreshing, false);
    pthread_rwlock_unlock(&s->mu);
    entry_unref(old); /* freed by its last reader when one still copies it */
}

void api_cache_clear(api_cache *c)
{
    if (c != NULL)
        atomic_fetch_add(&c->generation, 1);
}
