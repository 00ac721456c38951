/* main.c - cs-ingest: consumes the event topics, validates each record,
 * writes accepted events to PostgreSQL in COPY batches, dead-letters the
 * rest, and stores Kafka offsets only after the database commit (and the
 * dead letters' acknowledgement), so a crash at any moment replays
 * rather than loses; replays are absorbed by the event-id ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_config.h"
#include "cs_httpd.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_signal.h"
#include "ingest_int.h"

#define MAX_TOPICS 16
/* Consumer properties that kafka.extra may override (it is applied after
 * them). librdkafka's destroy waits up to session.timeout.ms for commits
 * to a coordinator that is gone (45 s by default): 10 s. Its prefetch
 * (64 MiB queued, 50 MiB per fetch by default) is the largest part of
 * cs-ingest's memory after the two batches: 16 MiB and 8 MiB, measured
 * as fast (docs/ingest-performance.md, fifth round). */
#define CONSUMER_DEFAULTS                                                      \
    "session.timeout.ms=10000,queued.max.messages.kbytes=16384,"               \
    "fetch.max.bytes=8388608"

static const cs_opt ingest_opts[] = {
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers, comma separated", CS_CFG(ingest_cfg, kafka_brokers)},
    {"kafka.group", "CS_KAFKA_GROUP", CS_OPT_STR, "cs-ingest",
     "consumer group id", CS_CFG(ingest_cfg, kafka_group)},
    {"topics", "CS_INGEST_TOPICS", CS_OPT_STR,
     "cs.orders,cs.shipments,cs.production,cs.sales,cs.inventory,cs.master,"
     "cs.risk_events,cs.order_responses,cs.invoices,cs.demand_plans",
     "topics to consume, comma separated", CS_CFG(ingest_cfg, topics)},
    {"dlq.topic", "CS_DLQ_TOPIC", CS_OPT_STR, "cs.dlq",
     "dead-letter topic for rejected records", CS_CFG(ingest_cfg, dlq_topic)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka properties for the consumer, k=v,k=v",
     CS_CFG(ingest_cfg, kafka_extra)},
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=postgres",
     "libpq connection string", CS_CFG(ingest_cfg, pg_dsn)},
    {"batch.max_events", "CS_BATCH_MAX_EVENTS", CS_OPT_U32, "5000",
     "events per database transaction", CS_CFG(ingest_cfg, batch_max_events)},
    {"batch.max_wait_ms", "CS_BATCH_MAX_WAIT_MS", CS_OPT_U32, "200",
     "longest wait to fill a batch", CS_CFG(ingest_cfg, batch_max_wait_ms)},
    {"kafka.close_timeout_ms", "CS_KAFKA_CLOSE_TIMEOUT_MS", CS_OPT_U32, "5000",
     "on stop, longest wait for Kafka to commit the offsets and let the "
     "consumer leave its group",
     CS_CFG(ingest_cfg, close_timeout_ms)},
    {"max.message_bytes", "CS_MAX_MESSAGE_BYTES", CS_OPT_U32, "65536",
     "larger records are dead-lettered as too_large",
     CS_CFG(ingest_cfg, max_message_bytes)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "address of /healthz, /readyz and /metrics",
     CS_CFG(ingest_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "9181",
     "port of /healthz, /readyz and /metrics (0: any free port)",
     CS_CFG(ingest_cfg, http_port)},
    CS_OPT_LOG_LEVEL(ingest_cfg, log_level),
};

static const cs_config_spec ingest_spec = {
    .prog = "cs-ingest",
    .summary = "Consumes ChainSight event topics into PostgreSQL: validates "
               "each CloudEvent,\nwrites batches with COPY, dead-letters "
               "rejected records, and commits Kafka\noffsets only after the "
               "database commit. Stops cleanly on SIGTERM.",
    .opts = ingest_opts,
    .n_opts = sizeof(ingest_opts) / sizeof(ingest_opts[0]),
};

static ingest the_ingest; /* reached by the HTTP handler through ctx */

#define REJECTED(r, label)                                                     \
    {                                                                          \
        "cs_ingest_rejected_total", "records dead-lettered, by reason",        \
            CS_METRIC_COUNTER, "reason=\"" label "\"",                         \
            &the_ingest.stats.rejected[r]                                      \
    }

static const cs_metric ingest_metrics[] = {
    {"cs_ingest_messages_total", "Kafka messages consumed", CS_METRIC_COUNTER,
     NULL, &the_ingest.stats.messages},
    {"cs_ingest_events_stored_total", "new events written to PostgreSQL",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.events_stored},
    {"cs_ingest_events_duplicate_total",
     "replayed events recognised by id and skipped", CS_METRIC_COUNTER, NULL,
     &the_ingest.stats.events_duplicate},
    {"cs_ingest_batches_total", "database transactions committed",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.batches},
    {"cs_ingest_db_retries_total", "transient database failures retried",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.db_retries},
    {"cs_ingest_direct_copies_total",
     "fact families of a batch COPYed straight into their table",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.direct_copies},
    {"cs_ingest_direct_fallbacks_total",
     "direct COPYs undone (a key stored before or repeated in the batch); "
     "the family went through staging",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.direct_fallbacks},
    {"cs_ingest_dlq_sent_total", "dead letters acknowledged by Kafka",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.dlq_sent},
    {"cs_ingest_dlq_failed_total", "dead letters Kafka did not acknowledge",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.dlq_failed},
    {"cs_ingest_db_up", "1 when the last database operation succeeded",
     CS_METRIC_GAUGE, NULL, &the_ingest.stats.db_up},
    {"cs_ingest_batch_microseconds_total",
     "time the writer spent storing and committing batches (divide by "
     "cs_ingest_batches_total for the mean; its rate is the share of "
     "time the database writer is busy)",
     CS_METRIC_COUNTER, NULL, &the_ingest.stats.batch_us_sum},
    {"cs_ingest_consumer_lag", "messages behind the partitions' ends",
     CS_METRIC_GAUGE, NULL, &the_ingest.stats.lag},
    REJECTED(REASON_TOO_LARGE, "too_large"),
    REJECTED(REASON_MALFORMED_JSON, "malformed_json"),
    REJECTED(REASON_INVALID_ENVELOPE, "invalid_envelope"),
    REJECTED(REASON_INVALID_DATA, "invalid_data"),
    REJECTED(REASON_DB_REJECTED, "db_rejected"),
    REJECTED(REASON_UNKNOWN_TYPE, "unknown_type"),
};

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    ingest *ig = ctx;

    if (cs_service_ops(req, resp, ingest_metrics,
                       sizeof(ingest_metrics) / sizeof(ingest_metrics[0]))) {
        return;
    } else if (strcmp(req->path, "/readyz") == 0) {
        if (atomic_load(&ig->stats.db_up)) {
            static const char ok[] = "{\"status\":\"ready\"}";
            cs_http_set_body(resp, 200, "application/json", ok, strlen(ok));
        } else {
            cs_http_error(resp, 503, "db_down", NULL,
                          "the database is not reachable");
            resp->retry_after = "5";
        }
    } else {
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
    }
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_ms(void)
{
    return now_us() / 1000;
}

/* While the writer has nothing to store, a batch closes early: once it
 * holds an eighth of batch.max_events, or when nothing has come for
 * BATCH_PAUSE_MS. The database is not left idle while a batch fills to
 * its size or its wait (at the start of a burst, and after its last
 * event); under load the writer is busy and batches reach their size;
 * under a light load the pause bounds how often small batches commit. */
#define BATCH_PAUSE_MS 10

/* Polls until the batch is full or its wait is over, or closes it early
 * while the writer is free (above). */
static void fill_batch(ingest *ig, ingest_batch *b)
{
    long long deadline = now_ms() + ig->cfg->batch_max_wait_ms;
    size_t early = ig->cfg->batch_max_events / 8;

    while (b->n_messages < ig->cfg->batch_max_events &&
           !cs_signal_stop_requested()) {
        long long left = deadline - now_ms();
        bool writer_free = b->n_messages > 0 && !atomic_load(&ig->writer.busy);
        rd_kafka_message_t *m;
        int wait;

        if (left <= 0 || (writer_free && b->n_messages >= early))
            break;
        wait = (int)(left < 100 ? left : 100);
        if (writer_free && wait > BATCH_PAUSE_MS)
            wait = BATCH_PAUSE_MS;
        m = rd_kafka_consumer_poll(ig->consumer, wait);
        if (m == NULL) {
            if (writer_free)
                break; /* the input paused and the database is free */
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ingest_handle_message(ig, b, m);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            cs_log_warn("consumer error",
                        CS_KV_STR("error", rd_kafka_message_errstr(m)));
        }
        rd_kafka_message_destroy(m);
    }
}

/* ---- the writer thread: one batch at a time, in the order handed over */

static void *writer_main(void *arg)
{
    ingest *ig = arg;
    ingest_writer *w = &ig->writer;
    long long done_us = 0; /* when the last batch was stored */

    pthread_mutex_lock(&w->mu);
    for (;;) {
        ingest_batch *b;
        cs_err err = {0};
        cs_status rc;
        long long t0, t1;

        while (w->job == NULL && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->job == NULL)
            break; /* quit, nothing left */
        b = w->job;
        pthread_mutex_unlock(&w->mu);
        t0 = now_us();
        rc = ingest_store_batch(ig, b, &err);
        t1 = now_us();
        cs_metric_add(&ig->stats.batch_us_sum, (uint64_t)(t1 - t0));
        /* the writer's idle time before it shows whether batches come
         * fast enough to keep the database busy */
        cs_log_debug(
            "batch stored", CS_KV_INT("messages", (int64_t)b->n_messages),
            CS_KV_BOOL("ok", rc == CS_OK),
            CS_KV_INT("store_ms", (t1 - t0) / 1000),
            CS_KV_INT("idle_ms", done_us ? (t0 - done_us) / 1000 : -1));
        done_us = t1;
        pthread_mutex_lock(&w->mu);
        w->rc = rc;
        w->err = err;
        w->job = NULL;
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void writer_submit(ingest *ig, ingest_batch *b)
{
    ingest_writer *w = &ig->writer;

    pthread_mutex_lock(&w->mu);
    w->job = b;
    w->busy = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits for the batch handed over last; returns how storing it went. */
static cs_status writer_wait(ingest *ig, cs_err *err)
{
    ingest_writer *w = &ig->writer;
    cs_status rc;

    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    rc = w->rc;
    *err = w->err;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void writer_stop(ingest *ig)
{
    ingest_writer *w = &ig->writer;

    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
}

/* Seeks back to where the stored batch began, and to where the batch
 * being decoded began (it is dropped: its messages come again). Every
 * partition goes back to the earlier of the two; the event-id ledger
 * absorbs what was already stored. */
static void rewind_batches(ingest *ig, const ingest_batch *stored,
                           ingest_batch *next)
{
    rd_kafka_topic_partition_list_t *to =
        rd_kafka_topic_partition_list_copy(stored->first);
    rd_kafka_error_t *e;

    for (int i = 0; next != NULL && i < next->first->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &next->first->elems[i];
        rd_kafka_topic_partition_t *q =
            rd_kafka_topic_partition_list_find(to, p->topic, p->partition);
        if (q == NULL)
            rd_kafka_topic_partition_list_add(to, p->topic, p->partition)
                ->offset = p->offset;
        else if (p->offset < q->offset)
            q->offset = p->offset;
    }
    e = rd_kafka_seek_partitions(ig->consumer, to, 5000);
    if (e != NULL) {
        cs_log_error("could not rewind the batch",
                     CS_KV_STR("error", rd_kafka_error_string(e)));
        rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(to);
    if (next != NULL)
        ingest_batch_reset(next);
}

/* Messages between our position and each assigned partition's end, from
 * librdkafka's cached watermarks (no broker round trip). */
static void update_lag(ingest *ig)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    uint64_t lag = 0;

    if (rd_kafka_assignment(ig->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (rd_kafka_position(ig->consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < parts->cnt; i++) {
            int64_t lo = 0, hi = 0;
            rd_kafka_topic_partition_t *p = &parts->elems[i];
            if (p->offset >= 0 &&
                rd_kafka_get_watermark_offsets(ig->consumer, p->topic,
                                               p->partition, &lo, &hi) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR &&
                hi > p->offset)
                lag += (uint64_t)(hi - p->offset);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    cs_metric_set(&ig->stats.lag, lag);
}

/* After the writer stored batch b (rc): once its dead letters are
 * acknowledged, stores its offsets. next is the batch being decoded
 * meanwhile (may be NULL), dropped if b must be read again. Returns false
 * if the service must stop without committing (stop requested during a
 * retry). */
static bool finish_batch(ingest *ig, ingest_batch *b, cs_status rc,
                         const cs_err *err, uint64_t failed_before,
                         ingest_batch *next)
{
    rd_kafka_resp_err_t kerr;

    if (rc != CS_OK) {
        cs_log_warn("batch not stored; its offsets stay uncommitted",
                    CS_KV_STR("error", err->msg));
        return false;
    }
    /* Every dead letter must be acknowledged before offsets move on. */
    rd_kafka_flush(ig->dlq, 10000);
    if (rd_kafka_outq_len(ig->dlq) > 0 ||
        atomic_load(&ig->stats.dlq_failed) != failed_before) {
        cs_log_error("dead letters not acknowledged; rewinding the batch");
        rewind_batches(ig, b, next);
        cs_signal_sleep_ms(1000);
        return true;
    }
    kerr = rd_kafka_offsets_store(ig->consumer, b->next);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR)
        cs_log_debug("some offsets not stored (partitions revoked?)",
                     CS_KV_STR("error", rd_kafka_err2str(kerr)));
    update_lag(ig);
    return true;
}

/* Decodes batch n+1 while the writer stores batch n. Offsets of a batch
 * are stored only after its transaction commits, in batch order. */
static void run_pipeline(ingest *ig)
{
    ingest_batch *cur = &ig->batches[0], *stored = NULL;
    uint64_t failed_before = 0;
    bool ok = true;

    while (ok && !cs_signal_stop_requested()) {
        fill_batch(ig, cur);
        if (stored != NULL) {
            cs_err err = {0};
            cs_status rc = writer_wait(ig, &err);
            ok = finish_batch(ig, stored, rc, &err, failed_before, cur);
            ingest_batch_reset(stored);
            stored = NULL;
        }
        if (ok && cur->n_messages > 0) {
            /* dead letters of cur are queued: their failures count */
            failed_before = atomic_load(&ig->stats.dlq_failed);
            writer_submit(ig, cur);
            stored = cur;
            cur = cur == &ig->batches[0] ? &ig->batches[1] : &ig->batches[0];
        }
    }
    /* The batch in flight, and one cut short by the stop, are still worth
     * committing. */
    if (stored != NULL) {
        cs_err err = {0};
        cs_status rc = writer_wait(ig, &err);
        ok = finish_batch(ig, stored, rc, &err, failed_before, cur);
        ingest_batch_reset(stored);
    }
    if (ok && cur->n_messages > 0) {
        cs_err err = {0};
        cs_status rc;
        failed_before = atomic_load(&ig->stats.dlq_failed);
        writer_submit(ig, cur);
        rc = writer_wait(ig, &err);
        (void)finish_batch(ig, cur, rc, &err, failed_before, NULL);
    }
}

/* Commits the stored offsets and leaves the group, waiting for Kafka at
 * most kafka.close_timeout_ms: with the broker gone, librdkafka would
 * block up to session.timeout.ms (45 s) in each. Offsets not committed
 * are not lost work: the next start replays those batches and the ledger
 * skips them. */
static void close_consumer(ingest *ig)
{
    long long deadline = now_ms() + ig->cfg->close_timeout_ms;
    rd_kafka_queue_t *q = rd_kafka_queue_new(ig->consumer);
    rd_kafka_resp_err_t kerr;
    rd_kafka_error_t *e;
    bool committed = false, closed = false;

    kerr = rd_kafka_commit_queue(ig->consumer, NULL, q, NULL, NULL);
    while (kerr == RD_KAFKA_RESP_ERR_NO_ERROR && now_ms() < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev == NULL)
            continue;
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
            kerr = rd_kafka_event_error(ev);
            committed = true;
        }
        rd_kafka_event_destroy(ev);
        if (committed)
            break;
    }
    if (kerr == RD_KAFKA_RESP_ERR__NO_OFFSET)
        kerr = RD_KAFKA_RESP_ERR_NO_ERROR; /* nothing new to commit */
    if (!committed || kerr != RD_KAFKA_RESP_ERR_NO_ERROR)
        cs_log_warn("offsets not committed on stop; the batches since the "
                    "last commit will be read again and skipped by the "
                    "ledger",
                    CS_KV_STR("error", committed ? rd_kafka_err2str(kerr)
                                                 : "no answer from Kafka"),
                    CS_KV_INT("waited_ms", (int64_t)ig->cfg->close_timeout_ms));
    rd_kafka_queue_destroy(q);

    /* Leave the group (revoking the assignment through the rebalance
     * callback), unless Kafka did not even answer the commit. */
    if (committed) {
        q = rd_kafka_queue_new(ig->consumer);
        e = rd_kafka_consumer_close_queue(ig->consumer, q);
        if (e != NULL) {
            cs_log_warn("could not close the consumer",
                        CS_KV_STR("error", rd_kafka_error_string(e)));
            rd_kafka_error_destroy(e);
        }
        while (e == NULL &&
               !(closed = rd_kafka_consumer_closed(ig->consumer)) &&
               now_ms() < deadline)
            rd_kafka_queue_poll_callback(q, 100);
        rd_kafka_queue_destroy(q);
        if (!closed && e == NULL)
            cs_log_warn(
                "the consumer did not leave its group in time; the "
                "group notices when its session times out",
                CS_KV_INT("waited_ms", (int64_t)ig->cfg->close_timeout_ms));
    }
    rd_kafka_destroy_flags(ig->consumer,
                           closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    ig->consumer = NULL;
}

static cs_status connect_db(void *ctx, cs_err *err)
{
    ingest *ig = ctx;

    return cs_pg_connect(ig->cfg->pg_dsn, cs_ingest_setup_sql, cs_ingest_stmts,
                         cs_ingest_n_stmts, &ig->db, err);
}

static int split_topics(char *list, const char **out, size_t *n)
{
    char *save = NULL;

    *n = 0;
    for (char *t = strtok_r(list, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_TOPICS)
            return -1;
        out[(*n)++] = t;
    }
    return *n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    ingest_cfg cfg = {0};
    ingest *ig = &the_ingest;
    const char *topics[MAX_TOPICS];
    char *topic_list = NULL, *consumer_extra = NULL;
    size_t n_topics = 0;
    cs_httpd *http = NULL;
    cs_httpd_opts hopts;
    cs_err err = {0};
    bool writer_started = false;
    int code;

    code = cs_service_init(&ingest_spec, &cfg, argc, argv, "ingest",
                           CS_CFG(ingest_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    code = 1;
    ig->cfg = &cfg;
    /* ingest_sql.c lists the families in cs_families[] order. */
    for (size_t f = 0; f < cs_n_families; f++) {
        if (f >= cs_ingest_n_families ||
            strcmp(cs_families[f].type, cs_ingest_families[f].type) != 0 ||
            cs_n_families > INGEST_MAX_FAMILIES) {
            cs_log_error("ingest_sql.c and cs_family.c disagree on the "
                         "families",
                         CS_KV_STR("family", cs_families[f].type));
            code = 70;
            goto out;
        }
    }
    if (!ingest_lines_init()) {
        code = 70;
        goto out;
    }
    topic_list = strdup(cfg.topics);
    if (topic_list == NULL ||
        split_topics(topic_list, topics, &n_topics) != 0 ||
        cfg.batch_max_events == 0) {
        cs_log_error("bad configuration: topics must list 1-16 topics and "
                     "batch.max_events be positive");
        code = 78;
        goto out;
    }

    if (asprintf(&consumer_extra, "%s%s%s", CONSUMER_DEFAULTS,
                 cfg.kafka_extra[0] ? "," : "", cfg.kafka_extra) < 0)
        consumer_extra = NULL;
    if (consumer_extra == NULL) {
        cs_log_error("out of memory");
        code = 71;
        goto out;
    }
    if (!cs_kafka_extra_ok(consumer_extra)) {
        code = 78;
        goto out;
    }

    hopts = (cs_httpd_opts){.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = 1,
                            .timeout_s = 10,
                            .max_body_bytes = 1024};
    if (cs_httpd_start(&hopts, on_http, ig, &http, &err) != CS_OK) {
        cs_log_error("cannot serve /healthz and /metrics",
                     CS_KV_STR("error", err.msg));
        code = 69;
        goto out;
    }
    /* The database may start after us: wait for it, politely. */
    if (cs_service_wait_for("the database", connect_db, ig, &err) != CS_OK) {
        code = err.code == CS_E_TIMEOUT ? 0 : 78;
        if (code != 0)
            cs_log_error("cannot prepare the database session",
                         CS_KV_STR("error", err.msg));
        goto out;
    }
    cs_metric_set(&ig->stats.db_up, 1);
    if (cs_kafka_producer_new(cfg.kafka_brokers, "", ingest_dlq_report, ig,
                              &ig->dlq, &err) != CS_OK ||
        cs_kafka_consumer_new(cfg.kafka_brokers, cfg.kafka_group, topics,
                              n_topics, consumer_extra, &ig->consumer,
                              &err) != CS_OK) {
        cs_log_error("cannot start Kafka clients", CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    ingest_batch_reset(&ig->batches[0]);
    ingest_batch_reset(&ig->batches[1]);
    pthread_mutex_init(&ig->writer.mu, NULL);
    pthread_cond_init(&ig->writer.cv, NULL);
    if (pthread_create(&ig->writer.thread, NULL, writer_main, ig) != 0) {
        cs_log_error("cannot start the writer thread");
        code = 71;
        goto out;
    }
    writer_started = true;
    cs_log_info("ingest ready", CS_KV_STR("brokers", cfg.kafka_brokers),
                CS_KV_STR("topics", cfg.topics),
                CS_KV_STR("group", cfg.kafka_group),
                CS_KV_INT("http_port", cs_httpd_port(http)));

    run_pipeline(ig);
    cs_log_info("ingest stopping");
    code = 0;
out:
    if (writer_started) {
        writer_stop(ig);
        pthread_cond_destroy(&ig->writer.cv);
        pthread_mutex_destroy(&ig->writer.mu);
    }
    if (ig->consumer != NULL)
        close_consumer(ig); /* commits stored offsets */
    if (ig->dlq != NULL) {
        rd_kafka_flush(ig->dlq, 5000);
        rd_kafka_destroy(ig->dlq);
    }
    ingest_batch_free(&ig->batches[0]);
    ingest_batch_free(&ig->batches[1]);
    free(ig->line_out);
    ingest_tenants_free(ig);
    cs_httpd_stop(http);
    cs_pg_close(ig->db);
    free(topic_list);
    free(consumer_extra);
    cs_config_free(&ingest_spec, &cfg);
    return code;
}
