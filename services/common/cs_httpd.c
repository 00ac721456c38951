/* cs_httpd.c - libmicrohttpd wrapper with body limits, optional TLS and
 * RFC 9457 problem+json errors. */
#include "cs_httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cs_json.h"

/* Per-request state, in *con_cls, freed in the completion callback. */
typedef struct req_state {
    char *body;
    size_t len, cap;
    int too_large;
    /* handed to a worker: the suspended connection and its request, then
     * the worker's answer (done), sent when the connection is resumed */
    struct req_state *next;
    struct MHD_Connection *conn;
    const char *method, *url;
    cs_http_resp resp;
    bool done;
} req_state;

struct cs_httpd {
    struct MHD_Daemon *daemon;
    cs_http_handler handler;
    cs_http_fast_handler fast;
    void *ctx;
    size_t max_body_bytes;
    uint16_t port;
    /* the workers and their queue of suspended requests */
    pthread_t *workers;
    unsigned n_workers;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    req_state *q_head, *q_tail;
    unsigned in_flight; /* handed over and not yet completed */
    bool stopping;      /* under qmu: no more suspensions */
};

const char *cs_http_query(const cs_http_req *req, const char *name)
{
    if (req->conn == NULL) {
        for (size_t i = 0; req->args != NULL && req->args[i] != NULL; i += 2)
            if (strcmp(req->args[i], name) == 0)
                return req->args[i + 1];
        return NULL;
    }
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *cs_http_header(const cs_http_req *req, const char *name)
{
    if (req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void cs_http_client_addr(const cs_http_req *req, char *buf, size_t buf_bytes)
{
    const union MHD_ConnectionInfo *ci;
    const struct sockaddr *sa;
    const void *addr = NULL;

    if (buf_bytes == 0)
        return;
    buf[0] = '\0';
    ci = req->conn == NULL ? NULL
                           : MHD_get_connection_info(
                                 req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    sa = ci != NULL ? ci->client_addr : NULL;
    if (sa != NULL && sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa != NULL && sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (addr == NULL ||
        inet_ntop(sa->sa_family, addr, buf, (socklen_t)buf_bytes) == NULL)
        (void)snprintf(buf, buf_bytes, "unknown");
}

void cs_http_set_body(cs_http_resp *resp, unsigned status,
                      const char *content_type, const char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = malloc(len + 1);
    resp->body_len = 0;
    if (resp->body != NULL) {
        memcpy(resp->body, body, len);
        resp->body[len] = '\0';
        resp->body_len = len;
    }
}

void cs_http_error(cs_http_resp *resp, unsigned status, const char *code,
                   const char *field, const char *fmt, ...)
{
    char msg[512], type[96];
    va_list ap;
    yajl_gen g = yajl_gen_alloc(NULL);
    const char *title = MHD_get_reason_phrase_for(status);
    const unsigned char *buf;
    size_t len;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)snprintf(type, sizeof(type), "urn:chainsight:problem:%s", code);
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "type", type);
    cs_json_kv_str(g, "title", title[0] != '\0' ? title : "Error");
    cs_json_kv_int(g, "status", status);
    cs_json_kv_str(g, "detail", msg);
    if (field != NULL)
        cs_json_kv_str(g, "field", field);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &buf, &len);
    cs_http_set_body(resp, status, "application/problem+json",
                     (const char *)buf, len);
    yajl_gen_free(g);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, cs_http_resp *r)
{
    struct MHD_Response *mr;
    enum MHD_Result ret;

    if (r->body == NULL) { /* out of memory, or a handler forgot */
        static const char oom[] =
            "{\"type\":\"urn:chainsight:problem:internal\","
            "\"title\":\"Internal Server Error\",\"status\":500,"
            "\"detail\":\"no response body\"}";
        r->status = 500;
        r->content_type = "application/problem+json";
        mr = MHD_create_response_from_buffer(strlen(oom), (void *)oom,
                                             MHD_RESPMEM_PERSISTENT);
    } else {
        mr = MHD_create_response_from_buffer(r->body_len, r->body,
                                             MHD_RESPMEM_MUST_FREE);
        r->body = NULL; /* MHD owns it now */
    }
    if (mr == NULL)
        return MHD_NO;
    MHD_add_response_header(mr, "Content-Type", r->content_type);
    MHD_add_response_header(mr, "Cache-Control",
                            r->cache_control != NULL ? r->cache_control
                                                     : "no-store");
    if (r->etag[0] != '\0')
        MHD_add_response_header(mr, "ETag", r->etag);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    if (r->allow != NULL)
        MHD_add_response_header(mr, "Allow", r->allow);
    if (r->retry_after != NULL) {
        MHD_add_response_header(mr, "Retry-After", r->retry_after);
    } else if (r->retry_after_s > 0) {
        char secs[16];
        (void)snprintf(secs, sizeof(secs), "%u", r->retry_after_s);
        MHD_add_response_header(mr, "Retry-After", secs);
    }
    if (r->www_authenticate != NULL)
        MHD_add_response_header(mr, "WWW-Authenticate", r->www_authenticate);
    if (r->has_age) {
        char age[16];
        (void)snprintf(age, sizeof(age), "%u", r->age_s);
        MHD_add_response_header(mr, "Age", age);
    }
    ret = MHD_queue_response(conn, r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static void req_fill(cs_http_req *req, req_state *st,
                     struct MHD_Connection *conn, const char *method,
                     const char *url)
{
    req->method = method;
    req->path = url;
    req->body = st->body ? st->body : "";
    if (st->body != NULL)
        st->body[st->len] = '\0';
    req->body_len = st->len;
    req->conn = conn;
    req->args = NULL;
}

/* Suspends conn and queues its request for a worker; false when the
 * server is stopping (the caller answers it). Suspended before it is
 * queued, so that a worker can never resume it first. */
static bool hand_over(cs_httpd *h, req_state *st, struct MHD_Connection *conn,
                      const char *method, const char *url)
{
    pthread_mutex_lock(&h->qmu);
    if (h->stopping) {
        pthread_mutex_unlock(&h->qmu);
        return false;
    }
    st->conn = conn;
    st->method = method;
    st->url = url;
    st->next = NULL;
    h->in_flight++;
    MHD_suspend_connection(conn);
    if (h->q_tail != NULL)
        h->q_tail->next = st;
    else
        h->q_head = st;
    h->q_tail = st;
    pthread_cond_signal(&h->qcv);
    pthread_mutex_unlock(&h->qmu);
    return true;
}

/* A worker: runs the handler for queued requests, whose connections are
 * suspended (the network thread does not touch them, so their headers and
 * arguments may be read here), then resumes each; when stopping, it drains
 * the queue first, so that no connection stays suspended. */
static void *worker(void *arg)
{
    cs_httpd *h = arg;

    for (;;) {
        req_state *st;
        cs_http_req req;

        pthread_mutex_lock(&h->qmu);
        while (h->q_head == NULL && !h->stopping)
            pthread_cond_wait(&h->qcv, &h->qmu);
        st = h->q_head;
        if (st != NULL) {
            h->q_head = st->next;
            if (h->q_head == NULL)
                h->q_tail = NULL;
        }
        pthread_mutex_unlock(&h->qmu);
        if (st == NULL)
            return NULL; /* stopping, and nothing left */
        req_fill(&req, st, st->conn, st->method, st->url);
        st->resp = (cs_http_resp){.status = 500,
                                  .content_type = "application/problem+json"};
        h->handler(h->ctx, &req, &st->resp);
        st->done = true;
        MHD_resume_connection(st->conn);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    cs_httpd *h = cls;
    req_state *st = *con_cls;
    cs_http_resp resp = {.status = 500,
                         .content_type = "application/problem+json"};
    cs_http_req req;

    (void)version;
    if (st == NULL) { /* first call: headers only */
        const char *cl = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        st = calloc(1, sizeof(*st));
        if (st == NULL)
            return MHD_NO;
        *con_cls = st;
        if (cl != NULL && strtoull(cl, NULL, 10) > h->max_body_bytes)
            st->too_large = 1;
        return MHD_YES;
    }
    if (*upload_data_size > 0) { /* body chunk */
        if (!st->too_large &&
            st->len + *upload_data_size <= h->max_body_bytes) {
            if (st->len + *upload_data_size + 1 > st->cap) {
                size_t cap = (st->len + *upload_data_size + 1) * 2;
                char *nb = realloc(st->body, cap);
                if (nb == NULL)
                    return MHD_NO;
                st->body = nb;
                st->cap = cap;
            }
            memcpy(st->body + st->len, upload_data, *upload_data_size);
            st->len += *upload_data_size;
        } else {
            st->too_large = 1;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->done) /* resumed: a worker's answer */
        return send_resp(conn, &st->resp);
    if (st->too_large) {
        cs_http_error(&resp, 413, "too_large", NULL,
                      "request body exceeds %zu bytes", h->max_body_bytes);
        return send_resp(conn, &resp);
    }
    req_fill(&req, st, conn, method, url);
    if (h->n_workers > 0) {
        if (h->fast != NULL && h->fast(h->ctx, &req, &resp))
            return send_resp(conn, &resp);
        if (hand_over(h, st, conn, method, url))
            return MHD_YES;
        /* stopping: answered here */
    }
    h->handler(h->ctx, &req, &resp);
    return send_resp(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    cs_httpd *h = cls;
    req_state *st = *con_cls;

    (void)conn;
    (void)toe;
    if (st != NULL && st->conn != NULL) { /* a worker's: sent or dropped */
        pthread_mutex_lock(&h->qmu);
        h->in_flight--;
        pthread_cond_broadcast(&h->qcv);
        pthread_mutex_unlock(&h->qmu);
    }
    if (st != NULL) {
        free(st->body);
        free(st->resp.body); /* a worker's answer never sent */
        free(st);
        *con_cls = NULL;
    }
}

cs_status cs_httpd_start(const cs_httpd_opts *opts, cs_http_handler handler,
                         void *ctx, cs_httpd **out, cs_err *err)
{
    struct sockaddr_in sin;
    cs_httpd *h;
    const union MHD_DaemonInfo *info;

    *out = NULL;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(opts->port);
    if (inet_pton(AF_INET, opts->addr, &sin.sin_addr) != 1)
        return cs_err_set(err, CS_E_CONFIG,
                          "listen address \"%s\" is not an IPv4 address",
                          opts->addr);
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    h->handler = handler;
    h->fast = opts->fast;
    h->ctx = ctx;
    h->max_body_bytes = opts->max_body_bytes;
    pthread_mutex_init(&h->qmu, NULL);
    pthread_cond_init(&h->qcv, NULL);
    if ((opts->tls_cert_pem == NULL) != (opts->tls_key_pem == NULL)) {
        free(h);
        return cs_err_set(err, CS_E_CONFIG,
                          "TLS needs both a certificate and a key");
    }
    if (opts->tls_cert_pem != NULL &&
        MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        free(h);
        return cs_err_set(err, CS_E_CONFIG,
                          "libmicrohttpd was built without TLS support");
    }
    {
        /* The pool size option is only valid (and only quiet) above 1. */
        unsigned pool = opts->threads > 1 ? opts->threads : 0;
        bool tls = opts->tls_cert_pem != NULL;
        /* Optional entries end the list early when unused. */
        struct MHD_OptionItem tls_opts[] = {
            {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
             (void *)(uintptr_t)opts->tls_cert_pem},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)opts->tls_key_pem},
            {MHD_OPTION_END, 0, NULL},
        };
        struct MHD_OptionItem extra[3] = {{MHD_OPTION_END, 0, NULL}};
        size_t n_extra = 0;
        if (pool)
            extra[n_extra++] = (struct MHD_OptionItem){
                MHD_OPTION_THREAD_POOL_SIZE, pool, NULL};
        if (opts->conn_memory_bytes > 0)
            extra[n_extra++] = (struct MHD_OptionItem){
                MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                (intptr_t)opts->conn_memory_bytes, NULL};
        extra[n_extra] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        /* poll(), not epoll: with epoll (libmicrohttpd 0.9.75) a thread
         * holding about a hundred keep-alive connections left requests
         * unread in their sockets for seconds (docs/api.md, Benchmark);
         * each pool thread polls only its own connections. */
        h->daemon = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
                (tls ? MHD_USE_TLS : 0) |
                (opts->workers > 0 ? MHD_ALLOW_SUSPEND_RESUME : 0),
            opts->port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &sin,
            MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s,
            MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, h, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_ARRAY,
            extra, MHD_OPTION_END);
    }
    if (h->daemon == NULL) {
        free(h);
        return cs_err_set(err, CS_E_CONFIG,
                          "cannot listen on %s:%u (in use or not allowed, "
                          "or a bad TLS certificate or key)",
                          opts->addr, (unsigned)opts->port);
    }
    info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : opts->port;
    if (opts->workers > 0 &&
        (h->workers = calloc(opts->workers, sizeof(*h->workers))) == NULL) {
        cs_httpd_stop(h);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < opts->workers; i++) {
        if (pthread_create(&h->workers[i], NULL, worker, h) != 0) {
            cs_httpd_stop(h);
            return cs_err_set(err, CS_E_INTERNAL,
                              "cannot start an HTTP worker thread");
        }
        h->n_workers++;
    }
    *out = h;
    return CS_OK;
}

uint16_t cs_httpd_port(const cs_httpd *h)
{
    return h->port;
}

void cs_httpd_stop(cs_httpd *h)
{
    if (h == NULL)
        return;
    /* With workers: no new connections; every suspended connection
     * resumed before the daemon stops (MHD requires it): the workers drain
     * the queue, and no request is suspended once stopping is set; then
     * the answers of the requests in flight are sent (up to 10 s). */
    MHD_socket listen_fd =
        h->n_workers > 0 ? MHD_quiesce_daemon(h->daemon) : MHD_INVALID_SOCKET;
    pthread_mutex_lock(&h->qmu);
    h->stopping = true;
    pthread_cond_broadcast(&h->qcv);
    pthread_mutex_unlock(&h->qmu);
    for (unsigned i = 0; i < h->n_workers; i++)
        pthread_join(h->workers[i], NULL);
    if (h->n_workers > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        pthread_mutex_lock(&h->qmu);
        while (h->in_flight > 0 &&
               pthread_cond_timedwait(&h->qcv, &h->qmu, &until) == 0)
            ;
        pthread_mutex_unlock(&h->qmu);
    }
    MHD_stop_daemon(h->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd); /* quiesced: ours to close */
    pthread_mutex_destroy(&h->qmu);
    pthread_cond_destroy(&h->qcv);
    free(h->workers);
    free(h);
}
