/* cs_pg.c - libpq helpers with SQLSTATE-based error classes. */
#include "cs_pg.h"

#include <stdlib.h>
#include <string.h>

#include "cs_str.h"

static cs_status check(cs_pg *db, PGresult *res, const char *what,
                       PGresult **res_out, cs_err *err);

/* Server notices (e.g. "already exists, skipping") are not errors. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static cs_status prepare_all(cs_pg *db, cs_err *err)
{
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    {
        cs_status rc = check(db, PQexec(db->conn, "SET TIME ZONE 'UTC'"),
                             "SET TIME ZONE", NULL, err);
        if (rc == CS_OK && db->setup_sql != NULL)
            rc = check(db, PQexec(db->conn, db->setup_sql), "setup", NULL, err);
        if (rc != CS_OK)
            return rc;
    }
    for (size_t i = 0; i < db->n_stmts; i++) {
        const cs_pg_stmt *s = &db->stmts[i];
        PGresult *res = PQprepare(db->conn, s->name, s->sql, s->n_params, NULL);
        cs_status rc = CS_OK;

        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = cs_pg_status_of(res, db->conn);
            cs_err_set(err, rc == CS_E_DB_DOWN ? rc : CS_E_INTERNAL,
                       "cannot prepare statement %s: %s", s->name,
                       PQresultErrorMessage(res));
            rc = rc == CS_E_DB_DOWN ? rc : CS_E_INTERNAL;
        }
        PQclear(res);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

static void chomp(cs_err *err)
{
    size_t n = err ? strlen(err->msg) : 0;
    while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' '))
        err->msg[--n] = '\0';
}

cs_status cs_pg_connect(const char *conninfo, const char *setup_sql,
                        const cs_pg_stmt *stmts, size_t n_stmts, cs_pg **out,
                        cs_err *err)
{
    cs_pg *db = calloc(1, sizeof(*db));
    cs_status rc;

    *out = NULL;
    if (db == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    db->setup_sql = setup_sql;
    db->stmts = stmts;
    db->n_stmts = n_stmts;
    db->conninfo = strdup(conninfo);
    if (db->conninfo == NULL) {
        free(db);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    db->conn = PQconnectdb(conninfo);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        cs_err_set(err, CS_E_DB_DOWN, "could not connect to PostgreSQL: %s",
                   PQerrorMessage(db->conn));
        chomp(err);
        cs_pg_close(db);
        return CS_E_DB_DOWN;
    }
    rc = prepare_all(db, err);
    if (rc != CS_OK) {
        chomp(err);
        cs_pg_close(db);
        return rc;
    }
    *out = db;
    return CS_OK;
}

void cs_pg_close(cs_pg *db)
{
    if (db == NULL)
        return;
    PQfinish(db->conn);
    free(db->conninfo);
    free(db);
}

bool cs_pg_ok(const cs_pg *db)
{
    return db != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

cs_status cs_pg_reset(cs_pg *db, cs_err *err)
{
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        cs_err_set(err, CS_E_DB_DOWN, "could not reconnect to PostgreSQL: %s",
                   PQerrorMessage(db->conn));
        chomp(err);
        return CS_E_DB_DOWN;
    }
    return prepare_all(db, err);
}

cs_status cs_pg_status_of(const PGresult *res, const PGconn *conn)
{
    const char *state;

    if (res == NULL || PQstatus(conn) != CONNECTION_OK)
        return CS_E_DB_DOWN;
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL || strlen(state) != 5)
        return CS_E_DB_DOWN; /* client-side failure, e.g. lost socket */
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strncmp(state, "57P0", 4) == 0 ||
        strncmp(state, "53", 2) == 0)
        return CS_E_DB_DOWN;
    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
        return CS_E_INVALID;
    return CS_E_INTERNAL;
}

static cs_status check(cs_pg *db, PGresult *res, const char *what,
                       PGresult **res_out, cs_err *err)
{
    ExecStatusType st = PQresultStatus(res);

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (res_out != NULL)
            *res_out = res;
        else
            PQclear(res);
        return CS_OK;
    }
    cs_status rc = cs_pg_status_of(res, db->conn);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "";
    /* Name the statement by its first line, not its whole text. */
    int what_len = (int)strcspn(what, "\n");
    cs_err_set(err, rc, "%.*s%s failed (%s): %s", what_len > 48 ? 48 : what_len,
               what, what_len > 48 ? "..." : "", state ? state : "",
               res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    chomp(err);
    PQclear(res);
    return rc;
}

cs_status cs_pg_exec(cs_pg *db, const char *sql, cs_err *err)
{
    return check(db, PQexec(db->conn, sql), sql, NULL, err);
}

cs_status cs_pg_run(cs_pg *db, const char *stmt_name, int n_params,
                    const char *const *params, PGresult **res_out, cs_err *err)
{
    PGresult *res =
        PQexecPrepared(db->conn, stmt_name, n_params, params, NULL, NULL, 0);
    return check(db, res, stmt_name, res_out, err);
}

cs_status cs_pg_query(cs_pg *db, const char *sql, int n_params,
                      const char *const *params, PGresult **res_out,
                      cs_err *err)
{
    PGresult *res =
        PQexecParams(db->conn, sql, n_params, NULL, params, NULL, NULL, 0);
    return check(db, res, "query", res_out, err);
}

static void grow(cs_copybuf *b, size_t need)
{
    size_t cap;
    char *nb;

    if (b->failed || b->len + need <= b->cap)
        return;
    cap = b->cap ? b->cap : 16384;
    while (cap < b->len + need)
        cap *= 2;
    nb = realloc(b->buf, cap);
    if (nb == NULL) {
        b->failed = true;
        return;
    }
    b->buf = nb;
    b->cap = cap;
}

void cs_copybuf_reset(cs_copybuf *b)
{
    b->len = 0;
    b->failed = false;
}

void cs_copybuf_free(cs_copybuf *b)
{
    free(b->buf);
    memset(b, 0, sizeof(*b));
}

void cs_copybuf_field(cs_copybuf *b, const char *s, bool first)
{
    size_t n = s ? strlen(s) : 0;

    grow(b, 2 * n + 4); /* worst case: every byte escaped */
    if (b->failed)
        return;
    if (!first)
        b->buf[b->len++] = '\t';
    if (s == NULL) {
        memcpy(b->buf + b->len, "\\N", 2);
        b->len += 2;
        return;
    }
    /* runs without a byte to escape are copied whole */
    for (;;) {
        size_t run = strcspn(s, "\\\t\n\r");
        memcpy(b->buf + b->len, s, run);
        b->len += run;
        s += run;
        if (*s == '\0')
            return;
        b->buf[b->len++] = '\\';
        b->buf[b->len++] = *s == '\\'   ? '\\'
                           : *s == '\t' ? 't'
                           : *s == '\n' ? 'n'
                                        : 'r';
        s++;
    }
}

void cs_copybuf_end_row(cs_copybuf *b)
{
    grow(b, 1);
    if (!b->failed)
        b->buf[b->len++] = '\n';
}

cs_status cs_pg_copy(cs_pg *db, const char *copy_sql, const cs_copybuf *b,
                     cs_err *err)
{
    if (b->failed)
        return cs_err_set(err, CS_E_NOMEM, "out of memory building COPY");
    return cs_pg_copy_raw(db, copy_sql, b->buf ? b->buf : "", b->len, err);
}

cs_status cs_pg_copy_raw(cs_pg *db, const char *copy_sql, const char *data,
                         size_t len, cs_err *err)
{
    PGresult *res;

    res = PQexec(db->conn, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN)
        return check(db, res, "COPY", NULL, err);
    PQclear(res);
    if (PQputCopyData(db->conn, data, (int)len) != 1 ||
        PQputCopyEnd(db->conn, NULL) != 1) {
        cs_err_set(err, CS_E_DB_DOWN, "could not send COPY data: %s",
                   PQerrorMessage(db->conn));
        chomp(err);
        /* drain whatever result the server sends */
        while ((res = PQgetResult(db->conn)) != NULL)
            PQclear(res);
        return CS_E_DB_DOWN;
    }
    res = PQgetResult(db->conn);
    {
        cs_status rc = check(db, res, "COPY", NULL, err);
        while ((res = PQgetResult(db->conn)) != NULL)
            PQclear(res);
        return rc;
    }
}
