/* cs_httpd.h - a small HTTP server over libmicrohttpd: a thread pool, a
 * request-body cap enforced on Content-Length and again while reading,
 * per-connection timeouts, optional TLS, RFC 9457 problem+json errors and
 * one handler callback per server. Every service uses it for /healthz and
 * /metrics; cs-api for its routes. */
#ifndef CS_HTTPD_H
#define CS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

struct MHD_Connection;

typedef struct cs_http_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* without the query string */
    const char *body;   /* NUL-terminated; "" when none */
    size_t body_len;
    struct MHD_Connection *conn; /* for headers and query arguments */
    /* Without a connection (a request replayed by the server itself): the
     * query arguments as name, value, name, value, ..., NULL; no headers */
    const char *const *args;
} cs_http_req;

typedef struct cs_http_resp {
    unsigned status;
    const char *content_type; /* static string */
    char *body;               /* malloc'd, taken by the server */
    size_t body_len;
    const char *retry_after;      /* static string or NULL */
    unsigned retry_after_s;       /* used when retry_after is NULL and > 0 */
    const char *allow;            /* static string or NULL (for 405) */
    const char *www_authenticate; /* static string or NULL (for 401) */
    const char *cache_control;    /* static string or NULL ("no-store") */
    char etag[48];                /* "ETag" value, or "" for none */
    bool has_age;                 /* an answer kept by a cache: */
    unsigned age_s;               /* its "Age" (RFC 9111), in seconds */
} cs_http_resp;

/* Called on a pool thread (or a worker, see cs_httpd_opts.workers); fills
 * resp. ctx is the server's context. */
typedef void (*cs_http_handler)(void *ctx, const cs_http_req *req,
                                cs_http_resp *resp);
/* With workers: tried first on the network thread; answers only what it
 * can answer without waiting (no database, no disk) and returns true, or
 * returns false with resp untouched, and the request goes to a worker. */
typedef bool (*cs_http_fast_handler)(void *ctx, const cs_http_req *req,
                                     cs_http_resp *resp);

typedef struct cs_httpd_opts {
    const char *addr; /* IPv4 address to bind, e.g. "127.0.0.1" */
    uint16_t port;    /* 0 picks a free port */
    unsigned threads; /* network threads (the pool that polls sockets) */
    /* 0: the handler runs on the network threads, so a request that waits
     * (for the database) holds up every connection of its thread. Else
     * that many worker threads run the handler while the connection is
     * suspended, and the network threads only read, write and run fast. */
    unsigned workers;
    cs_http_fast_handler fast; /* with workers; NULL: none */
    /* libmicrohttpd's memory per connection (request line, headers, read
     * and write buffers; zeroed for every request on a kept-alive
     * connection); 0: its default, 32 KiB */
    size_t conn_memory_bytes;
    unsigned timeout_s;
    size_t max_body_bytes;
    /* PEM text of the certificate chain and private key; both NULL for
     * plain HTTP. Borrowed: keep them until cs_httpd_stop. */
    const char *tls_cert_pem;
    const char *tls_key_pem;
} cs_httpd_opts;

typedef struct cs_httpd cs_httpd;

cs_status cs_httpd_start(const cs_httpd_opts *opts, cs_http_handler handler,
                         void *ctx, cs_httpd **out, cs_err *err);
uint16_t cs_httpd_port(const cs_httpd *h);
void cs_httpd_stop(cs_httpd *h); /* NULL is a no-op */

/* Query argument by name, or NULL. */
const char *cs_http_query(const cs_http_req *req, const char *name);

/* Request header by name (case-insensitive), or NULL. */
const char *cs_http_header(const cs_http_req *req, const char *name);

/* The client's address as text ("127.0.0.1"), or "unknown". */
void cs_http_client_addr(const cs_http_req *req, char *buf, size_t buf_bytes);

/* Sets resp to an RFC 9457 problem (application/problem+json):
 * {"type":"urn:chainsight:problem:not_found","title":"Not Found",
 *  "status":404,"detail":"no order with id X","field":"id"}
 * code names the problem type; field (may be NULL, then omitted) names
 * the offending parameter. */
void cs_http_error(cs_http_resp *resp, unsigned status, const char *code,
                   const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Sets resp to body taken from a finished yajl_gen buffer copy. */
void cs_http_set_body(cs_http_resp *resp, unsigned status,
                      const char *content_type, const char *body, size_t len);

#endif
