/* main.c - cs-analyst: turns stored data into indicators, risk scores,
 * alerts and forecasts on an interval (or once, with --once), and
 * publishes alerts to Kafka. Several analysts may run: a cycle runs
 * under an advisory lock, in one transaction. Stops cleanly on SIGTERM,
 * between cycles or (rolling back) within one. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_config.h"
#include "cs_httpd.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_signal.h"

void analyst_delivery_report(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                             void *opaque);

static const cs_opt analyst_opts[] = {
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=postgres",
     "libpq connection string", CS_CFG(analyst_cfg, pg_dsn)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers for alerts, comma separated (empty: do not "
     "publish)",
     CS_CFG(analyst_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka properties for the producer, k=v,k=v",
     CS_CFG(analyst_cfg, kafka_extra)},
    {"alerts.topic", "CS_ALERTS_TOPIC", CS_OPT_STR, "cs.alerts",
     "topic alerts are published to", CS_CFG(analyst_cfg, alerts_topic)},
    {"analyst.interval_s", "CS_ANALYST_INTERVAL_S", CS_OPT_U32, "300",
     "seconds between cycles", CS_CFG(analyst_cfg, interval_s)},
    {"analyst.rescore_s", "CS_ANALYST_RESCORE_S", CS_OPT_U32, "3600",
     "rescore after this many seconds even without new data (risk "
     "events start and end)",
     CS_CFG(analyst_cfg, rescore_s)},
    {"analyst.as_of", "CS_ANALYST_AS_OF", CS_OPT_STR, "",
     "compute as of this time (ISO 8601; empty: now), for replays and "
     "tests",
     CS_CFG(analyst_cfg, as_of)},
    {"analyst.clock", "CS_ANALYST_CLOCK", CS_OPT_STR, "wall",
     "reference time without --analyst-as-of: wall (the wall clock) or "
     "data (the newest event time of stored orders and shipments, for "
     "simulated data whose clock runs ahead)",
     CS_CFG(analyst_cfg, clock)},
    {"once", "CS_ANALYST_ONCE", CS_OPT_BOOL, "false",
     "run one full recompute, print a summary and exit",
     CS_CFG(analyst_cfg, once)},
    {"incremental", "CS_ANALYST_INCREMENTAL", CS_OPT_BOOL, "false",
     "with --once: one incremental cycle (only what is stale) instead of "
     "a full recompute",
     CS_CFG(analyst_cfg, incremental)},
    {"model.promote", "CS_ANALYST_MODEL_PROMOTE", CS_OPT_U32, "0",
     "make this model version the current one and exit (roll back by "
     "promoting the previous number)",
     CS_CFG(analyst_cfg, model_promote)},
    {"model.backtest", "CS_ANALYST_MODEL_BACKTEST", CS_OPT_U32, "0",
     "score stored history with this model version and the current one, "
     "print how well each foretold late deliveries (JSON) and exit",
     CS_CFG(analyst_cfg, model_backtest)},
    {"backtest.points", "CS_ANALYST_BACKTEST_POINTS", CS_OPT_U32, "3",
     "past dates the backtest scores", CS_CFG(analyst_cfg, backtest_points)},
    {"backtest.step_days", "CS_ANALYST_BACKTEST_STEP_DAYS", CS_OPT_U32, "30",
     "days between those dates, and the outcome horizon after each",
     CS_CFG(analyst_cfg, backtest_step_days)},
    {"analyst.side_connections", "CS_ANALYST_SIDE_CONNECTIONS", CS_OPT_BOOL,
     "true",
     "work beside a cycle on up to three more database connections, from "
     "its snapshot (the roll-up build, criticality, forecasts, propagation "
     "runs, an incremental cycle's indicators and aggregates); false: "
     "every cycle on one connection",
     CS_CFG(analyst_cfg, side_connections)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "address of /healthz and /metrics", CS_CFG(analyst_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "9182",
     "port of /healthz and /metrics (0: any free port)",
     CS_CFG(analyst_cfg, http_port)},
    CS_OPT_LOG_LEVEL(analyst_cfg, log_level),
};

static const cs_config_spec analyst_spec = {
    .prog = "cs-analyst",
    .summary =
        "Computes ChainSight's indicators, risk scores, alerts and demand "
        "forecasts from\nPostgreSQL on an interval, with the current model "
        "version, and publishes alerts\nto Kafka. --once runs one full "
        "recompute and prints a summary. Stops cleanly\non SIGTERM.",
    .opts = analyst_opts,
    .n_opts = sizeof(analyst_opts) / sizeof(analyst_opts[0]),
};

static analyst the_analyst; /* reached by the HTTP handler through ctx */

static const cs_metric analyst_metrics[] = {
    {"cs_analyst_cycles_total", "cycles committed", CS_METRIC_COUNTER, NULL,
     &the_analyst.stats.cycles},
    {"cs_analyst_cycles_skipped_total",
     "cycles skipped: nothing stale, or another analyst held the lock",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.cycles_skipped},
    {"cs_analyst_cycle_failures_total", "cycles rolled back on an error",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.cycle_failures},
    {"cs_analyst_cycle_milliseconds_total",
     "time spent in committed cycles (divide by cs_analyst_cycles_total)",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.cycle_ms_sum},
    {"cs_analyst_last_cycle_milliseconds", "duration of the last cycle",
     CS_METRIC_GAUGE, NULL, &the_analyst.stats.last_cycle_ms},
    {"cs_analyst_enterprises_scored_total", "risk scores written",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.enterprises_scored},
    {"cs_analyst_forecasts_total", "forecasts written", CS_METRIC_COUNTER, NULL,
     &the_analyst.stats.forecasts},
    {"cs_analyst_model_errors_total",
     "model failures (a series not fitted, a graph rejected)",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.model_errors},
    {"cs_analyst_alerts_raised_total", "new alerts", CS_METRIC_COUNTER, NULL,
     &the_analyst.stats.alerts_raised},
    {"cs_analyst_alerts_resolved_total", "alerts resolved automatically",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.alerts_resolved},
    {"cs_analyst_alerts_published_total", "alert messages Kafka acknowledged",
     CS_METRIC_COUNTER, NULL, &the_analyst.stats.alerts_published},
    {"cs_analyst_propagation_runs_total",
     "propagation runs stored (failed ones included)", CS_METRIC_COUNTER, NULL,
     &the_analyst.stats.propagation_runs},
    {"cs_analyst_db_up", "1 when the last database operation succeeded",
     CS_METRIC_GAUGE, NULL, &the_analyst.stats.db_up},
};

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    (void)ctx;
    if (!cs_service_ops(req, resp, analyst_metrics,
                        sizeof(analyst_metrics) / sizeof(analyst_metrics[0])))
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
}

static cs_status connect_db(void *ctx, cs_err *err)
{
    analyst *a = ctx;

    return cs_pg_connect(a->cfg->pg_dsn, NULL, analyst_stmts, analyst_n_stmts,
                         &a->db, err);
}

static void count(analyst *a, const analyst_summary *s)
{
    analyst_stats *st = &a->stats;

    cs_metric_add(&st->model_errors, s->n_model_errors);
    if (s->skipped) {
        cs_metric_add(&st->cycles_skipped, 1);
        return;
    }
    cs_metric_add(&st->cycles, 1);
    cs_metric_add(&st->cycle_ms_sum, (uint64_t)(s->seconds * 1000.0));
    cs_metric_set(&st->last_cycle_ms, (uint64_t)(s->seconds * 1000.0));
    cs_metric_add(&st->enterprises_scored, s->n_enterprises);
    cs_metric_add(&st->forecasts, s->n_forecasts);
    cs_metric_add(&st->alerts_raised, s->n_alerts_raised);
    cs_metric_add(&st->alerts_resolved, s->n_alerts_resolved);
    cs_metric_add(&st->alerts_published, s->n_published);
    cs_metric_add(&st->propagation_runs, s->n_runs + s->n_runs_failed);
}

static void log_cycle(const analyst_summary *s)
{
    cs_log_info("cycle done", CS_KV_INT("cycle_id", s->cycle_id),
                CS_KV_INT("model_version", s->model_version),
                CS_KV_BOOL("full", s->is_full),
                CS_KV_INT("enterprises", (int64_t)s->n_enterprises),
                CS_KV_INT("forecasts", (int64_t)s->n_forecasts),
                CS_KV_INT("series_too_short", (int64_t)s->n_forecast_skipped),
                CS_KV_INT("alerts_raised", (int64_t)s->n_alerts_raised),
                CS_KV_INT("alerts_resolved", (int64_t)s->n_alerts_resolved),
                CS_KV_INT("alerts_published", (int64_t)s->n_published),
                CS_KV_INT("model_errors", (int64_t)s->n_model_errors),
                CS_KV_INT("alternatives", (int64_t)s->n_alternatives),
                CS_KV_INT("risk_aggregates", (int64_t)s->n_aggregates),
                CS_KV_INT("forecast_aggregates", (int64_t)s->n_fc_aggregates),
                CS_KV_INT("propagation_runs", (int64_t)s->n_runs),
                CS_KV_INT("propagation_failed", (int64_t)s->n_runs_failed),
                CS_KV_INT("recomputed", (int64_t)s->n_recomputed),
                CS_KV_DBL("rollup_s", s->s_rollup),
                CS_KV_DBL("rollup_ahead_s", s->s_rollup_ahead),
                CS_KV_BOOL("rollup_built", s->rollup_built),
                CS_KV_DBL("criticality_s", s->s_criticality),
                CS_KV_DBL("criticality_side_s", s->s_criticality_side),
                CS_KV_DBL("indicators_s", s->s_indicators),
                CS_KV_DBL("indicators_side_s", s->s_indicators_side),
                CS_KV_BOOL("aggregates_side", s->aggregates_side),
                CS_KV_DBL("score_write_s", s->s_write),
                CS_KV_DBL("scores_s", s->s_scores),
                CS_KV_DBL("alerts_s", s->s_alerts),
                CS_KV_DBL("alternatives_s", s->s_alternatives),
                CS_KV_DBL("forecasts_s", s->s_forecasts),
                CS_KV_DBL("forecasts_side_s", s->s_forecasts_side),
                CS_KV_DBL("propagation_s", s->s_propagation),
                CS_KV_DBL("propagation_side_s", s->s_propagation_side),
                CS_KV_DBL("seconds", s->seconds));
}

/* One cycle with the connection handled: a transient failure resets it
 * and waits for the next interval. Returns the cycle's status. */
static cs_status cycle(analyst *a, bool is_full, bool wait_lock,
                       analyst_summary *s)
{
    cs_err err = {0};
    cs_status rc = analyst_cycle(a, is_full, wait_lock, s, &err);

    count(a, s);
    if (rc == CS_OK) {
        cs_metric_set(&a->stats.db_up, 1);
        if (!s->skipped)
            log_cycle(s);
        else
            cs_log_debug("cycle skipped");
        return CS_OK;
    }
    cs_metric_add(&a->stats.cycle_failures, 1);
    cs_log_error("cycle rolled back", CS_KV_STR("error", err.msg),
                 CS_KV_STR("status", cs_status_name(rc)));
    if (!cs_pg_ok(a->db) || rc == CS_E_DB_DOWN) {
        cs_err rerr = {0};
        cs_metric_set(&a->stats.db_up, 0);
        if (cs_pg_reset(a->db, &rerr) == CS_OK)
            cs_metric_set(&a->stats.db_up, 1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    analyst_cfg cfg = {0};
    analyst *a = &the_analyst;
    cs_httpd *http = NULL;
    cs_err err = {0};
    bool is_command;
    int code;

    code = cs_service_init(&analyst_spec, &cfg, argc, argv, "analyst",
                           CS_CFG(analyst_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    gsl_set_error_handler_off(); /* before any thread starts */
    code = 1;
    a->cfg = &cfg;
    if (cfg.interval_s == 0) {
        cs_log_error("bad configuration: analyst.interval_s must be "
                     "positive");
        code = 78;
        goto out;
    }
    if (strcmp(cfg.clock, "wall") != 0 && strcmp(cfg.clock, "data") != 0) {
        cs_log_error("bad configuration: analyst.clock must be wall or data",
                     CS_KV_STR("analyst.clock", cfg.clock));
        code = 78;
        goto out;
    }
    if (cfg.kafka_brokers[0] != '\0' && !cs_kafka_extra_ok(cfg.kafka_extra)) {
        code = 78;
        goto out;
    }
    is_command = cfg.once || cfg.model_promote > 0 || cfg.model_backtest > 0;
    if (cfg.backtest_step_days == 0 || cfg.backtest_step_days > 3650 ||
        cfg.backtest_points > 120) {
        cs_log_error("bad configuration: backtest.step_days must be 1-3650 "
                     "and backtest.points at most 120");
        code = 78;
        goto out;
    }
    if (!is_command) {
        cs_httpd_opts hopts = {.addr = cfg.http_addr,
                               .port = (uint16_t)cfg.http_port,
                               .threads = 1,
                               .timeout_s = 10,
                               .max_body_bytes = 1024};
        if (cs_httpd_start(&hopts, on_http, a, &http, &err) != CS_OK) {
            cs_log_error("cannot serve /healthz and /metrics",
                         CS_KV_STR("error", err.msg));
            code = 69;
            goto out;
        }
    }
    if (cs_service_wait_for("the database", connect_db, a, &err) != CS_OK) {
        code = err.code == CS_E_TIMEOUT ? 0 : 78;
        if (code != 0)
            cs_log_error("cannot prepare the database session",
                         CS_KV_STR("error", err.msg));
        goto out;
    }
    cs_metric_set(&a->stats.db_up, 1);
    if (cfg.model_promote > 0 || cfg.model_backtest > 0) {
        cs_status rc = cfg.model_promote > 0
                           ? analyst_promote(a, cfg.model_promote, &err)
                           : analyst_backtest(a, cfg.model_backtest, &err);
        if (rc != CS_OK)
            cs_log_error(cfg.model_promote > 0 ? "cannot promote"
                                               : "backtest failed",
                         CS_KV_STR("error", err.msg));
        else if (cfg.model_promote > 0)
            cs_log_info("model version promoted",
                        CS_KV_INT("version", cfg.model_promote));
        code = rc == CS_OK               ? 0
               : rc == CS_E_CONFIG       ? 78
               : cs_status_retryable(rc) ? 75
                                         : 1;
        goto out;
    }
    if (cfg.kafka_brokers[0] != '\0' &&
        cs_kafka_producer_new(cfg.kafka_brokers, cfg.kafka_extra,
                              analyst_delivery_report, a, &a->producer,
                              &err) != CS_OK) {
        cs_log_error("cannot start the Kafka producer",
                     CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }

    if (cfg.once) {
        analyst_summary s;
        cs_status rc = cycle(a, !cfg.incremental, true, &s);

        if (rc == CS_OK)
            printf("{\"cycle_id\":%lld,\"model_version\":%d,"
                   "\"full\":%s,\"skipped\":%s,"
                   "\"enterprises\":%llu,\"forecasts\":%llu,"
                   "\"series_too_short\":%llu,\"alerts_raised\":%llu,"
                   "\"alerts_resolved\":%llu,\"alerts_published\":%llu,"
                   "\"model_errors\":%llu,\"propagation_runs\":%llu,"
                   "\"propagation_failed\":%llu,\"seconds\":%.3f}\n",
                   (long long)s.cycle_id, s.model_version,
                   s.is_full ? "true" : "false", s.skipped ? "true" : "false",
                   (unsigned long long)s.n_enterprises,
                   (unsigned long long)s.n_forecasts,
                   (unsigned long long)s.n_forecast_skipped,
                   (unsigned long long)s.n_alerts_raised,
                   (unsigned long long)s.n_alerts_resolved,
                   (unsigned long long)s.n_published,
                   (unsigned long long)s.n_model_errors,
                   (unsigned long long)s.n_runs,
                   (unsigned long long)s.n_runs_failed, s.seconds);
        code = rc == CS_OK ? 0 : cs_status_retryable(rc) ? 75 : 1;
        goto out;
    }

    cs_log_info("analyst ready", CS_KV_INT("interval_s", cfg.interval_s),
                CS_KV_STR("alerts_topic", cfg.alerts_topic),
                CS_KV_INT("http_port", cs_httpd_port(http)));
    while (!cs_signal_stop_requested()) {
        analyst_summary s;
        cs_status rc = cycle(a, false, false, &s);

        if (rc != CS_OK && !cs_status_retryable(rc) && rc != CS_E_INVALID &&
            rc != CS_E_NUMERIC && rc != CS_E_CONFIG) {
            code = 70; /* a bug: stop rather than loop on it */
            goto out;
        }
        cs_signal_sleep_ms(cfg.interval_s * 1000u);
    }
    cs_log_info("analyst stopping");
    code = 0;
out:
    if (a->producer != NULL) {
        rd_kafka_flush(a->producer, 5000);
        rd_kafka_destroy(a->producer);
    }
    cs_httpd_stop(http);
    cs_pg_close(a->db);
    cs_config_free(&analyst_spec, &cfg);
    return code;
}
