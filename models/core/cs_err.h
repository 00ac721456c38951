/* cs_err.h - the one status enum and error record shared by every layer.
 * Lives in models/core because models/ is the lowest layer: it may use
 * only libc and GSL, and everything above it returns the same statuses. */
#ifndef CS_ERR_H
#define CS_ERR_H

#include <stdbool.h>

typedef enum cs_status {
    CS_OK = 0,
    /* permanent: same input, same failure -> reject, dead-letter */
    CS_E_INVALID = 100,
    CS_E_TOO_LARGE,
    CS_E_NUMERIC,
    CS_E_CONFLICT,
    CS_E_NOT_FOUND,
    /* transient: may pass later -> back off, keep the offset */
    CS_E_DB_DOWN = 200,
    CS_E_KAFKA,
    CS_E_TIMEOUT,
    CS_E_NOMEM,
    /* fatal: configuration or a bug -> main() exits */
    CS_E_CONFIG = 300,
    CS_E_INTERNAL,
} cs_status;

#define CS_ERR_MSG_BYTES 256

typedef struct cs_err {
    cs_status code;
    char msg[CS_ERR_MSG_BYTES]; /* lower case, no final period */
} cs_err;

static inline bool cs_status_retryable(cs_status s)
{
    return s >= CS_E_DB_DOWN && s < CS_E_CONFIG;
}

static inline bool cs_status_permanent(cs_status s)
{
    return s >= CS_E_INVALID && s < CS_E_DB_DOWN;
}

/* Fills err (which may be NULL) and returns code, so callers can write
 * `return cs_err_set(err, CS_E_INVALID, "...", ...);`. */
cs_status cs_err_set(cs_err *err, cs_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes err->msg with "what: " to add context on the way up. */
cs_status cs_err_wrap(cs_err *err, const char *what);

/* Stable lower-case name of a status, e.g. "invalid", "db_down". */
const char *cs_status_name(cs_status s);

#endif
