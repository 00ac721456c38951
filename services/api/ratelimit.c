/* ratelimit.c - per-token rate limiting: one token bucket per principal,
 * in this process (each replica limits on its own, so N replicas behind a
 * balancer allow up to N times the rate). Buckets are created on first
 * use and live until shutdown; only authenticated tokens get one, so the
 * table is bounded by the number of live tokens. */
#include "api_int.h"

#include <math.h>
#include <stdlib.h>

#define LIMITER_SLOTS 1024u

typedef struct bucket {
    int64_t key;
    double tokens;
    double last_s;
    struct bucket *next;
} bucket;

struct api_limiter {
    pthread_mutex_t mu;
    double rate_per_s, burst;
    bucket *slots[LIMITER_SLOTS];
};

api_limiter *api_limiter_new(double rate_per_s, double burst)
{
    api_limiter *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->rate_per_s = rate_per_s;
    l->burst = burst < 1.0 ? 1.0 : burst;
    return l;
}

void api_limiter_free(api_limiter *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < LIMITER_SLOTS; i++) {
        bucket *b = l->slots[i];
        while (b != NULL) {
            bucket *next = b->next;
            free(b);
            b = next;
        }
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

unsigned api_limiter_take(api_limiter *l, int64_t key, double now_s)
{
    size_t slot =
        (size_t)((uint64_t)key * 11400714819323198485ull >> 54) % LIMITER_SLOTS;
    unsigned wait_s = 0;
    bucket *b;

    if (l == NULL || l->rate_per_s <= 0.0)
        return 0;
    pthread_mutex_lock(&l->mu);
    for (b = l->slots[slot]; b != NULL && b->key != key; b = b->next)
        ;
    if (b == NULL) {
        b = malloc(sizeof(*b));
        if (b == NULL) { /* fail open: limiting is not access control */
            pthread_mutex_unlock(&l->mu);
            return 0;
        }
        b->key = key;
        b->tokens = l->burst;
        b->last_s = now_s;
        b->next = l->slots[slot];
        l->slots[slot] = b;
    }
    if (now_s > b->last_s) {
        b->tokens =
            fmin(l->burst, b->tokens + (now_s - b->last_s) * l->rate_per_s);
        b->last_s = now_s;
    }
    if (b->tokens >= 1.0)
        b->tokens -= 1.0;
    else
        wait_s = (unsigned)ceil((1.0 - b->tokens) / l->rate_per_s);
    pthread_mutex_unlock(&l->mu);
    return wait_s > 0 ? wait_s : 0;
}
