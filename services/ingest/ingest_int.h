/* ingest_int.h - internals of cs-ingest: the batch being assembled, the
 * dead-letter producer and the database writer. */
#ifndef CS_INGEST_INT_H
#define CS_INGEST_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_family.h"
#include "cs_hash.h"
#include "cs_pg.h"

#define INGEST_MAX_FAMILIES 16

typedef struct ingest_cfg {
    char *kafka_brokers;
    char *kafka_group;
    char *topics;
    char *dlq_topic;
    char *kafka_extra;
    char *pg_dsn;
    uint32_t batch_max_events;
    uint32_t batch_max_wait_ms;
    uint32_t close_timeout_ms;
    uint32_t max_message_bytes;
    char *http_addr;
    uint32_t http_port;
    char *log_level;
} ingest_cfg;

/* Why a record was rejected; each is a label of
 * cs_ingest_rejected_total and the cs.reason_code header of its
 * dead letter. */
typedef enum ingest_reason {
    REASON_TOO_LARGE,
    REASON_MALFORMED_JSON,
    REASON_INVALID_ENVELOPE,
    REASON_INVALID_DATA,
    REASON_DB_REJECTED,
    REASON_UNKNOWN_TYPE,
    REASON_COUNT
} ingest_reason;

const char *ingest_reason_code(ingest_reason r);

/* How one family is stored (ingest_sql.c), in cs_families[] order. */
typedef struct ingest_family_sql {
    const char *type;
    const char *copy_sql;
    /* Statement names, NULL-terminated: steps[0] (fresh_*) and steps[1]
     * (prune_*) sort out replays and run only when the batch holds some
     * (STEP_FIRST_MERGE: the rest). */
    const char *const *steps;
    /* Families whose revisions replace lines: after steps, the guard
     * counts stored keys the batch revises; only if it finds any do the
     * three revision steps run: stale_* (drop the batch's keys stored
     * newer), old_keys_* (the revised keys as text[] literals) and
     * old_lines_* (delete their lines, the literals its parameters; see
     * run_revisions in store.c). Then the final steps, or when the
     * guard found no stored key, new_key_steps (the same rows without
     * merging: insert_* rather than upsert_*). NULL when the family has
     * none. */
    const char *revision_guard;
    const char *const *revision_steps;
    const char *const *final_steps;
    const char *const *new_key_steps;
} ingest_family_sql;

/* Families whose lines skip staging: the batch holds one staging row per
 * event and, apart, its line rows ready for copy_sql (COPY straight into
 * the line table); src names the value of each of its columns:
 * "e.tenant_id", "e.id", "e.time" (envelope), "h.NAME" (header field) or
 * "l.NAME" (line field). After the family's final_steps, winners_count
 * and winners (statement names) say which events won their key; only
 * their lines are COPYed. A family with lines not listed here stages its
 * lines with the header and inserts them in its final_steps. */
typedef struct ingest_direct_lines {
    const char *type;
    const char *copy_sql;
    const char *const *src;
    const char *winners_count, *winners;
} ingest_direct_lines;

/* Families whose rows are COPYed straight into their table when that can
 * be done (cs_ingest_direct_rows, same shape; winners_count and winners
 * are NULL): the batch also holds each event's row in the table's own
 * columns. In a batch without replays the writer COPYs them under a
 * savepoint; any unique violation (a key stored before, or twice in the
 * batch) undoes that and the family takes the staging path, whose merge
 * lets the newest event win. */

#define STEP_FRESH       0
#define STEP_PRUNE       1
#define STEP_FIRST_MERGE 2

/* One accepted event of the batch: its rows are bytes
 * [row_start, row_end) of its family's COPY buffer (and its line rows
 * [line_start, line_end) of the family's line buffer, see
 * ingest_direct_lines), its ledger row bytes [ledger_start, ledger_end) of the
 * ledger buffer. The payload copy is
 * kept so a row the database refuses can still be dead-lettered whole. */
typedef struct ingest_event {
    size_t family; /* index into cs_families */
    size_t row_start, row_end;
    size_t line_start, line_end;
    size_t direct_start, direct_end; /* of the family's direct rows */
    size_t ledger_start, ledger_end;
    char *ident; /* owned: tenant id, NUL, event id */
    size_t ident_len;
    uint64_t hash; /* of ident */
    char *topic;
    int32_t partition;
    int64_t offset;
    char *key, *payload; /* owned */
    size_t key_len, payload_len;
} ingest_event;

typedef struct ingest_batch {
    cs_copybuf rows[INGEST_MAX_FAMILIES];   /* per family */
    cs_copybuf lines[INGEST_MAX_FAMILIES];  /* see ingest_direct_lines */
    cs_copybuf direct[INGEST_MAX_FAMILIES]; /* see cs_ingest_direct_rows */
    size_t n_family[INGEST_MAX_FAMILIES];   /* events per family */
    cs_copybuf ledger; /* ingested_events rows, one per distinct event */
    ingest_event *events;
    size_t n_events, cap_events;
    size_t n_messages;
    /* event ids of the batch: open addressing over events (index + 1,
     * 0 = empty); an id seen twice is stored once */
    uint32_t *seen;
    size_t seen_cap;
    size_t n_repeats; /* events whose id came earlier in the batch */
    /* per partition: first offset read and last offset + 1 */
    rd_kafka_topic_partition_list_t *first, *next;
} ingest_batch;

typedef struct ingest_stats {
    _Atomic uint64_t messages, events_stored, events_duplicate, batches;
    _Atomic uint64_t batch_us_sum, lag;
    _Atomic uint64_t db_retries, dlq_sent, dlq_failed, db_up;
    _Atomic uint64_t direct_copies, direct_fallbacks;
    _Atomic uint64_t rejected[REASON_COUNT];
} ingest_stats;

/* The writer thread: stores one batch while the main thread decodes the
 * next (a queue of one). The main thread alone touches Kafka offsets. */
typedef struct ingest_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ingest_batch *job; /* handed over, not yet stored */
    _Atomic bool busy; /* a job is handed over or being stored (read
                        * without the lock by fill_batch) */
    bool quit;
    cs_status rc; /* of the last job */
    cs_err err;
} ingest_writer;

typedef struct ingest {
    const ingest_cfg *cfg;
    rd_kafka_t *consumer, *dlq;
    cs_pg *db; /* used by the writer thread only, once it runs */
    ingest_batch batches[2];
    ingest_writer writer;
    ingest_stats stats;
    /* writer thread: the winners' line rows of one COPY */
    char *line_out;
    size_t line_out_len, line_out_cap;
    /* writer thread: tenant ids known to be in `tenants` (committed), so
     * a batch registers only new ones (owned strings) */
    cs_strset tenants;
    /* writer thread: batches (of the family) to store through staging
     * before a direct COPY is tried again, after one failed */
    unsigned direct_skip[INGEST_MAX_FAMILIES];
} ingest;

/* SQL (ingest_sql.c) */
extern const char cs_ingest_setup_sql[];
extern const char cs_ingest_ledger_copy_sql[];
extern const cs_pg_stmt cs_ingest_stmts[];
extern const size_t cs_ingest_n_stmts;
extern const ingest_family_sql cs_ingest_families[];
extern const size_t cs_ingest_n_families;
extern const ingest_direct_lines cs_ingest_direct_lines[];
extern const size_t cs_ingest_n_direct_lines;
extern const ingest_direct_lines cs_ingest_direct_rows[];
extern const size_t cs_ingest_n_direct_rows;

/* batch.c */
/* Resolves cs_ingest_direct_lines against cs_families; false (and a
 * logged error) when one names no family or field. */
bool ingest_lines_init(void);
/* The direct line COPY of family f (cs_families index), or NULL. */
const ingest_direct_lines *ingest_direct(size_t f);
/* The direct row COPY of family f, or NULL. */
const ingest_direct_lines *ingest_direct_rows(size_t f);
void ingest_batch_reset(ingest_batch *b);
/* The batch's event with this tenant and id, or NULL. */
const ingest_event *ingest_batch_find(const ingest_batch *b,
                                      const char *tenant_id,
                                      const char *event_id);
void ingest_batch_free(ingest_batch *b);
/* Decodes one message into the batch, or dead-letters it. */
void ingest_handle_message(ingest *ig, ingest_batch *b,
                           const rd_kafka_message_t *m);

/* dlq.c */
void ingest_dlq_send(ingest *ig, const char *topic, int32_t partition,
                     int64_t offset, const void *key, size_t key_len,
                     const void *payload, size_t payload_len,
                     ingest_reason reason, const char *detail);
void ingest_dlq_report(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                       void *opaque);

/* store.c: writes the batch; on success the caller stores offsets.
 * Returns a transient status only when stopping mid-retry. Runs on the
 * writer thread. */
cs_status ingest_store_batch(ingest *ig, ingest_batch *b, cs_err *err);
/* Frees the writer's known-tenant cache. */
void ingest_tenants_free(ingest *ig);

#endif
