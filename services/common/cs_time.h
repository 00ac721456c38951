/* cs_time.h - strict ISO-8601 / RFC 3339 checks for event times. */
#ifndef CS_TIME_H
#define CS_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cs_err.h"

/* "YYYY-MM-DD" (a calendar date). */
cs_status cs_time_check_date(const char *s, size_t len, cs_err *err);

/* RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; the
 * offset is required, so a time is never ambiguous. */
cs_status cs_time_check_datetime(const char *s, size_t len, cs_err *err);

/* Either of the two forms above. */
cs_status cs_time_check_date_or_datetime(const char *s, size_t len,
                                         cs_err *err);

/* The instant of a valid date (UTC midnight) or date-time, in
 * microseconds since 1970-01-01T00:00:00Z, for ordering two times. */
cs_status cs_time_to_unix_us(const char *s, size_t len, int64_t *out,
                             cs_err *err);

/* ts = now on CLOCK_REALTIME plus ms: a deadline for
 * pthread_cond_timedwait. */
void cs_time_deadline(struct timespec *ts, unsigned ms);

#endif
