/* cs_csv.h - CSV files into canonical CloudEvents (cs-import-csv): a
 * mapping file names the event family, which column feeds which field,
 * how units, dates and decimals are written; each row converts or is
 * rejected with its line number. Pure conversion: no files, no Kafka. */
#ifndef CS_CSV_H
#define CS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

#define CS_CSV_MAX_FILE_BYTES (256u * 1024u * 1024u)

/* ---- RFC 4180 records ---- */

typedef struct cs_csv_reader cs_csv_reader;

/* Reads records from buf (len bytes, borrowed) split by delim: quoted
 * fields may hold delimiters, doubled quotes and line ends; CRLF or LF
 * ends a record; a UTF-8 byte order mark is skipped. */
cs_status cs_csv_reader_new(const char *buf, size_t len, char delim,
                            cs_csv_reader **out, cs_err *err);
/* The next record: *n_fields fields, each NUL-terminated (borrowed until
 * the next call); *line the file line the record starts on; *raw and
 * *raw_len its bytes in buf. Returns CS_E_NOT_FOUND at the end, and
 * CS_E_INVALID for a malformed record (an unclosed quote, a quote inside
 * an unquoted field), which is then skipped. */
cs_status cs_csv_reader_next(cs_csv_reader *r, char ***fields, size_t *n_fields,
                             size_t *line, const char **raw, size_t *raw_len,
                             cs_err *err);
void cs_csv_reader_free(cs_csv_reader *r); /* NULL is a no-op */

/* ---- mapping ---- */

typedef struct cs_csv_map cs_csv_map;

/* Parses a mapping file (see docs/connectors.md): "key = value" lines,
 * '#' comments. Errors name the line. *out is new. */
cs_status cs_csv_map_parse(const char *text, size_t len, cs_csv_map **out,
                           cs_err *err);
void cs_csv_map_free(cs_csv_map *m); /* NULL is a no-op */
/* The family the mapping converts to, e.g. "cs.order.v1". */
const char *cs_csv_map_type(const cs_csv_map *m);

/* ---- conversion ---- */

typedef struct cs_csv_event {
    const char *type, *topic, *key;
    const char *json; /* NUL-terminated */
    size_t json_len;
} cs_csv_event;

typedef cs_status (*cs_csv_event_fn)(void *ctx, const cs_csv_event *ev,
                                     cs_err *err);
/* A rejected record: line is its first file line (0: the whole file),
 * raw its bytes as read. */
typedef void (*cs_csv_reject_fn)(void *ctx, size_t line, const char *raw,
                                 size_t raw_len, const char *why);

typedef struct cs_csv_stats {
    size_t n_rows, n_events, n_rejected_rows;
} cs_csv_stats;

/* Converts one CSV file. file_time is the RFC 3339 time of events whose
 * mapping has no time column (the caller passes the file's mtime).
 * Returns CS_OK when no row was rejected, CS_E_INVALID (err: the first
 * reason) when some were, or on_event's status. */
cs_status cs_csv_convert(const char *buf, size_t len, const cs_csv_map *m,
                         const char *file_time, cs_csv_event_fn on_event,
                         cs_csv_reject_fn on_reject, void *ctx,
                         cs_csv_stats *stats, cs_err *err);

#endif
