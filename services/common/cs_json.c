/* cs_json.c - a bounded read-only JSON document built with yajl callbacks,
 * and yajl_gen helpers. */
#include "cs_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

const cs_json_limits cs_json_default_limits = {
    .max_bytes = CS_JSON_MAX_BODY_BYTES,
    .max_depth = CS_JSON_MAX_DEPTH,
};

#define ARENA_CHUNK_BYTES 8192u

typedef struct arena_chunk arena_chunk;
struct arena_chunk {
    arena_chunk *next;
    size_t used, cap;
    max_align_t data[]; /* aligned storage */
};

struct cs_json_doc {
    arena_chunk *chunks;
    cs_jval *root;
};

/* Parser state: a stack of open containers and, per level, the last
 * child appended, so appends are O(1). */
typedef struct parse_ctx {
    cs_json_doc *doc;
    const cs_json_limits *limits;
    cs_jval *stack[CS_JSON_MAX_DEPTH + 1];
    cs_jval *last[CS_JSON_MAX_DEPTH + 1];
    unsigned depth;
    const char *pending_key; /* set by map_key, consumed by the value */
    cs_err *err;
    bool failed;
} parse_ctx;

static void *arena_alloc(cs_json_doc *doc, size_t bytes)
{
    arena_chunk *c = doc->chunks;
    size_t aligned =
        (bytes + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);

    if (c == NULL || c->cap - c->used < aligned) {
        size_t cap = aligned > ARENA_CHUNK_BYTES ? aligned : ARENA_CHUNK_BYTES;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->next = doc->chunks;
        c->used = 0;
        c->cap = cap;
        doc->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += aligned;
    return p;
}

static int fail(parse_ctx *p, cs_status code, const char *msg)
{
    if (!p->failed) {
        cs_err_set(p->err, code, "%s", msg);
        p->failed = true;
    }
    return 0;
}

static char *arena_str(parse_ctx *p, const unsigned char *s, size_t len)
{
    char *d = arena_alloc(p->doc, len + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Appends a new value to the current container (or makes it the root). */
static cs_jval *add_value(parse_ctx *p, cs_jtype type)
{
    cs_jval *v = arena_alloc(p->doc, sizeof(*v));
    cs_jval *parent;

    if (v == NULL) {
        fail(p, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    memset(v, 0, sizeof(*v));
    v->type = type;
    if (p->depth == 0) {
        p->doc->root = v;
        return v;
    }
    parent = p->stack[p->depth];
    if (parent->type == CS_J_OBJECT) {
        v->key = p->pending_key;
        p->pending_key = NULL;
    }
    if (p->last[p->depth] == NULL)
        parent->child = v;
    else
        p->last[p->depth]->next = v;
    p->last[p->depth] = v;
    parent->len++;
    return v;
}

static int on_null(void *ctx)
{
    return add_value(ctx, CS_J_NULL) != NULL;
}

static int on_bool(void *ctx, int b)
{
    cs_jval *v = add_value(ctx, CS_J_BOOL);

    if (v == NULL)
        return 0;
    v->b = b != 0;
    return 1;
}

static int on_scalar_text(parse_ctx *p, cs_jtype type, const char *s,
                          size_t len)
{
    cs_jval *v = add_value(p, type);

    if (v == NULL)
        return 0;
    v->text = arena_str(p, (const unsigned char *)s, len);
    if (v->text == NULL)
        return fail(p, CS_E_NOMEM, "out of memory");
    v->len = len;
    return 1;
}

static int on_number(void *ctx, const char *s, size_t len)
{
    return on_scalar_text(ctx, CS_J_NUMBER, s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    if (memchr(s, '\0', len) != NULL)
        return fail(ctx, CS_E_INVALID, "string contains a NUL character");
    return on_scalar_text(ctx, CS_J_STRING, (const char *)s, len);
}

static int on_open(parse_ctx *p, cs_jtype type)
{
    cs_jval *v;

    if (p->depth + 1 > p->limits->max_depth ||
        p->depth + 1 > CS_JSON_MAX_DEPTH) {
        char msg[64];
        snprintf(msg, sizeof(msg), "JSON nested deeper than %u",
                 p->limits->max_depth);
        return fail(p, CS_E_INVALID, msg);
    }
    v = add_value(p, type);
    if (v == NULL)
        return 0;
    p->depth++;
    p->stack[p->depth] = v;
    p->last[p->depth] = NULL;
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_open(ctx, CS_J_OBJECT);
}

static int on_start_array(void *ctx)
{
    return on_open(ctx, CS_J_ARRAY);
}

static int on_close(void *ctx)
{
    parse_ctx *p = ctx;

    p->depth--;
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
    parse_ctx *p = ctx;
    const cs_jval *obj = p->stack[p->depth];
    char *key;

    if (memchr(s, '\0', len) != NULL)
        return fail(p, CS_E_INVALID, "member name contains a NUL character");
    key = arena_str(p, s, len);
    if (key == NULL)
        return fail(p, CS_E_NOMEM, "out of memory");
    /* Two members with one name make the meaning depend on the reader. */
    for (const cs_jval *c = obj->child; c != NULL; c = c->next) {
        if (strcmp(c->key, key) == 0) {
            char msg[128];
            snprintf(msg, sizeof(msg), "duplicate member \"%.64s\"", key);
            return fail(p, CS_E_INVALID, msg);
        }
    }
    p->pending_key = key;
    return 1;
}

static const yajl_callbacks doc_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_close,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_close,
};

void cs_json_doc_free(cs_json_doc *doc)
{
    arena_chunk *c, *next;

    if (doc == NULL)
        return;
    for (c = doc->chunks; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(doc);
}

cs_status cs_json_parse(const char *buf, size_t len,
                        const cs_json_limits *limits, cs_json_doc **out,
                        cs_err *err)
{
    parse_ctx p = {.limits = limits ? limits : &cs_json_default_limits,
                   .err = err};
    yajl_handle h;
    yajl_status st;
    cs_status rc = CS_OK;

    if (len > p.limits->max_bytes)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "JSON document has %zu bytes, limit is %zu", len,
                          p.limits->max_bytes);
    p.doc = calloc(1, sizeof(*p.doc));
    if (p.doc == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    h = yajl_alloc(&doc_callbacks, NULL, &p);
    if (h == NULL) {
        cs_json_doc_free(p.doc);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    size_t at = len; /* where the error is: the end, if the text stops */

    st = yajl_parse(h, (const unsigned char *)buf, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    else
        at = yajl_get_bytes_consumed(h);
    if (st == yajl_status_client_canceled) {
        rc = err ? err->code : CS_E_INVALID;
    } else if (st != yajl_status_ok) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        char *nl = strchr((char *)msg, '\n');
        if (nl != NULL)
            *nl = '\0';
        rc = cs_err_set(err, CS_E_INVALID, "malformed JSON at byte %zu: %s", at,
                        (const char *)msg);
        yajl_free_error(h, msg);
    } else if (p.doc->root == NULL) {
        rc = cs_err_set(err, CS_E_INVALID, "empty JSON document");
    }
    yajl_free(h);
    if (rc != CS_OK) {
        cs_json_doc_free(p.doc);
        return rc;
    }
    *out = p.doc;
    return CS_OK;
}

const cs_jval *cs_json_root(const cs_json_doc *doc)
{
    return doc->root;
}

const cs_jval *cs_json_get(const cs_jval *obj, const char *key)
{
    if (obj == NULL || obj->type != CS_J_OBJECT)
        return NULL;
    /* the first byte first: most members differ there, and this runs for
     * every field of every ingested event */
    for (const cs_jval *c = obj->child; c != NULL; c = c->next)
        if (c->key[0] == key[0] && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *cs_jtype_name(cs_jtype t)
{
    static const char *const names[] = {"null",   "boolean", "number",
                                        "string", "array",   "object"};
    return (unsigned)t < 6 ? names[t] : "unknown";
}

void cs_json_key(yajl_gen g, const char *key)
{
    yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void cs_json_str(yajl_gen g, const char *s)
{
    if (s == NULL)
        yajl_gen_null(g);
    else
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void cs_json_kv_str(yajl_gen g, const char *key, const char *s)
{
    cs_json_key(g, key);
    cs_json_str(g, s);
}

void cs_json_kv_int(yajl_gen g, const char *key, long long v)
{
    cs_json_key(g, key);
    yajl_gen_integer(g, v);
}

void cs_json_kv_raw_number(yajl_gen g, const char *key, const char *num)
{
    cs_json_key(g, key);
    if (num == NULL)
        yajl_gen_null(g);
    else
        yajl_gen_number(g, num, strlen(num));
}

yajl_gen_status cs_json_double(yajl_gen g, double v)
{
    char buf[32];
    int len = 0;

    if (!isfinite(v)) /* JSON has no NaN or Inf */
        return yajl_gen_null(g);
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    return yajl_gen_number(g, buf, (size_t)len);
}

void cs_json_write(yajl_gen g, const cs_jval *v)
{
    switch (v->type) {
    case CS_J_NULL:
        yajl_gen_null(g);
        break;
    case CS_J_BOOL:
        yajl_gen_bool(g, v->b);
        break;
    case CS_J_NUMBER:
        yajl_gen_number(g, v->text, v->len);
        break;
    case CS_J_STRING:
        yajl_gen_string(g, (const unsigned char *)v->text, v->len);
        break;
    case CS_J_ARRAY:
        yajl_gen_array_open(g);
        for (const cs_jval *c = v->child; c; c = c->next)
            cs_json_write(g, c);
        yajl_gen_array_close(g);
        break;
    case CS_J_OBJECT:
        yajl_gen_map_open(g);
        for (const cs_jval *c = v->child; c; c = c->next) {
            cs_json_key(g, c->key);
            cs_json_write(g, c);
        }
        yajl_gen_map_close(g);
        break;
    }
}
