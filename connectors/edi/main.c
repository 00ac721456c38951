/* main.c - cs-edi FILE...: converts X12 850/855/856/810 and EDIFACT
 * ORDERS / ORDRSP / DESADV / INVOIC documents into canonical order,
 * order response, shipment and invoice CloudEvents, as
 * JSON lines on stdout or, with --produce, to Kafka with every
 * acknowledgement awaited. Rejections go to the log with their segment
 * position. See docs/connectors.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_conn.h"
#include "cs_edi.h"
#include "cs_log.h"
#include "cs_service.h"
#include "cs_time.h"

#define EX_DATAERR     65
#define EX_NOINPUT     66
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE    70
#define EX_CONFIG      78

typedef struct edi_cfg {
    char *kafka_brokers;
    char *kafka_extra;
    bool produce;
    uint32_t kafka_timeout_ms;
    char *orders_topic;
    char *shipments_topic;
    char *responses_topic;
    char *invoices_topic;
    char *sales_topic;
    char *demand_plans_topic;
    char *partner_map;
    char *tenant;
    char *source;
    char *default_unit;
    char *currency;
    char *time_offset;
    bool strict_controls;
    bool strict_charset;
    char *log_level;
} edi_cfg;

static const cs_opt edi_opts[] = {
    {"produce", "CS_EDI_PRODUCE", CS_OPT_BOOL, "false",
     "send the events to Kafka instead of printing them",
     CS_CFG(edi_cfg, produce)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers (with --produce)", CS_CFG(edi_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka producer properties, k=v,k=v",
     CS_CFG(edi_cfg, kafka_extra)},
    {"kafka.timeout_ms", "CS_KAFKA_TIMEOUT_MS", CS_OPT_U32, "30000",
     "longest wait for the broker to acknowledge a file's events",
     CS_CFG(edi_cfg, kafka_timeout_ms)},
    {"orders.topic", "CS_ORDERS_TOPIC", CS_OPT_STR, "cs.orders",
     "topic of cs.order.v1 events", CS_CFG(edi_cfg, orders_topic)},
    {"shipments.topic", "CS_SHIPMENTS_TOPIC", CS_OPT_STR, "cs.shipments",
     "topic of cs.shipment.v1 events", CS_CFG(edi_cfg, shipments_topic)},
    {"order_responses.topic", "CS_ORDER_RESPONSES_TOPIC", CS_OPT_STR,
     "cs.order_responses", "topic of cs.order_response.v1 events",
     CS_CFG(edi_cfg, responses_topic)},
    {"invoices.topic", "CS_INVOICES_TOPIC", CS_OPT_STR, "cs.invoices",
     "topic of cs.invoice.v1 events", CS_CFG(edi_cfg, invoices_topic)},
    {"sales.topic", "CS_SALES_TOPIC", CS_OPT_STR, "cs.sales",
     "topic of cs.sales.v1 events", CS_CFG(edi_cfg, sales_topic)},
    {"demand_plans.topic", "CS_DEMAND_PLANS_TOPIC", CS_OPT_STR,
     "cs.demand_plans", "topic of cs.demand_plan.v1 events",
     CS_CFG(edi_cfg, demand_plans_topic)},
    {"partner.map", "CS_EDI_PARTNER_MAP", CS_OPT_STR, "",
     "TSV file: trading-partner id <TAB> credit code (ids that are credit "
     "codes need no entry)",
     CS_CFG(edi_cfg, partner_map)},
    {"tenant", "CS_EDI_TENANT", CS_OPT_STR, "",
     "tenantid of every event (default: the buyer of an order or a "
     "planning schedule, the supplier of a shipment, the seller of sales)",
     CS_CFG(edi_cfg, tenant)},
    {"source", "CS_EDI_SOURCE", CS_OPT_STR, "",
     "CloudEvents source (default: edi://x12/SENDER or edi://edifact/SENDER)",
     CS_CFG(edi_cfg, source)},
    {"default.unit", "CS_EDI_DEFAULT_UNIT", CS_OPT_STR, "PCE",
     "unit of an EDIFACT QTY that states none (EANCOM: pieces)",
     CS_CFG(edi_cfg, default_unit)},
    {"currency", "CS_EDI_CURRENCY", CS_OPT_STR, "",
     "currency of orders that state none (ISO 4217; empty: omit it)",
     CS_CFG(edi_cfg, currency)},
    {"time.offset", "CS_EDI_TIME_OFFSET", CS_OPT_STR, "Z",
     "UTC offset of the documents' dates and times, Z or +HH:MM",
     CS_CFG(edi_cfg, time_offset)},
    {"strict.controls", "CS_EDI_STRICT_CONTROLS", CS_OPT_BOOL, "false",
     "reject messages (interchanges) whose control counts or references "
     "are wrong (default: convert them with a warning)",
     CS_CFG(edi_cfg, strict_controls)},
    {"strict.charset", "CS_EDI_STRICT_CHARSET", CS_OPT_BOOL, "false",
     "reject UNOA / UNOB messages holding other characters (default: read "
     "them as UTF-8 with a warning when they are valid UTF-8)",
     CS_CFG(edi_cfg, strict_charset)},
    CS_OPT_LOG_LEVEL(edi_cfg, log_level),
};

static const cs_config_spec edi_spec = {
    .prog = "cs-edi",
    .summary = "Converts EDI files (X12 850/855/856/810/830, EDIFACT ORDERS/"
               "ORDRSP/DESADV/INVOIC/SLSRPT, SAP IDoc ORDERS01..05) into "
               "cs.order.v1 / "
               "cs.order_response.v1 / cs.shipment.v1 / cs.invoice.v1 / "
               "cs.demand_plan.v1 / cs.sales.v1 CloudEvents: JSON lines on "
               "stdout, or Kafka with --produce. Usage: cs-edi [OPTION]... "
               "FILE...",
    .opts = edi_opts,
    .n_opts = sizeof(edi_opts) / sizeof(edi_opts[0]),
};

typedef struct run_ctx {
    const edi_cfg *cfg;
    cs_conn_out *out;
    const char *file;
    size_t n_warnings;
} run_ctx;

static cs_status on_event(void *ctx, const cs_edi_event *ev, cs_err *err)
{
    run_ctx *rc = ctx;
    const char *topic =
        strcmp(ev->type, "cs.order.v1") == 0      ? rc->cfg->orders_topic
        : strcmp(ev->type, "cs.shipment.v1") == 0 ? rc->cfg->shipments_topic
        : strcmp(ev->type, "cs.invoice.v1") == 0  ? rc->cfg->invoices_topic
        : strcmp(ev->type, "cs.sales.v1") == 0    ? rc->cfg->sales_topic
        : strcmp(ev->type, "cs.demand_plan.v1") == 0
            ? rc->cfg->demand_plans_topic
            : rc->cfg->responses_topic;
    return cs_conn_out_send(rc->out, topic, ev->key, ev->json, ev->json_len,
                            err);
}

static void on_reject(void *ctx, const cs_err *why)
{
    run_ctx *rc = ctx;
    if (why->code == CS_OK) {
        rc->n_warnings++;
        cs_log_warn("edi warning", CS_KV_STR("file", rc->file),
                    CS_KV_STR("warning", why->msg));
        return;
    }
    cs_log_error("rejected", CS_KV_STR("file", rc->file),
                 CS_KV_STR("error", why->msg));
}

static bool check_cfg(const edi_cfg *c)
{
    char probe[48];
    cs_err e = {0};
    size_t n;

    snprintf(probe, sizeof(probe), "2000-01-01T00:00:00%s", c->time_offset);
    if (cs_time_check_datetime(probe, strlen(probe), &e) != CS_OK) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", "time.offset must be Z or +HH:MM"));
        return false;
    }
    n = strlen(c->default_unit);
    for (size_t i = 0; i < n; i++)
        if (!((c->default_unit[i] >= 'A' && c->default_unit[i] <= 'Z') ||
              (c->default_unit[i] >= '0' && c->default_unit[i] <= '9')))
            n = 0;
    if (n == 0 || n > 8) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", "default.unit must be 1-8 of A-Z, "
                                        "0-9"));
        return false;
    }
    n = strlen(c->currency);
    if (n != 0 && (n != 3 || c->currency[0] < 'A' || c->currency[0] > 'Z' ||
                   c->currency[1] < 'A' || c->currency[1] > 'Z' ||
                   c->currency[2] < 'A' || c->currency[2] > 'Z')) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", "currency must be an ISO 4217 "
                                        "code"));
        return false;
    }
    n = strlen(c->tenant);
    for (size_t i = 0; i < n; i++) {
        char ch = c->tenant[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
            n = 65;
    }
    if (n > 64) {
        cs_log_error("bad configuration",
                     CS_KV_STR("error", "tenant must be 1-64 of A-Z a-z "
                                        "0-9 . _ -"));
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    edi_cfg cfg = {0};
    char **opt_argv = calloc(2 * (size_t)argc + 1, sizeof(char *));
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    cs_edi_partners *partners = NULL;
    cs_conn_out *out = NULL;
    cs_err err = {0};
    int n_opt, n_files = 0, code = 0;

    if (opt_argv == NULL || files == NULL) {
        fprintf(stderr, "cs-edi: out of memory\n");
        return EX_SOFTWARE;
    }
    n_opt =
        cs_conn_split_args(&edi_spec, argc, argv, opt_argv, files, &n_files);
    code = cs_service_init(&edi_spec, &cfg, n_opt, opt_argv, "edi",
                           CS_CFG(edi_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    code = 0;
    if (n_files == 0) {
        fprintf(stderr, "usage: cs-edi [OPTION]... FILE... (see --help)\n");
        code = 64;
        goto out;
    }
    if (!check_cfg(&cfg)) {
        code = EX_CONFIG;
        goto out;
    }
    if (cfg.partner_map[0] != '\0' &&
        cs_edi_partners_load(cfg.partner_map, &partners, &err) != CS_OK) {
        cs_log_error("bad configuration", CS_KV_STR("error", err.msg));
        code = EX_CONFIG;
        goto out;
    }
    if (cs_conn_out_new(cfg.produce ? cfg.kafka_brokers : NULL, cfg.kafka_extra,
                        stdout, &out, &err) != CS_OK) {
        cs_log_error("could not start the producer",
                     CS_KV_STR("error", err.msg));
        code = EX_CONFIG;
        goto out;
    }
    for (int i = 0; i < n_files; i++) {
        cs_edi_opts o = {.partners = partners,
                         .tenant = cfg.tenant,
                         .source = cfg.source,
                         .default_unit = cfg.default_unit,
                         .currency = cfg.currency,
                         .time_offset = cfg.time_offset,
                         .strict_controls = cfg.strict_controls,
                         .strict_charset = cfg.strict_charset};
        run_ctx ctx = {.cfg = &cfg, .out = out, .file = files[i]};
        cs_edi_stats st = {0};
        char *buf = NULL;
        size_t len = 0;
        cs_status rc;

        rc = cs_conn_read_file(files[i], CS_EDI_MAX_FILE_BYTES, &buf, &len,
                               &err);
        if (rc != CS_OK) {
            cs_log_error("cannot read file", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            if (code == 0)
                code = rc == CS_E_NOT_FOUND ? EX_NOINPUT : EX_DATAERR;
            continue;
        }
        rc = cs_edi_convert(buf, len, &o, on_event, on_reject, &ctx, &st, &err);
        free(buf);
        if (rc == CS_OK || rc == CS_E_INVALID) {
            cs_status frc = cs_conn_out_flush(out, cfg.kafka_timeout_ms, &err);
            if (frc != CS_OK) {
                cs_log_error("events not acknowledged",
                             CS_KV_STR("file", files[i]),
                             CS_KV_STR("error", err.msg));
                code = EX_UNAVAILABLE;
                break;
            }
        }
        if (rc == CS_E_KAFKA || rc == CS_E_TIMEOUT) {
            cs_log_error("could not produce", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            code = EX_UNAVAILABLE;
            break;
        }
        if (rc != CS_OK && rc != CS_E_INVALID) {
            cs_log_error("could not convert", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            if (code == 0)
                code = rc == CS_E_TOO_LARGE ? EX_DATAERR : EX_SOFTWARE;
            continue;
        }
        cs_log_info("converted", CS_KV_STR("file", files[i]),
                    CS_KV_INT("interchanges", (int64_t)st.n_interchanges),
                    CS_KV_INT("messages", (int64_t)st.n_messages),
                    CS_KV_INT("events", (int64_t)st.n_events),
                    CS_KV_INT("rejected", (int64_t)st.n_rejected),
                    CS_KV_INT("warnings", (int64_t)ctx.n_warnings),
                    CS_KV_BOOL("produced", cfg.produce));
        if (rc == CS_E_INVALID && code == 0)
            code = EX_DATAERR;
    }
out:
    cs_conn_out_free(out);
    cs_edi_partners_free(partners);
    cs_config_free(&edi_spec, &cfg);
    free(opt_argv);
    free(files);
    return code;
}
