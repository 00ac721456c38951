/* batch.c - decoding Kafka messages into COPY rows of one batch; every
 * record that fails a check is dead-lettered with the reason. */
#include "ingest_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_event.h"
#include "cs_family.h"
#include "cs_json.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_str.h"

void ingest_batch_reset(ingest_batch *b)
{
    for (size_t i = 0; i < b->n_events; i++) {
        free(b->events[i].topic);
        free(b->events[i].key);
        free(b->events[i].payload);
    }
    b->n_events = 0;
    b->n_messages = 0;
    for (size_t f = 0; f < INGEST_MAX_FAMILIES; f++)
        cs_copybuf_reset(&b->rows[f]);
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
    for (size_t f = 0; f < INGEST_MAX_FAMILIES; f++)
        cs_copybuf_free(&b->rows[f]);
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

/* Appends the COPY rows of one event: the envelope, the line count (for
 * families with lines), the header values and, per line, the line
 * values. Returns false when out of memory. */
static bool add_rows(cs_copybuf *rows, const cs_family *f, const cs_event *ev,
                     const cs_record *r, const char *topic, int32_t part,
                     int64_t offset)
{
    char part_s[16], off_s[24], n_lines_s[16];
    const char *env[] = {ev->tenant_id, ev->id, ev->type, ev->source,
                         ev->time,      topic,  part_s,   off_s};
    /* an event without lines (an order response for the whole order)
     * still needs its header row: its line fields are NULL */
    size_t n_rows = f->lines_key && r->n_lines > 0 ? r->n_lines : 1;

    snprintf(part_s, sizeof(part_s), "%" PRId32, part);
    snprintf(off_s, sizeof(off_s), "%" PRId64, offset);
    snprintf(n_lines_s, sizeof(n_lines_s), "%zu", r->n_lines);
    for (size_t row = 0; row < n_rows; row++) {
        for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
            cs_copybuf_field(rows, env[i], i == 0);
        if (f->lines_key != NULL)
            cs_copybuf_field(rows, n_lines_s, false);
        for (size_t i = 0; i < f->n_fields; i++)
            cs_copybuf_field(rows, r->v[i], false);
        for (size_t i = 0; f->lines_key != NULL && i < f->n_line_fields; i++)
            cs_copybuf_field(rows, r->n_lines ? r->line[row][i] : NULL, false);
        cs_copybuf_end_row(rows);
    }
    return !rows->failed;
}

void ingest_handle_message(ingest *ig, const rd_kafka_message_t *m)
{
    ingest_batch *b = &ig->batch;
    const char *topic = rd_kafka_topic_name(m->rkt);
    const cs_family *fam = NULL;
    cs_json_doc *doc = NULL;
    cs_json_limits limits = {.max_bytes = ig->cfg->max_message_bytes,
                             .max_depth = CS_JSON_MAX_DEPTH};
    cs_event ev;
    cs_record rec = {0};
    cs_err err = {0};
    ingest_reason reason;
    ingest_event *e;
    cs_copybuf *rows;
    size_t fi, start;

    cs_metric_add(&ig->stats.messages, 1);
    b->n_messages++;
    note_offset(b, topic, m->partition, m->offset);

    if (cs_json_parse(m->payload, m->len, &limits, &doc, &err) != CS_OK) {
        reason = err.code == CS_E_TOO_LARGE ? REASON_TOO_LARGE
                                            : REASON_MALFORMED_JSON;
        goto reject;
    }
    if (cs_event_parse(cs_json_root(doc), NULL, &ev, &err) != CS_OK) {
        reason = REASON_INVALID_ENVELOPE;
        goto reject;
    }
    fam = cs_family_by_type(ev.type);
    if (fam == NULL || !cs_family_on_topic(fam, topic)) {
        reason = fam == NULL ? REASON_UNKNOWN_TYPE : REASON_INVALID_ENVELOPE;
        cs_err_set(&err, CS_E_INVALID,
                   fam == NULL ? "type: \"%.64s\" is not a known event type"
                               : "type: \"%.64s\" does not belong on %s",
                   ev.type, topic);
        goto reject;
    }
    if (cs_record_decode(fam, ev.data, &rec, &err) != CS_OK) {
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
    fi = (size_t)(fam - cs_families);
    rows = &b->rows[fi];
    start = rows->len;
    if (!add_rows(rows, fam, &ev, &rec, topic, m->partition, m->offset))
        goto oom;
    e = &b->events[b->n_events];
    memset(e, 0, sizeof(*e));
    e->family = fi;
    e->row_start = start;
    e->row_end = rows->len;
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
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
    return;

reject:
    ingest_dlq_send(ig, topic, m->partition, m->offset, m->key, m->key_len,
                    m->payload, m->len, reason, err.msg);
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
    return;
oom:
    /* Nothing sensible continues without memory: the batch is not
     * committed, so a restart replays it. */
    cs_log_error("out of memory assembling a batch; exiting so the batch "
                 "replays");
    exit(70);
}
