/* cs_intake.h - canonical events taken over HTTP into Kafka, shared by
 * cs-erp-gateway and cs-api (POST /v1/events): a body of one CloudEvent
 * or an array of them is checked with the decoders cs-ingest applies
 * (all or nothing), produced with the idempotent acks=all producer, and
 * answered 202 only once the broker acknowledged every event of it; 503
 * with Retry-After when it does not within the timeout. See
 * docs/connectors.md (cs-erp-gateway) and docs/api.md (POST /v1/events). */
#ifndef CS_INTAKE_H
#define CS_INTAKE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_event.h"
#include "cs_httpd.h"
#include "cs_json.h"

#define CS_INTAKE_MAX_BATCH   500
#define CS_INTAKE_RETRY_AFTER "5"

typedef struct cs_intake cs_intake;

/* Counters for /metrics, owned by the intake. */
typedef struct cs_intake_stats {
    _Atomic uint64_t events;      /* acknowledged by the broker */
    _Atomic uint64_t rejected;    /* requests refused for a bad event */
    _Atomic uint64_t unavailable; /* 503: not acknowledged in time */
} cs_intake_stats;

/* One request's events, checked. Strings borrow from doc. */
typedef struct cs_intake_batch {
    cs_json_doc *doc;
    size_t n;
    const cs_jval *v[CS_INTAKE_MAX_BATCH];
    cs_event ev[CS_INTAKE_MAX_BATCH];
} cs_intake_batch;

/* An idempotent acks=all producer with a thread of its own serving the
 * delivery reports. timeout_ms bounds each request's wait and is also the
 * messages' message.timeout.ms, so nothing queues up behind a broker that
 * is down. extra: "k=v,k=v" producer properties (may be empty). */
cs_status cs_intake_open(const char *brokers, const char *extra,
                         unsigned timeout_ms, cs_intake **out, cs_err *err);
/* Flushes, fails what is still undelivered, stops. NULL is a no-op. Call
 * after the HTTP server stopped. */
void cs_intake_close(cs_intake *in);
cs_intake_stats *cs_intake_stats_of(cs_intake *in);

/* A new empty batch, or NULL when out of memory; free with
 * cs_intake_batch_free (NULL is a no-op). */
cs_intake_batch *cs_intake_batch_new(void);
void cs_intake_batch_free(cs_intake_batch *b);

/* Parses body (one event or an array of 1..CS_INTAKE_MAX_BATCH) into b
 * and checks every event. On failure fills resp (400 malformed_json, 422
 * invalid_batch, 422 invalid_event "event I: FIELD: reason"), counts a
 * rejection when in is not NULL, and returns false. */
bool cs_intake_parse(cs_intake *in, const char *body, size_t len,
                     size_t max_bytes, cs_intake_batch *b, cs_http_resp *resp);

/* Checks one event as cs-ingest will; on error writes why. */
bool cs_intake_check_event(const cs_jval *v, cs_event *ev, char *why,
                           size_t why_bytes);

/* Whether the broker answers a metadata request within timeout_ms; on
 * failure err says why. For readiness checks. */
cs_status cs_intake_ping(cs_intake *in, unsigned timeout_ms, cs_err *err);

/* The Kafka key of an event: its family's entity key (docs/events.md). */
void cs_intake_entity_key(const cs_event *ev, char *out, size_t out_bytes);

/* Produces every event of b and waits for the broker: fills resp with 202
 * {"accepted":N,"ids":[...]} and returns true, or 503 with Retry-After. */
bool cs_intake_send(cs_intake *in, const cs_intake_batch *b,
                    cs_http_resp *resp);

#endif
