/* cs_kafka.c - consumer and producer construction. */
#include "cs_kafka.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cs_log.h"
#include "cs_str.h"

cs_status cs_kafka_set(rd_kafka_conf_t *conf, const char *key,
                       const char *value, cs_err *err)
{
    char errstr[256];

    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK)
        return cs_err_set(err, CS_E_CONFIG, "kafka property %s: %s", key,
                          errstr);
    return CS_OK;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    (void)rk;
    if (level <= LOG_ERR)
        cs_log_error("librdkafka", CS_KV_STR("facility", fac),
                     CS_KV_STR("detail", buf));
    else if (level <= LOG_WARNING)
        cs_log_warn("librdkafka", CS_KV_STR("facility", fac),
                    CS_KV_STR("detail", buf));
    else
        cs_log_debug("librdkafka", CS_KV_STR("facility", fac),
                     CS_KV_STR("detail", buf));
}

cs_status cs_kafka_apply_extra(rd_kafka_conf_t *conf, const char *extra,
                               cs_err *err)
{
    char *copy, *save = NULL, *tok;
    cs_status rc = CS_OK;

    if (extra == NULL || extra[0] == '\0')
        return CS_OK;
    copy = strdup(extra);
    if (copy == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == CS_OK;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (eq == NULL) {
            rc = cs_err_set(err, CS_E_CONFIG,
                            "kafka property \"%s\" is not key=value", tok);
            break;
        }
        *eq = '\0';
        rc = cs_kafka_set(conf, tok, eq + 1, err);
    }
    free(copy);
    return rc;
}

bool cs_kafka_extra_ok(const char *extra)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cs_err err = {0};
    cs_status rc;

    if (conf == NULL) {
        cs_log_error("out of memory");
        return false;
    }
    rc = cs_kafka_apply_extra(conf, extra, &err);
    rd_kafka_conf_destroy(conf);
    if (rc != CS_OK)
        cs_log_error("bad configuration: kafka.extra",
                     CS_KV_STR("error", err.msg));
    return rc == CS_OK;
}

/* A new conf with the brokers and our log callback; extra properties are
 * applied last by the caller so they can override our defaults. */
static rd_kafka_conf_t *base_conf(const char *brokers, cs_err *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();

    rd_kafka_conf_set_log_cb(conf, log_cb);
    if (cs_kafka_set(conf, "bootstrap.servers", brokers, err) != CS_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

/* Logs each assignment and revocation (so a consumer that never joins its
 * group shows in the log) and applies it as librdkafka would without a
 * callback, for the eager and the cooperative protocols alike. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t kerr,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    int cooperative =
        strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;

    (void)opaque;
    if (kerr == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        cs_log_info("partitions assigned", CS_KV_INT("partitions", parts->cnt),
                    CS_KV_STR("protocol", rd_kafka_rebalance_protocol(rk)));
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
    } else {
        cs_log_info("partitions revoked", CS_KV_INT("partitions", parts->cnt),
                    CS_KV_STR("reason", rd_kafka_err2str(kerr)));
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, NULL);
    }
    if (error != NULL) {
        cs_log_error("rebalance failed",
                     CS_KV_STR("error", rd_kafka_error_string(error)));
        rd_kafka_error_destroy(error);
    } else if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        cs_log_error("rebalance failed",
                     CS_KV_STR("error", rd_kafka_err2str(aerr)));
    }
}

cs_status cs_kafka_consumer_new(const char *brokers, const char *group_id,
                                const char *const *topics, size_t n_topics,
                                const char *extra, rd_kafka_t **out,
                                cs_err *err)
{
    rd_kafka_conf_t *conf;
    rd_kafka_topic_partition_list_t *subs;
    rd_kafka_resp_err_t kerr;
    rd_kafka_t *rk;
    char errstr[256];

    *out = NULL;
    conf = base_conf(brokers, err);
    if (conf == NULL)
        return CS_E_CONFIG;
    if (cs_kafka_set(conf, "group.id", group_id, err) ||
        cs_kafka_set(conf, "enable.auto.offset.store", "false", err) ||
        cs_kafka_set(conf, "auto.offset.reset", "earliest", err) ||
        cs_kafka_apply_extra(conf, extra, err)) {
        rd_kafka_conf_destroy(conf);
        return CS_E_CONFIG;
    }
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only on
                                        success */
        return cs_err_set(err, CS_E_CONFIG, "cannot create consumer: %s",
                          errstr);
    }
    rd_kafka_poll_set_consumer(rk);
    subs = rd_kafka_topic_partition_list_new((int)n_topics);
    for (size_t i = 0; i < n_topics; i++)
        rd_kafka_topic_partition_list_add(subs, topics[i],
                                          RD_KAFKA_PARTITION_UA);
    kerr = rd_kafka_subscribe(rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_destroy(rk);
        return cs_err_set(err, CS_E_KAFKA, "could not subscribe: %s",
                          rd_kafka_err2str(kerr));
    }
    *out = rk;
    return CS_OK;
}

cs_status cs_kafka_producer_new(const char *brokers, const char *extra,
                                cs_kafka_dr_cb dr_cb, void *opaque,
                                rd_kafka_t **out, cs_err *err)
{
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    char errstr[256];

    *out = NULL;
    conf = base_conf(brokers, err);
    if (conf == NULL)
        return CS_E_CONFIG;
    if (dr_cb != NULL)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, opaque);
    if (cs_kafka_set(conf, "enable.idempotence", "true", err) ||
        cs_kafka_set(conf, "acks", "all", err) ||
        cs_kafka_apply_extra(conf, extra, err)) {
        rd_kafka_conf_destroy(conf);
        return CS_E_CONFIG;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        return cs_err_set(err, CS_E_CONFIG, "cannot create producer: %s",
                          errstr);
    }
    *out = rk;
    return CS_OK;
}
