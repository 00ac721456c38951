/* cs_kafka.h - librdkafka helpers: configuration with checked sets,
 * librdkafka's own logs routed into our JSON log, and the consumer and
 * producer shapes every service uses (manual offset store, idempotent
 * acks=all producer). */
#ifndef CS_KAFKA_H
#define CS_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "cs_err.h"

/* Sets one property, turning librdkafka's error text into err. */
cs_status cs_kafka_set(rd_kafka_conf_t *conf, const char *key,
                       const char *value, cs_err *err);

/* A consumer in group_id subscribed to topics, with
 * enable.auto.offset.store=false (offsets are stored only after the
 * database commit) and extra "k=v,k=v" properties from extra (may be
 * empty). */
cs_status cs_kafka_consumer_new(const char *brokers, const char *group_id,
                                const char *const *topics, size_t n_topics,
                                const char *extra, rd_kafka_t **out,
                                cs_err *err);

/* An idempotent producer (acks=all, enable.idempotence=true). dr_cb, if
 * not NULL, receives every delivery report with opaque as its opaque. */
typedef void (*cs_kafka_dr_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                               void *opaque);
cs_status cs_kafka_producer_new(const char *brokers, const char *extra,
                                cs_kafka_dr_cb dr_cb, void *opaque,
                                rd_kafka_t **out, cs_err *err);

/* Applies "k=v,k=v" properties. */
cs_status cs_kafka_apply_extra(rd_kafka_conf_t *conf, const char *extra,
                               cs_err *err);

/* Checks "k=v,k=v" properties one by one, as cs_kafka_apply_extra would
 * apply them, without creating a client, and logs the first bad one as
 * "bad configuration: kafka.extra": lets a service refuse a bad
 * CS_KAFKA_EXTRA at start (exit 78) instead of after waiting for its
 * database. Checks between properties happen only when a client is
 * created. */
bool cs_kafka_extra_ok(const char *extra);

#endif
