/* main.c - cs-api: the JSON HTTP API over PostgreSQL. Stateless: any
 * number of replicas can run behind a load balancer. */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "cs_config.h"
#include "cs_log.h"
#include "cs_service.h"
#include "cs_signal.h"

static const cs_opt api_opts[] = {
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=postgres",
     "libpq connection string", CS_CFG(api_cfg, pg_dsn)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "IPv4 address to listen on (0.0.0.0 for every interface)",
     CS_CFG(api_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "8080",
     "port to listen on (0: any free port)", CS_CFG(api_cfg, http_port)},
    {"http.threads", "CS_HTTP_THREADS", CS_OPT_U32, "4",
     "HTTP worker threads, and database connections", CS_CFG(api_cfg, threads)},
    {"http.timeout_s", "CS_HTTP_TIMEOUT_S", CS_OPT_U32, "30",
     "idle connection timeout", CS_CFG(api_cfg, timeout_s)},
    {"http.max_body_bytes", "CS_HTTP_MAX_BODY_BYTES", CS_OPT_U32, "65536",
     "larger request bodies get 413", CS_CFG(api_cfg, max_body_bytes)},
    {"pg.pool_wait_ms", "CS_PG_POOL_WAIT_MS", CS_OPT_U32, "2000",
     "longest wait for a free database connection before 503",
     CS_CFG(api_cfg, pool_wait_ms)},
    CS_OPT_LOG_LEVEL(api_cfg, log_level),
};

static const cs_config_spec api_spec = {
    .prog = "cs-api",
    .summary = "The ChainSight HTTP API (JSON under /v1, /healthz, /readyz, "
               "/metrics).\nStops cleanly on SIGTERM.",
    .opts = api_opts,
    .n_opts = sizeof(api_opts) / sizeof(api_opts[0]),
};

static cs_status open_pool(void *ctx, cs_err *err)
{
    api *a = ctx;

    return api_pool_open(&a->pool, a->cfg->pg_dsn, a->cfg->threads, err);
}

int main(int argc, char **argv)
{
    api_cfg cfg = {0};
    api a = {0};
    cs_httpd *http = NULL;
    cs_httpd_opts hopts;
    cs_err err = {0};
    int code;

    code = cs_service_init(&api_spec, &cfg, argc, argv, "api",
                           CS_CFG(api_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    if (cfg.threads == 0 || cfg.threads > 256 || cfg.http_port > 65535) {
        cs_log_error("bad configuration: http.threads must be 1-256 and "
                     "http.port below 65536");
        code = 78;
        goto out;
    }
    code = 1;
    a.cfg = &cfg;
    if (cs_service_wait_for("the database", open_pool, &a, &err) != CS_OK) {
        code = err.code == CS_E_TIMEOUT ? 0 : 78;
        if (code != 0)
            cs_log_error("cannot prepare database sessions",
                         CS_KV_STR("error", err.msg));
        goto out;
    }
    hopts = (cs_httpd_opts){.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = cfg.threads,
                            .timeout_s = cfg.timeout_s,
                            .max_body_bytes = cfg.max_body_bytes};
    if (cs_httpd_start(&hopts, api_handle, &a, &http, &err) != CS_OK) {
        cs_log_error("cannot start the HTTP server",
                     CS_KV_STR("error", err.msg));
        code = 69;
        goto out;
    }
    cs_log_info("api ready", CS_KV_STR("addr", cfg.http_addr),
                CS_KV_INT("port", cs_httpd_port(http)),
                CS_KV_INT("threads", cfg.threads));
    while (!cs_signal_stop_requested())
        cs_signal_sleep_ms(1000);
    cs_log_info("api stopping");
    code = 0;
out:
    cs_httpd_stop(http); /* waits for requests in flight */
    api_pool_close(&a.pool);
    cs_config_free(&api_spec, &cfg);
    return code;
}
