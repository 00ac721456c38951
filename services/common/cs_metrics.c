/* cs_metrics.c - Prometheus text rendering. */
#include "cs_metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct outbuf {
    char *buf;
    size_t len, cap;
    int failed;
} outbuf;

static void out_printf(outbuf *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out_printf(outbuf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = 1;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)n;
        char *nb = realloc(o->buf, cap);
        if (nb == NULL) {
            o->failed = 1;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
}

static time_t process_start;

__attribute__((constructor)) static void note_start(void)
{
    process_start = time(NULL);
}

char *cs_metrics_render(const cs_metric *m, size_t n, size_t *len_out)
{
    outbuf o = {.cap = 4096};

    o.buf = malloc(o.cap);
    if (o.buf == NULL)
        return NULL;
    o.buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        uint64_t v = atomic_load_explicit(m[i].value, memory_order_relaxed);
        if (i == 0 || strcmp(m[i].name, m[i - 1].name) != 0)
            out_printf(&o, "# HELP %s %s\n# TYPE %s %s\n", m[i].name, m[i].help,
                       m[i].name,
                       m[i].type == CS_METRIC_COUNTER ? "counter" : "gauge");
        if (m[i].labels != NULL)
            out_printf(&o, "%s{%s} %llu\n", m[i].name, m[i].labels,
                       (unsigned long long)v);
        else
            out_printf(&o, "%s %llu\n", m[i].name, (unsigned long long)v);
    }
    out_printf(&o,
               "# HELP process_start_time_seconds Start time of the process "
               "since unix epoch in seconds.\n"
               "# TYPE process_start_time_seconds gauge\n"
               "process_start_time_seconds %lld\n",
               (long long)process_start);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    *len_out = o.len;
    return o.buf;
}
