/* batch.c - decoding Kafka messages into COPY rows of one batch; every
 * record that fails a check is dead-lettered with the reason. */
#include "ingest_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_event.h"
#include "cs_json.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_str.h"

/* Topic -> the event type it carries. New families add a row. */
static const struct {
    const char *topic;
    const char *type;
} families[] = {
    {"cs.orders", "cs.order.v1"},
};

void ingest_batch_reset(ingest_batch *b)
{
    for (size_t i = 0; i < b->n_events; i++) {
        free(b->events[i].topic);
        free(b->events[i].key);
        free(b->events[i].payload);
    }
    b->n_events = 0;
    b->n_messages = 0;
    cs_copybuf_reset(&b->rows);
    if (b->first != NULL)
        rd_kafka_topic_partition_list_destroy(b->first);
    if (b->next != NULL)
        rd_kafka_topic_partition_list_destroy(b->next);
    b->first = rd_kafka_topic_partition_list_new(8);
    b->next = rd_kafka_topic_partition_list_new(8);
}

void ingest_batch_free(ingest_batch *b)
{
    ingest_batch_reset(b);
    rd_kafka_topic_partition_list_destroy(b->first);
    rd_kafka_topic_partition_list_destroy(b->next);
    free(b->events);
    cs_copybuf_free(&b->rows);
    memset(b, 0, sizeof(*b));
}

static void note_offset(ingest_batch *b, const char *topic, int32_t part,
                        int64_t offset)
{
    rd_kafka_topic_partition_t *n =
        rd_kafka_topic_partition_list_find(b->next, topic, part);

    if (n == NULL) {
        rd_kafka_topic_partition_list_add(b->first, topic, part)->offset =
            offset;
        rd_kafka_topic_partition_list_add(b->next, topic, part)->offset =
            offset + 1;
    } else if (offset + 1 > n->offset) {
        n->offset = offset + 1;
    }
}

static void *dup_bytes(const void *p, size_t len)
{
    void *d = malloc(len ? len : 1);

    if (d != NULL && len > 0)
        memcpy(d, p, len);
    return d;
}

/* Appends the rows of one order event; returns false when out of
 * memory. */
static bool add_order_rows(ingest_batch *b, const cs_event *ev,
                           const cs_order *o, const char *topic, int32_t part,
                           int64_t offset)
{
    char part_s[16], off_s[24], n_lines_s[16], line_s[24];

    snprintf(part_s, sizeof(part_s), "%" PRId32, part);
    snprintf(off_s, sizeof(off_s), "%" PRId64, offset);
    snprintf(n_lines_s, sizeof(n_lines_s), "%zu", o->n_lines);
    for (size_t i = 0; i < o->n_lines; i++) {
        const cs_order_line *l = &o->lines[i];
        const char *fields[] = {
            ev->tenant_id, ev->id,    ev->type,      ev->source,
            ev->time,      topic,     part_s,        off_s,
            o->order_id,   o->buyer,  o->supplier,   o->order_date,
            o->currency,   n_lines_s, line_s,        l->sku,
            l->quantity,   l->unit,   l->unit_price, l->requested_date,
        };
        snprintf(line_s, sizeof(line_s), "%" PRId64, l->line_no);
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
            cs_copybuf_field(&b->rows, fields[f], f == 0);
        cs_copybuf_end_row(&b->rows);
    }
    return !b->rows.failed;
}

static const char *type_of_topic(const char *topic)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (strcmp(families[i].topic, topic) == 0)
            return families[i].type;
    return NULL;
}

void ingest_handle_message(ingest *ig, const rd_kafka_message_t *m)
{
    ingest_batch *b = &ig->batch;
    const char *topic = rd_kafka_topic_name(m->rkt);
    const char *type = type_of_topic(topic);
    cs_json_doc *doc = NULL;
    cs_json_limits limits = {.max_bytes = ig->cfg->max_message_bytes,
                             .max_depth = CS_JSON_MAX_DEPTH};
    cs_event ev;
    cs_order order = {0};
    cs_err err = {0};
    ingest_reason reason;
    ingest_event *e;
    size_t start;

    cs_metric_add(&ig->stats.messages, 1);
    b->n_messages++;
    note_offset(b, topic, m->partition, m->offset);

    if (type == NULL) {
        reason = REASON_UNKNOWN_TOPIC;
        cs_err_set(&err, CS_E_INVALID, "no event family is read from %s",
                   topic);
        goto reject;
    }
    if (cs_json_parse(m->payload, m->len, &limits, &doc, &err) != CS_OK) {
        reason = err.code == CS_E_TOO_LARGE ? REASON_TOO_LARGE
                                            : REASON_MALFORMED_JSON;
        goto reject;
    }
    if (cs_event_parse(cs_json_root(doc), type, &ev, &err) != CS_OK) {
        reason = REASON_INVALID_ENVELOPE;
        goto reject;
    }
    if (cs_order_decode(ev.data, &order, &err) != CS_OK) {
        reason = REASON_INVALID_DATA;
        goto reject;
    }

    if (b->n_events == b->cap_events) {
        size_t cap = b->cap_events ? b->cap_events * 2 : 256;
        ingest_event *ne = realloc(b->events, cap * sizeof(*ne));
        if (ne == NULL)
            goto oom;
        b->events = ne;
        b->cap_events = cap;
    }
    start = b->rows.len;
    if (!add_order_rows(b, &ev, &order, topic, m->partition, m->offset))
        goto oom;
    e = &b->events[b->n_events];
    memset(e, 0, sizeof(*e));
    e->row_start = start;
    e->row_end = b->rows.len;
    e->topic = strdup(topic);
    e->partition = m->partition;
    e->offset = m->offset;
    e->key = dup_bytes(m->key, m->key_len);
    e->key_len = m->key_len;
    e->payload = dup_bytes(m->payload, m->len);
    e->payload_len = m->len;
    b->n_events++; /* counted now so reset frees what was copied */
    if (e->topic == NULL || e->key == NULL || e->payload == NULL)
        goto oom;
    cs_order_clear(&order);
    cs_json_doc_free(doc);
    return;

reject:
    ingest_dlq_send(ig, topic, m->partition, m->offset, m->key, m->key_len,
                    m->payload, m->len, reason, err.msg);
    cs_order_clear(&order);
    cs_json_doc_free(doc);
    return;
oom:
    /* Nothing sensible continues without memory: the batch is not
     * committed, so a restart replays it. */
    cs_log_error("out of memory assembling a batch; exiting so the batch "
                 "replays");
    exit(70);
}
