/* main.c - cs-devbroker: librdkafka's mock cluster as a small daemon, the
 * embedded Kafka of the demo and the tests. It speaks the real Kafka
 * protocol, so kcat and every client work against it; it is never a
 * production broker (it keeps about 5 MiB or 100,000 message sets per
 * partition and drops the oldest - this daemon logs and counts every
 * drop it sees). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_config.h"
#include "cs_httpd.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_signal.h"
#include "cs_str.h"
#include "devbroker_int.h"

#define MAX_TOPICS     64
#define MAX_PARTITIONS 256
#define WATCH_EVERY_MS 1000

typedef struct devbroker_cfg {
    uint32_t port;
    uint32_t brokers;
    char *topics;
    uint32_t partitions;
    char *addr_file;
    char *http_addr;
    uint32_t http_port;
    char *log_level;
} devbroker_cfg;

static const cs_opt devbroker_opts[] = {
    {"port", "CS_BROKER_PORT", CS_OPT_U32, "9092",
     "port of broker 1; broker N listens on port + N - 1 (0: any free port)",
     CS_CFG(devbroker_cfg, port)},
    {"brokers", "CS_BROKER_COUNT", CS_OPT_U32, "1", "number of brokers",
     CS_CFG(devbroker_cfg, brokers)},
    {"topics", "CS_BROKER_TOPICS", CS_OPT_STR,
     "cs.orders,cs.shipments,cs.production,cs.sales,cs.inventory,cs.master,"
     "cs.risk_events,cs.order_responses,cs.invoices,cs.demand_plans,cs.dlq,cs.alerts",
     "topics to create, comma separated, each optionally NAME:PARTITIONS",
     CS_CFG(devbroker_cfg, topics)},
    {"partitions", "CS_BROKER_PARTITIONS", CS_OPT_U32, "3",
     "partitions of a topic listed without :PARTITIONS",
     CS_CFG(devbroker_cfg, partitions)},
    {"addr.file", "CS_BROKER_ADDR_FILE", CS_OPT_STR, "",
     "also write the bootstrap address to this file (for scripts)",
     CS_CFG(devbroker_cfg, addr_file)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "address of /healthz and /metrics", CS_CFG(devbroker_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "9182",
     "port of /healthz and /metrics (0: any free port)",
     CS_CFG(devbroker_cfg, http_port)},
    CS_OPT_LOG_LEVEL(devbroker_cfg, log_level),
};

static const cs_config_spec devbroker_spec = {
    .prog = "cs-devbroker",
    .summary = "A Kafka-protocol development broker (librdkafka's mock "
               "cluster). Prints its\nbootstrap address on stdout and runs "
               "until SIGTERM or SIGINT. Never use it\nin production: it "
               "keeps little data in memory and drops the oldest.",
    .opts = devbroker_opts,
    .n_opts = sizeof(devbroker_opts) / sizeof(devbroker_opts[0]),
};

typedef struct topic_spec {
    char name[250];
    int partitions;
} topic_spec;

static _Atomic uint64_t m_up, m_brokers, m_topics, m_messages, m_dropped;

static const cs_metric devbroker_metrics[] = {
    {"cs_devbroker_up", "1 while the mock cluster runs", CS_METRIC_GAUGE, NULL,
     &m_up},
    {"cs_devbroker_brokers", "number of mock brokers", CS_METRIC_GAUGE, NULL,
     &m_brokers},
    {"cs_devbroker_topics", "number of topics created", CS_METRIC_GAUGE, NULL,
     &m_topics},
    {"cs_devbroker_messages", "sum of high watermarks over all partitions",
     CS_METRIC_GAUGE, NULL, &m_messages},
    {"cs_devbroker_dropped_messages_total",
     "messages the mock cluster dropped from partition heads to keep its "
     "memory cap, read or not",
     CS_METRIC_COUNTER, NULL, &m_dropped},
};

/* POST /brokers/{id}/down and /brokers/{id}/up: fault injection for
 * reliability tests (the broker stops answering, then comes back with its
 * data). */
static bool broker_fault(rd_kafka_mock_cluster_t *mc, const cs_http_req *req,
                         cs_http_resp *resp)
{
    int id = 0, n = 0;
    char state[8] = "";
    rd_kafka_resp_err_t kerr;

    if (sscanf(req->path, "/brokers/%d/%7[a-z]%n", &id, state, &n) != 2 ||
        req->path[n] != '\0')
        return false;
    if (strcmp(req->method, "POST") != 0) {
        cs_http_error(resp, 405, "method_not_allowed", NULL,
                      "use POST to change a broker's state");
        resp->allow = "POST";
        return true;
    }
    if (strcmp(state, "down") == 0)
        kerr = rd_kafka_mock_broker_set_down(mc, id);
    else if (strcmp(state, "up") == 0)
        kerr = rd_kafka_mock_broker_set_up(mc, id);
    else {
        cs_http_error(resp, 404, "not_found", "state",
                      "state must be down or up");
        return true;
    }
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        cs_http_error(resp, 404, "not_found", "id", "no broker %d: %s", id,
                      rd_kafka_err2str(kerr));
        return true;
    }
    cs_log_warn("broker state changed on request", CS_KV_INT("broker", id),
                CS_KV_STR("state", state));
    cs_http_set_body(resp, 200, "application/json", "{\"ok\":true}", 11);
    return true;
}

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    if (!cs_service_ops(req, resp, devbroker_metrics,
                        sizeof(devbroker_metrics) /
                            sizeof(devbroker_metrics[0])) &&
        !broker_fault(ctx, req, resp))
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
}

static cs_status parse_topics(const char *list, int dflt, topic_spec *out,
                              size_t *n_out, cs_err *err)
{
    char *copy = strdup(list), *save = NULL, *tok;
    size_t n = 0;
    cs_status rc = CS_OK;

    if (copy == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (tok = strtok_r(copy, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        int64_t parts = dflt;
        if (n == MAX_TOPICS) {
            rc =
                cs_err_set(err, CS_E_CONFIG, "more than %d topics", MAX_TOPICS);
            break;
        }
        if (colon != NULL) {
            *colon = '\0';
            if (cs_parse_i64(colon + 1, 1, MAX_PARTITIONS, &parts, err)) {
                rc = cs_err_wrap(err, "topics");
                rc = CS_E_CONFIG;
                break;
            }
        }
        if (tok[0] == '\0' ||
            cs_strlcpy(out[n].name, tok, sizeof(out[n].name)) >=
                sizeof(out[n].name)) {
            rc = cs_err_set(err, CS_E_CONFIG, "topics: bad topic name");
            break;
        }
        out[n].partitions = (int)parts;
        n++;
    }
    free(copy);
    *n_out = n;
    return rc;
}

/* Counts messages dropped from partition heads since the last call. */
static void watch_partitions(rd_kafka_t *watch, const topic_spec *topics,
                             size_t n_topics, int64_t *last_low)
{
    uint64_t total = 0;
    size_t k = 0;

    for (size_t t = 0; t < n_topics; t++) {
        for (int p = 0; p < topics[t].partitions; p++, k++) {
            int64_t lo = 0, hi = 0;
            if (cs_signal_stop_requested())
                return; /* a pass can take seconds on a busy machine */
            if (rd_kafka_query_watermark_offsets(watch, topics[t].name, p, &lo,
                                                 &hi, 500) !=
                RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            total += (uint64_t)hi;
            if (lo > last_low[k]) {
                cs_metric_add(&m_dropped, (uint64_t)(lo - last_low[k]));
                /* The mock cannot tell read from unread data: a
                 * consumer behind the new low watermark lost messages. */
                cs_log_warn("mock partition dropped its oldest messages; "
                            "any consumer that had not read them lost them",
                            CS_KV_STR("topic", topics[t].name),
                            CS_KV_INT("partition", p),
                            CS_KV_INT("dropped", lo - last_low[k]),
                            CS_KV_INT("low_watermark", lo));
                last_low[k] = lo;
            }
        }
    }
    cs_metric_set(&m_messages, total);
}

static cs_status write_addr_file(const char *path, const char *addr,
                                 cs_err *err)
{
    char tmp[4096];
    FILE *f;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return cs_err_set(err, CS_E_CONFIG, "addr.file path too long");
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%s\n", addr) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0)
        return cs_err_set(err, CS_E_CONFIG, "cannot write %s", path);
    return CS_OK;
}

int main(int argc, char **argv)
{
    devbroker_cfg cfg = {0};
    topic_spec *topics = NULL;
    size_t n_topics = 0, n_parts = 0;
    int64_t *last_low = NULL;
    rd_kafka_t *rk = NULL, *watch = NULL;
    rd_kafka_conf_t *conf;
    rd_kafka_mock_cluster_t *mc = NULL;
    cs_httpd *http = NULL;
    cs_httpd_opts hopts;
    char errstr[256];
    const char *boot;
    cs_err err = {0};
    int code = 1;

    code = cs_service_init(&devbroker_spec, &cfg, argc, argv, "devbroker",
                           CS_CFG(devbroker_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    code = 1;
    topics = calloc(MAX_TOPICS, sizeof(*topics));
    if (topics == NULL ||
        parse_topics(cfg.topics, (int)cfg.partitions, topics, &n_topics,
                     &err) != CS_OK ||
        cfg.brokers < 1 || cfg.brokers > 16 || cfg.partitions < 1 ||
        cfg.port > 65535 - cfg.brokers) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", err.msg[0] ? err.msg
                                                   : "brokers must be 1-16, "
                                                     "partitions >= 1, port "
                                                     "< 65536"));
        code = 78;
        goto out;
    }

    conf = rd_kafka_conf_new();
    /* This handle only hosts the mock cluster: silence its notice that it
     * has no bootstrap servers of its own. */
    (void)rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        cs_log_error("cannot create client", CS_KV_STR("error", errstr));
        goto out;
    }
    if (cfg.port != 0) {
        int busy = cs_fixed_port_busy((int)cfg.port, (int)cfg.brokers);
        if (busy != 0) {
            cs_log_error("cannot start the mock cluster: port is in use "
                         "(another cs-devbroker?)",
                         CS_KV_INT("port", busy));
            code = 69;
            goto out;
        }
        cs_fixed_port_begin((int)cfg.port);
    }
    mc = rd_kafka_mock_cluster_new(rk, (int)cfg.brokers);
    cs_fixed_port_end();
    if (mc == NULL) {
        cs_log_error("cannot start the mock cluster");
        goto out;
    }
    for (size_t t = 0; t < n_topics; t++) {
        rd_kafka_resp_err_t kerr = rd_kafka_mock_topic_create(
            mc, topics[t].name, topics[t].partitions,
            (int)(cfg.brokers < 3 ? cfg.brokers : 3));
        if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            cs_log_error("cannot create topic",
                         CS_KV_STR("topic", topics[t].name),
                         CS_KV_STR("error", rd_kafka_err2str(kerr)));
            goto out;
        }
        n_parts += (size_t)topics[t].partitions;
    }
    boot = rd_kafka_mock_cluster_bootstraps(mc);

    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", boot, errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK ||
        (watch = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                              sizeof(errstr))) == NULL) {
        rd_kafka_conf_destroy(conf);
        cs_log_error("cannot create watcher", CS_KV_STR("error", errstr));
        goto out;
    }
    last_low = calloc(n_parts ? n_parts : 1, sizeof(*last_low));
    if (last_low == NULL)
        goto out;

    hopts = (cs_httpd_opts){.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = 1,
                            .timeout_s = 10,
                            .max_body_bytes = 1024};
    if (cs_httpd_start(&hopts, on_http, mc, &http, &err) != CS_OK) {
        cs_log_error("cannot serve /healthz and /metrics",
                     CS_KV_STR("error", err.msg));
        code = 69;
        goto out;
    }
    if (cfg.addr_file[0] != '\0' &&
        write_addr_file(cfg.addr_file, boot, &err) != CS_OK) {
        cs_log_error("cannot write address file", CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    cs_metric_set(&m_up, 1);
    cs_metric_set(&m_brokers, cfg.brokers);
    cs_metric_set(&m_topics, n_topics);
    printf("%s\n", boot);
    fflush(stdout);
    cs_log_info("devbroker ready", CS_KV_STR("bootstrap", boot),
                CS_KV_INT("brokers", cfg.brokers),
                CS_KV_INT("topics", (int64_t)n_topics),
                CS_KV_INT("partitions", (int64_t)n_parts),
                CS_KV_INT("http_port", cs_httpd_port(http)));

    while (!cs_signal_stop_requested()) {
        watch_partitions(watch, topics, n_topics, last_low);
        cs_signal_sleep_ms(WATCH_EVERY_MS);
    }
    cs_log_info("devbroker stopping");
    code = 0;
out:
    cs_httpd_stop(http);
    if (watch != NULL)
        rd_kafka_destroy(watch);
    if (mc != NULL)
        rd_kafka_mock_cluster_destroy(mc);
    if (rk != NULL)
        rd_kafka_destroy(rk);
    if (cfg.addr_file != NULL && cfg.addr_file[0] != '\0' && code == 0)
        (void)remove(cfg.addr_file);
    free(last_low);
    free(topics);
    cs_config_free(&devbroker_spec, &cfg);
    return code;
}
