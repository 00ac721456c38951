/* cs_service.h - what every service's main() shares: loading the option
 * table, --help and --print-config, logging at the configured level, the
 * stop signals, waiting for a dependency with backoff, and the operations
 * endpoints (/healthz, /metrics). */
#ifndef CS_SERVICE_H
#define CS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_config.h"
#include "cs_err.h"
#include "cs_httpd.h"
#include "cs_metrics.h"

#define CS_SERVICE_RUN (-1)

/* The option row every service has: its log level, stored in a char *
 * field of the config struct. */
#define CS_OPT_LOG_LEVEL(type, field)                                          \
    {                                                                          \
        "log.level", "CS_LOG_LEVEL", CS_OPT_STR, "info",                       \
            "debug, info, warn or error", CS_CFG(type, field)                  \
    }

/* Loads cfg (see cs_config_load) and starts logging as svc at the level
 * in the char * field at log_level_offset. Returns CS_SERVICE_RUN to go
 * on, or the exit code: 0 after --help / --print-config, 64 on bad
 * options (reported on stderr). */
int cs_service_init(const cs_config_spec *spec, void *cfg, int argc,
                    char **argv, const char *svc, size_t log_level_offset);

/* Calls attempt(ctx, err) until it returns OK, a status that is not
 * retryable, or a stop is requested; between tries logs "waiting for
 * <what>" and backs off from 100 ms to 5 s. Returns the last status
 * (CS_E_TIMEOUT if stopped while waiting). */
cs_status cs_service_wait_for(const char *what,
                              cs_status (*attempt)(void *ctx, cs_err *err),
                              void *ctx, cs_err *err);

/* Answers GET /healthz ({"status":"ok"}) and GET /metrics (the table m);
 * returns false, leaving resp alone, for any other path. */
bool cs_service_ops(const cs_http_req *req, cs_http_resp *resp,
                    const cs_metric *m, size_t n_metrics);

#endif
