/* publish.c - the alerts outbox: alerts whose published_at is NULL (new,
 * or resolved since) go to the alerts topic as JSON keyed by the alerted
 * enterprise, and are marked only once Kafka acknowledged them. A crash
 * in between publishes them again: consumers dedupe on alert_id and
 * status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_log.h"

#define FLUSH_TIMEOUT_MS 10000

void analyst_delivery_report(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                             void *opaque);

/* Delivery report: marks the message's slot acknowledged. */
void analyst_delivery_report(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                             void *opaque)
{
    bool *acked = msg->_private;

    (void)rk;
    (void)opaque;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && acked != NULL)
        *acked = true;
    else if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR)
        cs_log_warn("could not publish an alert",
                    CS_KV_STR("error", rd_kafka_err2str(msg->err)));
}

cs_status analyst_publish(analyst *a, analyst_summary *sum, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc;
    int n;
    bool *acked = NULL;
    char *ids = NULL;
    size_t len = 0, cap;

    if (a->producer == NULL)
        return CS_OK;
    rc = cs_pg_run(a->db, "alerts_pending", 0, NULL, &res, err);
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not read the alerts outbox");
    n = PQntuples(res);
    if (n == 0)
        goto out;
    acked = calloc((size_t)n, sizeof(*acked));
    cap = (size_t)n * 21 + 3;
    ids = malloc(cap);
    if (acked == NULL || ids == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        const char *key = PQgetvalue(res, i, 1);
        const char *val = PQgetvalue(res, i, 2);
        rd_kafka_resp_err_t kerr = rd_kafka_producev(
            a->producer, RD_KAFKA_V_TOPIC(a->cfg->alerts_topic),
            RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE((void *)val, (size_t)PQgetlength(res, i, 2)),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(&acked[i]), RD_KAFKA_V_END);
        if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            cs_log_warn("could not queue an alert",
                        CS_KV_STR("error", rd_kafka_err2str(kerr)));
            break;
        }
    }
    if (rd_kafka_flush(a->producer, FLUSH_TIMEOUT_MS) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* acked[] is freed below: no report may arrive after that. */
        rd_kafka_purge(a->producer,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(a->producer, FLUSH_TIMEOUT_MS);
        cs_log_warn("alerts not acknowledged in time; they stay queued");
    }
    ids[len++] = '{';
    for (int i = 0; i < n; i++) {
        if (!acked[i])
            continue;
        len += (size_t)snprintf(ids + len, cap - len, "%s%s",
                                len > 1 ? "," : "", PQgetvalue(res, i, 0));
        sum->n_published++;
    }
    ids[len++] = '}';
    ids[len] = '\0';
    if (sum->n_published > 0) {
        const char *p[] = {ids};
        rc = cs_pg_run(a->db, "alerts_mark", 1, p, NULL, err);
        if (rc != CS_OK)
            rc = analyst_pg_error(rc, err, "could not mark published alerts");
    }
out:
    free(ids);
    free(acked);
    PQclear(res);
    return rc;
}
