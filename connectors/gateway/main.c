/* main.c - cs-erp-gateway: ERPs POST events over HTTP; each request is
 * checked with the decoders cs-ingest applies and answered 202 only after
 * the broker acknowledged every event of it (idempotent acks=all
 * producer). When the broker does not acknowledge in time the answer is
 * 503 with Retry-After, never a silent drop or an unbounded buffer.
 *   POST /v1/events      one canonical CloudEvent, or an array of them
 *   POST /v1/erp/orders  a flat ERP order (the data of cs.order.v1);
 *                        Idempotency-Key names the event
 * See docs/connectors.md. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cs_event.h"
#include "cs_httpd.h"
#include "cs_intake.h"
#include "cs_json.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_signal.h"

#define GW_IDEM_MAX 100

typedef struct gw_cfg {
    char *http_addr;
    uint32_t http_port;
    uint32_t http_threads;
    uint32_t http_max_body_bytes;
    char *kafka_brokers;
    char *kafka_extra;
    uint32_t kafka_timeout_ms;
    char *log_level;
} gw_cfg;

static const cs_opt gw_opts[] = {
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "IPv4 address to listen on", CS_CFG(gw_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "8085", "port (0: any free port)",
     CS_CFG(gw_cfg, http_port)},
    {"http.threads", "CS_HTTP_THREADS", CS_OPT_U32, "4", "worker threads",
     CS_CFG(gw_cfg, http_threads)},
    {"http.max_body_bytes", "CS_HTTP_MAX_BODY_BYTES", CS_OPT_U32, "4194304",
     "largest request body (a batch); each event stays within 64 KiB",
     CS_CFG(gw_cfg, http_max_body_bytes)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers", CS_CFG(gw_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka producer properties, k=v,k=v",
     CS_CFG(gw_cfg, kafka_extra)},
    {"kafka.timeout_ms", "CS_KAFKA_TIMEOUT_MS", CS_OPT_U32, "5000",
     "longest wait for the broker's acknowledgement before 503",
     CS_CFG(gw_cfg, kafka_timeout_ms)},
    CS_OPT_LOG_LEVEL(gw_cfg, log_level),
};

static const cs_config_spec gw_spec = {
    .prog = "cs-erp-gateway",
    .summary = "HTTP gateway for ERPs: POST /v1/events (canonical "
               "CloudEvents, one or a batch) and POST /v1/erp/orders (flat "
               "orders with Idempotency-Key); 202 only after the broker "
               "acknowledged, 503 with Retry-After when it does not.",
    .opts = gw_opts,
    .n_opts = sizeof(gw_opts) / sizeof(gw_opts[0]),
};

typedef struct gw {
    const gw_cfg *cfg;
    cs_intake *intake;
    _Atomic uint64_t n_requests;
} gw;

static void post_events(gw *g, const cs_http_req *req, cs_http_resp *resp)
{
    cs_intake_batch *b = cs_intake_batch_new();

    if (b == NULL) {
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
        return;
    }
    if (cs_intake_parse(g->intake, req->body, req->body_len,
                        g->cfg->http_max_body_bytes, b, resp))
        (void)cs_intake_send(g->intake, b, resp);
    cs_intake_batch_free(b);
}

/* A flat ERP order: the data of cs.order.v1, wrapped into the event. */
static void post_erp_order(gw *g, const cs_http_req *req, cs_http_resp *resp)
{
    const char *idem = cs_http_header(req, "Idempotency-Key");
    const char *src = cs_http_header(req, "X-CS-Source");
    cs_json_doc *data = NULL;
    cs_intake_batch *b;
    yajl_gen gen = NULL;
    cs_err err = {0};
    const cs_jval *buyer, *updated;
    char id[CS_EVENT_ID_MAX_BYTES + 1], now[32];
    const unsigned char *buf;
    size_t len;
    time_t t = time(NULL);
    struct tm tm;

    if (idem == NULL || idem[0] == '\0' || strlen(idem) > GW_IDEM_MAX) {
        cs_http_error(resp, 400, "missing_idempotency_key", "Idempotency-Key",
                      "Idempotency-Key: 1-%d bytes naming this order "
                      "version, the same on every retry",
                      GW_IDEM_MAX);
        return;
    }
    if (cs_json_parse(req->body, req->body_len, &cs_json_default_limits, &data,
                      &err) != CS_OK) {
        cs_http_error(resp, 400, "malformed_json", NULL, "%s", err.msg);
        return;
    }
    buyer = cs_json_get(cs_json_root(data), "buyer");
    updated = cs_json_get(cs_json_root(data), "updated_at");
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(id, sizeof(id), "gw:%s", idem);
    gen = yajl_gen_alloc(NULL);
    yajl_gen_map_open(gen);
    cs_json_kv_str(gen, "specversion", "1.0");
    cs_json_kv_str(gen, "id", id);
    cs_json_kv_str(gen, "source", src ? src : "erp://gateway");
    cs_json_kv_str(gen, "type", "cs.order.v1");
    cs_json_kv_str(gen, "time",
                   updated && updated->type == CS_J_STRING ? updated->text
                                                           : now);
    cs_json_kv_str(gen, "tenantid",
                   buyer && buyer->type == CS_J_STRING ? buyer->text : "");
    cs_json_key(gen, "data");
    cs_json_write(gen, cs_json_root(data));
    yajl_gen_map_close(gen);
    yajl_gen_get_buf(gen, &buf, &len);
    b = cs_intake_batch_new();
    if (b == NULL)
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
    else if (cs_intake_parse(g->intake, (const char *)buf, len,
                             CS_JSON_MAX_BODY_BYTES, b, resp))
        (void)cs_intake_send(g->intake, b, resp);
    cs_intake_batch_free(b);
    yajl_gen_free(gen);
    cs_json_doc_free(data);
}

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    gw *g = ctx;
    cs_intake_stats *st = cs_intake_stats_of(g->intake);
    const cs_metric metrics[] = {
        {"cs_gateway_requests_total", "POST requests", CS_METRIC_COUNTER, NULL,
         &g->n_requests},
        {"cs_gateway_events_total", "events acknowledged by the broker",
         CS_METRIC_COUNTER, NULL, &st->events},
        {"cs_gateway_rejected_total", "requests with an invalid event",
         CS_METRIC_COUNTER, NULL, &st->rejected},
        {"cs_gateway_unavailable_total", "503: broker did not acknowledge",
         CS_METRIC_COUNTER, NULL, &st->unavailable},
    };

    if (cs_service_ops(req, resp, metrics,
                       sizeof(metrics) / sizeof(metrics[0])))
        return;
    if (strcmp(req->path, "/v1/events") != 0 &&
        strcmp(req->path, "/v1/erp/orders") != 0) {
        cs_http_error(resp, 404, "not_found", NULL, "no route %s", req->path);
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        cs_http_error(resp, 405, "method_not_allowed", NULL, "%s takes POST",
                      req->path);
        resp->allow = "POST";
        return;
    }
    atomic_fetch_add_explicit(&g->n_requests, 1, memory_order_relaxed);
    if (strcmp(req->path, "/v1/events") == 0)
        post_events(g, req, resp);
    else
        post_erp_order(g, req, resp);
}

int main(int argc, char **argv)
{
    gw_cfg cfg = {0};
    gw g = {.cfg = &cfg};
    cs_httpd *http = NULL;
    cs_err err = {0};
    int code;

    code = cs_service_init(&gw_spec, &cfg, argc, argv, "gateway",
                           CS_CFG(gw_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    if (cs_intake_open(cfg.kafka_brokers, cfg.kafka_extra, cfg.kafka_timeout_ms,
                       &g.intake, &err) != CS_OK) {
        cs_log_error("could not start the producer",
                     CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    {
        cs_httpd_opts ho = {.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = cfg.http_threads,
                            .timeout_s = 30,
                            .max_body_bytes = cfg.http_max_body_bytes};
        if (cs_httpd_start(&ho, on_http, &g, &http, &err) != CS_OK) {
            cs_log_error("could not listen", CS_KV_STR("error", err.msg));
            code = 69;
            goto out;
        }
    }
    cs_log_info("gateway ready", CS_KV_INT("port", cs_httpd_port(http)),
                CS_KV_STR("brokers", cfg.kafka_brokers));
    while (!cs_signal_stop_requested())
        cs_signal_sleep_ms(1000);
    code = 0;
out:
    cs_httpd_stop(http);
    cs_intake_close(g.intake);
    cs_config_free(&gw_spec, &cfg);
    return code;
}
