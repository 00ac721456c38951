/* api_int.h - internals of cs-api: configuration, the connection pool and
 * the route handlers. */
#ifndef CS_API_INT_H
#define CS_API_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cs_httpd.h"
#include "cs_pg.h"

typedef struct api_cfg {
    char *pg_dsn;
    char *http_addr;
    uint32_t http_port;
    uint32_t threads;
    uint32_t timeout_s;
    uint32_t max_body_bytes;
    uint32_t pool_wait_ms;
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
} api_stats;

typedef struct api {
    const api_cfg *cfg;
    api_pool pool;
    api_stats stats;
} api;

/* SQL (api_sql.c) */
extern const cs_pg_stmt cs_api_stmts[];
extern const size_t cs_api_n_stmts;

/* pool.c */
cs_status api_pool_open(api_pool *p, const char *dsn, size_t n, cs_err *err);
void api_pool_close(api_pool *p);
/* Returns a connection or NULL after wait_ms; release it afterwards. A
 * broken connection is reset before it is handed out. */
cs_pg *api_pool_acquire(api_pool *p, unsigned wait_ms, cs_err *err);
void api_pool_release(api_pool *p, cs_pg *db);

/* routes.c */
void api_handle(void *ctx, const cs_http_req *req, cs_http_resp *resp);

#endif
