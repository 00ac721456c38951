/* cs_conn.h - what the file connectors (cs-edi, cs-import-csv) share:
 * their operands split from the option flags, and the event sink: JSON
 * lines on stdout, or Kafka through the idempotent acks=all producer of
 * cs_kafka with every acknowledgement awaited. */
#ifndef CS_CONN_H
#define CS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cs_config.h"
#include "cs_err.h"

/* Splits argv into the option arguments cs_config_load understands
 * (written to opt_argv, argv[0] first) and the operands (files). A bare
 * boolean flag ("--produce a.edi") takes no value, "--" ends the options.
 * opt_argv must hold 2 * argc pointers and files argc; both borrow
 * argv's strings (a bare boolean flag gets a static "true" after it).
 * Returns the count of opt_argv and sets *n_files. */
int cs_conn_split_args(const cs_config_spec *spec, int argc, char **argv,
                       char **opt_argv, char **files, int *n_files);

typedef struct cs_conn_out cs_conn_out;

/* brokers NULL: events go to f as JSON lines. Otherwise a producer on
 * brokers with extra "k=v,k=v" properties (may be empty). */
cs_status cs_conn_out_new(const char *brokers, const char *extra, FILE *f,
                          cs_conn_out **out, cs_err *err);
/* Sends one event (copied). Kafka: waits while the local queue is full. */
cs_status cs_conn_out_send(cs_conn_out *o, const char *topic, const char *key,
                           const char *json, size_t len, cs_err *err);
/* Waits until the broker acknowledged every event sent so far (or f is
 * flushed). CS_E_KAFKA when one was refused, CS_E_TIMEOUT when some are
 * still unacknowledged after timeout_ms. */
cs_status cs_conn_out_flush(cs_conn_out *o, unsigned timeout_ms, cs_err *err);
/* Events acknowledged (Kafka) or written (stdout) so far. */
size_t cs_conn_out_delivered(const cs_conn_out *o);
void cs_conn_out_free(cs_conn_out *o); /* NULL is a no-op */

/* Reads a whole file of at most max_bytes; *buf is new (free()). */
cs_status cs_conn_read_file(const char *path, size_t max_bytes, char **buf,
                            size_t *len, cs_err *err);

#endif
