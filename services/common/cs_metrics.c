/* cs_metrics.c - Prometheus text rendering, with the process metrics
 * Prometheus' client libraries export (process_cpu_seconds_total,
 * process_resident_memory_bytes, ...), so CPU per event and memory can be
 * read off any service the way operators already do. */
#include "cs_metrics.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* The process collector's usual families; one that cannot be read here
 * is left out rather than reported as 0. */
static void render_process(outbuf *o)
{
    struct rusage ru;
    struct rlimit rl;
    unsigned long long vm_pages, rss_pages;
    long page = sysconf(_SC_PAGESIZE);
    FILE *f;
    DIR *d;

    if (getrusage(RUSAGE_SELF, &ru) == 0)
        out_printf(o,
                   "# HELP process_cpu_seconds_total Total user and system "
                   "CPU time spent in seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\n"
                   "process_cpu_seconds_total %.3f\n",
                   (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
                           1e6);
    if ((f = fopen("/proc/self/statm", "r")) != NULL) {
        if (fscanf(f, "%llu %llu", &vm_pages, &rss_pages) == 2 && page > 0)
            out_printf(o,
                       "# HELP process_virtual_memory_bytes Virtual memory "
                       "size in bytes.\n"
                       "# TYPE process_virtual_memory_bytes gauge\n"
                       "process_virtual_memory_bytes %llu\n"
                       "# HELP process_resident_memory_bytes Resident memory "
                       "size in bytes.\n"
                       "# TYPE process_resident_memory_bytes gauge\n"
                       "process_resident_memory_bytes %llu\n",
                       vm_pages * (unsigned long long)page,
                       rss_pages * (unsigned long long)page);
        fclose(f);
    }
    if ((d = opendir("/proc/self/fd")) != NULL) {
        unsigned long n = 0;
        const struct dirent *e;
        while ((e = readdir(d)) != NULL)
            n += e->d_name[0] != '.';
        closedir(d);
        out_printf(o,
                   "# HELP process_open_fds Number of open file "
                   "descriptors.\n"
                   "# TYPE process_open_fds gauge\n"
                   "process_open_fds %lu\n",
                   n > 0 ? n - 1 : 0); /* without the directory's own */
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        out_printf(o,
                   "# HELP process_max_fds Maximum number of open file "
                   "descriptors.\n"
                   "# TYPE process_max_fds gauge\n"
                   "process_max_fds %llu\n",
                   (unsigned long long)rl.rlim_cur);
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
    render_process(&o);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    *len_out = o.len;
    return o.buf;
}
