/* cs_log.h - structured JSON-lines logging on stderr. One object per line,
 * fixed keys first (ts, level, svc, msg), then typed fields:
 *   cs_log_warn("could not store batch", CS_KV_INT("batch_rows", n),
 *               CS_KV_STR("error", err.msg));
 * Each line is written with one write(2), so lines from threads never
 * interleave. Logger state is set once in main() before threads start. */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cs_log_level {
    CS_LOG_DEBUG = 0,
    CS_LOG_INFO,
    CS_LOG_WARN,
    CS_LOG_ERROR,
} cs_log_level;

typedef enum cs_kv_type {
    CS_KV_T_END = 0,
    CS_KV_T_STR,
    CS_KV_T_INT,
    CS_KV_T_DBL,
    CS_KV_T_BOOL,
} cs_kv_type;

typedef struct cs_kv {
    const char *key;
    cs_kv_type type;
    union {
        const char *s; /* borrowed; NULL prints null */
        int64_t i;
        double d;
        bool b;
    } v;
} cs_kv;

#define CS_KV_STR(k, x)  ((cs_kv){.key = (k), .type = CS_KV_T_STR, .v.s = (x)})
#define CS_KV_INT(k, x)  ((cs_kv){.key = (k), .type = CS_KV_T_INT, .v.i = (x)})
#define CS_KV_DBL(k, x)  ((cs_kv){.key = (k), .type = CS_KV_T_DBL, .v.d = (x)})
#define CS_KV_BOOL(k, x) ((cs_kv){.key = (k), .type = CS_KV_T_BOOL, .v.b = (x)})

/* svc is borrowed for the life of the process. */
void cs_log_init(const char *svc, cs_log_level min_level);
/* Parses "debug", "info", "warn", "error"; returns false if unknown. */
bool cs_log_level_parse(const char *s, cs_log_level *out);
/* Redirects output to fd (tests); default is 2 (stderr). */
void cs_log_set_fd(int fd);

/* kvs ends with an element of type CS_KV_T_END. */
void cs_log_emit(cs_log_level level, const char *msg, const cs_kv *kvs);

#define CS_LOG__KVS(...) ((const cs_kv[]){__VA_ARGS__ __VA_OPT__(, ){0}})
#define cs_log_debug(msg, ...)                                                 \
    cs_log_emit(CS_LOG_DEBUG, (msg), CS_LOG__KVS(__VA_ARGS__))
#define cs_log_info(msg, ...)                                                  \
    cs_log_emit(CS_LOG_INFO, (msg), CS_LOG__KVS(__VA_ARGS__))
#define cs_log_warn(msg, ...)                                                  \
    cs_log_emit(CS_LOG_WARN, (msg), CS_LOG__KVS(__VA_ARGS__))
#define cs_log_error(msg, ...)                                                 \
    cs_log_emit(CS_LOG_ERROR, (msg), CS_LOG__KVS(__VA_ARGS__))

/* Appends s to buf as a JSON string body (no quotes), escaping quotes,
 * backslashes and control characters. Returns the new length, never more
 * than cap - 1 (truncates). Shared with cs_json and the metrics writer. */
size_t cs_json_escape_into(char *buf, size_t len, size_t cap, const char *s,
                           size_t s_len);

#endif
