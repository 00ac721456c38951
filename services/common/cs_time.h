/* cs_time.h - strict ISO-8601 / RFC 3339 checks for event times. */
#ifndef CS_TIME_H
#define CS_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

/* "YYYY-MM-DD" (a calendar date). */
cs_status cs_time_check_date(const char *s, size_t len, cs_err *err);

/* RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; the
 * offset is required, so a time is never ambiguous. */
cs_status cs_time_check_datetime(const char *s, size_t len, cs_err *err);

/* Either of the two forms above. */
cs_status cs_time_check_date_or_datetime(const char *s, size_t len,
                                         cs_err *err);

#endif
