/* cs_pg.h - PostgreSQL helpers over libpq: connecting, running statements
 * with errors classified by SQLSTATE (transient vs permanent), prepared
 * statements from a table, and COPY text escaping. One cs_pg per thread;
 * never share it. */
#ifndef CS_PG_H
#define CS_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "cs_err.h"

/* A named statement prepared once per connection. */
typedef struct cs_pg_stmt {
    const char *name;
    const char *sql;
    int n_params;
} cs_pg_stmt;

typedef struct cs_pg {
    PGconn *conn;
    char *conninfo;
    const char *setup_sql;   /* borrowed, static; run on every connect */
    const cs_pg_stmt *stmts; /* borrowed, static */
    size_t n_stmts;
} cs_pg;

/* Connects, runs setup_sql (may be NULL; e.g. temporary staging tables)
 * and prepares stmts (may be NULL), again after every reset. Sessions run
 * in UTC. On failure returns CS_E_DB_DOWN (or CS_E_INTERNAL when a
 * statement is wrong); *out is NULL. */
cs_status cs_pg_connect(const char *conninfo, const char *setup_sql,
                        const cs_pg_stmt *stmts, size_t n_stmts, cs_pg **out,
                        cs_err *err);
void cs_pg_close(cs_pg *db);

/* Re-establishes a broken connection (and re-prepares). */
cs_status cs_pg_reset(cs_pg *db, cs_err *err);
bool cs_pg_ok(const cs_pg *db);

/* Maps a failed result to a status: SQLSTATE class 08, 40001, 40P01,
 * 57P01..57P03, 53xxx -> CS_E_DB_DOWN (retry); 22, 23 -> CS_E_INVALID;
 * anything else -> CS_E_INTERNAL. A NULL res means the connection broke. */
cs_status cs_pg_status_of(const PGresult *res, const PGconn *conn);

/* Runs a statement without parameters (BEGIN, COMMIT, DDL). */
cs_status cs_pg_exec(cs_pg *db, const char *sql, cs_err *err);

/* Runs a prepared statement; on success *res_out (if not NULL) receives
 * the result, which the caller PQclear()s. Text parameters; NULL is SQL
 * NULL. */
cs_status cs_pg_run(cs_pg *db, const char *stmt_name, int n_params,
                    const char *const *params, PGresult **res_out, cs_err *err);

/* Runs SQL text with parameters (not prepared; for one-off statements). */
cs_status cs_pg_query(cs_pg *db, const char *sql, int n_params,
                      const char *const *params, PGresult **res_out,
                      cs_err *err);

/* COPY ... FROM STDIN in text format. Start with cs_pg_copy_begin, append
 * rows into a growing buffer with the cs_copybuf helpers, then send. */
typedef struct cs_copybuf {
    char *buf;
    size_t len, cap;
    bool failed; /* out of memory */
} cs_copybuf;

void cs_copybuf_reset(cs_copybuf *b);
void cs_copybuf_free(cs_copybuf *b);
/* Appends one field, escaped for COPY text (backslash, tab, CR, LF);
 * NULL appends \N. first is true for the first field of a row. */
void cs_copybuf_field(cs_copybuf *b, const char *s, bool first);
void cs_copybuf_end_row(cs_copybuf *b);

/* Runs copy_sql (a COPY ... FROM STDIN) and streams the buffer. */
cs_status cs_pg_copy(cs_pg *db, const char *copy_sql, const cs_copybuf *b,
                     cs_err *err);
/* The same for len bytes of COPY text rows (e.g. a slice of a buffer). */
cs_status cs_pg_copy_raw(cs_pg *db, const char *copy_sql, const char *data,
                         size_t len, cs_err *err);

#endif
