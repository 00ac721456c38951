/* v1_alerts.c - alerts: the list (filters, cursor pages), one alert, and
 * the two lifecycle writes, acknowledge and resolve. Writes run in a
 * read-write transaction with the principal set; migration 0041 lets
 * cs_api change only the lifecycle columns of alerts in its scope (a
 * bureau its regions', an enterprise those addressed to it). routes.c
 * audits every write with the detail set here. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_json.h"
#include "cs_str.h"

#define ALERT_PAGE_DEFAULT 50
#define ALERT_PAGE_MAX     200
#define NOTE_MAX_BYTES     200

static const char *const alert_kinds[] = {"level",
                                          "single_source",
                                          "event_near_supplier",
                                          "demand_outside_forecast",
                                          "tts_below_ttr",
                                          NULL};
static const char *const alert_statuses[] = {"live", "open", "acknowledged",
                                             "resolved", NULL};

static bool method_is(const api_req *r, const char *m)
{
    return strcmp(r->http->method, m) == 0 ||
           (strcmp(m, "GET") == 0 && strcmp(r->http->method, "HEAD") == 0);
}

static void method_not_allowed(api_req *r, const char *allow)
{
    cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                  "%s is not allowed here", r->http->method);
    r->resp->allow = allow;
    r->audit_outcome = "denied";
    (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                   "method not allowed");
}

/* Runs fn inside api_begin (read-only) or api_begin_rw. */
static void in_tx(api_req *r, bool rw, void (*fn)(api_req *, const char *),
                  const char *arg)
{
    cs_err err = {0};

    if ((rw ? api_begin_rw(r, &err) : api_begin(r, &err)) != CS_OK) {
        api_db_failure(r, &err);
        return;
    }
    fn(r, arg);
    api_end(r);
}

static void list_alerts(api_req *r, const char *unused)
{
    static const char *const known[] = {"level", "status", "kind", "enterprise",
                                        "limit", "cursor", NULL};
    const char *level = NULL, *status = "live", *kind = NULL;
    const char *enterprise = cs_http_query(r->http, "enterprise");
    int64_t limit = ALERT_PAGE_DEFAULT;
    char after[24], limit_txt[16];
    const char *params[6];

    (void)unused;
    after[0] = '\0';
    if (!api_params_known(r, known) ||
        !api_param_enum(r, "level", api_levels, &level) ||
        !api_param_enum(r, "status", alert_statuses, &status) ||
        !api_param_enum(r, "kind", alert_kinds, &kind) ||
        !api_param_int(r, "limit", 1, ALERT_PAGE_MAX, &limit) ||
        !api_param_id_cursor(r, "alert", after, sizeof(after)) ||
        (enterprise != NULL && !api_check_uscc(r, enterprise, "enterprise")))
        return;
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    params[0] = level;
    params[1] = status;
    params[2] = kind;
    params[3] = enterprise;
    params[4] = after[0] != '\0' ? after : NULL;
    params[5] = limit_txt;
    (void)api_reply_page(r, "alert_list", 6, params, "alert");
}

static void one_alert(api_req *r, const char *id)
{
    static const char *const none[] = {NULL};
    const char *params[1] = {id};
    char nf[64];

    if (!api_params_known(r, none))
        return;
    (void)snprintf(nf, sizeof(nf), "no alert %s in your scope", id);
    (void)api_reply_sql_json(r, "alert_one", 1, params, "id", nf);
}

/* The optional body: {} or {"note": "..."} (kept in the audit log). */
static bool read_note(api_req *r, char *note, size_t note_bytes)
{
    cs_json_doc *doc = NULL;
    const cs_jval *root, *v;
    cs_err err = {0};
    bool ok = false;

    note[0] = '\0';
    if (r->http->body_len == 0)
        return true;
    if (cs_json_parse(r->http->body, r->http->body_len, &cs_json_default_limits,
                      &doc, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "body",
                      "the body is not JSON: %s", err.msg);
        return false;
    }
    root = cs_json_root(doc);
    if (root->type != CS_J_OBJECT) {
        cs_http_error(r->resp, 400, "invalid", "body",
                      "the body must be an object, {\"note\": \"...\"}");
        goto out;
    }
    for (v = root->child; v != NULL; v = v->next) {
        if (strcmp(v->key, "note") != 0) {
            cs_http_error(r->resp, 400, "invalid", v->key,
                          "unknown member %.64s; the body takes note", v->key);
            goto out;
        }
        if (v->type != CS_J_STRING || v->len > NOTE_MAX_BYTES) {
            cs_http_error(r->resp, 400, "invalid", "note",
                          "note must be a string of at most %d bytes",
                          NOTE_MAX_BYTES);
            goto out;
        }
        (void)snprintf(note, note_bytes, "%s", v->text);
    }
    ok = true;
out:
    cs_json_doc_free(doc);
    return ok;
}

/* id is "ID/acknowledge" or "ID/resolve"; the action follows the slash. */
static void transition(api_req *r, const char *id_action)
{
    static const char *const none[] = {NULL};
    const char *slash = strchr(id_action, '/');
    const char *action = slash + 1;
    char id[24], who[200], note[NOTE_MAX_BYTES + 1];
    const char *params[3];
    PGresult *res = NULL;
    cs_err err = {0};

    (void)snprintf(id, sizeof(id), "%.*s", (int)(slash - id_action), id_action);
    (void)snprintf(r->audit_detail, sizeof(r->audit_detail), "%s alert %s",
                   action, id);
    if (!api_params_known(r, none) || !read_note(r, note, sizeof(note)))
        return;
    if (note[0] != '\0')
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "%s alert %s: %.120s", action, id, note);
    (void)snprintf(who, sizeof(who), "token:%s %.150s", r->token_id, r->name);
    params[0] = id;
    params[1] = action;
    params[2] = who;
    if (cs_pg_run(r->db, "alert_transition", 3, params, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
    } else if (PQgetisnull(res, 0, 0)) {
        cs_http_error(r->resp, 404, "not_found", "id",
                      "no alert %s in your scope", id);
    } else if (!PQgetisnull(res, 0, 1)) {
        cs_http_set_body(r->resp, 200, "application/json",
                         PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    } else if (strcmp(PQgetvalue(res, 0, 0), "resolved") == 0 ||
               (strcmp(action, "acknowledge") == 0 &&
                strcmp(PQgetvalue(res, 0, 0), "acknowledged") == 0)) {
        cs_http_error(r->resp, 409, "conflict", "id", "alert %s is already %s",
                      id, PQgetvalue(res, 0, 0));
    } else {
        cs_http_error(r->resp, 403, "forbidden", "id",
                      "alert %s is about an enterprise of yours but addressed "
                      "to another; only its addressee can %s it",
                      id, action);
    }
    PQclear(res);
}

void api_alerts_route(api_req *r, const char *rest)
{
    const char *slash = strchr(rest, '/');
    size_t id_len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    char id[24];
    int64_t v;
    cs_err err = {0};

    if (rest[0] == '\0') { /* /v1/alerts */
        if (!method_is(r, "GET"))
            method_not_allowed(r, "GET, HEAD");
        else
            in_tx(r, false, list_alerts, NULL);
        return;
    }
    (void)snprintf(id, sizeof(id), "%.*s", (int)(id_len < 23 ? id_len : 23),
                   rest);
    if (id_len > 19 || cs_parse_i64(id, 1, INT64_MAX, &v, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "id",
                      "an alert id is a positive integer");
        return;
    }
    if (slash == NULL) { /* /v1/alerts/{id} */
        if (!method_is(r, "GET"))
            method_not_allowed(r, "GET, HEAD");
        else
            in_tx(r, false, one_alert, id);
        return;
    }
    if (strcmp(slash, "/acknowledge") != 0 && strcmp(slash, "/resolve") != 0) {
        cs_http_error(r->resp, 404, "not_found", NULL,
                      "no such path %s; an alert has acknowledge and resolve",
                      r->http->path);
        return;
    }
    if (!method_is(r, "POST")) {
        method_not_allowed(r, "POST");
        return;
    }
    in_tx(r, true, transition, rest);
}
