/* edi_test.h - shared helpers of the EDI unit tests: convert a sample
 * file of tests/data/edi (or a buffer) and keep the events and
 * rejections for the checks. */
#ifndef EDI_TEST_H
#define EDI_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_edi.h"
#include "cs_event.h"
#include "cs_json.h"
#include "cs_test.h"

#define T_MAX 256

typedef struct t_out {
    size_t n_events, n_rejects, n_warnings;
    char *json[T_MAX];
    char *key[T_MAX];
    char *type[T_MAX];
    char reject[T_MAX][CS_ERR_MSG_BYTES];
    char warning[T_MAX][CS_ERR_MSG_BYTES];
    cs_json_doc *doc[T_MAX];
    cs_status rc;
    cs_err err;
    cs_edi_stats stats;
} t_out;

static inline cs_status t_on_event(void *ctx, const cs_edi_event *ev,
                                   cs_err *err)
{
    t_out *o = ctx;
    (void)err;
    assert_true(o->n_events < T_MAX);
    assert_int_equal(strlen(ev->json), ev->json_len);
    o->json[o->n_events] = strdup(ev->json);
    o->key[o->n_events] = strdup(ev->key);
    o->type[o->n_events] = strdup(ev->type);
    o->n_events++;
    return CS_OK;
}

static inline void t_on_reject(void *ctx, const cs_err *why)
{
    t_out *o = ctx;
    if (why->code == CS_OK) {
        assert_true(o->n_warnings < T_MAX);
        snprintf(o->warning[o->n_warnings++], CS_ERR_MSG_BYTES, "%s", why->msg);
        return;
    }
    assert_true(o->n_rejects < T_MAX);
    snprintf(o->reject[o->n_rejects++], CS_ERR_MSG_BYTES, "%s", why->msg);
}

static inline char *t_read(const char *name, size_t *len)
{
    const char *dir = getenv("CS_TEST_DATA");
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/edi/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline cs_edi_partners *t_partners(void)
{
    size_t len;
    char *text = t_read("partners.tsv", &len);
    cs_edi_partners *p = NULL;
    cs_err err = {0};
    if (cs_edi_partners_parse(text, len, &p, &err) != CS_OK)
        fail_msg("partners.tsv: %s", err.msg);
    free(text);
    return p;
}

static inline void t_convert_buf(const char *buf, size_t len, bool strict,
                                 t_out *o)
{
    cs_edi_partners *p = t_partners();
    cs_edi_opts opts = {.partners = p,
                        .default_unit = "PCE",
                        .time_offset = "Z",
                        .strict_controls = strict,
                        .strict_charset = strict};
    memset(o, 0, sizeof(*o));
    o->rc = cs_edi_convert(buf, len, &opts, t_on_event, t_on_reject, o,
                           &o->stats, &o->err);
    for (size_t i = 0; i < o->n_events; i++) {
        cs_err e = {0};
        if (cs_json_parse(o->json[i], strlen(o->json[i]),
                          &cs_json_default_limits, &o->doc[i], &e) != CS_OK)
            fail_msg("event %zu is not JSON: %s", i, e.msg);
    }
    cs_edi_partners_free(p);
}

static inline void t_convert(const char *name, bool strict, t_out *o)
{
    size_t len;
    char *buf = t_read(name, &len);
    t_convert_buf(buf, len, strict, o);
    free(buf);
}

static inline void t_free(t_out *o)
{
    for (size_t i = 0; i < o->n_events; i++) {
        free(o->json[i]);
        free(o->key[i]);
        free(o->type[i]);
        cs_json_doc_free(o->doc[i]);
    }
}

/* The value at a dotted path of event i ("data.lines.0.sku"), as text. */
static inline const cs_jval *t_at(const t_out *o, size_t i, const char *path)
{
    const cs_jval *v = cs_json_root(o->doc[i]);
    char buf[256], *save = NULL, *part;

    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, ".", &save); part && v;
         part = strtok_r(NULL, ".", &save)) {
        if (v->type == CS_J_ARRAY) {
            long k = strtol(part, NULL, 10);
            v = v->child;
            while (v && k-- > 0)
                v = v->next;
        } else {
            v = cs_json_get(v, part);
        }
    }
    return v;
}

#define T_EQ(o, i, path, want)                                                 \
    do {                                                                       \
        const cs_jval *tv_ = t_at((o), (i), (path));                           \
        if (tv_ == NULL)                                                       \
            fail_msg("event %zu: %s is missing", (size_t)(i), (path));         \
        if (strcmp(tv_->text ? tv_->text : "", (want)) != 0)                   \
            fail_msg("event %zu: %s is \"%s\", want \"%s\"", (size_t)(i),      \
                     (path), tv_->text ? tv_->text : "", (want));              \
    } while (0)

#define T_ABSENT(o, i, path)                                                   \
    do {                                                                       \
        if (t_at((o), (i), (path)) != NULL)                                    \
            fail_msg("event %zu: %s should be absent", (size_t)(i), (path));   \
    } while (0)

static inline size_t t_len(const t_out *o, size_t i, const char *path)
{
    const cs_jval *v = t_at(o, i, path);
    assert_non_null(v);
    return v->len;
}

/* The credit code partners.tsv gives id. */
static inline const char *t_code(const char *id)
{
    static char out[8][32];
    static int k;
    cs_edi_partners *p = t_partners();
    const char *c = cs_edi_partners_find(p, id);
    char *slot = out[k++ % 8];
    if (c == NULL)
        fail_msg("partner %s not in partners.tsv", id);
    snprintf(slot, 32, "%s", c);
    cs_edi_partners_free(p);
    return slot;
}

static inline void t_has_reject(const t_out *o, const char *needle)
{
    for (size_t i = 0; i < o->n_rejects; i++)
        if (strstr(o->reject[i], needle) != NULL)
            return;
    fail_msg("no rejection contains \"%s\" (%zu rejections, first: %s)", needle,
             o->n_rejects, o->n_rejects ? o->reject[0] : "-");
}

#endif
