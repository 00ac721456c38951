/* admin_int.h - subcommands of cs-admin. */
#ifndef CS_ADMIN_INT_H
#define CS_ADMIN_INT_H

#include <stdbool.h>

#include "cs_err.h"

cs_status cs_admin_migrate(const char *dsn, const char *dir, bool status_only,
                           cs_err *err);

#endif
