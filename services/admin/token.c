/* token.c - `cs-admin token create|list|revoke`: API principals. A new
 * token is printed once on stdout and only its keyed hash is stored;
 * every creation and revocation is written to audit_log. */
#include "admin_int.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cs_ident.h"
#include "cs_log.h"
#include "cs_pg.h"
#include "cs_str.h"
#include "cs_token.h"

#define REGIONS_MAX     64
#define NAME_MAX_BYTES  200
#define ACTOR_MAX_BYTES 96

static void cli_actor(char *buf, size_t buf_bytes)
{
    struct passwd pw, *res = NULL;
    char scratch[1024];

    if (getpwuid_r(geteuid(), &pw, scratch, sizeof(scratch), &res) == 0 &&
        res != NULL)
        (void)snprintf(buf, buf_bytes, "cli:%s", pw.pw_name);
    else
        (void)snprintf(buf, buf_bytes, "cli:uid%u", (unsigned)geteuid());
}

static bool valid_tenant(const char *t)
{
    size_t n = strlen(t);

    if (n == 0 || n > 64)
        return false;
    return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") == n;
}

/* Checks every comma-separated code; false with err filled otherwise. */
static bool valid_regions(const char *list, cs_err *err)
{
    size_t n = 0;
    const char *p = list;

    if (*p == '\0') {
        cs_err_set(err, CS_E_INVALID, "--regions is empty");
        return false;
    }
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (cs_region_validate(p, len, err) != CS_OK) {
            cs_err_wrap(err, "--regions");
            return false;
        }
        if (++n > REGIONS_MAX) {
            cs_err_set(err, CS_E_INVALID, "more than %d regions", REGIONS_MAX);
            return false;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return true;
}

static cs_status check_scope(const cs_token_opts *o, cs_err *err)
{
    bool has_regions = o->regions[0] != '\0';
    bool has_ent = o->enterprise[0] != '\0';
    bool has_tenant = o->tenant[0] != '\0';

    if (strlen(o->name) > NAME_MAX_BYTES)
        return cs_err_set(err, CS_E_INVALID, "--name is longer than %d bytes",
                          NAME_MAX_BYTES);
    if (has_regions && !valid_regions(o->regions, err))
        return CS_E_INVALID;
    if (has_ent &&
        cs_uscc_validate(o->enterprise, strlen(o->enterprise), err) != CS_OK)
        return cs_err_wrap(err, "--enterprise");
    if (has_tenant && !valid_tenant(o->tenant))
        return cs_err_set(err, CS_E_INVALID,
                          "--tenant must be 1-64 of A-Z a-z 0-9 . _ -");
    if (strcmp(o->role, "admin") == 0) {
        if (has_regions || has_ent || has_tenant)
            return cs_err_set(err, CS_E_INVALID,
                              "an admin token takes no --regions, "
                              "--enterprise or --tenant");
    } else if (strcmp(o->role, "bureau") == 0) {
        if (!has_regions || has_ent || has_tenant)
            return cs_err_set(err, CS_E_INVALID,
                              "a bureau token needs --regions and takes no "
                              "--enterprise or --tenant");
    } else if (strcmp(o->role, "enterprise") == 0) {
        if (!has_ent || has_regions)
            return cs_err_set(err, CS_E_INVALID,
                              "an enterprise token needs --enterprise and "
                              "takes no --regions");
    } else if (strcmp(o->role, "connector") == 0) {
        if (!has_tenant || has_regions || has_ent)
            return cs_err_set(err, CS_E_INVALID,
                              "a connector token needs --tenant and takes no "
                              "--regions or --enterprise");
    } else {
        return cs_err_set(err, CS_E_INVALID,
                          "--role must be admin, bureau, enterprise or "
                          "connector, not \"%s\"",
                          o->role);
    }
    return CS_OK;
}

static cs_status audit(cs_pg *db, const char *actor, const char *action,
                       const char *target, const char *outcome,
                       const char *detail, cs_err *err)
{
    const char *params[5] = {actor, action, target, outcome, detail};

    return cs_pg_query(db,
                       "INSERT INTO audit_log (actor, action, target, client, "
                       "outcome, detail) VALUES ($1, $2, $3, 'local', $4, $5)",
                       5, params, NULL, err);
}

static cs_status token_create(cs_pg *db, const cs_token_opts *o,
                              const char *actor, cs_err *err)
{
    char text[CS_TOKEN_TEXT_BYTES], hex[CS_TOKEN_HASH_HEX_BYTES];
    char detail[512];
    const char *params[7];
    cs_token_key key;
    PGresult *res = NULL;
    cs_status rc;

    if ((rc = check_scope(o, err)) != CS_OK)
        return rc;
    if ((rc = cs_token_key_init(&key, o->pepper, err)) != CS_OK)
        return rc;
    if (cs_token_pepper_is_default(o->pepper))
        cs_log_warn("CS_TOKEN_PEPPER is the public development default: set "
                    "a secret one in production (and the same for cs-api)");
    if ((rc = cs_token_generate(text, err)) != CS_OK ||
        (rc = cs_token_hash_hex(&key, text, strlen(text), hex, err)) != CS_OK)
        goto out;
    params[0] = o->name;
    params[1] = o->role;
    params[2] = o->regions[0] ? o->regions : NULL;
    params[3] = o->enterprise[0] ? o->enterprise : NULL;
    params[4] = o->tenant[0] ? o->tenant : NULL;
    params[5] = hex;
    params[6] = actor;
    if ((rc = cs_pg_exec(db, "BEGIN", err)) != CS_OK)
        goto out;
    rc = cs_pg_query(db,
                     "INSERT INTO api_tokens (name, role, regions, enterprise, "
                     "tenant_id, token_hash, created_by) VALUES ($1, "
                     "$2::principal_role, string_to_array($3, ',')::"
                     "region_code[], $4, $5, decode($6, 'hex'), $7) "
                     "RETURNING token_id",
                     7, params, &res, err);
    if (rc == CS_OK) {
        (void)snprintf(detail, sizeof(detail),
                       "role=%s regions=%s enterprise=%s tenant=%s name=%s",
                       o->role, o->regions, o->enterprise, o->tenant, o->name);
        rc = audit(db, actor, "token.create", PQgetvalue(res, 0, 0), "ok",
                   detail, err);
    }
    if (rc == CS_OK)
        rc = cs_pg_exec(db, "COMMIT", err);
    if (rc != CS_OK) {
        cs_err tmp = {0};
        (void)cs_pg_exec(db, "ROLLBACK", &tmp);
        goto out;
    }
    cs_log_info("token created; it is shown once, store it now",
                CS_KV_STR("token_id", PQgetvalue(res, 0, 0)),
                CS_KV_STR("role", o->role), CS_KV_STR("name", o->name));
    printf("%s\n", text);
    fflush(stdout);
out:
    sodium_memzero(text, sizeof(text));
    cs_token_key_wipe(&key);
    PQclear(res);
    return rc;
}

static cs_status token_list(cs_pg *db, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc;

    rc = cs_pg_query(db,
                     "SELECT token_id, role, CASE role "
                     "WHEN 'bureau' THEN 'regions=' || "
                     "array_to_string(regions, ',') "
                     "WHEN 'enterprise' THEN 'enterprise=' || enterprise || "
                     "coalesce(' tenant=' || tenant_id, '') "
                     "WHEN 'connector' THEN 'tenant=' || tenant_id "
                     "ELSE 'all' END, "
                     "to_char(created_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                     "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), name "
                     "FROM api_tokens ORDER BY token_id",
                     0, NULL, &res, err);
    if (rc != CS_OK)
        return rc;
    printf("%-6s %-10s %-44s %-20s %-20s %s\n", "ID", "ROLE", "SCOPE",
           "CREATED", "REVOKED", "NAME");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-6s %-10s %-44s %-20s %-20s %s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
               PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
               PQgetvalue(res, i, 5));
    fflush(stdout);
    PQclear(res);
    return CS_OK;
}

static cs_status token_revoke(cs_pg *db, const char *id, const char *actor,
                              cs_err *err)
{
    const char *params[1] = {id};
    PGresult *res = NULL;
    int64_t n;
    cs_status rc;

    if (cs_parse_i64(id, 1, INT64_MAX, &n, err) != CS_OK)
        return cs_err_set(err, CS_E_INVALID,
                          "token id must be a positive integer, not \"%s\"",
                          id);
    if ((rc = cs_pg_exec(db, "BEGIN", err)) != CS_OK)
        return rc;
    rc = cs_pg_query(db,
                     "UPDATE api_tokens SET revoked_at = now() "
                     "WHERE token_id = $1::bigint AND revoked_at IS NULL "
                     "RETURNING token_id",
                     1, params, &res, err);
    if (rc == CS_OK && PQntuples(res) == 0)
        rc = cs_err_set(err, CS_E_INVALID, "no live token with id %s", id);
    if (rc == CS_OK)
        rc = audit(db, actor, "token.revoke", id, "ok", NULL, err);
    if (rc == CS_OK)
        rc = cs_pg_exec(db, "COMMIT", err);
    if (rc != CS_OK) {
        cs_err tmp = {0};
        (void)cs_pg_exec(db, "ROLLBACK", &tmp);
    } else {
        cs_log_info("token revoked", CS_KV_STR("token_id", id));
    }
    PQclear(res);
    return rc;
}

cs_status cs_admin_token(const char *verb, const cs_token_opts *o,
                         const char *id, cs_err *err)
{
    char actor[ACTOR_MAX_BYTES];
    cs_pg *db = NULL;
    cs_status rc;

    cli_actor(actor, sizeof(actor));
    rc = cs_pg_connect(o->pg_dsn, NULL, NULL, 0, &db, err);
    if (rc != CS_OK)
        return rc;
    if (strcmp(verb, "create") == 0)
        rc = token_create(db, o, actor, err);
    else if (strcmp(verb, "list") == 0)
        rc = token_list(db, err);
    else
        rc = token_revoke(db, id, actor, err);
    cs_pg_close(db);
    return rc;
}
