/* cs_service.c - the shared start of every service. */
#include "cs_service.h"

#include <stdio.h>
#include <string.h>

#include "cs_log.h"
#include "cs_signal.h"

int cs_service_init(const cs_config_spec *spec, void *cfg, int argc,
                    char **argv, const char *svc, size_t log_level_offset)
{
    cs_config_action action;
    cs_log_level level;
    cs_err err = {0};
    const char *name;

    if (cs_config_load(spec, cfg, argc, argv, &action, &err) != CS_OK) {
        fprintf(stderr, "%s: %s\n", spec->prog, err.msg);
        return 64;
    }
    if (action == CS_CONFIG_EXIT)
        return 0;
    name = *(char *const *)((const char *)cfg + log_level_offset);
    if (!cs_log_level_parse(name, &level)) {
        fprintf(stderr,
                "%s: log.level \"%s\" is not debug, info, warn or "
                "error\n",
                spec->prog, name);
        return 64;
    }
    cs_log_init(svc, level);
    cs_signal_install();
    return CS_SERVICE_RUN;
}

cs_status cs_service_wait_for(const char *what,
                              cs_status (*attempt)(void *ctx, cs_err *err),
                              void *ctx, cs_err *err)
{
    unsigned backoff_ms = 100;

    for (;;) {
        cs_status rc = attempt(ctx, err);
        if (rc == CS_OK || !cs_status_retryable(rc))
            return rc;
        cs_log_warn("waiting for a dependency", CS_KV_STR("for", what),
                    CS_KV_STR("error", err->msg),
                    CS_KV_INT("retry_in_ms", backoff_ms));
        cs_signal_sleep_ms(backoff_ms);
        if (cs_signal_stop_requested())
            return cs_err_set(err, CS_E_TIMEOUT, "stopped while waiting for %s",
                              what);
        backoff_ms = backoff_ms < 2500 ? backoff_ms * 2 : 5000;
    }
}

bool cs_service_ops(const cs_http_req *req, cs_http_resp *resp,
                    const cs_metric *m, size_t n_metrics)
{
    static const char ok[] = "{\"status\":\"ok\"}";

    if (strcmp(req->path, "/healthz") == 0) {
        cs_http_set_body(resp, 200, "application/json", ok, strlen(ok));
        return true;
    }
    if (strcmp(req->path, "/metrics") == 0) {
        size_t len = 0;
        char *text = cs_metrics_render(m, n_metrics, &len);
        if (text == NULL) {
            cs_http_error(resp, 500, "internal", NULL, "out of memory");
            return true;
        }
        resp->status = 200;
        resp->content_type = "text/plain; version=0.0.4";
        resp->body = text;
        resp->body_len = len;
        return true;
    }
    return false;
}
