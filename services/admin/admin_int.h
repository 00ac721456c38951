/* admin_int.h - subcommands of cs-admin. */
#ifndef CS_ADMIN_INT_H
#define CS_ADMIN_INT_H

#include <stdbool.h>

#include "cs_err.h"

/* Options of `cs-admin token`; strings owned by the config loader. */
typedef struct cs_token_opts {
    char *pg_dsn;
    char *pepper;
    char *role;
    char *regions;    /* comma-separated GB/T 2260 codes, or "" */
    char *enterprise; /* credit code, or "" */
    char *tenant;     /* tenant id, or "" */
    char *name;
    char *log_level;
} cs_token_opts;

/* verb is create, list or revoke (id: the token to revoke). */
cs_status cs_admin_token(const char *verb, const cs_token_opts *o,
                         const char *id, cs_err *err);

cs_status cs_admin_migrate(const char *dsn, const char *dir, bool status_only,
                           cs_err *err);

#endif
