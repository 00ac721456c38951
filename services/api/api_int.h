/* api_int.h - internals of cs-api: configuration, the connection pool,
 * authentication, rate limiting, auditing and the route handlers. */
#ifndef CS_API_INT_H
#define CS_API_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "cs_httpd.h"
#include "cs_pg.h"
#include "cs_token.h"

typedef struct api_cfg {
    char *pg_dsn;
    char *http_addr;
    uint32_t http_port;
    uint32_t threads; /* network threads */
    uint32_t workers; /* request workers = database connections */
    uint32_t timeout_s;
    uint32_t max_body_bytes;
    uint32_t pool_wait_ms;
    uint32_t statement_timeout_ms;
    char *token_pepper;
    uint32_t rate_limit_rps;
    uint32_t rate_limit_burst;
    char *tls_cert;
    char *tls_key;
    char *dashboard_dir;
    char *kafka_brokers; /* events.c, webhooks_worker.c; "" turns both off */
    char *kafka_extra;
    uint32_t kafka_timeout_ms;
    char *alerts_topic;
    bool webhook_deliver;
    uint32_t webhook_max_attempts;
    uint32_t webhook_backoff_ms;
    uint32_t webhook_timeout_ms;
    uint32_t webhook_poll_ms;
    uint32_t cache_ms;           /* cache.c; 0: off */
    uint32_t cache_stale_ms;     /* 0: as long as cache_ms */
    uint32_t refresh_threads;    /* background refreshes of the cache */
    uint32_t refresh_nice;       /* their niceness (and their backends') */
    uint32_t refresh_timeout_ms; /* their statement timeout */
    uint32_t token_cache_ms;     /* tokens.c; 0: a lookup per request */
    char *log_level;
} api_cfg;

/* A fixed set of connections, one borrowed per request. */
typedef struct api_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cs_pg **conns;
    int *busy;
    size_t n;
    const char *dsn;
} api_pool;

typedef struct api_stats {
    _Atomic uint64_t req_2xx, req_4xx, req_5xx, pool_timeouts, db_errors;
    _Atomic uint64_t auth_failures, forbidden, rate_limited, audit_failures;
    _Atomic uint64_t webhook_delivered, webhook_retried, webhook_failed;
} api_stats;

typedef struct api_limiter api_limiter;
typedef struct api_webhooks api_webhooks;
typedef struct api_cache api_cache;
typedef struct api_tokens api_tokens;
struct cs_intake;

typedef struct api {
    const api_cfg *cfg;
    api_pool pool;
    api_stats stats;
    cs_token_key token_key;
    api_limiter *limiter;
    struct cs_intake *intake; /* POST /v1/events; NULL without a broker */
    api_webhooks *webhooks;   /* alert deliveries; NULL when off */
    api_cache *cache;         /* read answers; NULL when off */
    api_tokens *tokens;       /* verified tokens; NULL when off */
    char setup_sql[96];       /* run on every new connection */
} api;

/* Principal roles, as bits for route permissions. */
enum {
    API_ROLE_ADMIN = 1u << 0,
    API_ROLE_BUREAU = 1u << 1,
    API_ROLE_ENTERPRISE = 1u << 2,
    API_ROLE_CONNECTOR = 1u << 3,
};

/* Who a verified token speaks for: immutable, shared by reference (the
 * token cache and the read cache's refreshes keep it beyond a request). */
typedef struct api_principal {
    _Atomic int refs;
    const char *token_id;                                    /* decimal text */
    const char *name, *role, *regions, *enterprise, *tenant; /* "" if none */
    unsigned role_bit;
    char text[]; /* the strings */
} api_principal;

/* One request under /v1, after authentication. The principal's strings
 * borrow from who, valid until the request ends. */
typedef struct api_req {
    api *a;
    const cs_http_req *http;
    cs_http_resp *resp;
    cs_pg *db;   /* borrowed from the pool when first needed; see api_req_db */
    bool db_own; /* db was borrowed from the pool by this request */
    api_principal *who;
    const char *token_id; /* decimal text, or NULL before authentication */
    const char *name, *role, *regions, *enterprise, *tenant;
    unsigned role_bit;
    char client[64];
    /* what the audit row says of a write, when the handler knows better
     * than "write"; audit_outcome overrides ok / failed */
    const char *audit_outcome;
    char audit_detail[160];
    uint64_t cache_gen; /* cache.c: the cache generation the read began in */
    bool db_timeout;    /* a statement ran past pg.statement_timeout_ms */
} api_req;

/* A handler runs inside a read-only transaction with the principal set;
 * rest is the path after the route's prefix. */
typedef void (*api_route_fn)(api_req *r, const char *rest);

/* SQL (api_sql.c) */
extern const cs_pg_stmt cs_api_stmts[];
extern const size_t cs_api_n_stmts;

/* pool.c */
/* setup_sql (borrowed until api_pool_close) runs on every connection. */
cs_status api_pool_open(api_pool *p, const char *dsn, const char *setup_sql,
                        size_t n, cs_err *err);
void api_pool_close(api_pool *p);
/* Returns a connection or NULL after wait_ms; release it afterwards. A
 * broken connection is reset before it is handed out. */
cs_pg *api_pool_acquire(api_pool *p, unsigned wait_ms, cs_err *err);
void api_pool_release(api_pool *p, cs_pg *db);

/* ratelimit.c: a token bucket per key; 0 disables limiting. */
api_limiter *api_limiter_new(double rate_per_s, double burst);
void api_limiter_free(api_limiter *l); /* NULL is a no-op */
/* Takes one request from key's bucket: returns 0 when allowed, else the
 * whole seconds until one is available. */
unsigned api_limiter_take(api_limiter *l, int64_t key, double now_s);

/* auth.c */
/* Authenticates the Authorization header against the token cache or the
 * database; on failure fills the 401 (or 503) and returns false. */
bool api_authenticate(api_req *r);
/* api_authenticate from memory only: true with r's principal set when the
 * token was verified within CS_API_TOKEN_CACHE_MS; else false, and
 * neither r->resp nor the database touched (api_authenticate decides). */
bool api_authenticate_cached(api_req *r);
/* Makes who r's principal (taking a reference). */
void api_req_set_principal(api_req *r, api_principal *who);

/* tokens.c: verified tokens by their hash, kept for ttl_ms (NULL when
 * ttl_ms is 0); a revoked token is refused after at most ttl_ms. */
cs_status api_tokens_new(api *a, size_t n_slots, unsigned ttl_ms,
                         api_tokens **out, cs_err *err);
void api_tokens_free(api_tokens *t); /* NULL is a no-op */
/* The principal of hash_hex with a new reference, or NULL. */
api_principal *api_tokens_get(api_tokens *t, const char *hash_hex);
/* The same; a miss is counted only with count_miss (a lookup that is
 * tried again elsewhere, as the network thread's, counts only its hits). */
api_principal *api_tokens_lookup(api_tokens *t, const char *hash_hex,
                                 bool count_miss);
void api_tokens_put(api_tokens *t, const char *hash_hex, api_principal *who);
_Atomic uint64_t *api_tokens_counter(api_tokens *t, bool hits);
/* A principal from row 0 of auth_token's result (refs 1), or NULL. */
api_principal *api_principal_new(const PGresult *res);
api_principal *api_principal_ref(api_principal *p);
void api_principal_unref(api_principal *p); /* NULL is a no-op */
/* BEGIN READ ONLY and the principal's set_config calls. */
cs_status api_begin(api_req *r, cs_err *err);
/* BEGIN (read-write) and the principal, for handlers of writes. */
cs_status api_begin_rw(api_req *r, cs_err *err);
/* COMMIT, or ROLLBACK when the transaction failed. */
void api_end(api_req *r);
/* Appends one row to audit_log (autocommit); failures are logged and
 * counted, never shown to the client. */
void api_audit(api_req *r, const char *outcome, const char *detail);

/* routes.c */
void api_handle(void *ctx, const cs_http_req *req, cs_http_resp *resp);
/* cs_http_fast_handler: a cached read answered on the network thread. */
bool api_handle_fast(void *ctx, const cs_http_req *req, cs_http_resp *resp);
/* Borrows a pooled connection for r unless it has one; false (with a 503
 * in r->resp) when none is free in time. */
bool api_req_db(api_req *r);
/* Runs the read of path with args (name, value, ..., NULL) as who on db,
 * as a GET of a client would, and keeps a 200 answer in the cache: the
 * cache's background refresh. */
void api_read_again(api *a, cs_pg *db, api_principal *who, const char *path,
                    const char *const *args);
/* A database failure seen by a handler, answered in r->resp (503, 400 or
 * 500); a statement timeout also sets r->db_timeout. */
void api_db_failure(api_req *r, const cs_err *err);
void api_reply_gen(cs_http_resp *resp, unsigned status, yajl_gen g);

/* static.c: serves the dashboard's file for a GET or HEAD of req's path
 * when there is one; false leaves resp untouched. */
bool api_static_serve(api *a, const cs_http_req *req, cs_http_resp *resp);
/* Does the request's Accept header name text/html (a browser)? */
bool api_wants_html(const cs_http_req *req);
/* GET /v1/me: the token's role and scope, for the dashboard */
void api_get_me(api_req *r, const char *rest);

/* openapi_doc.c, generated from openapi.json (NUL-terminated) */
extern const unsigned char cs_api_openapi[];
extern const size_t cs_api_openapi_len;

/* v1.c: the /v1 handlers */
void api_get_order(api_req *r, const char *id);
void api_list_enterprises(api_req *r, const char *rest);
void api_get_enterprise(api_req *r, const char *uscc);
void api_resolve(api_req *r, const char *identifier);

/* params.c: query checks; each false return has filled a 400 problem
 * naming the parameter. Absent parameters leave *out untouched. */
/* false when a query parameter is not in allowed (NULL-terminated) */
bool api_params_known(api_req *r, const char *const *allowed);
/* Calls fn with each query argument of r (value NULL for "?name"), in the
 * order sent, until it returns false. */
typedef bool (*api_arg_fn)(void *cls, const char *name, const char *value);
void api_each_arg(const api_req *r, api_arg_fn fn, void *cls);
bool api_param_int(api_req *r, const char *name, int64_t min, int64_t max,
                   int64_t *out);
/* *out points into values (static strings) */
bool api_param_enum(api_req *r, const char *name, const char *const *values,
                    const char **out);
bool api_param_region(api_req *r, const char *name, const char **out);
bool api_param_industry(api_req *r, const char *name, const char **out);
bool api_check_uscc(api_req *r, const char *code, const char *field);
extern const char *const api_levels[]; /* blue, yellow, orange, red */
/* Runs stmt, whose one row and column is a JSON document built by
 * PostgreSQL, and replies it with 200; no row (or NULL) is a 404 with
 * nf_field and nf_detail. */
bool api_reply_sql_json(api_req *r, const char *stmt, int n_params,
                        const char *const *params, const char *nf_field,
                        const char *nf_detail);
/* ?cursor= of an id-ordered page: base64url of "PREFIX:ID"; out gets
 * the id (decimal), untouched when absent. */
bool api_param_id_cursor(api_req *r, const char *prefix, char *out,
                         size_t out_bytes);
/* Runs stmt, whose columns are the items (a JSON array) and the last id
 * when another page follows (else NULL), and replies
 * {"items":[...],"next_cursor":"..."|null}. */
bool api_reply_page(api_req *r, const char *stmt, int n_params,
                    const char *const *params, const char *prefix);
/* The same with SQL text (not a prepared statement). */
bool api_reply_page_sql(api_req *r, const char *sql, int n_params,
                        const char *const *params, const char *prefix);

/* v1_risk.c */
/* /v1/enterprises/{code}/{sub}: code is not NUL-terminated */
void api_enterprise_sub(api_req *r, const char *code, size_t code_len,
                        const char *sub);
void api_risk(api_req *r, const char *rest); /* /v1/risk/{top,...} */
void api_enterprise_alternatives(api_req *r, const char *uscc);

/* v1_situation.c */
void api_chains(api_req *r, const char *rest);    /* GET /v1/chains */
void api_situation(api_req *r, const char *rest); /* GET /v1/situation */
/* a calendar date YYYY-MM-DD in 2000-2099 */
bool api_valid_date(const char *s);

/* v1_alerts.c: GET /v1/alerts[/{id}], POST /v1/alerts/{id}/acknowledge
 * and /resolve; runs its own transactions (ROUTE_OWN_TX) */
void api_alerts_route(api_req *r, const char *rest);

/* v1_scenarios.c: POST /v1/scenarios, GET /v1/scenarios/{id}; runs its
 * own transactions (ROUTE_OWN_TX) */
void api_scenarios_route(api_req *r, const char *rest);

/* v1_forecasts.c */
void api_forecasts(api_req *r, const char *rest);   /* GET /v1/forecasts */
void api_risk_events(api_req *r, const char *rest); /* GET /v1/risk-events */
void api_forecast_aggregates(api_req *r, const char *rest);
/* GET /v1/forecast-aggregates */
/* v1.c: 1..max bytes of UTF-8 without control characters ('/' only when
 * slash_ok) */
bool api_valid_text(const char *s, size_t max, bool slash_ok);

/* events.c: POST /v1/events (connector) */
void api_post_events(api_req *r, const char *rest);

/* webhooks.c: /v1/webhooks[/{id}[/deliveries]] */
void api_webhooks_route(api_req *r, const char *rest);
/* webhooks_worker.c: fan-out of cs.alerts and delivery threads */
cs_status api_webhooks_start(api *a, api_webhooks **out, cs_err *err);
void api_webhooks_stop(api_webhooks *w); /* NULL is a no-op */

/* cache.c: read answers per token, path and query, fresh for ttl_ms and
 * served stale for stale_ms more (twice that while the read is pending)
 * while one of n_refreshers background threads (each with its own
 * database connection) reads them again.
 * NULL when ttl_ms is 0; every function takes a NULL cache as "off". */
cs_status api_cache_new(api *a, size_t n_slots, unsigned ttl_ms,
                        unsigned stale_ms, unsigned n_refreshers,
                        api_cache **out, cs_err *err);
void api_cache_free(api_cache *c); /* stops the refreshers */
/* Fills r->resp with a fresh answer for r and returns true, or false. */
bool api_cache_get(api_cache *c, api_req *r);
/* The same; a miss is counted only with count_miss. */
bool api_cache_lookup(api_cache *c, api_req *r, bool count_miss);
/* Keeps r's answer when it is a 200 (after a false api_cache_get). */
void api_cache_put(api_cache *c, const api_req *r);
/* Queues r's read for a refresh thread (statements up to
 * api.refresh_timeout_ms), which keeps its answer: for a read that ran
 * past the statement timeout. True when it is queued or already pending
 * (false: no cache or the queue is full). */
bool api_cache_background(api_cache *c, api_req *r);
/* Whether r's own read is such a background read, queued or running. */
bool api_cache_pending(api_cache *c, api_req *r);
void api_cache_clear(api_cache *c); /* after a write */
/* A reader-writer lock that prefers writers (cache.c, tokens.c). */
void api_rwlock_init(pthread_rwlock_t *l);
/* The generation a read beginning now belongs to (0 when off). */
uint64_t api_cache_generation(api_cache *c);
typedef enum api_cache_count {
    API_CACHE_HITS,      /* answered from the cache (fresh or stale) */
    API_CACHE_MISSES,    /* read by the request */
    API_CACHE_STALE,     /* hits served stale while refreshed */
    API_CACHE_REFRESHES, /* background reads done */
} api_cache_count;
_Atomic uint64_t *api_cache_counter(api_cache *c, api_cache_count which);

#endif
