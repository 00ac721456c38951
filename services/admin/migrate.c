/* migrate.c - `cs-admin migrate`: applies pending sql/migrations files in
 * order, one transaction each, recorded in schema_migrations with a
 * SHA-256 of the text so an edited, already-applied file is caught. */
#include "admin_int.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_log.h"
#include "cs_pg.h"

#define MAX_MIGRATIONS     1000
#define MIGRATION_NAME_MAX 128

typedef struct migration {
    char name[MIGRATION_NAME_MAX]; /* file name, e.g. 0001_foundation.sql */
    char version[5];               /* "0001" */
} migration;

static const char create_ledger_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/* Any constant works; it only has to be the same for every migrator. */
static const char lock_sql[] = "SELECT pg_advisory_lock(7236851)";
static const char unlock_sql[] = "SELECT pg_advisory_unlock(7236851)";

static int by_name(const void *a, const void *b)
{
    return strcmp(((const migration *)a)->name, ((const migration *)b)->name);
}

/* Lists NNNN_*.sql files of dir, sorted. Returns new array. */
static cs_status list_migrations(const char *dir, migration **out,
                                 size_t *n_out, cs_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    migration *m;
    size_t n = 0;

    if (d == NULL)
        return cs_err_set(err, CS_E_CONFIG,
                          "cannot open migrations folder %s: %s", dir,
                          strerror(errno));
    m = calloc(MAX_MIGRATIONS, sizeof(*m));
    if (m == NULL) {
        closedir(d);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 9 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        if (strspn(e->d_name, "0123456789") != 4 || e->d_name[4] != '_' ||
            len >= MIGRATION_NAME_MAX) {
            cs_err_set(err, CS_E_CONFIG,
                       "migration %s is not named NNNN_what.sql", e->d_name);
            closedir(d); /* frees e */
            free(m);
            return CS_E_CONFIG;
        }
        if (n == MAX_MIGRATIONS) {
            closedir(d);
            free(m);
            return cs_err_set(err, CS_E_CONFIG, "more than %d migrations",
                              MAX_MIGRATIONS);
        }
        memcpy(m[n].name, e->d_name, len + 1);
        memcpy(m[n].version, e->d_name, 4);
        m[n].version[4] = '\0';
        n++;
    }
    closedir(d);
    qsort(m, n, sizeof(*m), by_name);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(m[i].version, m[i - 1].version) == 0) {
            cs_err_set(err, CS_E_CONFIG,
                       "migrations %s and %s share version %s", m[i - 1].name,
                       m[i].name, m[i].version);
            free(m);
            return CS_E_CONFIG;
        }
    }
    *out = m;
    *n_out = n;
    return CS_OK;
}

/* Returns new NUL-terminated file contents. */
static char *read_file(const char *path, cs_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL) {
        cs_err_set(err, CS_E_CONFIG, "cannot read %s: %s", path,
                   strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        cs_err_set(err, CS_E_CONFIG, "cannot read %s", path);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        cs_err_set(err, CS_E_CONFIG, "cannot read %s", path);
        return NULL;
    }
    buf[size] = '\0';
    fclose(f);
    return buf;
}

static void sha256_hex(const char *text, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

static cs_status apply_one(cs_pg *db, const char *dir, const migration *m,
                           int *applied, cs_err *err)
{
    char path[4096], hex[65];
    const char *params[3];
    PGresult *res = NULL;
    char *sql;
    cs_status rc;

    if (snprintf(path, sizeof(path), "%s/%s", dir, m->name) >=
        (int)sizeof(path))
        return cs_err_set(err, CS_E_CONFIG, "migration path too long");
    sql = read_file(path, err);
    if (sql == NULL)
        return CS_E_CONFIG;
    sha256_hex(sql, hex);

    params[0] = m->version;
    rc = cs_pg_query(db,
                     "SELECT sha256 FROM schema_migrations "
                     "WHERE version = $1",
                     1, params, &res, err);
    if (rc != CS_OK)
        goto out;
    if (PQntuples(res) == 1) {
        if (strcmp(PQgetvalue(res, 0, 0), hex) != 0)
            rc = cs_err_set(err, CS_E_CONFIG,
                            "migration %s was applied with other contents "
                            "(sha256 %.12s..., file has %.12s...): never "
                            "edit an applied migration, add a new one",
                            m->name, PQgetvalue(res, 0, 0), hex);
        goto out;
    }
    if ((rc = cs_pg_exec(db, "BEGIN", err)) != CS_OK)
        goto out;
    rc = cs_pg_exec(db, sql, err);
    if (rc == CS_OK) {
        params[1] = m->name;
        params[2] = hex;
        rc = cs_pg_query(db,
                         "INSERT INTO schema_migrations "
                         "(version, name, sha256) VALUES ($1, $2, $3)",
                         3, params, NULL, err);
    }
    if (rc == CS_OK)
        rc = cs_pg_exec(db, "COMMIT", err);
    if (rc != CS_OK) {
        cs_err tmp = {0};
        (void)cs_pg_exec(db, "ROLLBACK", &tmp);
        cs_err_wrap(err, m->name);
        goto out;
    }
    (*applied)++;
    cs_log_info("applied migration", CS_KV_STR("migration", m->name),
                CS_KV_STR("sha256", hex));
out:
    PQclear(res);
    free(sql);
    return rc;
}

cs_status cs_admin_migrate(const char *dsn, const char *dir, bool status_only,
                           cs_err *err)
{
    migration *list = NULL;
    size_t n = 0;
    cs_pg *db = NULL;
    int applied = 0;
    cs_status rc;
    cs_err tmp = {0};

    rc = list_migrations(dir, &list, &n, err);
    if (rc != CS_OK)
        return rc;
    rc = cs_pg_connect(dsn, NULL, NULL, 0, &db, err);
    if (rc != CS_OK)
        goto out;
    if ((rc = cs_pg_exec(db, lock_sql, err)) != CS_OK ||
        (rc = cs_pg_exec(db, create_ledger_sql, err)) != CS_OK)
        goto out;
    if (status_only) {
        for (size_t i = 0; i < n; i++) {
            const char *params[1] = {list[i].version};
            PGresult *res = NULL;
            rc = cs_pg_query(db,
                             "SELECT applied_at FROM schema_migrations "
                             "WHERE version = $1",
                             1, params, &res, err);
            if (rc != CS_OK)
                goto out;
            printf("%-40s %s\n", list[i].name,
                   PQntuples(res) ? PQgetvalue(res, 0, 0) : "pending");
            PQclear(res);
        }
        goto out;
    }
    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = apply_one(db, dir, &list[i], &applied, err);
    if (rc == CS_OK)
        cs_log_info("migrations up to date", CS_KV_INT("applied", applied),
                    CS_KV_INT("known", (int64_t)n));
out:
    if (db != NULL)
        (void)cs_pg_exec(db, unlock_sql, &tmp);
    cs_pg_close(db);
    free(list);
    return rc;
}
