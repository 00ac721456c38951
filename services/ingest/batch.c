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
        free(b->events[i].ident);
    }
    b->n_events = 0;
    b->n_messages = 0;
    b->n_repeats = 0;
    if (b->seen != NULL)
        memset(b->seen, 0, b->seen_cap * sizeof(*b->seen));
    for (size_t f = 0; f < INGEST_MAX_FAMILIES; f++) {
        cs_copybuf_reset(&b->rows[f]);
        cs_copybuf_reset(&b->lines[f]);
        cs_copybuf_reset(&b->direct[f]);
        b->n_family[f] = 0;
    }
    cs_copybuf_reset(&b->ledger);
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
    free(b->seen);
    for (size_t f = 0; f < INGEST_MAX_FAMILIES; f++) {
        cs_copybuf_free(&b->rows[f]);
        cs_copybuf_free(&b->lines[f]);
        cs_copybuf_free(&b->direct[f]);
    }
    cs_copybuf_free(&b->ledger);
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

/* Where each column of a family's direct line COPY comes from. */
enum { SRC_TENANT, SRC_ID, SRC_TIME, SRC_HEADER, SRC_LINE };
typedef struct line_col {
    int src, field;
} line_col;
typedef line_col col_table[INGEST_MAX_FAMILIES][2 * CS_FAMILY_MAX_FIELDS];
static col_table line_cols, row_cols;
static size_t n_line_cols[INGEST_MAX_FAMILIES], n_row_cols[INGEST_MAX_FAMILIES];

static const ingest_direct_lines *direct_of[INGEST_MAX_FAMILIES];
static const ingest_direct_lines *direct_rows_of[INGEST_MAX_FAMILIES];

const ingest_direct_lines *ingest_direct(size_t f)
{
    return f < INGEST_MAX_FAMILIES ? direct_of[f] : NULL;
}

const ingest_direct_lines *ingest_direct_rows(size_t f)
{
    return f < INGEST_MAX_FAMILIES ? direct_rows_of[f] : NULL;
}

/* Resolves one table of direct COPYs (lines: their sources may name line
 * fields, and the family must have lines). */
static bool resolve_direct(const ingest_direct_lines *table, size_t n,
                           bool lines, const ingest_direct_lines **of,
                           col_table cols, size_t *n_cols)
{
    for (size_t d = 0; d < n; d++) {
        const ingest_direct_lines *dl = &table[d];
        const cs_family *fam = cs_family_by_type(dl->type);
        size_t f = fam ? (size_t)(fam - cs_families) : 0;
        if (fam == NULL || (lines && fam->lines_key == NULL) ||
            f >= INGEST_MAX_FAMILIES) {
            cs_log_error("ingest_sql.c COPYs rows of an unknown family",
                         CS_KV_STR("family", dl->type));
            return false;
        }
        of[f] = dl;
        n_cols[f] = 0;
        for (size_t i = 0; dl->src[i] != NULL; i++) {
            const char *s = dl->src[i];
            line_col c = {-1, -1};
            if (strcmp(s, "e.tenant_id") == 0)
                c.src = SRC_TENANT;
            else if (strcmp(s, "e.id") == 0)
                c.src = SRC_ID;
            else if (strcmp(s, "e.time") == 0)
                c.src = SRC_TIME;
            else if ((s[0] == 'h' || (lines && s[0] == 'l')) && s[1] == '.') {
                c.src = s[0] == 'h' ? SRC_HEADER : SRC_LINE;
                c.field = cs_family_field(fam, s + 2, s[0] == 'l');
            }
            if (c.src < 0 || (c.src >= SRC_HEADER && c.field < 0) ||
                i >= sizeof(cols[f]) / sizeof(cols[f][0])) {
                cs_log_error("a column of ingest_sql.c names no field",
                             CS_KV_STR("family", dl->type),
                             CS_KV_STR("source", s));
                return false;
            }
            cols[f][n_cols[f]++] = c;
        }
    }
    return true;
}

bool ingest_lines_init(void)
{
    return resolve_direct(cs_ingest_direct_lines, cs_ingest_n_direct_lines,
                          true, direct_of, line_cols, n_line_cols) &&
           resolve_direct(cs_ingest_direct_rows, cs_ingest_n_direct_rows, false,
                          direct_rows_of, row_cols, n_row_cols);
}

/* Appends one row of the columns cols (n of them) to out; line is the
 * line's index for SRC_LINE columns. */
static void put_cols(cs_copybuf *out, const line_col *cols, size_t n,
                     const cs_event *ev, const cs_record *r, size_t line)
{
    for (size_t i = 0; i < n; i++) {
        const line_col *c = &cols[i];
        const char *v = c->src == SRC_TENANT   ? ev->tenant_id
                        : c->src == SRC_ID     ? ev->id
                        : c->src == SRC_TIME   ? ev->time
                        : c->src == SRC_HEADER ? r->v[c->field]
                                               : r->line[line][c->field];
        cs_copybuf_field(out, v, i == 0);
    }
    cs_copybuf_end_row(out);
}

/* v in decimal into buf (24 bytes); snprintf here, five times per event,
 * cost more than the COPY encoding itself. */
static const char *fmt_int(int64_t v, char buf[24])
{
    char *p = buf + 23;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}

/* Appends the COPY rows of one event to rows: the envelope, the line
 * count (for families with lines), the header values and, unless the
 * family COPYs its lines straight into their table (then one row per line
 * goes to lines, in its columns), per line the line values. A family in
 * cs_ingest_direct_rows also gets its row in the table's columns in
 * direct_rows. Returns false when out of memory. */
static bool add_rows(cs_copybuf *rows, cs_copybuf *lines,
                     cs_copybuf *direct_rows, size_t fi, const cs_event *ev,
                     const cs_record *r, const char *topic, int32_t part,
                     int64_t offset)
{
    const cs_family *f = &cs_families[fi];
    char part_b[24], off_b[24], n_lines_b[24];
    const char *part_s = fmt_int(part, part_b), *off_s = fmt_int(offset, off_b);
    const char *n_lines_s = fmt_int((int64_t)r->n_lines, n_lines_b);
    const char *env[] = {ev->tenant_id, ev->id, ev->type, ev->source,
                         ev->time,      topic,  part_s,   off_s};
    bool direct = n_line_cols[fi] > 0;
    /* an event without lines (an order response for the whole order)
     * still needs its header row: its line fields are NULL */
    size_t n_rows = f->lines_key && r->n_lines > 0 && !direct ? r->n_lines : 1;

    for (size_t row = 0; row < n_rows; row++) {
        for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
            cs_copybuf_field(rows, env[i], i == 0);
        if (f->lines_key != NULL)
            cs_copybuf_field(rows, n_lines_s, false);
        for (size_t i = 0; i < f->n_fields; i++)
            cs_copybuf_field(rows, r->v[i], false);
        for (size_t i = 0; f->lines_key && !direct && i < f->n_line_fields; i++)
            cs_copybuf_field(rows, r->n_lines ? r->line[row][i] : NULL, false);
        cs_copybuf_end_row(rows);
    }
    for (size_t row = 0; direct && row < r->n_lines; row++)
        put_cols(lines, line_cols[fi], n_line_cols[fi], ev, r, row);
    if (n_row_cols[fi] > 0)
        put_cols(direct_rows, row_cols[fi], n_row_cols[fi], ev, r, 0);
    return !rows->failed && !lines->failed && !direct_rows->failed;
}

/* The slot of ident in the seen table: its event's, or an empty one. */
static size_t seen_slot(const ingest_batch *b, const char *ident, size_t len,
                        uint64_t hash)
{
    size_t mask = b->seen_cap - 1, i = (size_t)hash & mask;

    for (;; i = (i + 1) & mask) {
        const ingest_event *e;
        if (b->seen[i] == 0)
            return i;
        e = &b->events[b->seen[i] - 1];
        if (e->hash == hash && e->ident_len == len &&
            memcmp(e->ident, ident, len) == 0)
            return i;
    }
}

const ingest_event *ingest_batch_find(const ingest_batch *b,
                                      const char *tenant_id,
                                      const char *event_id)
{
    size_t lt = strlen(tenant_id), li = strlen(event_id), slot;
    char stackbuf[256], *ident = stackbuf;
    const ingest_event *e = NULL;

    if (b->seen_cap == 0)
        return NULL;
    if (lt + li + 2 > sizeof(stackbuf) && (ident = malloc(lt + li + 2)) == NULL)
        return NULL;
    memcpy(ident, tenant_id, lt + 1);
    memcpy(ident + lt + 1, event_id, li + 1);
    slot = seen_slot(b, ident, lt + 1 + li,
                     cs_fnv1a(CS_FNV1A_INIT, ident, lt + 1 + li));
    if (b->seen[slot] != 0)
        e = &b->events[b->seen[slot] - 1];
    if (ident != stackbuf)
        free(ident);
    return e;
}

/* Keeps the table at most half full for n events; false: no memory. */
static bool seen_reserve(ingest_batch *b, size_t n)
{
    size_t cap = b->seen_cap ? b->seen_cap : 1024;
    uint32_t *old = b->seen;
    size_t old_cap = b->seen_cap;

    while (cap < 2 * n)
        cap *= 2;
    if (cap == b->seen_cap)
        return true;
    b->seen = calloc(cap, sizeof(*b->seen));
    if (b->seen == NULL) {
        b->seen = old;
        return false;
    }
    b->seen_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i] != 0) {
            const ingest_event *e = &b->events[old[i] - 1];
            b->seen[seen_slot(b, e->ident, e->ident_len, e->hash)] = old[i];
        }
    }
    free(old);
    return true;
}

/* The event's row of the ledger (ingested_events). */
static bool add_ledger_row(cs_copybuf *l, const cs_event *ev, const char *topic,
                           int32_t part, int64_t offset)
{
    char part_b[24], off_b[24];
    const char *part_s = fmt_int(part, part_b), *off_s = fmt_int(offset, off_b);

    cs_copybuf_field(l, ev->tenant_id, true);
    cs_copybuf_field(l, ev->id, false);
    cs_copybuf_field(l, ev->type, false);
    cs_copybuf_field(l, topic, false);
    cs_copybuf_field(l, part_s, false);
    cs_copybuf_field(l, off_s, false);
    cs_copybuf_end_row(l);
    return !l->failed;
}

void ingest_handle_message(ingest *ig, ingest_batch *b,
                           const rd_kafka_message_t *m)
{
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
    size_t fi, start, line_start, direct_start, lstart, ident_len, slot;
    uint64_t hash;
    char *ident;

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

    /* An id already in this batch: stored once, counted as a replay. */
    ident_len = strlen(ev.tenant_id) + 1 + strlen(ev.id);
    ident = malloc(ident_len + 1);
    if (ident == NULL || !seen_reserve(b, b->n_events + 1))
        goto oom;
    memcpy(ident, ev.tenant_id, strlen(ev.tenant_id) + 1);
    memcpy(ident + strlen(ev.tenant_id) + 1, ev.id, strlen(ev.id) + 1);
    hash = cs_fnv1a(CS_FNV1A_INIT, ident, ident_len);
    slot = seen_slot(b, ident, ident_len, hash);
    if (b->seen[slot] != 0) {
        b->n_repeats++;
        free(ident);
        cs_record_clear(&rec);
        cs_json_doc_free(doc);
        return;
    }

    if (b->n_events == b->cap_events) {
        size_t cap = b->cap_events ? b->cap_events * 2 : 256;
        ingest_event *ne = realloc(b->events, cap * sizeof(*ne));
        if (ne == NULL) {
            free(ident);
            goto oom;
        }
        b->events = ne;
        b->cap_events = cap;
    }
    fi = (size_t)(fam - cs_families);
    rows = &b->rows[fi];
    start = rows->len;
    line_start = b->lines[fi].len;
    direct_start = b->direct[fi].len;
    lstart = b->ledger.len;
    e = &b->events[b->n_events];
    memset(e, 0, sizeof(*e));
    e->ident = ident;
    e->ident_len = ident_len;
    e->hash = hash;
    b->seen[slot] = (uint32_t)(b->n_events + 1);
    b->n_events++; /* counted now so reset frees what was copied */
    if (!add_rows(rows, &b->lines[fi], &b->direct[fi], fi, &ev, &rec, topic,
                  m->partition, m->offset) ||
        !add_ledger_row(&b->ledger, &ev, topic, m->partition, m->offset))
        goto oom;
    e->family = fi;
    e->row_start = start;
    e->row_end = rows->len;
    e->line_start = line_start;
    e->line_end = b->lines[fi].len;
    e->direct_start = direct_start;
    e->direct_end = b->direct[fi].len;
    b->n_family[fi]++;
    e->ledger_start = lstart;
    e->ledger_end = b->ledger.len;
    e->topic = strdup(topic);
    e->partition = m->partition;
    e->offset = m->offset;
    e->key = dup_bytes(m->key, m->key_len);
    e->key_len = m->key_len;
    e->payload = dup_bytes(m->payload, m->len);
    e->payload_len = m->len;
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
