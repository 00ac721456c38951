/* cache.c - a small in-process cache of /v1 read answers (CS_API_CACHE_MS,
 * off by default). The key is the token id, the path and every query
 * argument, so an entry is only ever served to the principal that read
 * it; authentication, the rate limit and the audit still run for every
 * request (a revoked token is refused at once), only the read transaction
 * is skipped. Only 200 answers are kept, for at most ttl_ms; any write
 * through this process (a non-GET request that succeeded) empties the
 * cache. Readers see other replicas' and cs-analyst's writes after at
 * most ttl_ms. Direct-mapped: a fixed number of slots, a key's slot by its
 * hash, one mutex per slot, nothing to evict.
 * An expired entry is refreshed by one request only: for up to another
 * ttl_ms the others get the expired answer meanwhile (stale while
 * revalidate), so a hot URL does not send every waiting request to the
 * database at once each time its entry expires. An answer is therefore
 * at most 2 * ttl_ms old. */
#include "api_int.h"

#include "cs_metrics.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_KEY_MAX  1024
#define CACHE_BODY_MAX (256u * 1024u)

typedef struct cache_slot {
    pthread_mutex_t mu;
    char *key;
    char *body;
    size_t body_len;
    const char *content_type;
    uint64_t expires_ms, generation;
    uint64_t refresh_until_ms; /* a request is refreshing it until then */
} cache_slot;

struct api_cache {
    cache_slot *slots;
    size_t n;
    unsigned ttl_ms;
    _Atomic uint64_t generation; /* bumped by every write */
    _Atomic uint64_t hits, misses;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

api_cache *api_cache_new(size_t n_slots, unsigned ttl_ms)
{
    api_cache *c;

    if (ttl_ms == 0 || n_slots == 0)
        return NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->slots = calloc(n_slots, sizeof(*c->slots));
    if (c->slots == NULL) {
        free(c);
        return NULL;
    }
    c->n = n_slots;
    c->ttl_ms = ttl_ms;
    for (size_t i = 0; i < n_slots; i++)
        pthread_mutex_init(&c->slots[i].mu, NULL);
    return c;
}

void api_cache_free(api_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->slots[i].key);
        free(c->slots[i].body);
        pthread_mutex_destroy(&c->slots[i].mu);
    }
    free(c->slots);
    free(c);
}

_Atomic uint64_t *api_cache_counter(api_cache *c, bool hits)
{
    static _Atomic uint64_t zero;

    if (c == NULL)
        return &zero;
    return hits ? &c->hits : &c->misses;
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

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *name, const char *value)
{
    key_buf *k = cls;

    (void)kind;
    key_add(k, "\n");
    key_add(k, name);
    key_add(k, "=");
    key_add(k, value != NULL ? value : "");
    return MHD_YES;
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
    key_add(k, r->http->path);
    if (r->http->conn != NULL)
        (void)MHD_get_connection_values(r->http->conn, MHD_GET_ARGUMENT_KIND,
                                        add_arg, k);
    return !k->overflow;
}

static cache_slot *slot_of(api_cache *c, const key_buf *k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < k->len; i++)
        h = (h ^ (unsigned char)k->s[i]) * 1099511628211ull;
    return &c->slots[h % c->n];
}

bool api_cache_get(api_cache *c, api_req *r)
{
    key_buf k;
    cache_slot *s;
    bool hit = false;

    if (c == NULL || !make_key(r, &k))
        return false;
    /* an answer read from now on may be kept unless a write intervenes */
    r->cache_gen = atomic_load(&c->generation);
    s = slot_of(c, &k);
    pthread_mutex_lock(&s->mu);
    if (s->key != NULL && strcmp(s->key, k.s) == 0 &&
        s->generation == r->cache_gen) {
        uint64_t now = now_ms();
        if (s->expires_ms > now) {
            hit = true; /* fresh */
        } else if (s->expires_ms + c->ttl_ms > now) {
            /* expired: the first request refreshes, the others get the
             * old answer until it is back (or ttl_ms more have passed) */
            if (s->refresh_until_ms > now)
                hit = true;
            else
                s->refresh_until_ms = s->expires_ms + c->ttl_ms;
        }
        if (hit)
            cs_http_set_body(r->resp, 200, s->content_type, s->body,
                             s->body_len);
        hit = hit && (r->resp->body != NULL || s->body_len == 0);
    }
    pthread_mutex_unlock(&s->mu);
    cs_metric_add(hit ? &c->hits : &c->misses, 1);
    return hit;
}

void api_cache_put(api_cache *c, const api_req *r)
{
    const cs_http_resp *resp = r->resp;
    key_buf k;
    cache_slot *s;
    char *key, *body;

    if (c == NULL || resp->status != 200 || resp->body_len > CACHE_BODY_MAX ||
        !make_key(r, &k))
        return;
    key = strdup(k.s);
    body = malloc(resp->body_len + 1);
    if (key == NULL || body == NULL) {
        free(key);
        free(body);
        return;
    }
    memcpy(body, resp->body, resp->body_len);
    body[resp->body_len] = '\0';
    s = slot_of(c, &k);
    pthread_mutex_lock(&s->mu);
    free(s->key);
    free(s->body);
    s->key = key;
    s->body = body;
    s->body_len = resp->body_len;
    s->content_type = resp->content_type;
    s->expires_ms = now_ms() + c->ttl_ms;
    s->generation = r->cache_gen;
    s->refresh_until_ms = 0;
    pthread_mutex_unlock(&s->mu);
}

void api_cache_clear(api_cache *c)
{
    if (c != NULL)
        atomic_fetch_add(&c->generation, 1);
}
