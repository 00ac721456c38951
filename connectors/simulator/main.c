/* main.c - cs-simulator: builds a seeded province (cs_sim), emits its
 * master data, writes --backfill-days of history as fast as --max-rate
 * allows, then streams one simulated day per 1/--speed seconds to Kafka
 * (idempotent, acks=all) or, with --stdout, as JSON lines. Scenarios come
 * from --scenario and from POST /scenarios; /healthz and /metrics on the
 * HTTP port. See docs/simulator.md. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_service.h"
#include "cs_signal.h"
#include "cs_sim.h"
#include "cs_str.h"
#include "cs_time.h"

#define EX_UNAVAILABLE 69
#define EX_CONFIG      78
#define QUEUE_MAX      16
#define N_TOPICS       7

typedef struct sim_cfg {
    uint32_t seed;
    uint32_t enterprises;
    char *start_date;
    uint32_t backfill_days;
    uint32_t detail_days;
    uint32_t days;
    double speed;
    uint32_t max_rate;
    char *scenario;
    bool stdout_mode;
    bool dry_run;
    char *kafka_brokers;
    char *kafka_extra;
    char *source;
    char *risk_tenant;
    char *http_addr;
    uint32_t http_port;
    char *log_level;
} sim_cfg;

static const cs_opt sim_opts[] = {
    {"seed", "CS_SIM_SEED", CS_OPT_U32, "42",
     "random seed: the same seed and start date give the same events",
     CS_CFG(sim_cfg, seed)},
    {"enterprises", "CS_SIM_ENTERPRISES", CS_OPT_U32, "2000",
     "enterprises in the province (50-100000)", CS_CFG(sim_cfg, enterprises)},
    {"start.date", "CS_SIM_START_DATE", CS_OPT_STR, "",
     "YYYY-MM-DD of simulated day 0 (empty: today minus backfill.days, UTC)",
     CS_CFG(sim_cfg, start_date)},
    {"backfill.days", "CS_SIM_BACKFILL_DAYS", CS_OPT_U32, "0",
     "days of history written first, paced only by max.rate",
     CS_CFG(sim_cfg, backfill_days)},
    {"backfill.detail_days", "CS_SIM_BACKFILL_DETAIL_DAYS", CS_OPT_U32, "0",
     "days at the end of the backfill with every family; earlier days emit "
     "only sales (forecast history at a fraction of the events); 0: all",
     CS_CFG(sim_cfg, detail_days)},
    {"days", "CS_SIM_DAYS", CS_OPT_U32, "0",
     "days streamed after the backfill (0: until stopped)",
     CS_CFG(sim_cfg, days)},
    {"speed", "CS_SIM_SPEED", CS_OPT_DOUBLE, "1",
     "simulated days per second after the backfill (0: no pause)",
     CS_CFG(sim_cfg, speed)},
    {"max.rate", "CS_SIM_MAX_RATE", CS_OPT_U32, "4000",
     "events per second at most (0: no limit); keeps the devbroker's "
     "partitions from overflowing while cs-ingest catches up",
     CS_CFG(sim_cfg, max_rate)},
    {"scenario", "CS_SIM_SCENARIO", CS_OPT_STR, "",
     "scenarios, comma separated: KIND:TARGET[:day=N][:days=N][:severity=N]"
     "[:factor=X], KIND flood, power_cut, bankruptcy, demand",
     CS_CFG(sim_cfg, scenario)},
    {"stdout", "CS_SIM_STDOUT", CS_OPT_BOOL, "false",
     "print the events as JSON lines on stdout instead of producing them",
     CS_CFG(sim_cfg, stdout_mode)},
    {"dry.run", "CS_SIM_DRY_RUN", CS_OPT_BOOL, "false", "the same as --stdout",
     CS_CFG(sim_cfg, dry_run)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers, comma separated", CS_CFG(sim_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka producer properties, k=v,k=v",
     CS_CFG(sim_cfg, kafka_extra)},
    {"source", "CS_SIM_SOURCE", CS_OPT_STR, "sim://cs-simulator",
     "CloudEvents source of every event", CS_CFG(sim_cfg, source)},
    {"risk.tenant", "CS_SIM_RISK_TENANT", CS_OPT_STR, "bureau-330000",
     "tenantid of the risk events", CS_CFG(sim_cfg, risk_tenant)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "address of /healthz, /metrics and POST /scenarios",
     CS_CFG(sim_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "9183",
     "their port (0: any free port)", CS_CFG(sim_cfg, http_port)},
    CS_OPT_LOG_LEVEL(sim_cfg, log_level),
};

static const cs_config_spec sim_spec = {
    .prog = "cs-simulator",
    .summary = "Simulates a province (Zhejiang: new-energy vehicles, "
               "electronics, textiles) and streams\nits master data, orders, "
               "shipments, production, sales, stock and risk events\nto Kafka "
               "the way ERPs would. Inject disruptions with --scenario or "
               "POST /scenarios.",
    .opts = sim_opts,
    .n_opts = sizeof(sim_opts) / sizeof(sim_opts[0]),
};

static const char *const topics[N_TOPICS] = {
    "cs.master", "cs.orders",    "cs.shipments",  "cs.production",
    "cs.sales",  "cs.inventory", "cs.risk_events"};

typedef struct sim_run {
    const sim_cfg *cfg;
    rd_kafka_t *rk;
    FILE *out;
    bool sales_only; /* early backfill days: sales, master, risk events */
    double rate_t0;
    uint64_t rate_n;
    pthread_mutex_t mu; /* guards queue */
    cs_sim_scenario queue[QUEUE_MAX];
    size_t n_queue;
    _Atomic uint64_t events[N_TOPICS];
    _Atomic uint64_t delivered, failed, day, backfill_left, scenarios;
} sim_run;

static sim_run the_run;

#define EVENTS(i, t)                                                           \
    {                                                                          \
        "cs_sim_events_total", "events produced, by topic", CS_METRIC_COUNTER, \
            "topic=\"" t "\"", &the_run.events[i]                              \
    }

static const cs_metric sim_metrics[] = {
    EVENTS(0, "cs.master"),
    EVENTS(1, "cs.orders"),
    EVENTS(2, "cs.shipments"),
    EVENTS(3, "cs.production"),
    EVENTS(4, "cs.sales"),
    EVENTS(5, "cs.inventory"),
    EVENTS(6, "cs.risk_events"),
    {"cs_sim_delivered_total", "events acknowledged by Kafka",
     CS_METRIC_COUNTER, NULL, &the_run.delivered},
    {"cs_sim_delivery_failed_total", "events Kafka refused", CS_METRIC_COUNTER,
     NULL, &the_run.failed},
    {"cs_sim_day", "simulated days done", CS_METRIC_GAUGE, NULL, &the_run.day},
    {"cs_sim_backfill_days_left", "backfill days still to write",
     CS_METRIC_GAUGE, NULL, &the_run.backfill_left},
    {"cs_sim_scenarios_total", "scenarios scheduled", CS_METRIC_COUNTER, NULL,
     &the_run.scenarios},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    sim_run *r = opaque;
    (void)rk;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        cs_metric_add(&r->delivered, 1);
    } else {
        if (atomic_fetch_add(&r->failed, 1) < 10)
            cs_log_error("event not delivered",
                         CS_KV_STR("topic", rd_kafka_topic_name(m->rkt)),
                         CS_KV_STR("error", rd_kafka_err2str(m->err)));
    }
}

/* Holds the average rate at max.rate events per second. */
static void pace(sim_run *r)
{
    double due, now;
    if (r->cfg->max_rate == 0)
        return;
    due = r->rate_t0 + (double)r->rate_n++ / r->cfg->max_rate;
    now = now_s();
    if (due - now > 0.002)
        cs_signal_sleep_ms((unsigned)((due - now) * 1000.0));
    else if (now - due > 1.0) /* fell behind (a stall): do not burst */
        r->rate_t0 += now - due - 1.0;
}

static void count(sim_run *r, const char *topic)
{
    for (size_t i = 0; i < N_TOPICS; i++)
        if (strcmp(topics[i], topic) == 0)
            cs_metric_add(&r->events[i], 1);
}

static cs_status on_emit(void *ctx, const char *topic, const char *key,
                         const char *json, size_t len, cs_err *err)
{
    sim_run *r = ctx;
    rd_kafka_resp_err_t ke;

    if (r->sales_only && strcmp(topic, "cs.sales") != 0 &&
        strcmp(topic, "cs.master") != 0 && strcmp(topic, "cs.risk_events") != 0)
        return CS_OK;
    pace(r);
    if (cs_signal_stop_requested())
        return cs_err_set(err, CS_E_TIMEOUT, "stop requested");
    if (r->rk == NULL) {
        if (fwrite(json, 1, len, r->out) != len || fputc('\n', r->out) == EOF)
            return cs_err_set(err, CS_E_INTERNAL, "cannot write to stdout");
        count(r, topic);
        return CS_OK;
    }
    for (;;) {
        ke = rd_kafka_producev(r->rk, RD_KAFKA_V_TOPIC(topic),
                               RD_KAFKA_V_KEY((void *)key, strlen(key)),
                               RD_KAFKA_V_VALUE((void *)json, len),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_END);
        if (ke != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(r->rk, 50); /* wait for acknowledgements */
        if (cs_signal_stop_requested())
            return cs_err_set(err, CS_E_TIMEOUT, "stop requested");
    }
    if (ke != RD_KAFKA_RESP_ERR_NO_ERROR)
        return cs_err_set(err, CS_E_KAFKA, "could not produce to %s: %s", topic,
                          rd_kafka_err2str(ke));
    count(r, topic);
    rd_kafka_poll(r->rk, 0);
    return CS_OK;
}

static cs_status queue_scenario(sim_run *r, const cs_sim_scenario *sc,
                                cs_err *err)
{
    cs_status rc = CS_OK;
    pthread_mutex_lock(&r->mu);
    if (r->n_queue == QUEUE_MAX)
        rc = cs_err_set(err, CS_E_TOO_LARGE, "%d scenarios already waiting",
                        QUEUE_MAX);
    else
        r->queue[r->n_queue++] = *sc;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    sim_run *r = ctx;
    cs_json_doc *doc = NULL;
    cs_sim_scenario sc;
    cs_err err = {0};
    char spec[CS_SIM_SPEC_BYTES], body[CS_SIM_SPEC_BYTES + 64];

    if (cs_service_ops(req, resp, sim_metrics,
                       sizeof(sim_metrics) / sizeof(sim_metrics[0])))
        return;
    if (strcmp(req->path, "/scenarios") != 0) {
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        cs_http_error(resp, 405, "method_not_allowed", NULL,
                      "use POST with a JSON scenario");
        resp->allow = "POST";
        return;
    }
    if (cs_json_parse(req->body, req->body_len, &cs_json_default_limits, &doc,
                      &err) != CS_OK ||
        cs_sim_scenario_from_json(cs_json_root(doc), &sc, &err) != CS_OK) {
        cs_http_error(resp, 400, "invalid_scenario", NULL, "%s", err.msg);
        cs_json_doc_free(doc);
        return;
    }
    cs_json_doc_free(doc);
    if (queue_scenario(r, &sc, &err) != CS_OK) {
        cs_http_error(resp, 429, "too_many_scenarios", NULL, "%s", err.msg);
        return;
    }
    cs_sim_scenario_format(&sc, spec, sizeof(spec));
    snprintf(body, sizeof(body),
             "{\"status\":\"accepted\",\"scenario\":\"%s\"}", spec);
    cs_http_set_body(resp, 202, "application/json", body, strlen(body));
}

/* Schedules what POST /scenarios queued; a bad target is logged. */
static void drain_queue(sim_run *r, cs_sim *sim)
{
    cs_sim_scenario q[QUEUE_MAX];
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->n_queue;
    memcpy(q, r->queue, n * sizeof(q[0]));
    r->n_queue = 0;
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        char spec[CS_SIM_SPEC_BYTES];
        cs_err err = {0};
        if (cs_sim_add_scenario(sim, &q[i], &err) != CS_OK) {
            cs_log_warn("scenario refused", CS_KV_STR("error", err.msg));
            continue;
        }
        cs_metric_add(&r->scenarios, 1);
        cs_sim_scenario_format(&q[i], spec, sizeof(spec));
        cs_log_info("scenario scheduled", CS_KV_STR("scenario", spec));
    }
}

static bool start_day(const sim_cfg *cfg, int32_t *out)
{
    int64_t us;
    cs_err err = {0};

    if (cfg->start_date[0] == '\0') {
        *out = (int32_t)(time(NULL) / 86400) - (int32_t)cfg->backfill_days;
        return true;
    }
    if (cs_time_check_date(cfg->start_date, strlen(cfg->start_date), &err) !=
            CS_OK ||
        cs_time_to_unix_us(cfg->start_date, strlen(cfg->start_date), &us,
                           &err) != CS_OK)
        return false;
    *out = (int32_t)(us / 86400000000LL);
    return true;
}

static void progress(const sim_run *r, const cs_sim *sim, double t0,
                     uint32_t total, bool last)
{
    uint64_t n = 0;
    char date[11];
    double el = now_s() - t0;

    for (size_t i = 0; i < N_TOPICS; i++)
        n += atomic_load(&r->events[i]);
    cs_sim_date(sim, cs_sim_day(sim) - 1, date);
    fprintf(stderr, "\rbackfill %s  day %d/%u  %llu events  %.0f events/s   %s",
            date, cs_sim_day(sim), total, (unsigned long long)n,
            el > 0 ? (double)n / el : 0.0, last ? "\n" : "");
}

int main(int argc, char **argv)
{
    sim_cfg cfg = {0};
    sim_run *r = &the_run;
    cs_sim *sim = NULL;
    cs_httpd *http = NULL;
    cs_httpd_opts hopts;
    cs_err err = {0};
    int32_t day0;
    int code;
    bool tty = isatty(STDERR_FILENO) != 0;
    double t0, t_prog = 0;
    uint64_t total = 0;

    pthread_mutex_init(&r->mu, NULL);
    code = cs_service_init(&sim_spec, &cfg, argc, argv, "simulator",
                           CS_CFG(sim_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    code = EX_CONFIG;
    r->cfg = &cfg;
    r->out = stdout;
    if (!start_day(&cfg, &day0) || !(cfg.speed >= 0)) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", "start.date must be YYYY-MM-DD and "
                                        "speed not negative"));
        goto out;
    }
    {
        cs_sim_opts o = {.seed = cfg.seed,
                         .n_enterprises = cfg.enterprises,
                         .start_day = day0,
                         .warmup_days = 56,
                         .source = cfg.source,
                         .risk_tenant = cfg.risk_tenant};
        if (cs_sim_new(&o, on_emit, r, &sim, &err) != CS_OK) {
            cs_log_error("cannot build the region",
                         CS_KV_STR("error", err.msg));
            goto out;
        }
    }
    if (cfg.scenario[0] != '\0') {
        char *list = strdup(cfg.scenario), *save = NULL, *tok;
        cs_sim_scenario sc;
        bool ok = list != NULL;

        for (tok = ok ? strtok_r(list, ",", &save) : NULL; ok && tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            ok = cs_sim_scenario_parse(tok, &sc, &err) == CS_OK &&
                 cs_sim_add_scenario(sim, &sc, &err) == CS_OK;
            if (ok) {
                char spec[CS_SIM_SPEC_BYTES];
                cs_sim_scenario_format(&sc, spec, sizeof(spec));
                cs_log_info("scenario scheduled", CS_KV_STR("scenario", spec));
                cs_metric_add(&r->scenarios, 1);
            }
        }
        free(list);
        if (!ok) {
            cs_log_error("bad scenario", CS_KV_STR("error", err.msg));
            goto out;
        }
    }
    if (!cfg.stdout_mode && !cfg.dry_run &&
        cs_kafka_producer_new(cfg.kafka_brokers, cfg.kafka_extra, on_delivery,
                              r, &r->rk, &err) != CS_OK) {
        cs_log_error("cannot start the Kafka producer",
                     CS_KV_STR("error", err.msg));
        goto out;
    }
    hopts = (cs_httpd_opts){.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = 1,
                            .timeout_s = 10,
                            .max_body_bytes = 4096};
    if (cs_httpd_start(&hopts, on_http, r, &http, &err) != CS_OK) {
        cs_log_error("cannot serve /healthz, /metrics and /scenarios",
                     CS_KV_STR("error", err.msg));
        code = EX_UNAVAILABLE;
        goto out;
    }
    {
        char d[11];
        cs_sim_date(sim, 0, d);
        cs_log_info(
            "simulator ready", CS_KV_INT("seed", cfg.seed),
            CS_KV_INT("enterprises", (int64_t)cs_sim_n_enterprises(sim)),
            CS_KV_STR("start_date", d),
            CS_KV_INT("backfill_days", cfg.backfill_days),
            CS_KV_STR("output", r->rk ? cfg.kafka_brokers : "stdout"),
            CS_KV_INT("http_port", cs_httpd_port(http)));
    }
    if (r->rk == NULL)
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    t0 = r->rate_t0 = now_s();
    code = 0;
    if (cs_sim_emit_master(sim, &err) != CS_OK)
        goto stopped;
    cs_metric_set(&r->backfill_left, cfg.backfill_days);
    while (!cs_signal_stop_requested()) {
        int32_t day = cs_sim_day(sim);
        bool backfill = day < (int32_t)cfg.backfill_days;
        double t_day = now_s();

        if (cfg.days > 0 && day >= (int32_t)(cfg.backfill_days + cfg.days))
            break;
        drain_queue(r, sim);
        r->sales_only = cfg.detail_days > 0 && day + (int32_t)cfg.detail_days <
                                                   (int32_t)cfg.backfill_days;
        if (cs_sim_step(sim, &err) != CS_OK)
            goto stopped;
        cs_metric_set(&r->day, (uint64_t)cs_sim_day(sim));
        if (backfill) {
            cs_metric_set(&r->backfill_left,
                          cfg.backfill_days - (uint32_t)cs_sim_day(sim));
            if (tty && (now_s() - t_prog > 0.25 ||
                        cs_sim_day(sim) == (int32_t)cfg.backfill_days)) {
                t_prog = now_s();
                progress(r, sim, t0, cfg.backfill_days,
                         cs_sim_day(sim) == (int32_t)cfg.backfill_days);
            }
            if (cs_sim_day(sim) == (int32_t)cfg.backfill_days)
                cs_log_info("backfill written",
                            CS_KV_INT("days", cfg.backfill_days),
                            CS_KV_DBL("seconds", now_s() - t0));
        } else if (cfg.speed > 0) {
            double left = t_day + 1.0 / cfg.speed - now_s();
            if (left > 0)
                cs_signal_sleep_ms((unsigned)(left * 1000.0));
            r->rate_t0 =
                now_s() - (double)r->rate_n / (cfg.max_rate ? cfg.max_rate : 1);
        }
    }
stopped:
    if (err.code != CS_OK &&
        !(err.code == CS_E_TIMEOUT && cs_signal_stop_requested())) {
        cs_log_error("simulation stopped", CS_KV_STR("error", err.msg));
        code = err.code == CS_E_KAFKA ? EX_UNAVAILABLE : 1;
    }
    if (r->rk != NULL) {
        rd_kafka_resp_err_t fe = rd_kafka_flush(r->rk, 30000);
        if (fe != RD_KAFKA_RESP_ERR_NO_ERROR || atomic_load(&r->failed) > 0) {
            cs_log_error("events not acknowledged",
                         CS_KV_INT("queued", rd_kafka_outq_len(r->rk)),
                         CS_KV_INT("failed", (int64_t)atomic_load(&r->failed)));
            code = EX_UNAVAILABLE;
        }
    } else if (fflush(stdout) != 0 && code == 0) {
        code = 1;
    }
    for (size_t i = 0; i < N_TOPICS; i++)
        total += atomic_load(&r->events[i]);
    cs_log_info("simulator finished", CS_KV_INT("days", cs_sim_day(sim)),
                CS_KV_INT("events", (int64_t)total),
                CS_KV_INT("master", (int64_t)atomic_load(&r->events[0])),
                CS_KV_INT("orders", (int64_t)atomic_load(&r->events[1])),
                CS_KV_INT("shipments", (int64_t)atomic_load(&r->events[2])),
                CS_KV_INT("production", (int64_t)atomic_load(&r->events[3])),
                CS_KV_INT("sales", (int64_t)atomic_load(&r->events[4])),
                CS_KV_INT("inventory", (int64_t)atomic_load(&r->events[5])),
                CS_KV_INT("risk_events", (int64_t)atomic_load(&r->events[6])),
                CS_KV_INT("delivered", (int64_t)atomic_load(&r->delivered)),
                CS_KV_DBL("seconds", now_s() - t0),
                CS_KV_DBL("events_per_s", (double)total / (now_s() - t0)));
    if (tty)
        fprintf(stderr,
                "cs-simulator: %d days, %llu events (%llu orders, %llu "
                "shipments, %llu production, %llu sales, %llu inventory, "
                "%llu risk) in %.1f s\n",
                cs_sim_day(sim), (unsigned long long)total,
                (unsigned long long)atomic_load(&r->events[1]),
                (unsigned long long)atomic_load(&r->events[2]),
                (unsigned long long)atomic_load(&r->events[3]),
                (unsigned long long)atomic_load(&r->events[4]),
                (unsigned long long)atomic_load(&r->events[5]),
                (unsigned long long)atomic_load(&r->events[6]), now_s() - t0);
out:
    cs_httpd_stop(http);
    if (r->rk != NULL)
        rd_kafka_destroy(r->rk);
    cs_sim_free(sim);
    cs_config_free(&sim_spec, &cfg);
    pthread_mutex_destroy(&r->mu);
    return code;
}
