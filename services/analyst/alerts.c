/* alerts.c - the alert rules of docs/analyst.md, run inside the cycle's
 * transaction after the scores: a score at a new level (at or above the
 * model's minimum) and a single-source supplier at such a level, over
 * the enterprises this cycle scored (everyone in a full cycle, the stale
 * ones in an incremental one: nobody else's current score changed), and
 * in full cycles a risk event touching a supplier. Each rule resolves
 * what no longer holds first, then raises; the dedup key keeps one live
 * alert per fact. Last, demand outside an earlier forecast's interval
 * (in incremental cycles only when sales or forecasts moved). */
#include <stdio.h>
#include <string.h>

#include "analyst_int.h"

/* Runs a statement; adds to *count the rows (when raised_only, those
 * whose first column is true: newly inserted, not deduplicated). */
static cs_status run_count(analyst *a, const char *stmt, int n_params,
                           const char *const *params, bool raised_only,
                           uint64_t *count, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc = cs_pg_run(a->db, stmt, n_params, params, &res, err);

    if (rc != CS_OK)
        return analyst_pg_error(rc, err, stmt);
    if (raised_only) {
        for (int i = 0; i < PQntuples(res); i++)
            if (strcmp(PQgetvalue(res, i, 0), "t") == 0)
                (*count)++;
    } else {
        const char *t = PQcmdTuples(res);
        unsigned long long v = 0;
        if (t != NULL && sscanf(t, "%llu", &v) == 1)
            *count += v;
    }
    PQclear(res);
    return CS_OK;
}

cs_status analyst_alerts(analyst *a, const analyst_model *m, int64_t cycle_id,
                         const char *as_of, analyst_summary *sum, cs_err *err)
{
    char cycle[24], version[16], rank[8], ev_window[16], min_exp[40];
    char yellow[40], orange[40], red[40];
    cs_status rc;
    bool due = true;

    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    snprintf(version, sizeof(version), "%d", m->version);
    snprintf(rank, sizeof(rank), "%d", (int)m->alert_min_level);
    snprintf(ev_window, sizeof(ev_window), "%u",
             (unsigned)m->event_window_days);
    snprintf(min_exp, sizeof(min_exp), "%.17g", m->event_min_exposure);
    snprintf(yellow, sizeof(yellow), "%.17g", m->thresholds.yellow);
    snprintf(orange, sizeof(orange), "%.17g", m->thresholds.orange);
    snprintf(red, sizeof(red), "%.17g", m->thresholds.red);

    {
        PGresult *now_res = NULL;
        const char *p[] = {cycle, version, rank, NULL};

        /* The transaction's now(), which the cycle's score rows carry. */
        rc = cs_pg_query(a->db, "SELECT now()::text", 0, NULL, &now_res, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not read the time");
        p[3] = PQgetvalue(now_res, 0, 0);
        /* A full cycle scored everyone: one join of every live alert;
         * an incremental one a few thousand: their alerts by index. */
        rc = run_count(a,
                       sum->is_full ? "alerts_level_resolve"
                                    : "alerts_level_resolve_some",
                       1, p, false, &sum->n_alerts_resolved, err);
        if (rc == CS_OK)
            rc = run_count(a, "alerts_level_raise", 4, p, true,
                           &sum->n_alerts_raised, err);
        PQclear(now_res);
        if (rc == CS_OK)
            rc = run_count(a,
                           sum->is_full ? "alerts_single_resolve"
                                        : "alerts_single_resolve_some",
                           1, p, false, &sum->n_alerts_resolved, err);
        if (rc == CS_OK)
            rc = run_count(a, "alerts_single_raise", 3, p, true,
                           &sum->n_alerts_raised, err);
        if (rc != CS_OK)
            return rc;
    }
    /* Event rules in full cycles: an incremental one runs only when no
     * risk event, link or master data changed since the last cycle, and
     * exposures move with time only as fast as the rescore interval
     * lets them. */
    if (sum->is_full) {
        const char *p[] = {min_exp, as_of, ev_window};
        rc = run_count(a, "alerts_event_resolve", 3, p, false,
                       &sum->n_alerts_resolved, err);
        if (rc != CS_OK)
            return rc;
    }
    if (sum->is_full) {
        const char *p[] = {cycle,   as_of,  ev_window, version,
                           min_exp, yellow, orange,    red};
        rc = run_count(a, "alerts_event_raise", 8, p, true,
                       &sum->n_alerts_raised, err);
    }
    /* The demand rule reads every sales series (0.3 s at 10^5): an
     * incremental cycle runs it when its inputs moved since the last. */
    if (rc == CS_OK && !sum->is_full) {
        PGresult *res = NULL;
        rc = cs_pg_run(a->db, "alerts_demand_due", 0, NULL, &res, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "alerts_demand_due");
        due = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
    }
    if (rc == CS_OK && due) {
        const char *p[] = {cycle, version, as_of};
        rc = run_count(a, "alerts_demand", 3, p, true, &sum->n_alerts_raised,
                       err);
    }
    return rc;
}
