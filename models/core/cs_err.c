/* cs_err.c - filling and naming cs_err records. */
#include "cs_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

cs_status cs_err_set(cs_err *err, cs_status code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

cs_status cs_err_wrap(cs_err *err, const char *what)
{
    char old[CS_ERR_MSG_BYTES];

    if (err == NULL)
        return CS_E_INTERNAL;
    memcpy(old, err->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    /* Truncation keeps the message's head, which names the object. */
    if (snprintf(err->msg, sizeof(err->msg), "%s: %.*s", what,
                 (int)(sizeof(old) - 1), old) >= (int)sizeof(err->msg))
        err->msg[sizeof(err->msg) - 1] = '\0';
    return err->code;
}

const char *cs_status_name(cs_status s)
{
    switch (s) {
    case CS_OK:
        return "ok";
    case CS_E_INVALID:
        return "invalid";
    case CS_E_TOO_LARGE:
        return "too_large";
    case CS_E_NUMERIC:
        return "numeric";
    case CS_E_CONFLICT:
        return "conflict";
    case CS_E_NOT_FOUND:
        return "not_found";
    case CS_E_DB_DOWN:
        return "db_down";
    case CS_E_KAFKA:
        return "kafka";
    case CS_E_TIMEOUT:
        return "timeout";
    case CS_E_NOMEM:
        return "nomem";
    case CS_E_CONFIG:
        return "config";
    case CS_E_INTERNAL:
        return "internal";
    }
    return "unknown";
}
