/* static.c - the dashboard's files, served by cs-api at / from the folder
 * named by CS_DASHBOARD_DIR (services/dashboard of the source tree by
 * default). Only GET and HEAD; only plain relative paths made of letters,
 * digits, '-', '_', '.' and '/', with no segment starting with '.', and
 * only the file types listed below (anything else is 404, so a stray
 * file in the folder is never served). Every file carries an ETag (size
 * and modification time) and answers If-None-Match with 304; vendored
 * libraries may be cached for a day, the application's own files must be
 * revalidated so a new build shows at once. */
#include "api_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs_json.h"
#include "cs_log.h"

enum { STATIC_MAX_BYTES = 8 << 20, STATIC_MAX_PATH = 200 };

static const struct {
    const char *ext;
    const char *type;
} static_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* The content type of a file name, or NULL when it is not served. */
static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++)
        if (strcmp(dot, static_types[i].ext) == 0)
            return static_types[i].type;
    return NULL;
}

/* Is rel (no leading '/') a path we may serve? */
static bool safe_path(const char *rel)
{
    size_t n = strlen(rel);

    if (n == 0 || n > STATIC_MAX_PATH)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = rel[i];
        bool seg_start = i == 0 || rel[i - 1] == '/';
        if (seg_start && (c == '.' || c == '/'))
            return false; /* hidden files, "..", empty segments */
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == '/'))
            return false;
    }
    return rel[n - 1] != '/';
}

/* Reads an open regular file of st.st_size bytes into a new buffer. */
static char *read_all(int fd, size_t size)
{
    char *buf = malloc(size + 1);
    size_t got = 0;

    if (buf == NULL)
        return NULL;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)n;
    }
    buf[size] = '\0';
    return buf;
}

bool api_wants_html(const cs_http_req *req)
{
    const char *accept = cs_http_header(req, "Accept");

    return accept != NULL && strstr(accept, "text/html") != NULL;
}

bool api_static_serve(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    const char *dir = a->cfg->dashboard_dir;
    const char *rel = req->path + 1;
    const char *type, *inm;
    char path[4096];
    struct stat st;
    int fd;
    char *body;

    if (dir == NULL || dir[0] == '\0' || req->path[0] != '/')
        return false;
    if (rel[0] == '\0')
        rel = "index.html";
    if (!safe_path(rel) || (type = content_type(rel)) == NULL)
        return false;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path))
        return false;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > STATIC_MAX_BYTES) {
        close(fd);
        return false;
    }
    (void)snprintf(resp->etag, sizeof(resp->etag), "\"%llx-%llx-%lx\"",
                   (unsigned long long)st.st_size,
                   (unsigned long long)st.st_mtim.tv_sec,
                   (unsigned long)st.st_mtim.tv_nsec);
    resp->cache_control =
        strncmp(rel, "vendor/", 7) == 0 ? "public, max-age=86400" : "no-cache";
    inm = cs_http_header(req, "If-None-Match");
    if (inm != NULL && strcmp(inm, resp->etag) == 0) {
        close(fd);
        cs_http_set_body(resp, 304, type, "", 0);
        return true;
    }
    body = read_all(fd, (size_t)st.st_size);
    close(fd);
    if (body == NULL) {
        cs_log_warn("cannot read a dashboard file", CS_KV_STR("path", path),
                    CS_KV_STR("error", strerror(errno)));
        resp->etag[0] = '\0';
        resp->cache_control = NULL;
        cs_http_error(resp, 500, "internal", NULL, "internal error");
        return true;
    }
    free(resp->body);
    resp->status = 200;
    resp->content_type = type;
    resp->body = body;
    resp->body_len = (size_t)st.st_size;
    return true;
}

/* GET /v1/me - who the bearer token speaks for, so that the dashboard can
 * pick its view: {"role":"bureau","name":"...","regions":["330000"],
 * "enterprise":null,"tenant":null}. Nothing beyond the token's own row. */
void api_get_me(api_req *r, const char *rest)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const char *p = r->regions;

    (void)rest;
    if (g == NULL) {
        cs_http_error(r->resp, 500, "internal", NULL, "out of memory");
        return;
    }
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "role", r->role);
    cs_json_kv_str(g, "name", r->name);
    cs_json_key(g, "regions");
    yajl_gen_array_open(g);
    /* regions is a PostgreSQL array's text form, "{330000,350000}" */
    while (*p != '\0') {
        size_t n;
        while (*p == '{' || *p == '}' || *p == ',' || *p == '"')
            p++;
        n = strcspn(p, ",}\"");
        if (n > 0)
            yajl_gen_string(g, (const unsigned char *)p, n);
        p += n;
    }
    yajl_gen_array_close(g);
    cs_json_key(g, "enterprise");
    if (r->enterprise[0] != '\0')
        cs_json_str(g, r->enterprise);
    else
        yajl_gen_null(g);
    cs_json_key(g, "tenant");
    if (r->tenant[0] != '\0')
        cs_json_str(g, r->tenant);
    else
        yajl_gen_null(g);
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 200, g);
    yajl_gen_free(g);
}
