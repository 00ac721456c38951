/* main.c - cs-api: the JSON HTTP API over PostgreSQL. Stateless: any
 * number of replicas can run behind a load balancer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_int.h"
#include "cs_config.h"
#include "cs_intake.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_service.h"
#include "cs_signal.h"

static const cs_opt api_opts[] = {
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=cs_api_app",
     "libpq connection string; its role must not bypass row-level security",
     CS_CFG(api_cfg, pg_dsn)},
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "IPv4 address to listen on (0.0.0.0 for every interface)",
     CS_CFG(api_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "8080",
     "port to listen on (0: any free port)", CS_CFG(api_cfg, http_port)},
    {"http.threads", "CS_HTTP_THREADS", CS_OPT_U32, "2",
     "network threads: they read requests, send answers and answer cached "
     "reads themselves (about one per core)",
     CS_CFG(api_cfg, threads)},
    {"api.workers", "CS_API_WORKERS", CS_OPT_U32, "4",
     "threads that answer the requests needing the database, each with a "
     "database connection of its own",
     CS_CFG(api_cfg, workers)},
    {"http.timeout_s", "CS_HTTP_TIMEOUT_S", CS_OPT_U32, "30",
     "idle connection timeout", CS_CFG(api_cfg, timeout_s)},
    {"http.max_body_bytes", "CS_HTTP_MAX_BODY_BYTES", CS_OPT_U32, "65536",
     "larger request bodies get 413", CS_CFG(api_cfg, max_body_bytes)},
    {"pg.pool_wait_ms", "CS_PG_POOL_WAIT_MS", CS_OPT_U32, "2000",
     "longest wait for a free database connection before 503",
     CS_CFG(api_cfg, pool_wait_ms)},
    {"pg.statement_timeout_ms", "CS_PG_STATEMENT_TIMEOUT_MS", CS_OPT_U32,
     "5000", "longest a query may run before the request gets 503 (0: none)",
     CS_CFG(api_cfg, statement_timeout_ms)},
    {"token.pepper", "CS_TOKEN_PEPPER", CS_OPT_SECRET, CS_TOKEN_DEV_PEPPER,
     "secret key of the token hashes; must equal cs-admin's, and MUST be set "
     "in production (the default is public)",
     CS_CFG(api_cfg, token_pepper)},
    {"rate.limit_rps", "CS_RATE_LIMIT_RPS", CS_OPT_U32, "50",
     "requests per second per token (0: no limit)",
     CS_CFG(api_cfg, rate_limit_rps)},
    {"rate.limit_burst", "CS_RATE_LIMIT_BURST", CS_OPT_U32, "100",
     "requests a token may send at once before the rate applies",
     CS_CFG(api_cfg, rate_limit_burst)},
    {"tls.cert", "CS_TLS_CERT", CS_OPT_STR, "",
     "PEM certificate chain file; with tls.key, serve HTTPS only",
     CS_CFG(api_cfg, tls_cert)},
    {"tls.key", "CS_TLS_KEY", CS_OPT_STR, "", "PEM private key file",
     CS_CFG(api_cfg, tls_key)},
    {"dashboard.dir", "CS_DASHBOARD_DIR", CS_OPT_STR, CS_DASHBOARD_DEFAULT_DIR,
     "folder of the web dashboard served at / (empty: / answers the JSON "
     "index)",
     CS_CFG(api_cfg, dashboard_dir)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "",
     "Kafka bootstrap servers for POST /v1/events and the alert webhooks "
     "(empty: both are off)",
     CS_CFG(api_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka properties, k=v,k=v", CS_CFG(api_cfg, kafka_extra)},
    {"kafka.timeout_ms", "CS_KAFKA_TIMEOUT_MS", CS_OPT_U32, "5000",
     "longest wait for the broker's acknowledgement of POST /v1/events "
     "before 503",
     CS_CFG(api_cfg, kafka_timeout_ms)},
    {"alerts.topic", "CS_ALERTS_TOPIC", CS_OPT_STR, "cs.alerts",
     "topic of cs-analyst's alerts, fanned out to webhooks",
     CS_CFG(api_cfg, alerts_topic)},
    {"webhook.deliver", "CS_WEBHOOK_DELIVER", CS_OPT_BOOL, "true",
     "run the webhook fan-out and delivery threads (needs kafka.brokers)",
     CS_CFG(api_cfg, webhook_deliver)},
    {"webhook.max_attempts", "CS_WEBHOOK_MAX_ATTEMPTS", CS_OPT_U32, "8",
     "attempts before a delivery is marked failed",
     CS_CFG(api_cfg, webhook_max_attempts)},
    {"webhook.backoff_ms", "CS_WEBHOOK_BACKOFF_MS", CS_OPT_U32, "1000",
     "wait before the 2nd attempt; doubles each time, at most an hour",
     CS_CFG(api_cfg, webhook_backoff_ms)},
    {"webhook.timeout_ms", "CS_WEBHOOK_TIMEOUT_MS", CS_OPT_U32, "5000",
     "longest a receiver may take to answer",
     CS_CFG(api_cfg, webhook_timeout_ms)},
    {"webhook.poll_ms", "CS_WEBHOOK_POLL_MS", CS_OPT_U32, "1000",
     "how often due retries are looked for", CS_CFG(api_cfg, webhook_poll_ms)},
    {"api.cache_ms", "CS_API_CACHE_MS", CS_OPT_U32, "0",
     "keep each token's read answers this long (0: no cache); writes through "
     "this replica empty it",
     CS_CFG(api_cfg, cache_ms)},
    {"api.cache_stale_ms", "CS_API_CACHE_STALE_MS", CS_OPT_U32, "10000",
     "after api.cache_ms, serve an answer up to this much longer while a "
     "background thread reads it again, and as long again while that read "
     "is pending (0: never; the request reads it)",
     CS_CFG(api_cfg, cache_stale_ms)},
    {"api.refresh_threads", "CS_API_REFRESH_THREADS", CS_OPT_U32, "2",
     "background threads (each with a database connection) that read "
     "expired cache entries again; 1-64, only with api.cache_ms",
     CS_CFG(api_cfg, refresh_threads)},
    {"api.refresh_nice", "CS_API_REFRESH_NICE", CS_OPT_U32, "10",
     "niceness (0-19) of the refresh threads and, where the database is "
     "reached over a Unix socket and may be reniced, of their sessions' "
     "server processes, so refreshes take CPU the requests leave",
     CS_CFG(api_cfg, refresh_nice)},
    {"api.refresh_timeout_ms", "CS_API_REFRESH_TIMEOUT_MS", CS_OPT_U32, "60000",
     "longest a background read may run (a refresh, or a read that passed "
     "pg.statement_timeout_ms and goes on in the background, its answer "
     "kept; 0: none)",
     CS_CFG(api_cfg, refresh_timeout_ms)},
    {"api.token_cache_ms", "CS_API_TOKEN_CACHE_MS", CS_OPT_U32, "1000",
     "keep verified tokens in memory this long (renewed in the background "
     "while in use), so a revocation takes effect within twice it (0: look "
     "every request's token up)",
     CS_CFG(api_cfg, token_cache_ms)},
    CS_OPT_LOG_LEVEL(api_cfg, log_level),
};

static const cs_config_spec api_spec = {
    .prog = "cs-api",
    .summary = "The ChainSight HTTP API (JSON under /v1 with bearer tokens, "
               "/healthz, /readyz,\n/metrics). Connect it as a role that is "
               "neither superuser nor table owner\n(user=cs_api_app) so that "
               "row-level security binds it.\nStops cleanly on SIGTERM.",
    .opts = api_opts,
    .n_opts = sizeof(api_opts) / sizeof(api_opts[0]),
};

/* Returns the new NUL-terminated contents of a (small) PEM file. */
static char *read_pem(const char *path, cs_err *err)
{
    enum { PEM_MAX_BYTES = 1 << 20 };
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;

    if (f == NULL) {
        cs_err_set(err, CS_E_CONFIG, "cannot read %s: %s", path,
                   strerror(errno));
        return NULL;
    }
    buf = malloc(PEM_MAX_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, PEM_MAX_BYTES + 1, f);
    fclose(f);
    if (n == 0 || n > PEM_MAX_BYTES) {
        free(buf);
        cs_err_set(err, CS_E_CONFIG, "%s is empty or larger than 1 MiB", path);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Refuses a database role that row-level security would not bind
 * (superuser, BYPASSRLS, or owner of a protected table): with one, a
 * handler bug could read every tenant's rows. */
static cs_status check_db_role(cs_pg *db, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc = cs_pg_run(db, "role_check", 0, NULL, &res, err);

    if (rc == CS_OK &&
        (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "f") != 0))
        rc = cs_err_set(err, CS_E_CONFIG,
                        "database role %s bypasses row-level security "
                        "(superuser, BYPASSRLS or table owner): connect as "
                        "cs_api_app or another member of cs_api",
                        PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "?");
    PQclear(res);
    return rc;
}

static cs_status open_pool(void *ctx, cs_err *err)
{
    api *a = ctx;
    cs_status rc;

    rc = api_pool_open(&a->pool, a->cfg->pg_dsn, a->setup_sql, a->cfg->workers,
                       err);
    if (rc == CS_OK && (rc = check_db_role(a->pool.conns[0], err)) != CS_OK)
        api_pool_close(&a->pool);
    return rc;
}

int main(int argc, char **argv)
{
    api_cfg cfg = {0};
    api a = {0};
    cs_httpd *http = NULL;
    cs_httpd_opts hopts;
    cs_err err = {0};
    char *tls_cert = NULL, *tls_key = NULL;
    bool use_tls;
    int code;

    code = cs_service_init(&api_spec, &cfg, argc, argv, "api",
                           CS_CFG(api_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    if (cfg.threads == 0 || cfg.threads > 256 || cfg.workers == 0 ||
        cfg.workers > 256 || cfg.http_port > 65535 ||
        cfg.refresh_threads == 0 || cfg.refresh_threads > 64 ||
        cfg.refresh_nice > 19) {
        cs_log_error("bad configuration: http.threads and api.workers must "
                     "be 1-256, "
                     "api.refresh_threads 1-64, api.refresh_nice 0-19 and "
                     "http.port below 65536");
        code = 78;
        goto out;
    }
    use_tls = cfg.tls_cert[0] != '\0' || cfg.tls_key[0] != '\0';
    if (use_tls && (cfg.tls_cert[0] == '\0' || cfg.tls_key[0] == '\0')) {
        cs_log_error("bad configuration: set both tls.cert and tls.key, or "
                     "neither");
        code = 78;
        goto out;
    }
    if (use_tls && ((tls_cert = read_pem(cfg.tls_cert, &err)) == NULL ||
                    (tls_key = read_pem(cfg.tls_key, &err)) == NULL)) {
        cs_log_error("bad TLS configuration", CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    if (cs_token_key_init(&a.token_key, cfg.token_pepper, &err) != CS_OK) {
        cs_log_error("bad configuration", CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    if (cs_token_pepper_is_default(cfg.token_pepper))
        cs_log_warn("CS_TOKEN_PEPPER is the public development default: set "
                    "a secret one in production (and the same for cs-admin)");
    a.limiter = api_limiter_new((double)cfg.rate_limit_rps,
                                (double)cfg.rate_limit_burst);
    if (a.limiter == NULL) {
        cs_log_error("out of memory");
        code = 1;
        goto out;
    }
    code = 1;
    a.cfg = &cfg;
    /* no JIT: compiling a read's few large plans (the situation's
     * indices over a province) took seconds of LLVM each, more than it
     * saved (docs/api.md); the analyst sets the same for its cycles */
    (void)snprintf(a.setup_sql, sizeof(a.setup_sql),
                   "SET statement_timeout = %u; SET jit = off",
                   cfg.statement_timeout_ms);
    if (cfg.kafka_brokers[0] != '\0' && !cs_kafka_extra_ok(cfg.kafka_extra)) {
        code = 78;
        goto out;
    }
    if (cs_service_wait_for("the database", open_pool, &a, &err) != CS_OK) {
        code = err.code == CS_E_TIMEOUT ? 0 : 78;
        if (code != 0)
            cs_log_error("cannot prepare database sessions",
                         CS_KV_STR("error", err.msg));
        goto out;
    }
    if (api_cache_new(&a, 4096, cfg.cache_ms, cfg.cache_stale_ms,
                      cfg.refresh_threads, &a.cache, &err) != CS_OK) {
        cs_log_error("cannot start the read cache",
                     CS_KV_STR("error", err.msg));
        code = err.code == CS_E_NOMEM ? 1 : 69;
        goto out;
    }
    if (api_tokens_new(&a, 1024, cfg.token_cache_ms, &a.tokens, &err) !=
        CS_OK) {
        cs_log_error("cannot start the token cache",
                     CS_KV_STR("error", err.msg));
        code = err.code == CS_E_NOMEM ? 1 : 69;
        goto out;
    }
    if (cfg.kafka_brokers[0] != '\0' &&
        cs_intake_open(cfg.kafka_brokers, cfg.kafka_extra, cfg.kafka_timeout_ms,
                       &a.intake, &err) != CS_OK) {
        cs_log_error("cannot start the Kafka producer",
                     CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    if (cfg.kafka_brokers[0] != '\0' && cfg.webhook_deliver &&
        api_webhooks_start(&a, &a.webhooks, &err) != CS_OK) {
        cs_log_error("cannot start the webhook worker",
                     CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    hopts = (cs_httpd_opts){.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = cfg.threads,
                            .workers = cfg.workers,
                            .fast = api_handle_fast,
                            /* headers up to about 8 KiB; the 32 KiB of
                             * the default were zeroed for every request,
                             * 9 % of the network threads' CPU (perf) */
                            .conn_memory_bytes = 16384,
                            .timeout_s = cfg.timeout_s,
                            .max_body_bytes = cfg.max_body_bytes,
                            .tls_cert_pem = tls_cert,
                            .tls_key_pem = tls_key};
    if (cs_httpd_start(&hopts, api_handle, &a, &http, &err) != CS_OK) {
        cs_log_error("cannot start the HTTP server",
                     CS_KV_STR("error", err.msg));
        code = 69;
        goto out;
    }
    cs_log_info("api ready", CS_KV_STR("addr", cfg.http_addr),
                CS_KV_INT("port", cs_httpd_port(http)),
                CS_KV_INT("threads", cfg.threads),
                CS_KV_INT("workers", cfg.workers), CS_KV_BOOL("tls", use_tls),
                CS_KV_INT("rate_limit_rps", cfg.rate_limit_rps));
    while (!cs_signal_stop_requested())
        cs_signal_sleep_ms(1000);
    cs_log_info("api stopping");
    code = 0;
out:
    cs_httpd_stop(http); /* waits for requests in flight */
    api_webhooks_stop(a.webhooks);
    cs_intake_close(a.intake);
    api_cache_free(a.cache);
    api_tokens_free(a.tokens);
    api_pool_close(&a.pool);
    api_limiter_free(a.limiter);
    cs_token_key_wipe(&a.token_key);
    if (tls_key != NULL)
        sodium_memzero(tls_key, strlen(tls_key));
    free(tls_cert);
    free(tls_key);
    cs_config_free(&api_spec, &cfg);
    return code;
}
