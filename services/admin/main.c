/* main.c - cs-admin: operator commands (database migrations, API
 * tokens). Exit codes: 0 done, 64 usage, 69 the database is unreachable,
 * 78 bad configuration, 1 anything else (65 for a bad token request). */
#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "cs_config.h"
#include "cs_log.h"
#include "cs_service.h"
#include "cs_token.h"

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

static const cs_opt token_opts[] = {
    {"pg.dsn", "CS_PG_DSN", CS_OPT_SECRET,
     "host=127.0.0.1 port=55432 dbname=chainsight user=postgres",
     "libpq connection string (a role that owns api_tokens)",
     CS_CFG(cs_token_opts, pg_dsn)},
    {"token.pepper", "CS_TOKEN_PEPPER", CS_OPT_SECRET, CS_TOKEN_DEV_PEPPER,
     "secret key of the token hashes; must equal cs-api's, and MUST be set "
     "in production (the default is public)",
     CS_CFG(cs_token_opts, pepper)},
    {"role", "CS_TOKEN_ROLE", CS_OPT_STR, "",
     "create: admin, bureau, enterprise or connector",
     CS_CFG(cs_token_opts, role)},
    {"regions", "CS_TOKEN_REGIONS", CS_OPT_STR, "",
     "create, bureau: GB/T 2260 codes, comma separated (330000 covers "
     "Zhejiang)",
     CS_CFG(cs_token_opts, regions)},
    {"enterprise", "CS_TOKEN_ENTERPRISE", CS_OPT_STR, "",
     "create, enterprise: its unified social credit code",
     CS_CFG(cs_token_opts, enterprise)},
    {"tenant", "CS_TOKEN_TENANT", CS_OPT_STR, "",
     "create, connector (or enterprise): the tenant id it acts for",
     CS_CFG(cs_token_opts, tenant)},
    {"name", "CS_TOKEN_NAME", CS_OPT_STR, "",
     "create: a label for people (who holds it, what for)",
     CS_CFG(cs_token_opts, name)},
    CS_OPT_LOG_LEVEL(cs_token_opts, log_level),
};

static const cs_config_spec token_spec = {
    .prog = "cs-admin token create|list|revoke ID",
    .summary = "API bearer tokens. create prints a new token once on stdout "
               "(only its keyed\nhash is stored); list shows them without "
               "secrets; revoke ID stops one at once.\nCreation and "
               "revocation are written to audit_log.",
    .opts = token_opts,
    .n_opts = sizeof(token_opts) / sizeof(token_opts[0]),
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cs-admin COMMAND [OPTIONS]\n\n"
               "commands:\n"
               "  migrate    apply pending database migrations "
               "(cs-admin migrate --help)\n"
               "  token      create, list or revoke API tokens "
               "(cs-admin token --help)\n");
}

static int exit_code(cs_status rc)
{
    if (rc == CS_E_INVALID)
        return 65; /* EX_DATAERR */
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

/* cs-admin token VERB [ID] [OPTIONS] */
static int run_token(int argc, char **argv)
{
    cs_token_opts cfg = {0};
    cs_err err = {0};
    const char *verb, *id = NULL;
    char *args[64];
    int n = 0, code;
    cs_status rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        cs_config_print_help(&token_spec, argc < 2 ? stderr : stdout);
        return argc < 2 ? 64 : 0;
    }
    verb = argv[1];
    if (strcmp(verb, "create") != 0 && strcmp(verb, "list") != 0 &&
        strcmp(verb, "revoke") != 0) {
        fprintf(stderr,
                "cs-admin token: unknown verb \"%s\" (create, list, "
                "revoke)\n",
                verb);
        return 64;
    }
    /* The option loader knows no positional arguments: take revoke's ID
     * out first. */
    args[n++] = argv[0];
    for (int i = 2; i < argc && n < 63; i++) {
        if (strcmp(verb, "revoke") == 0 && id == NULL &&
            strncmp(argv[i], "--", 2) != 0)
            id = argv[i];
        else
            args[n++] = argv[i];
    }
    args[n] = NULL;
    if (strcmp(verb, "revoke") == 0 && id == NULL) {
        fprintf(stderr, "usage: cs-admin token revoke ID\n");
        return 64;
    }
    code = cs_service_init(&token_spec, &cfg, n, args, "admin",
                           CS_CFG(cs_token_opts, log_level));
    if (code != CS_SERVICE_RUN) {
        cs_config_free(&token_spec, &cfg);
        return code;
    }
    rc = cs_admin_token(verb, &cfg, id, &err);
    cs_config_free(&token_spec, &cfg);
    if (rc != CS_OK) {
        cs_log_error("token command failed", CS_KV_STR("error", err.msg));
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
    if (strcmp(argv[1], "token") == 0)
        return run_token(argc - 1, argv + 1);
    fprintf(stderr, "cs-admin: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 64;
}
