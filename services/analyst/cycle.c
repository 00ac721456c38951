/* cycle.c - one analyst cycle. Under a session advisory lock (one cycle
 * at a time across all analysts), in one REPEATABLE READ transaction:
 * read the current model version, take queued requests (SKIP LOCKED),
 * decide whether anything is stale, compute scores, alerts, the stale
 * forecasts and the queued propagation runs, advance the watermark, commit.
 * Killing the process anywhere before COMMIT leaves nothing of the cycle; after
 * it, the alerts outbox is published, still under the lock. Roll-ups due
 * to be built are built before the transaction, on more connections
 * (rollup.c); inside it, criticality and the propagation runs are
 * computed by threads on connections of their own from its exported
 * snapshot, and stored by it (score.c, propagation.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyst_int.h"
#include "cs_log.h"
#include "cs_str.h"

#define HOST_BYTES 128

double analyst_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cs_status take_lock(analyst *a, bool wait_lock, bool *got, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc = cs_pg_run(a->db, wait_lock ? "lock_wait" : "lock_try", 0,
                             NULL, &res, err);

    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not take the cycle lock");
    *got = wait_lock || strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return CS_OK;
}

cs_status analyst_snapshot_open(const char *dsn, const char *snap, cs_pg **out,
                                cs_err *err)
{
    char sql[192];
    cs_status rc =
        cs_pg_connect(dsn, NULL, analyst_stmts, analyst_n_stmts, out, err);

    snprintf(sql, sizeof(sql), "SET TRANSACTION SNAPSHOT '%s'", snap);
    if (rc == CS_OK)
        rc = cs_pg_exec(*out, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                        err);
    if (rc == CS_OK)
        rc = cs_pg_exec(*out, sql, err);
    if (rc == CS_OK)
        rc = cs_pg_exec(*out, CYCLE_SETTINGS, err);
    if (rc != CS_OK) {
        cs_pg_close(*out);
        *out = NULL;
    }
    return rc;
}

/* Whether this cycle can be incremental: a previous cycle of the same
 * model version, a full one younger than rescore_s
 * (the window moves and risk events start and end with time), and no
 * link, master data or risk event changed since the watermark. Then
 * *stale (malloc'd, a text[] literal) names the enterprises to
 * recompute; else *is_full is set. */
static cs_status plan_incremental(analyst *a, const analyst_model *m,
                                  const char *watermark, const char *as_of,
                                  bool *is_full, PGresult **chk_out,
                                  char **stale, cs_err *err)
{
    PGresult *chk = NULL, *st = NULL;
    cs_status rc;
    char window[16];
    double full_age;

    *stale = NULL;
    {
        const char *p[] = {watermark};
        rc = cs_pg_run(a->db, "incr_check", 1, p, &chk, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not plan the cycle");
    }
    full_age = PQntuples(chk) == 1 ? analyst_num(PQgetvalue(chk, 0, 3)) : NAN;
    {
        const char *why =
            PQntuples(chk) != 1 ? "no previous cycle"
            : strtol(PQgetvalue(chk, 0, 1), NULL, 10) != m->version
                ? "new model version"
            : !isfinite(full_age) || full_age >= (double)a->cfg->rescore_s
                ? "rescore interval"
            : strcmp(PQgetvalue(chk, 0, 4), "t") == 0
                ? "links, master data or risk events changed"
                : NULL;
        if (why != NULL) {
            cs_log_info("full cycle", CS_KV_STR("reason", why));
            *is_full = true;
            PQclear(chk);
            return CS_OK;
        }
    }
    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    {
        const char *p[] = {watermark, as_of, window};
        bool prod = true;

        rc = cs_pg_run(a->db, "incr_prod_due", 1, p, &st, err);
        if (rc == CS_OK) {
            prod = strcmp(PQgetvalue(st, 0, 0), "t") == 0;
            PQclear(st);
            st = NULL;
            rc = prod ? cs_pg_run(a->db, "incr_stale", 3, p, &st, err)
                      : cs_pg_run(a->db, "incr_stale_orders", 1, p, &st, err);
        }
        if (rc != CS_OK) {
            PQclear(chk);
            return analyst_pg_error(rc, err, "could not find what is stale");
        }
    }
    *stale = strdup(PQgetvalue(st, 0, 0));
    PQclear(st);
    if (*stale == NULL) {
        PQclear(chk);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    *chk_out = chk;
    return CS_OK;
}

/* The body of the transaction; the caller commits or rolls back. */
static cs_status run_cycle(analyst *a, bool is_full, analyst_summary *sum,
                           bool *commit, cs_err *err)
{
    PGresult *st = NULL, *cy = NULL, *rq = NULL, *chk = NULL;
    analyst_prop *prop = NULL;
    analyst_fc *fc = NULL;
    char *stale = NULL;
    analyst_incr incr = {0};
    analyst_model m;
    cs_status rc;
    char host[HOST_BYTES], hostname[HOST_BYTES / 2] = "";
    char version[16], cycle[24];
    const char *as_of, *watermark;
    bool has_new;
    double age, t;
    int n_requests;

    *commit = false;
    rc = cs_pg_run(a->db, "state", 0, NULL, &st, err);
    if (rc != CS_OK) {
        rc = analyst_pg_error(rc, err, "could not read the watermark");
        goto out;
    }
    rc = analyst_model_load(a, &m, err);
    if (rc != CS_OK)
        goto out;
    sum->model_version = m.version;
    (void)gethostname(hostname, sizeof(hostname) - 1);
    snprintf(host, sizeof(host), "%s/%ld", hostname, (long)getpid());
    snprintf(version, sizeof(version), "%d", m.version);
    {
        const char *p[] = {version, is_full ? "true" : "false", a->cfg->as_of,
                           host, a->cfg->clock};
        rc = cs_pg_run(a->db, "cycle_begin", 5, p, &cy, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not start a cycle");
            goto out;
        }
    }
    rc = cs_parse_i64(PQgetvalue(cy, 0, 0), 1, INT64_MAX, &sum->cycle_id, err);
    if (rc != CS_OK)
        goto out;
    as_of = PQgetvalue(cy, 0, 1);
    snprintf(cycle, sizeof(cycle), "%lld", (long long)sum->cycle_id);
    {
        const char *p[] = {cycle};
        rc = cs_pg_run(a->db, "take_requests", 1, p, &rq, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not take queued requests");
            goto out;
        }
    }
    n_requests = PQntuples(rq);
    for (int i = 0; i < n_requests; i++)
        if (strcmp(PQgetvalue(rq, i, 0), "full") == 0)
            is_full = true;
    sum->is_full = is_full;
    watermark = PQgetvalue(st, 0, 0);
    has_new = strcmp(PQgetvalue(st, 0, 2), "t") == 0;
    age = analyst_num(PQgetvalue(st, 0, 3));
    if (strcmp(PQgetvalue(st, 0, 4), "t") == 0)
        has_new = true; /* queued propagation runs */
    if (!is_full && !has_new && n_requests == 0 && isfinite(age) &&
        age < (double)a->cfg->rescore_s) {
        sum->skipped = true; /* nothing stale: roll the cycle row back */
        goto out;
    }

    if (!is_full) {
        rc = plan_incremental(a, &m, watermark, as_of, &is_full, &chk, &stale,
                              err);
        if (rc != CS_OK)
            goto out;
        sum->is_full = is_full;
    }
    if (!is_full) {
        incr = (analyst_incr){.full_cycle = PQgetvalue(chk, 0, 5),
                              .full_at = PQgetvalue(chk, 0, 6),
                              .stale = stale};
        /* What the roll-ups do not give is read beside, on the other
         * core, while this connection brings them up to date. */
        rc = analyst_side_start(a, &m, sum->cycle_id, as_of, &incr, &incr.side,
                                err);
        if (rc != CS_OK)
            goto out;
    }
    /* Today's standing runs and the queued ones: their cascades run
     * beside the stages below, on the other core (started by
     * analyst_score, after criticality's thread). */
    t = analyst_clock();
    rc = analyst_propagate_start(a, &m, as_of, &prop, err);
    sum->s_propagation = analyst_clock() - t;
    if (rc != CS_OK)
        goto out;
    rc = analyst_rollup(a, &m, sum->cycle_id, as_of, watermark, sum, err);
    if (rc != CS_OK)
        goto out;
    t = analyst_clock();
    /* A full cycle's forecasts are computed beside it (after
     * criticality, on its thread), then stored here. */
    if (is_full)
        rc =
            analyst_fc_new(&m, sum->cycle_id, as_of, watermark, true, &fc, err);
    if (rc == CS_OK)
        rc = analyst_score(a, &m, sum->cycle_id, as_of, is_full ? NULL : &incr,
                           prop, fc, sum, err);
    sum->s_scores = analyst_clock() - t;
    t = analyst_clock();
    if (rc == CS_OK)
        rc = analyst_alerts(a, &m, sum->cycle_id, as_of, sum, err);
    sum->s_alerts = analyst_clock() - t;
    t = analyst_clock();
    /* Alternatives are ranked over every need at once: in full cycles
     * (at least every rescore_s); incremental ones keep the last. */
    if (rc == CS_OK && is_full)
        rc = analyst_alternatives(a, &m, sum->cycle_id, as_of, sum, err);
    sum->s_alternatives = analyst_clock() - t;
    t = analyst_clock();
    if (rc == CS_OK)
        rc = analyst_forecast(a, &m, sum->cycle_id, as_of, watermark, is_full,
                              fc, sum, err);
    sum->s_forecasts = analyst_clock() - t;
    t = analyst_clock();
    if (rc == CS_OK)
        rc = analyst_propagate_finish(a, &m, sum->cycle_id, as_of, prop, sum,
                                      err);
    sum->s_propagation += analyst_clock() - t;
    if (rc != CS_OK)
        goto out;
    {
        char n_ent[24], n_fc[24], n_al[24], n_err[24];
        const char *p[] = {cycle, n_ent, n_fc,
                           n_al,  n_err, is_full ? "true" : "false"};
        const char *q[] = {cycle,
                           PQgetisnull(st, 0, 1) ? "" : PQgetvalue(st, 0, 1)};

        snprintf(n_ent, sizeof(n_ent), "%llu",
                 (unsigned long long)sum->n_enterprises);
        snprintf(n_fc, sizeof(n_fc), "%llu",
                 (unsigned long long)sum->n_forecasts);
        snprintf(n_al, sizeof(n_al), "%llu",
                 (unsigned long long)sum->n_alerts_raised);
        snprintf(n_err, sizeof(n_err), "%llu",
                 (unsigned long long)sum->n_model_errors);
        rc = cs_pg_run(a->db, "cycle_end", 6, p, NULL, err);
        if (rc == CS_OK)
            rc = cs_pg_run(a->db, "state_set", 2, q, NULL, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not close the cycle");
            goto out;
        }
    }
    *commit = true;
out:
    analyst_fc_free(fc);
    analyst_side_free(incr.side);
    analyst_propagate_free(prop);
    free(stale);
    PQclear(chk);
    PQclear(rq);
    PQclear(cy);
    PQclear(st);
    return rc;
}

cs_status analyst_cycle(analyst *a, bool is_full, bool wait_lock,
                        analyst_summary *sum, cs_err *err)
{
    cs_status rc;
    bool got = false, commit = false;
    double t0 = analyst_clock();
    cs_err uerr = {0};

    memset(sum, 0, sizeof(*sum));
    rc = take_lock(a, wait_lock, &got, err);
    if (rc != CS_OK)
        return rc;
    if (!got) {
        sum->skipped = true; /* another analyst is in its cycle */
        return CS_OK;
    }
    /* Roll-ups to build: ahead of the transaction, on more connections
     * than one; if that fails, the cycle builds them itself. */
    if (analyst_rollup_prebuild(a, sum, &uerr) != CS_OK) {
        cs_log_warn("could not build the roll-ups ahead of the cycle",
                    CS_KV_STR("error", uerr.msg));
        if (!cs_pg_ok(a->db)) {
            *err = uerr;
            return CS_E_DB_DOWN;
        }
    }
    rc = cs_pg_exec(a->db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    /* The cycle's statements are few and large: JIT compiling them cost
     * more than it saved (seconds of LLVM optimisation, measured by the
     * benchmark), and their sorts and hashes want more than 4 MB. No
     * parallel workers: the cycle is background work next to ingest and
     * the API, and its hash aggregates of 10^6 groups merged from
     * workers cost about twice their serial time (the indicators at
     * 10^5, 47 s against 26 s, EXPLAIN ANALYZE at a load of 7). */
    if (rc == CS_OK)
        rc = cs_pg_exec(a->db, CYCLE_SETTINGS, err);
    if (rc == CS_OK) {
        rc = run_cycle(a, is_full, sum, &commit, err);
        if (rc == CS_OK && commit) {
            rc = cs_pg_exec(a->db, "COMMIT", err);
            if (rc != CS_OK)
                rc = analyst_pg_error(rc, err, "could not commit the cycle");
        } else {
            (void)cs_pg_exec(a->db, "ROLLBACK", &uerr);
        }
    }
    /* The cycle stands; unpublished alerts wait for the next one. */
    if (rc == CS_OK && commit && analyst_publish(a, sum, &uerr) != CS_OK)
        cs_log_warn("could not publish alerts", CS_KV_STR("error", uerr.msg));
    if (cs_pg_ok(a->db))
        (void)cs_pg_run(a->db, "unlock", 0, NULL, NULL, &uerr);
    sum->seconds = analyst_clock() - t0;
    return rc;
}
