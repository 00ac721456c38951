/* pool.c - a fixed pool of PostgreSQL connections shared by the HTTP
 * threads; each connection is used by one request at a time. */
#include "api_int.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

cs_status api_pool_open(api_pool *p, const char *dsn, const char *setup_sql,
                        size_t n, cs_err *err)
{
    p->conns = calloc(n, sizeof(*p->conns));
    p->busy = calloc(n, sizeof(*p->busy));
    if (p->conns == NULL || p->busy == NULL) {
        free(p->conns);
        free(p->busy);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    p->n = n;
    p->dsn = dsn;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (size_t i = 0; i < n; i++) {
        cs_status rc = cs_pg_connect(dsn, setup_sql, cs_api_stmts,
                                     cs_api_n_stmts, &p->conns[i], err);
        if (rc != CS_OK) {
            api_pool_close(p);
            return rc;
        }
    }
    return CS_OK;
}

void api_pool_close(api_pool *p)
{
    if (p->conns == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        cs_pg_close(p->conns[i]);
    free(p->conns);
    free(p->busy);
    p->conns = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

cs_pg *api_pool_acquire(api_pool *p, unsigned wait_ms, cs_err *err)
{
    struct timespec deadline;
    cs_pg *db = NULL;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (size_t i = 0; i < p->n; i++) {
            if (!p->busy[i]) {
                p->busy[i] = 1;
                db = p->conns[i];
                break;
            }
        }
        if (db != NULL ||
            pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&p->mu);
    if (db == NULL) {
        cs_err_set(err, CS_E_TIMEOUT,
                   "no database connection free within %u ms", wait_ms);
        return NULL;
    }
    if (!cs_pg_ok(db) && cs_pg_reset(db, err) != CS_OK) {
        api_pool_release(p, db);
        return NULL;
    }
    return db;
}

void api_pool_release(api_pool *p, cs_pg *db)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n; i++)
        if (p->conns[i] == db)
            p->busy[i] = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
