/* main.c - cs-admin: operator commands (database migrations; tokens come
 * with the API's security work). Exit codes: 0 done, 64 usage, 69 the
 * database is unreachable, 78 bad configuration, 1 anything else. */
#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "cs_config.h"
#include "cs_log.h"
#include "cs_service.h"

#ifndef CS_DEFAULT_MIGRATIONS_DIR
#define CS_DEFAULT_MIGRATIONS_DIR "sql/migrations"
#endif

typedef struct migrate_cfg {
    char *pg_dsn;
    char *dir;
    bool status;
    char *log_level;
} migrate_cfg;

static const cs_opt migrate_opts[] = {
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=postgres",
     "libpq connection string of the database to migrate",
     CS_CFG(migrate_cfg, pg_dsn)},
    {"migrations.dir", "CS_MIGRATIONS_DIR", CS_OPT_STR,
     CS_DEFAULT_MIGRATIONS_DIR, "folder of NNNN_what.sql files",
     CS_CFG(migrate_cfg, dir)},
    {"status", "CS_MIGRATE_STATUS", CS_OPT_BOOL, "false",
     "only list migrations and whether each is applied",
     CS_CFG(migrate_cfg, status)},
    CS_OPT_LOG_LEVEL(migrate_cfg, log_level),
};

static const cs_config_spec migrate_spec = {
    .prog = "cs-admin migrate",
    .summary = "Applies pending database migrations in order, each in one "
               "transaction,\nrecorded in schema_migrations. Safe to re-run.",
    .opts = migrate_opts,
    .n_opts = sizeof(migrate_opts) / sizeof(migrate_opts[0]),
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cs-admin COMMAND [OPTIONS]\n\n"
               "commands:\n"
               "  migrate    apply pending database migrations "
               "(cs-admin migrate --help)\n");
}

static int exit_code(cs_status rc)
{
    if (rc == CS_E_DB_DOWN)
        return 69; /* EX_UNAVAILABLE */
    if (rc == CS_E_CONFIG)
        return 78; /* EX_CONFIG */
    return 1;
}

static int run_migrate(int argc, char **argv)
{
    migrate_cfg cfg = {0};
    cs_err err = {0};
    cs_status rc;
    int code;

    code = cs_service_init(&migrate_spec, &cfg, argc, argv, "admin",
                           CS_CFG(migrate_cfg, log_level));
    if (code != CS_SERVICE_RUN) {
        cs_config_free(&migrate_spec, &cfg);
        return code;
    }
    rc = cs_admin_migrate(cfg.pg_dsn, cfg.dir, cfg.status, &err);
    cs_config_free(&migrate_spec, &cfg);
    if (rc != CS_OK) {
        cs_log_error("migration failed", CS_KV_STR("error", err.msg));
        return exit_code(rc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 64;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "migrate") == 0)
        return run_migrate(argc - 1, argv + 1);
    fprintf(stderr, "cs-admin: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 64;
}
