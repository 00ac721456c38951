/* store.c - one transaction per batch: COPY into staging, then the steps
 * of ingest_sql.c. Transient failures (connection lost, serialization,
 * server shutting down) are retried with backoff until they pass or the
 * service stops; a batch the database refuses for good is split, and
 * only the refused events are dead-lettered. */
#include "ingest_int.h"

#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_signal.h"

#define BACKOFF_FIRST_MS 100u
#define BACKOFF_MAX_MS   5000u
/* After a direct COPY of a family failed (a key stored before, or twice
 * in a batch), its next batches go through staging: a failed COPY is
 * wasted work, and keys that were revised once tend to be again. */
#define DIRECT_BACKOFF_BATCHES 8u
/* The known-tenant cache is emptied when it would grow past this. */
#define TENANTS_MAX 65536u

/* A statement's affected rows, or for a SELECT its single value. */
static uint64_t result_count(PGresult *res)
{
    return strtoull(PQntuples(res) == 1 ? PQgetvalue(res, 0, 0)
                                        : PQcmdTuples(res),
                    NULL, 10);
}

/* Runs the named statements in order. The result of statement number
 * count_at (-1: none) adds to *count: its affected rows, or for a SELECT
 * its single value. */
static cs_status run_steps(cs_pg *db, const char *const *steps, int count_at,
                           uint64_t *count, cs_err *err)
{
    for (int i = 0; steps[i] != NULL; i++) {
        PGresult *res = NULL;
        cs_status rc = cs_pg_run(db, steps[i], 0, NULL, &res, err);
        if (rc != CS_OK)
            return rc;
        if (i == count_at)
            *count += result_count(res);
        PQclear(res);
    }
    return CS_OK;
}

/* What one transaction stores: COPY text per family (len 0 = none) and
 * the ledger rows of those events (n_events of them, distinct ids): the
 * whole batch, or its one event only. Line rows COPYed straight into
 * their tables come from the batch's events. */
typedef struct store_input {
    const ingest_batch *batch;
    const ingest_event *only; /* NULL: every event of the batch */
    const char *data[INGEST_MAX_FAMILIES];
    size_t len[INGEST_MAX_FAMILIES];
    /* rows in the table's columns (cs_ingest_direct_rows), len 0: none */
    const char *direct[INGEST_MAX_FAMILIES];
    size_t direct_len[INGEST_MAX_FAMILIES];
    const char *ledger;
    size_t ledger_len;
    uint64_t n_events;
} store_input;

/* PostgreSQL's unique_violation; cs_pg names the SQLSTATE in brackets. */
static bool unique_violation(const cs_err *err)
{
    return strstr(err->msg, "(23505)") != NULL;
}

/* The ledger first: COPY the batch's event ids straight into
 * ingested_events. Any id already there makes the COPY fail with a
 * unique violation; then it is undone (savepoint) and each family's
 * fresh_/prune_ steps insert with ON CONFLICT and drop the replays from
 * staging. *replays says which happened. */
static cs_status copy_ledger(cs_pg *db, const store_input *in, bool *replays,
                             cs_err *err)
{
    cs_status rc;

    *replays = false;
    if ((rc = cs_pg_exec(db, "SAVEPOINT ledger", err)) != CS_OK)
        return rc;
    rc = cs_pg_copy_raw(db, cs_ingest_ledger_copy_sql, in->ledger,
                        in->ledger_len, err);
    if (rc != CS_OK && !unique_violation(err))
        return rc;
    if (rc != CS_OK) {
        *replays = true;
        rc = cs_pg_exec(db, "ROLLBACK TO SAVEPOINT ledger", err);
    }
    /* The rest of the batch runs in the main transaction: rows written
     * and locked (foreign-key checks) in a subtransaction cost more. */
    if (rc == CS_OK)
        rc = cs_pg_exec(db, "RELEASE SAVEPOINT ledger", err);
    return rc;
}

/* The SQL of statement name of cs_ingest_stmts (NULL: none). */
static const cs_pg_stmt *ingest_stmt(const char *name)
{
    for (size_t k = 0; k < cs_ingest_n_stmts; k++)
        if (strcmp(cs_ingest_stmts[k].name, name) == 0)
            return &cs_ingest_stmts[k];
    return NULL;
}

/* Runs the named statement of cs_ingest_stmts as unprepared SQL with its
 * n_params parameters: each run is planned for the tables' sizes now, not
 * those of the first run (a cached plan made while order_lines was empty
 * scanned all of it), and for its parameters' values. *res (when not
 * NULL) gets the result. */
static cs_status run_planned(cs_pg *db, const char *name,
                             const char *const *params, PGresult **res,
                             cs_err *err)
{
    const cs_pg_stmt *st = ingest_stmt(name);
    PGresult *r = NULL;
    cs_status rc;

    if (st == NULL)
        return cs_err_set(err, CS_E_INTERNAL, "no statement %s", name);
    rc = cs_pg_query(db, st->sql, st->n_params, params, &r, err);
    if (rc == CS_OK && res != NULL)
        *res = r;
    else
        PQclear(r);
    return rc;
}

/* Checks whether stored rows are revised, and if so replaces them. The
 * guard, revision_steps[0] (stale_*: drops the batch's keys whose stored
 * version is newer) and revision_steps[1] (old_keys_*: the stored keys
 * the batch revises, with their line tables' partition key, as text[]
 * literals) join the batch's keys to the stored headers: with hash and
 * merge joins off they probe the primary key per key, where a hash join
 * read the whole stored table for every batch. revision_steps[2]
 * (old_lines_*) deletes the old lines of those keys, planned with their
 * values: only the partitions they fall in are planned and opened (a
 * join with the headers planned all 145 partitions of a line table, 45
 * ms a batch, and read every header). */
static cs_status run_revisions(cs_pg *db, const ingest_family_sql *fs,
                               uint64_t *revised, cs_err *err)
{
    const char *const *steps = fs->revision_steps;
    const cs_pg_stmt *lines;
    PGresult *res = NULL;
    const char *params[8];
    cs_status rc;

    if (fs->revision_guard == NULL)
        return CS_OK;
    lines = ingest_stmt(steps[2]);
    if (lines == NULL || lines->n_params > 8)
        return cs_err_set(err, CS_E_INTERNAL,
                          "statement %s: missing, or over 8 parameters",
                          steps[2]);
    rc = cs_pg_exec(db,
                    "SET LOCAL enable_hashjoin = off;"
                    "SET LOCAL enable_mergejoin = off",
                    err);
    if (rc == CS_OK)
        rc = run_planned(db, fs->revision_guard, NULL, &res, err);
    if (rc == CS_OK)
        *revised = result_count(res);
    if (rc == CS_OK && *revised > 0) {
        PQclear(res);
        res = NULL;
        rc = run_planned(db, steps[0], NULL, NULL, err);
        if (rc == CS_OK)
            rc = run_planned(db, steps[1], NULL, &res, err);
        if (rc == CS_OK &&
            (PQntuples(res) != 1 || PQnfields(res) != lines->n_params))
            rc = cs_err_set(err, CS_E_INTERNAL, "%s: %d columns for %s",
                            steps[1], PQnfields(res), steps[2]);
        /* one row of arrays, NULL when every revision was stale */
        if (rc == CS_OK && !PQgetisnull(res, 0, 0)) {
            for (int i = 0; i < lines->n_params; i++)
                params[i] = PQgetvalue(res, 0, i);
            rc = run_planned(db, steps[2], params, NULL, err);
        }
    }
    PQclear(res);
    if (rc == CS_OK)
        rc = cs_pg_exec(db,
                        "SET LOCAL enable_hashjoin TO DEFAULT;"
                        "SET LOCAL enable_mergejoin TO DEFAULT",
                        err);
    return rc;
}

/* Appends len bytes to the writer's line buffer; false: no memory. */
static bool line_out_add(ingest *ig, const char *p, size_t len)
{
    if (ig->line_out_len + len > ig->line_out_cap) {
        size_t cap = ig->line_out_cap ? ig->line_out_cap : 65536;
        char *nb;
        while (cap < ig->line_out_len + len)
            cap *= 2;
        if ((nb = realloc(ig->line_out, cap)) == NULL)
            return false;
        ig->line_out = nb;
        ig->line_out_cap = cap;
    }
    memcpy(ig->line_out + ig->line_out_len, p, len);
    ig->line_out_len += len;
    return true;
}

/* COPYs the lines of the events that won their key (family f) straight
 * into the line table. When every event of the family in the input won
 * (the usual case) its line rows go as they are; otherwise the winners
 * are listed and only their rows are sent. */
static cs_status copy_winner_lines(ingest *ig, const store_input *in, size_t f,
                                   cs_err *err)
{
    const ingest_direct_lines *dl = ingest_direct(f);
    const cs_copybuf *lines = &in->batch->lines[f];
    uint64_t n_won = 0, n_in = in->only ? 1 : in->batch->n_family[f];
    PGresult *res = NULL;
    cs_status rc;

    rc = run_steps(ig->db, (const char *const[]){dl->winners_count, NULL}, 0,
                   &n_won, err);
    if (rc != CS_OK || n_won == 0)
        return rc;
    if (n_won == n_in) {
        const char *p =
            in->only ? lines->buf + in->only->line_start : lines->buf;
        size_t len =
            in->only ? in->only->line_end - in->only->line_start : lines->len;
        return len == 0 ? CS_OK
                        : cs_pg_copy_raw(ig->db, dl->copy_sql, p, len, err);
    }
    if ((rc = cs_pg_run(ig->db, dl->winners, 0, NULL, &res, err)) != CS_OK)
        return rc;
    ig->line_out_len = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const ingest_event *e = ingest_batch_find(
            in->batch, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
        if (e == NULL || e->family != f ||
            (in->only != NULL && e != in->only)) {
            rc =
                cs_err_set(err, CS_E_INTERNAL,
                           "%s: a winning event is not in the batch", dl->type);
            break;
        }
        if (!line_out_add(ig, lines->buf + e->line_start,
                          e->line_end - e->line_start)) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory building COPY");
            break;
        }
    }
    PQclear(res);
    if (rc == CS_OK && ig->line_out_len > 0)
        rc = cs_pg_copy_raw(ig->db, dl->copy_sql, ig->line_out,
                            ig->line_out_len, err);
    return rc;
}

/* ---- the known-tenant cache (writer thread) */

void ingest_tenants_free(ingest *ig)
{
    cs_strset_free(&ig->tenants);
}

/* Remembers t as stored; on any failure the cache just stays smaller. */
static void tenant_remember(ingest *ig, const char *t)
{
    ig->tenants.owns = true;
    if (ig->tenants.n + 1 > TENANTS_MAX)
        cs_strset_free(&ig->tenants);
    (void)cs_strset_add(&ig->tenants, t);
}

/* The tenant ids of the input not known to be stored, distinct, as a
 * text[] literal in *lit (NULL: none; the caller frees it). Tenant ids
 * hold letters, digits, '-', '_' and '.' only (cs_event_parse), so they
 * need no quoting. The set of those seen is sized by the tenants found
 * (a few hundred), not by the events (a table for every event of a
 * batch was a 512 KB allocation per batch). False when out of memory. */
static bool new_tenants(const ingest *ig, const store_input *in, char **lit)
{
    const ingest_batch *b = in->batch;
    size_t n = in->only ? 1 : b->n_events, cap = 64, len = 0;
    cs_strset seen = {0};
    char *out = NULL;
    bool ok = true;

    *lit = NULL;
    for (size_t k = 0; k < n && ok; k++) {
        const char *t = (in->only ? in->only : &b->events[k])->ident;
        size_t tl;
        if (cs_strset_has(&ig->tenants, t))
            continue;
        int added = cs_strset_add(&seen, t);
        if (added <= 0) {
            ok = added == 0;
            continue;
        }
        tl = strlen(t);
        if (out == NULL || len + tl + 3 > cap) {
            char *no;
            while (len + tl + 3 > cap)
                cap *= 2;
            if ((no = realloc(out, cap)) == NULL) {
                ok = false;
                break;
            }
            out = no;
        }
        out[len] = len == 0 ? '{' : ',';
        len++;
        memcpy(out + len, t, tl);
        len += tl;
        out[len] = '\0';
    }
    cs_strset_free(&seen);
    if (!ok) {
        free(out);
        return false;
    }
    if (out != NULL) {
        out[len++] = '}';
        out[len] = '\0';
    }
    *lit = out;
    return true;
}

/* Registers the input's tenants that are not known to be stored; *lit
 * gets their text[] literal (or NULL), to be remembered after COMMIT. */
static cs_status register_tenants(ingest *ig, const store_input *in, char **lit,
                                  cs_err *err)
{
    PGresult *res = NULL;
    const char *params[1];
    cs_status rc;

    if (!new_tenants(ig, in, lit))
        return cs_err_set(err, CS_E_NOMEM, "out of memory listing tenants");
    if (*lit == NULL)
        return CS_OK;
    params[0] = *lit;
    rc = cs_pg_run(ig->db, "tenants", 1, params, &res, err);
    PQclear(res);
    return rc;
}

/* After COMMIT: the tenants of lit ("{a,b}") are stored. */
static void remember_tenants(ingest *ig, char *lit)
{
    char *save = NULL;

    if (lit == NULL)
        return;
    lit[strlen(lit) - 1] = '\0';
    for (char *t = strtok_r(lit + 1, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save))
        tenant_remember(ig, t);
}

/* Tries to COPY family f's rows straight into its table (a batch without
 * replays only). A unique violation - a key stored before or twice in the
 * input - undoes it (savepoint) and leaves *done false: the caller then
 * stores the family through staging, where the newest event wins. */
static cs_status copy_direct_rows(ingest *ig, const store_input *in, size_t f,
                                  bool *done, cs_err *err)
{
    const ingest_direct_lines *dr = ingest_direct_rows(f);
    cs_status rc;

    *done = false;
    if (dr == NULL || in->direct_len[f] == 0)
        return CS_OK;
    if (ig->direct_skip[f] > 0) {
        ig->direct_skip[f]--;
        return CS_OK;
    }
    if ((rc = cs_pg_exec(ig->db, "SAVEPOINT direct", err)) != CS_OK)
        return rc;
    rc = cs_pg_copy_raw(ig->db, dr->copy_sql, in->direct[f], in->direct_len[f],
                        err);
    if (rc == CS_OK) {
        *done = true;
        cs_metric_add(&ig->stats.direct_copies, 1);
    } else if (unique_violation(err)) {
        ig->direct_skip[f] = DIRECT_BACKOFF_BATCHES;
        cs_metric_add(&ig->stats.direct_fallbacks, 1);
        rc = cs_pg_exec(ig->db, "ROLLBACK TO SAVEPOINT direct", err);
    } else {
        return rc;
    }
    /* as for the ledger: the rest runs in the main transaction */
    if (rc == CS_OK)
        rc = cs_pg_exec(ig->db, "RELEASE SAVEPOINT direct", err);
    return rc;
}

/* The ledger, then COPY rows of each family and run the family's steps,
 * all in one transaction. *n_new counts new event ids. */
static cs_status store_rows(ingest *ig, const store_input *in, uint64_t *n_new,
                            cs_err *err)
{
    cs_pg *db = ig->db;
    cs_status rc;
    cs_err tmp = {0};
    bool replays = false;
    char *tenants = NULL;

    *n_new = 0;
    if ((rc = cs_pg_exec(db, "BEGIN", err)) != CS_OK)
        return rc;
    rc = register_tenants(ig, in, &tenants, err);
    if (rc == CS_OK)
        rc = copy_ledger(db, in, &replays, err);
    if (rc == CS_OK && !replays)
        *n_new = in->n_events;
    for (size_t f = 0; rc == CS_OK && f < cs_ingest_n_families; f++) {
        const ingest_family_sql *fs = &cs_ingest_families[f];
        uint64_t revised = 0;
        bool done = false;
        if (in->len[f] == 0)
            continue;
        if (!replays && (rc = copy_direct_rows(ig, in, f, &done, err)) != CS_OK)
            break;
        if (done)
            continue;
        rc = cs_pg_copy_raw(db, fs->copy_sql, in->data[f], in->len[f], err);
        /* fresh_* counts the new events; prune_* drops the replays */
        if (rc == CS_OK && replays)
            rc = run_steps(db,
                           (const char *const[]){fs->steps[STEP_FRESH],
                                                 fs->steps[STEP_PRUNE], NULL},
                           0, n_new, err);
        if (rc == CS_OK)
            rc = run_steps(db, fs->steps + STEP_FIRST_MERGE, -1, NULL, err);
        if (rc == CS_OK)
            rc = run_revisions(db, fs, &revised, err);
        /* no stored key revised: the headers need no merge (a key stored
         * meanwhile by another writer fails the batch with a unique
         * violation; it is then stored event by event, and that event
         * finds the key stored and replaces it as a revision) */
        if (rc == CS_OK && fs->final_steps != NULL)
            rc = run_steps(db,
                           revised == 0 && fs->new_key_steps != NULL
                               ? fs->new_key_steps
                               : fs->final_steps,
                           -1, NULL, err);
        if (rc == CS_OK && ingest_direct(f) != NULL)
            rc = copy_winner_lines(ig, in, f, err);
    }
    if (rc == CS_OK)
        rc = cs_pg_exec(db, "COMMIT", err);
    if (rc == CS_OK)
        remember_tenants(ig, tenants);
    if (rc != CS_OK && cs_pg_ok(db))
        (void)cs_pg_exec(db, "ROLLBACK", &tmp);
    free(tenants);
    return rc;
}

/* Retries transient failures; returns OK, a permanent status, or the
 * transient one if a stop was requested meanwhile. */
static cs_status store_with_retry(ingest *ig, const store_input *in,
                                  uint64_t *n_new, cs_err *err)
{
    unsigned backoff_ms = BACKOFF_FIRST_MS;

    for (;;) {
        cs_status rc = store_rows(ig, in, n_new, err);
        cs_err rerr = {0};

        cs_metric_set(&ig->stats.db_up, cs_pg_ok(ig->db));
        if (rc == CS_OK || !cs_status_retryable(rc))
            return rc;
        cs_metric_add(&ig->stats.db_retries, 1);
        cs_log_warn("could not store batch, retrying",
                    CS_KV_STR("error", err->msg),
                    CS_KV_INT("backoff_ms", backoff_ms));
        if (cs_signal_stop_requested())
            return rc;
        cs_signal_sleep_ms(backoff_ms);
        backoff_ms =
            backoff_ms * 2 < BACKOFF_MAX_MS ? backoff_ms * 2 : BACKOFF_MAX_MS;
        if (!cs_pg_ok(ig->db) && cs_pg_reset(ig->db, &rerr) != CS_OK)
            cs_log_warn("could not reconnect", CS_KV_STR("error", rerr.msg));
    }
}

cs_status ingest_store_batch(ingest *ig, ingest_batch *b, cs_err *err)
{
    store_input in = {0};
    uint64_t n_new = 0;
    cs_status rc;

    if (b->n_events == 0) {
        cs_metric_add(&ig->stats.events_duplicate, b->n_repeats);
        return CS_OK;
    }
    for (size_t f = 0; f < cs_ingest_n_families; f++) {
        if (b->rows[f].failed || b->lines[f].failed)
            return cs_err_set(err, CS_E_NOMEM, "out of memory building COPY");
        in.data[f] = b->rows[f].buf;
        in.len[f] = b->rows[f].len;
        if (b->direct[f].failed)
            return cs_err_set(err, CS_E_NOMEM, "out of memory building COPY");
        in.direct[f] = b->direct[f].buf;
        in.direct_len[f] = b->direct[f].len;
    }
    if (b->ledger.failed)
        return cs_err_set(err, CS_E_NOMEM, "out of memory building COPY");
    in.ledger = b->ledger.buf;
    in.ledger_len = b->ledger.len;
    in.n_events = b->n_events;
    in.batch = b;
    rc = store_with_retry(ig, &in, &n_new, err);
    if (rc == CS_OK) {
        cs_metric_add(&ig->stats.events_stored, n_new);
        cs_metric_add(&ig->stats.events_duplicate,
                      b->n_events - n_new + b->n_repeats);
        cs_metric_add(&ig->stats.batches, 1);
        return CS_OK;
    }
    if (cs_status_retryable(rc))
        return rc; /* stopping: nothing stored, offsets stay */

    /* Refused for good (a constraint, a value out of range): find the
     * events responsible, one transaction each. */
    cs_log_warn("database refused the batch; storing its events one by one",
                CS_KV_STR("error", err->msg),
                CS_KV_INT("events", (int64_t)b->n_events));
    /* a tenant deleted meanwhile would fail every event: ask again */
    ingest_tenants_free(ig);
    cs_metric_add(&ig->stats.events_duplicate, b->n_repeats);
    for (size_t i = 0; i < b->n_events; i++) {
        const ingest_event *e = &b->events[i];
        cs_err eerr = {0};
        memset(&in, 0, sizeof(in));
        in.batch = b;
        in.only = e;
        in.data[e->family] = b->rows[e->family].buf + e->row_start;
        in.len[e->family] = e->row_end - e->row_start;
        in.direct[e->family] = b->direct[e->family].buf + e->direct_start;
        in.direct_len[e->family] = e->direct_end - e->direct_start;
        in.ledger = b->ledger.buf + e->ledger_start;
        in.ledger_len = e->ledger_end - e->ledger_start;
        in.n_events = 1;
        rc = store_with_retry(ig, &in, &n_new, &eerr);
        if (rc == CS_OK) {
            cs_metric_add(&ig->stats.events_stored, n_new);
            cs_metric_add(&ig->stats.events_duplicate, 1 - n_new);
            continue;
        }
        if (cs_status_retryable(rc)) {
            *err = eerr;
            return rc;
        }
        ingest_dlq_send(ig, e->topic, e->partition, e->offset, e->key,
                        e->key_len, e->payload, e->payload_len,
                        REASON_DB_REJECTED, eerr.msg);
    }
    cs_metric_add(&ig->stats.batches, 1);
    return CS_OK;
}
