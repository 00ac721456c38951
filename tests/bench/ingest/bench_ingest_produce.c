/* bench_ingest_produce.c - the producer of the ingest benchmark
 * (tests/bench/ingest/run): generates N valid CloudEvents in a realistic
 * mix of families, produces them with an idempotent, batching producer,
 * keeps at most --window events ahead of what cs-ingest has consumed (read
 * from its /metrics), and times from the first event to the moment
 * cs-ingest has committed them all. The last stdout line is JSON.
 * With --trickle N it measures latency at a light load instead: N orders
 * one at a time, TRICKLE_GAP_MS apart, each timed from its produce call
 * until cs-ingest counts it stored. --cpu NAME:PID[,PID...] (repeated)
 * adds the CPU those processes used in the timed window, and the time
 * they waited for a CPU, to the JSON, beside the whole machine's busy
 * time: the cost of an event without the warm-up and the rendering. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cs_ident.h"
#include "cs_str.h"

#define EVENT_BYTES     8192u
#define KEY_BYTES       160u
#define METRICS_BYTES   16384u
#define N_TENANTS       200u  /* enterprises that push data */
#define N_ENTERPRISES   2000u /* the wider pool: suppliers, master data */
#define N_WARMUP        9u    /* one event per family, before the clock */
#define STALL_TIMEOUT_S 120.0
/* How often /metrics is read while waiting for the last events: often
 * enough to time a run of seconds to 1 %, rarely enough not to load
 * cs-ingest's HTTP thread. While the window is full it is read every
 * THROTTLE_MS: each read is a new connection, and 100 s of throttling
 * at 5 ms were 20,000 of them. */
#define POLL_US        5000
#define TRICKLE_GAP_MS 200        /* between trickled events: the batch wait */
#define TRICKLE_SEQ    100000000u /* their sequence numbers start here */
#define THROTTLE_MS    20
/* 2026-06-01T00:00:00Z: event times advance one second per event. */
#define BASE_EVENT_S 1780272000LL
#define BASE_DAY_S   1767225600LL /* 2026-01-01 */
#define DAY_S        86400LL

enum family {
    F_ORDER,
    F_SHIPMENT,
    F_PRODUCTION,
    F_SALES,
    F_INVENTORY,
    F_ENTERPRISE,
    F_PRODUCT,
    F_SUPPLY_LINK,
    F_RISK,
    F_COUNT
};

/* Per mille of the events; mostly transactional facts, some master
 * data, a few risk events. */
static const struct family_spec {
    const char *type, *topic, *tag;
    unsigned per_mille;
} families[F_COUNT] = {
    [F_ORDER] = {"cs.order.v1", "cs.orders", "ord", 220},
    [F_SHIPMENT] = {"cs.shipment.v1", "cs.shipments", "asn", 180},
    [F_PRODUCTION] = {"cs.production.v1", "cs.production", "prd", 180},
    [F_SALES] = {"cs.sales.v1", "cs.sales", "sal", 160},
    [F_INVENTORY] = {"cs.inventory.v1", "cs.inventory", "inv", 200},
    [F_ENTERPRISE] = {"cs.enterprise.v1", "cs.master", "ent", 20},
    [F_PRODUCT] = {"cs.product.v1", "cs.master", "pro", 20},
    [F_SUPPLY_LINK] = {"cs.supply_link.v1", "cs.master", "lnk", 15},
    [F_RISK] = {"cs.risk_event.v1", "cs.risk_events", "rsk", 5},
};

static const char *const regions[] = {"110105", "310115", "320505", "330106",
                                      "350102", "370212", "420106", "440305",
                                      "510107", "610113"};
#define N_REGIONS (sizeof(regions) / sizeof(regions[0]))
static const char *const channels[] = {"direct", "distributor", "retail",
                                       "online", "export",      "other"};
static const char *const risk_kinds[] = {"flood",     "fire",     "power_cut",
                                         "logistics", "sanction", "financial",
                                         "quality",   "labour"};
static const char *const units[] = {"PCS", "KG", "T", "M", "SET"};

#define MAX_CONSUMERS  8
#define MAX_CPU_GROUPS 4
#define MAX_CPU_PIDS   64

/* Processes whose CPU the timed window reports under one name. */
typedef struct cpu_group {
    char name[32];
    long pids[MAX_CPU_PIDS];
    /* at the timed window's start: CPU ticks, ns waited for a CPU */
    uint64_t start[MAX_CPU_PIDS], start_wait[MAX_CPU_PIDS];
    size_t n_pids;
    double cpu_s, wait_s; /* in the timed window */
} cpu_group;

typedef struct opts {
    const char *brokers, *compression;
    /* the /metrics of every cs-ingest of the group */
    char metrics_host[MAX_CONSUMERS][64];
    int metrics_port[MAX_CONSUMERS];
    size_t n_consumers;
    uint64_t n_events, window, seed, trickle;
    unsigned revision_pct;
    cpu_group cpu[MAX_CPU_GROUPS];
    size_t n_cpu;
} opts;

typedef struct gen {
    uint64_t rng;
    uint64_t seq[F_COUNT]; /* events generated per family */
    uint64_t n;            /* events generated in all */
    char uscc[N_ENTERPRISES][CS_USCC_LEN + 1];
} gen;

typedef struct event {
    int family;
    char key[KEY_BYTES];
    char body[EVENT_BYTES];
    size_t key_len, body_len;
} event;

static volatile uint64_t g_delivered, g_delivery_failed;
static char g_first_error[256];

static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bench_ingest_produce: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Clock ticks (user + system) process pid has used, with those of its
 * children that have exited (a postmaster's short-lived workers); false
 * if it has gone. */
static bool proc_ticks(long pid, uint64_t *ticks)
{
    char path[64], buf[1024];
    const char *p;
    unsigned long long ut, st, cut, cst;
    FILE *f;
    size_t n;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return false;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* utime, stime, cutime and cstime are the 12th to 15th fields after
     * the ")" that ends the command name (which may hold spaces) */
    if ((p = strrchr(buf, ')')) == NULL ||
        sscanf(p + 1,
               " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu "
               "%llu",
               &ut, &st, &cut, &cst) != 4)
        return false;
    *ticks = ut + st + cut + cst;
    return true;
}

/* Nanoseconds process pid has waited on a run queue (schedstat). */
static bool proc_wait_ns(long pid, uint64_t *ns)
{
    char path[64];
    unsigned long long run, wait;
    FILE *f;
    int n;

    snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return false;
    n = fscanf(f, "%llu %llu", &run, &wait);
    fclose(f);
    *ns = wait;
    return n == 2;
}

/* Clock ticks all CPUs have spent busy (not idle or waiting for I/O). */
static uint64_t busy_ticks(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");

    if (f == NULL)
        return 0;
    /* user nice system idle iowait irq softirq steal */
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
        v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
    fclose(f);
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static void group_start(cpu_group *grp)
{
    for (size_t i = 0; i < grp->n_pids; i++)
        if (!proc_ticks(grp->pids[i], &grp->start[i]) ||
            !proc_wait_ns(grp->pids[i], &grp->start_wait[i]))
            grp->start[i] = UINT64_MAX;
}

/* What the group used since group_start; a process that was not there
 * at both ends counts nothing. */
static void group_end(cpu_group *grp)
{
    uint64_t t = 0, w = 0, now, now_wait;

    for (size_t i = 0; i < grp->n_pids; i++)
        if (grp->start[i] != UINT64_MAX && proc_ticks(grp->pids[i], &now) &&
            proc_wait_ns(grp->pids[i], &now_wait) && now >= grp->start[i] &&
            now_wait >= grp->start_wait[i]) {
            t += now - grp->start[i];
            w += now_wait - grp->start_wait[i];
        }
    grp->cpu_s = (double)t / (double)sysconf(_SC_CLK_TCK);
    grp->wait_s = (double)w / 1e9;
}

static uint64_t next_rand(gen *g)
{
    /* xorshift64*: deterministic for a seed, fast, good enough here. */
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return g->rng * 2685821657736338717ULL;
}

static unsigned pick(gen *g, unsigned n)
{
    return (unsigned)(next_rand(g) % n);
}

/* Credit code k of the pool: "91", a region, nine code characters
 * derived from k, and the GB 32100-2015 check character. */
static void make_uscc(unsigned k, char out[CS_USCC_LEN + 1])
{
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
    cs_err err = {0};

    memcpy(out, "91", 2);
    memcpy(out + 2, regions[k % N_REGIONS], 6);
    for (int i = 8; i < 17; i++) {
        out[i] = alpha[h % 31];
        h /= 31;
        h ^= (uint64_t)k << (i % 7); /* keep all nine positions varied */
    }
    if (cs_uscc_check_char(out, &out[17], &err) != CS_OK)
        die("cannot make a credit code: %s", err.msg);
    out[CS_USCC_LEN] = '\0';
}

static void fmt_time(long long unix_s, char *out, size_t cap)
{
    time_t t = (time_t)unix_s;
    struct tm tm;

    gmtime_r(&t, &tm);
    if (strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        die("time buffer too small");
}

static void fmt_date(long long unix_s, char *out, size_t cap)
{
    time_t t = (time_t)unix_s;
    struct tm tm;

    gmtime_r(&t, &tm);
    if (strftime(out, cap, "%Y-%m-%d", &tm) == 0)
        die("date buffer too small");
}

/* Appends to a bounded buffer; a truncation is a bug in the sizes. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        die("event larger than %zu bytes", b->cap);
    b->len += (size_t)n;
}

static void set_key(event *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_key(event *e, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(e->key, sizeof(e->key), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(e->key))
        die("key larger than %zu bytes", sizeof(e->key));
    e->key_len = (size_t)n;
}

/* A decimal quantity as text, sometimes a JSON number, sometimes a
 * numeric string (both are allowed). */
static void put_qty(sbuf *b, gen *g, const char *name)
{
    unsigned whole = 1 + pick(g, 5000), frac = pick(g, 100);

    if (frac % 3 == 0)
        put(b, "\"%s\":%u", name, whole);
    else if (frac % 3 == 1)
        put(b, "\"%s\":%u.%02u", name, whole, frac);
    else
        put(b, "\"%s\":\"%u.%02u\"", name, whole, frac);
}

static void envelope(sbuf *b, const gen *g, int f, uint64_t s, long long t_s,
                     const char *tenant, bool is_warmup)
{
    char when[32];

    fmt_time(t_s, when, sizeof(when));
    put(b,
        "{\"specversion\":\"1.0\",\"id\":\"%s-%s-%08" PRIu64
        "\",\"source\":\"erp://bench/%s\",\"type\":\"%s\",\"time\":\"%s\","
        "\"tenantid\":\"%s\",\"data\":{",
        is_warmup ? "warm" : "bench", families[f].tag, s, tenant,
        families[f].type, when, tenant);
    (void)g;
}

static void gen_order(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                      bool is_warmup, unsigned revision_pct)
{
    uint64_t ord = s;
    const char *buyer, *supplier;
    char day[16], req[16];
    unsigned n_lines;

    /* A revision re-sends a recent order: same key and order id, a later
     * time; it replaces the header and all lines. */
    if (!is_warmup && s > 64 && pick(g, 100) < revision_pct)
        ord = s - 1 - pick(g, 64);
    buyer = g->uscc[ord % N_TENANTS];
    supplier = g->uscc[N_TENANTS + (ord * 7919) % (N_ENTERPRISES - N_TENANTS)];
    fmt_date(BASE_DAY_S + (long long)(ord / 2000) * DAY_S, day, sizeof(day));
    fmt_date(BASE_DAY_S + (long long)(ord / 2000 + 20) * DAY_S, req,
             sizeof(req));
    set_key(e, "%s/%s-PO-%08" PRIu64, buyer, is_warmup ? "W" : "B", ord);
    envelope(b, g, F_ORDER, s, t_s, buyer, is_warmup);
    put(b,
        "\"order_id\":\"%s-PO-%08" PRIu64 "\",\"buyer\":\"%s\","
        "\"supplier\":\"%s\",\"order_date\":\"%s\",\"currency\":\"CNY\","
        "\"lines\":[",
        is_warmup ? "W" : "B", ord, buyer, supplier, day);
    n_lines = 1 + pick(g, 5);
    for (unsigned i = 0; i < n_lines; i++) {
        put(b, "%s{\"line_no\":%u,\"sku\":\"SKU-%05u\",", i ? "," : "",
            (i + 1) * 10, pick(g, 20000));
        put_qty(b, g, "quantity");
        put(b, ",\"unit\":\"%s\",", units[pick(g, 5)]);
        put_qty(b, g, "unit_price");
        put(b, ",\"requested_date\":\"%s\"}", req);
    }
    put(b, "]}}");
}

static void gen_shipment(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                         bool is_warmup)
{
    const char *buyer = g->uscc[s % N_TENANTS];
    const char *supplier =
        g->uscc[N_TENANTS + (s * 7919) % (N_ENTERPRISES - N_TENANTS)];
    const char *tag = is_warmup ? "W" : "B";
    long long shipped = BASE_DAY_S + (long long)(s / 1500) * DAY_S;
    char ship_s[16], deliv_s[16];
    unsigned n_lines = 1 + pick(g, 4);

    fmt_date(shipped, ship_s, sizeof(ship_s));
    set_key(e, "%s/%s-ASN-%08" PRIu64, supplier, tag, s);
    envelope(b, g, F_SHIPMENT, s, t_s, buyer, is_warmup);
    put(b,
        "\"shipment_id\":\"%s-ASN-%08" PRIu64 "\",\"supplier\":\"%s\","
        "\"buyer\":\"%s\",\"order_id\":\"%s-PO-%08" PRIu64 "\","
        "\"shipped_at\":\"%s\",",
        tag, s, supplier, buyer, tag, s, ship_s);
    if (pick(g, 10) < 6) {
        fmt_date(shipped + 3 * DAY_S, deliv_s, sizeof(deliv_s));
        put(b, "\"delivered_at\":\"%s\",", deliv_s);
    }
    put(b, "\"lines\":[");
    for (unsigned i = 0; i < n_lines; i++) {
        unsigned batch = pick(g, 1000000);
        put(b, "%s{\"line_no\":%u,\"order_line_no\":%u,\"sku\":\"SKU-%05u\",",
            i ? "," : "", i + 1, (i + 1) * 10, pick(g, 20000));
        put_qty(b, g, "quantity");
        put(b, ",\"unit\":\"PCS\",\"batch\":\"B%06u\"", batch);
        if (batch % 2 == 0)
            put(b, ",\"identifier\":\"88.123.4567/BATCH-%06u\"", batch);
        put(b, "}");
    }
    put(b, "]}}");
}

static void gen_production(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                           bool is_warmup)
{
    /* (enterprise, sku, day) is unique per event: s walks the tenants,
     * then five items, then the days. */
    const char *ent = g->uscc[s % N_TENANTS];
    char day[16];

    fmt_date(BASE_DAY_S + (long long)(s / (N_TENANTS * 5)) * DAY_S, day,
             sizeof(day));
    set_key(e, "%s/%s-SKU-%u", ent, is_warmup ? "W" : "B",
            (unsigned)(s / N_TENANTS % 5));
    envelope(b, g, F_PRODUCTION, s, t_s, ent, is_warmup);
    put(b,
        "\"enterprise\":\"%s\",\"site\":\"PLANT-1\",\"sku\":\"%s-SKU-%u\","
        "\"date\":\"%s\",",
        ent, is_warmup ? "W" : "B", (unsigned)(s / N_TENANTS % 5), day);
    put_qty(b, g, "output");
    put(b, ",\"capacity\":6000,\"unit\":\"%s\"}}", units[s % 5]);
}

static void gen_sales(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                      bool is_warmup)
{
    const char *ent = g->uscc[s % N_TENANTS];
    unsigned sku = (unsigned)(s / N_TENANTS % 20);
    const char *channel = channels[s / (N_TENANTS * 20) % 6];
    long long start =
        BASE_DAY_S + (long long)(s / (N_TENANTS * 20 * 6)) * DAY_S;
    char from[16], to[16];

    fmt_date(start, from, sizeof(from));
    fmt_date(start + 6 * DAY_S, to, sizeof(to));
    set_key(e, "%s/%s-SKU-%u", ent, is_warmup ? "W" : "B", sku);
    envelope(b, g, F_SALES, s, t_s, ent, is_warmup);
    put(b,
        "\"enterprise\":\"%s\",\"sku\":\"%s-SKU-%u\",\"period_start\":\"%s\","
        "\"period_end\":\"%s\",",
        ent, is_warmup ? "W" : "B", sku, from, to);
    put_qty(b, g, "quantity");
    put(b, ",\"unit\":\"PCS\",");
    put_qty(b, g, "revenue");
    put(b, ",\"currency\":\"CNY\",\"channel\":\"%s\",\"region_code\":\"%s\"}}",
        channel, regions[pick(g, N_REGIONS)]);
}

static void gen_inventory(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                          bool is_warmup)
{
    const char *ent = g->uscc[s % N_TENANTS];
    unsigned sku = (unsigned)(s / N_TENANTS % 50);
    char as_of[32];

    fmt_time(BASE_DAY_S + (long long)(s / (N_TENANTS * 50)) * 3600, as_of,
             sizeof(as_of));
    set_key(e, "%s/%s-SKU-%u", ent, is_warmup ? "W" : "B", sku);
    envelope(b, g, F_INVENTORY, s, t_s, ent, is_warmup);
    put(b,
        "\"enterprise\":\"%s\",\"site\":\"WH-1\",\"sku\":\"%s-SKU-%u\","
        "\"as_of\":\"%s\",",
        ent, is_warmup ? "W" : "B", sku, as_of);
    put_qty(b, g, "on_hand");
    put(b, ",");
    put_qty(b, g, "on_order");
    put(b, ",\"unit\":\"KG\"}}");
}

static void gen_enterprise(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                           bool is_warmup)
{
    unsigned k = (unsigned)(s % N_ENTERPRISES);
    const char *code = g->uscc[k];

    set_key(e, "%s", code);
    envelope(b, g, F_ENTERPRISE, s, t_s, code, is_warmup);
    put(b,
        "\"uscc\":\"%s\",\"name\":\"Bench Manufacturing %u Co., Ltd.\","
        "\"region_code\":\"%.6s\",\"industry_code\":\"C3670\","
        "\"lat\":%u.%04u,\"lon\":%u.%04u,\"capacity\":%u,"
        "\"capacity_unit\":\"PCS\"}}",
        code, k, code + 2, 22 + pick(g, 18), pick(g, 10000), 100 + pick(g, 20),
        pick(g, 10000), 1000 + pick(g, 100000));
}

static void gen_product(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                        bool is_warmup)
{
    const char *tenant = g->uscc[s % N_TENANTS];
    unsigned sku = (unsigned)(s / N_TENANTS);

    set_key(e, "%s/SKU-%05u", tenant, sku);
    envelope(b, g, F_PRODUCT, s, t_s, tenant, is_warmup);
    put(b,
        "\"sku\":\"SKU-%05u\",\"name\":\"Battery cell type %u\","
        "\"category\":\"cells\",\"unit\":\"PCS\","
        "\"identifier\":\"88.123.4567/SKU-%05u\"}}",
        sku, sku, sku);
}

static void gen_supply_link(gen *g, event *e, sbuf *b, uint64_t s,
                            long long t_s, bool is_warmup)
{
    const char *buyer = g->uscc[s % N_TENANTS];
    const char *supplier =
        g->uscc[N_TENANTS + (s / N_TENANTS * 31) % (N_ENTERPRISES - N_TENANTS)];
    unsigned sku = (unsigned)(s % 997);

    set_key(e, "%s/%s/SKU-%05u", supplier, buyer, sku);
    envelope(b, g, F_SUPPLY_LINK, s, t_s, buyer, is_warmup);
    put(b,
        "\"supplier\":\"%s\",\"buyer\":\"%s\",\"sku\":\"SKU-%05u\","
        "\"share\":0.%02u,\"lead_time_days\":%u,\"active\":%s}}",
        supplier, buyer, sku, pick(g, 100), pick(g, 90),
        pick(g, 10) ? "true" : "false");
}

static void gen_risk(gen *g, event *e, sbuf *b, uint64_t s, long long t_s,
                     bool is_warmup)
{
    const char *tenant = g->uscc[s % N_TENANTS];
    char from[32], to[32];

    fmt_time(t_s - 3600, from, sizeof(from));
    fmt_time(t_s + 5 * DAY_S, to, sizeof(to));
    set_key(e, "%s-RISK-%06" PRIu64, is_warmup ? "W" : "B", s);
    envelope(b, g, F_RISK, s, t_s, tenant, is_warmup);
    put(b,
        "\"risk_id\":\"%s-RISK-%06" PRIu64 "\",\"kind\":\"%s\","
        "\"severity\":%u,",
        is_warmup ? "W" : "B", s, risk_kinds[pick(g, 8)], 1 + pick(g, 5));
    if (s % 2 == 0)
        put(b, "\"regions\":[\"%s\",\"%s\"],", regions[pick(g, N_REGIONS)],
            regions[pick(g, N_REGIONS)]);
    else
        put(b, "\"lat\":%u.5,\"lon\":%u.25,\"radius_km\":%u,", 22 + pick(g, 18),
            100 + pick(g, 20), 5 + pick(g, 200));
    put(b,
        "\"starts_at\":\"%s\",\"expected_end\":\"%s\","
        "\"description\":\"bench disruption %" PRIu64 "\"}}",
        from, to, s);
}

/* Generates event number g->n of family f (or a random family when f
 * is negative). */
static void gen_event(gen *g, event *e, int f, bool is_warmup,
                      unsigned revision_pct)
{
    sbuf b = {e->body, 0, sizeof(e->body)};
    long long t_s = BASE_EVENT_S + (long long)g->n;
    uint64_t s;

    if (f < 0) {
        unsigned r = pick(g, 1000), acc = 0;
        for (f = 0; f < F_COUNT - 1; f++) {
            acc += families[f].per_mille;
            if (r < acc)
                break;
        }
    }
    s = g->seq[f]++;
    e->family = f;
    switch (f) {
    case F_ORDER:
        gen_order(g, e, &b, s, t_s, is_warmup, revision_pct);
        break;
    case F_SHIPMENT:
        gen_shipment(g, e, &b, s, t_s, is_warmup);
        break;
    case F_PRODUCTION:
        gen_production(g, e, &b, s, t_s, is_warmup);
        break;
    case F_SALES:
        gen_sales(g, e, &b, s, t_s, is_warmup);
        break;
    case F_INVENTORY:
        gen_inventory(g, e, &b, s, t_s, is_warmup);
        break;
    case F_ENTERPRISE:
        gen_enterprise(g, e, &b, s, t_s, is_warmup);
        break;
    case F_PRODUCT:
        gen_product(g, e, &b, s, t_s, is_warmup);
        break;
    case F_SUPPLY_LINK:
        gen_supply_link(g, e, &b, s, t_s, is_warmup);
        break;
    default:
        gen_risk(g, e, &b, s, t_s, is_warmup);
        break;
    }
    e->body_len = b.len;
    g->n++;
}

/* ---- cs-ingest's /metrics over a plain HTTP/1.0 GET */

typedef struct ingest_counts {
    uint64_t messages, stored, rejected;
} ingest_counts;

static bool metric_value(const char *page, const char *name, uint64_t *out)
{
    size_t n = strlen(name);

    for (const char *p = page; p != NULL && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '{')) {
            const char *v = strchr(p + n, ' ');
            char *end = NULL;
            unsigned long long x;
            if (v == NULL)
                return false;
            errno = 0;
            x = strtoull(v + 1, &end, 10);
            if (errno != 0 || end == v + 1)
                return false;
            *out += x; /* labelled series of one name are summed */
        }
    }
    return true;
}

static bool fetch_one(const char *host, int port, ingest_counts *c)
{
    static char page[METRICS_BYTES];
    static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
    struct sockaddr_in sa = {.sin_family = AF_INET};
    size_t len = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = false;

    if (fd < 0)
        return false;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
        goto out;
    while ((n = read(fd, page + len, sizeof(page) - 1 - len)) > 0)
        len += (size_t)n;
    page[len] = '\0';
    if (n < 0 || strncmp(page, "HTTP/1.", 7) != 0 ||
        strstr(page, " 200") == NULL)
        goto out;
    ok = metric_value(page, "cs_ingest_messages_total", &c->messages) &&
         metric_value(page, "cs_ingest_events_stored_total", &c->stored) &&
         metric_value(page, "cs_ingest_rejected_total", &c->rejected);
out:
    close(fd);
    return ok;
}

/* Sums the counters of every cs-ingest. */
static bool fetch_counts(const opts *o, ingest_counts *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < o->n_consumers; i++)
        if (!fetch_one(o->metrics_host[i], o->metrics_port[i], c))
            return false;
    return true;
}

static void must_fetch(const opts *o, ingest_counts *c)
{
    for (int tries = 0; !fetch_counts(o, c); tries++) {
        if (tries == 50)
            die("cannot read the metrics of cs-ingest");
        usleep(100000);
    }
    if (c->rejected > 0)
        die("cs-ingest rejected %" PRIu64 " events (see its log): the "
            "generator must make only valid events",
            c->rejected);
}

/* Waits until cs-ingest has stored `want` events; fails when it makes
 * no progress for STALL_TIMEOUT_S. */
static void wait_stored(const opts *o, uint64_t want, ingest_counts *c)
{
    double last_progress = now_s();
    uint64_t last = 0;

    for (;;) {
        must_fetch(o, c);
        if (c->stored >= want)
            return;
        if (c->stored != last) {
            last = c->stored;
            last_progress = now_s();
        } else if (now_s() - last_progress > STALL_TIMEOUT_S) {
            die("cs-ingest stalled at %" PRIu64 " of %" PRIu64 " stored events",
                c->stored, want);
        }
        usleep(POLL_US);
    }
}

/* ---- producing */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (g_delivery_failed++ == 0)
            snprintf(g_first_error, sizeof(g_first_error), "%s",
                     rd_kafka_err2str(m->err));
    } else {
        g_delivered++;
    }
}

static void set_conf(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char errstr[512];

    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK)
        die("producer setting %s=%s: %s", k, v, errstr);
}

static rd_kafka_t *producer_new(const opts *o)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    rd_kafka_t *rk;

    set_conf(conf, "bootstrap.servers", o->brokers);
    set_conf(conf, "enable.idempotence", "true"); /* implies acks=all */
    set_conf(conf, "linger.ms", "20");
    set_conf(conf, "batch.num.messages", "10000");
    set_conf(conf, "batch.size", "1000000");
    set_conf(conf, "compression.type", o->compression);
    set_conf(conf, "queue.buffering.max.messages", "500000");
    set_conf(conf, "queue.buffering.max.kbytes", "262144");
    set_conf(conf, "message.timeout.ms", "120000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf); /* not taken on failure */
        die("cannot create the producer: %s", errstr);
    }
    return rk;
}

/* Produces one message; copy: librdkafka copies key and value (else they
 * must outlive the delivery). */
static void produce_raw(rd_kafka_t *rk, rd_kafka_topic_t *const *topics,
                        int family, const char *key, size_t key_len,
                        const char *body, size_t body_len, bool copy)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(topics[family]),
            RD_KAFKA_V_MSGFLAGS(copy ? RD_KAFKA_MSG_F_COPY : 0),
            RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)body, body_len), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            die("cannot produce to %s: %s", families[family].topic,
                rd_kafka_err2str(err));
        rd_kafka_poll(rk, 10);
    }
}

static void produce(rd_kafka_t *rk, rd_kafka_topic_t *const *topics,
                    const event *e)
{
    produce_raw(rk, topics, e->family, e->key, e->key_len, e->body, e->body_len,
                true);
}

/* Every timed event, rendered before the clock starts: the timed window
 * holds what a real producer costs (librdkafka, compression, the
 * network), not this generator's printf. Key and body of event i are
 * buf[off[i] .. off[i] + key_len[i] + body_len[i]). */
typedef struct rendered {
    char *buf;
    size_t len, cap;
    size_t *off;
    uint32_t *key_len, *body_len;
    uint8_t *family;
} rendered;

static void render_all(gen *g, event *e, uint64_t n, unsigned revision_pct,
                       rendered *r)
{
    r->off = malloc(n * sizeof(*r->off));
    r->key_len = malloc(n * sizeof(*r->key_len));
    r->body_len = malloc(n * sizeof(*r->body_len));
    r->family = malloc(n);
    r->cap = n * 512;
    r->buf = malloc(r->cap);
    r->len = 0;
    if (!r->off || !r->key_len || !r->body_len || !r->family || !r->buf)
        die("out of memory rendering %" PRIu64 " events", n);
    for (uint64_t i = 0; i < n; i++) {
        gen_event(g, e, -1, false, revision_pct);
        if (r->len + e->key_len + e->body_len > r->cap) {
            char *nb;
            r->cap *= 2;
            if ((nb = realloc(r->buf, r->cap)) == NULL)
                die("out of memory rendering %" PRIu64 " events", n);
            r->buf = nb;
        }
        r->off[i] = r->len;
        memcpy(r->buf + r->len, e->key, e->key_len);
        memcpy(r->buf + r->len + e->key_len, e->body, e->body_len);
        r->len += e->key_len + e->body_len;
        r->key_len[i] = (uint32_t)e->key_len;
        r->body_len[i] = (uint32_t)e->body_len;
        r->family[i] = (uint8_t)e->family;
    }
}

static void check_delivery(void)
{
    if (g_delivery_failed > 0)
        die("%" PRIu64 " events not acknowledged by the broker, first: %s",
            (uint64_t)g_delivery_failed, g_first_error);
}

static void flush_all(rd_kafka_t *rk)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(rk, 120000);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || rd_kafka_outq_len(rk) > 0)
        die("cannot flush the producer: %s", rd_kafka_err2str(err));
    check_delivery();
}

static uint64_t parse_u64(const char *s, const char *what)
{
    int64_t v = 0;
    cs_err err = {0};

    if (cs_parse_i64(s, 0, INT64_MAX, &v, &err) != CS_OK)
        die("%s: %s", what, err.msg);
    return (uint64_t)v;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_ingest_produce --brokers HOST:PORT --metrics "
            "HOST:PORT[,HOST:PORT...]\n"
            "       [--events N] [--window N] [--seed N] [--revisions PCT] "
            "[--compression CODEC] [--dump]\n"
            "       [--cpu NAME:PID[,PID...]]...\n"
            "       or --trickle N: N orders one at a time, each timed "
            "until stored\n"
            "--dump writes the events (topic TAB key TAB value) to stdout "
            "instead of producing\n");
    exit(64);
}

static void parse_args(int argc, char **argv, opts *o, bool *is_dump)
{
    *o = (opts){.brokers = NULL,
                .compression = "zstd",
                .n_events = 1000000,
                .window = 100000,
                .seed = 42,
                .revision_pct = 5};
    *is_dump = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--dump") == 0) {
            *is_dump = true;
            continue;
        }
        if (v == NULL)
            usage();
        i++;
        if (strcmp(a, "--brokers") == 0) {
            o->brokers = v;
        } else if (strcmp(a, "--metrics") == 0) {
            o->n_consumers = 0;
            for (const char *p = v; *p != '\0';) {
                const char *end = strchr(p, ','), *colon;
                char port[16];
                size_t n = end ? (size_t)(end - p) : strlen(p);
                colon = memchr(p, ':', n);
                if (o->n_consumers == MAX_CONSUMERS || colon == NULL ||
                    (size_t)(colon - p) >= sizeof(o->metrics_host[0]) ||
                    (size_t)(p + n - colon) >= sizeof(port))
                    usage();
                memcpy(o->metrics_host[o->n_consumers], p, (size_t)(colon - p));
                o->metrics_host[o->n_consumers][colon - p] = '\0';
                memcpy(port, colon + 1, (size_t)(p + n - colon - 1));
                port[p + n - colon - 1] = '\0';
                o->metrics_port[o->n_consumers++] =
                    (int)parse_u64(port, "--metrics port");
                p += n + (end != NULL);
            }
        } else if (strcmp(a, "--events") == 0) {
            o->n_events = parse_u64(v, "--events");
        } else if (strcmp(a, "--window") == 0) {
            o->window = parse_u64(v, "--window");
        } else if (strcmp(a, "--seed") == 0) {
            o->seed = parse_u64(v, "--seed");
        } else if (strcmp(a, "--revisions") == 0) {
            o->revision_pct = (unsigned)parse_u64(v, "--revisions");
        } else if (strcmp(a, "--trickle") == 0) {
            o->trickle = parse_u64(v, "--trickle");
        } else if (strcmp(a, "--compression") == 0) {
            o->compression = v;
        } else if (strcmp(a, "--cpu") == 0) {
            cpu_group *grp = &o->cpu[o->n_cpu];
            const char *colon = strchr(v, ':');
            if (o->n_cpu == MAX_CPU_GROUPS || colon == NULL || colon == v ||
                (size_t)(colon - v) >= sizeof grp->name)
                usage();
            memcpy(grp->name, v, (size_t)(colon - v));
            grp->name[colon - v] = '\0';
            for (const char *p = colon + 1; *p != '\0';) {
                const char *end = strchr(p, ',');
                char num[24];
                size_t n = end ? (size_t)(end - p) : strlen(p);
                if (grp->n_pids == MAX_CPU_PIDS || n == 0 || n >= sizeof num)
                    usage();
                memcpy(num, p, n);
                num[n] = '\0';
                grp->pids[grp->n_pids++] = (long)parse_u64(num, "--cpu pid");
                p += n + (end != NULL);
            }
            o->n_cpu++;
        } else {
            usage();
        }
    }
    if (!*is_dump && (o->brokers == NULL || o->n_consumers == 0))
        usage();
    if (o->n_events == 0 || o->window == 0 || o->revision_pct > 50)
        usage();
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Light load: one order at a time into an idle cs-ingest (after the main
 * run), each timed from produce to the stored counter moving. Orders of
 * the warm-up's kind with sequence numbers of their own: new keys. */
static void trickle(const opts *o, gen *g, event *ev, rd_kafka_t *rk,
                    rd_kafka_topic_t *const *topics)
{
    double *ms = malloc(o->trickle * sizeof(*ms));
    ingest_counts c = {0};

    if (ms == NULL)
        die("out of memory");
    g->seq[F_ORDER] = TRICKLE_SEQ;
    for (uint64_t i = 0; i < o->trickle; i++) {
        uint64_t before;
        double t0, give_up;

        usleep(TRICKLE_GAP_MS * 1000);
        must_fetch(o, &c);
        before = c.stored;
        gen_event(g, ev, F_ORDER, true, 0);
        t0 = now_s();
        give_up = t0 + STALL_TIMEOUT_S;
        produce(rk, topics, ev);
        rd_kafka_flush(rk, 0); /* send now, not after linger.ms */
        do {
            rd_kafka_poll(rk, 0);
            if (now_s() > give_up)
                die("a trickled order was not stored in %.0f s",
                    STALL_TIMEOUT_S);
            usleep(1000);
            must_fetch(o, &c);
        } while (c.stored == before);
        ms[i] = (now_s() - t0) * 1e3;
    }
    flush_all(rk);
    qsort(ms, o->trickle, sizeof(*ms), cmp_double);
    fprintf(stderr,
            "bench_ingest_produce: %" PRIu64 " orders %d ms apart, "
            "produced to stored: min %.1f, median %.1f, 90th %.1f, "
            "max %.1f ms\n",
            o->trickle, TRICKLE_GAP_MS, ms[0], ms[o->trickle / 2],
            ms[(o->trickle * 9) / 10], ms[o->trickle - 1]);
    printf("{\"trickle_events\":%" PRIu64 ",\"latency_ms_p50\":%.1f,"
           "\"latency_ms_p90\":%.1f,\"latency_ms_max\":%.1f}\n",
           o->trickle, ms[o->trickle / 2], ms[(o->trickle * 9) / 10],
           ms[o->trickle - 1]);
    free(ms);
}

int main(int argc, char **argv)
{
    static gen g; /* the credit code pool is large for a stack */
    static event ev;
    opts o;
    bool is_dump;
    rd_kafka_t *rk;
    rd_kafka_topic_t *topics[F_COUNT];
    ingest_counts c = {0};
    uint64_t bytes = 0, n_by_family[F_COUNT] = {0}, consumed = 0;
    double t0, t_produced, t_end, waited_s = 0, cpu0;
    uint64_t busy0;
    rendered pre = {0};

    parse_args(argc, argv, &o, &is_dump);
    g.rng = o.seed * 0x9E3779B97F4A7C15ULL + 1;
    for (unsigned k = 0; k < N_ENTERPRISES; k++)
        make_uscc(k, g.uscc[k]);

    if (is_dump) { /* for inspecting the generator */
        for (uint64_t i = 0; i < o.n_events; i++) {
            gen_event(&g, &ev, -1, false, o.revision_pct);
            printf("%s\t%.*s\t%.*s\n", families[ev.family].topic,
                   (int)ev.key_len, ev.key, (int)ev.body_len, ev.body);
        }
        return 0;
    }

    rk = producer_new(&o);
    for (int f = 0; f < F_COUNT; f++) {
        topics[f] = rd_kafka_topic_new(rk, families[f].topic, NULL);
        if (topics[f] == NULL)
            die("cannot create topic handle %s", families[f].topic);
    }

    if (o.trickle > 0) {
        trickle(&o, &g, &ev, rk, topics);
        for (int f = 0; f < F_COUNT; f++)
            rd_kafka_topic_destroy(topics[f]);
        rd_kafka_destroy(rk);
        return 0;
    }

    /* Warm-up: one event of each family, stored before the clock starts,
     * so the consumer group's first join (about 3 s on the mock) is not
     * timed. They are not counted in --events. */
    must_fetch(&o, &c);
    if (c.stored != 0)
        die("cs-ingest has already stored %" PRIu64 " events; start from an "
            "empty database",
            c.stored);
    for (int f = 0; f < F_COUNT; f++) {
        gen_event(&g, &ev, f, true, 0);
        produce(rk, topics, &ev);
    }
    flush_all(rk);
    wait_stored(&o, N_WARMUP, &c);
    fprintf(stderr,
            "bench_ingest_produce: warm-up stored; producing %" PRIu64
            " events\n",
            o.n_events);

    render_all(&g, &ev, o.n_events, o.revision_pct, &pre);
    for (size_t k = 0; k < o.n_cpu; k++)
        group_start(&o.cpu[k]);
    busy0 = busy_ticks();
    cpu0 = cpu_s();
    t0 = now_s();
    for (uint64_t i = 0; i < o.n_events; i++) {
        const char *key = pre.buf + pre.off[i];
        /* Stay at most `window` events ahead of the consumer. */
        while (i + N_WARMUP - consumed >= o.window) {
            double w0 = now_s();
            must_fetch(&o, &c);
            consumed = c.messages;
            if (i + N_WARMUP - consumed >= o.window) {
                rd_kafka_poll(rk, THROTTLE_MS);
                waited_s += now_s() - w0;
            }
        }
        produce_raw(rk, topics, pre.family[i], key, pre.key_len[i],
                    key + pre.key_len[i], pre.body_len[i], false);
        bytes += pre.body_len[i];
        n_by_family[pre.family[i]]++;
        if ((i & 1023) == 0) {
            rd_kafka_poll(rk, 0);
            check_delivery();
        }
    }
    flush_all(rk);
    t_produced = now_s();
    wait_stored(&o, o.n_events + N_WARMUP, &c);
    t_end = now_s();
    for (size_t k = 0; k < o.n_cpu; k++)
        group_end(&o.cpu[k]);
    busy0 = busy_ticks() - busy0;
    if (c.stored != o.n_events + N_WARMUP)
        die("cs-ingest stored %" PRIu64 " events, want %" PRIu64, c.stored,
            o.n_events + N_WARMUP);

    fprintf(stderr,
            "bench_ingest_produce: %" PRIu64 " events (%.1f MB of JSON) "
            "produced in %.2f s (%.2f s throttled), all stored after %.2f s\n",
            o.n_events, (double)bytes / 1e6, t_produced - t0, waited_s,
            t_end - t0);
    printf("{\"events\":%" PRIu64 ",\"warmup_events\":%u,\"seconds\":%.3f,"
           "\"produce_seconds\":%.3f,\"throttled_seconds\":%.3f,"
           "\"cpu_seconds\":%.3f,\"timed_cpu_seconds\":%.3f,"
           "\"json_bytes\":%" PRIu64 ",\"by_family\":{",
           o.n_events, N_WARMUP, t_end - t0, t_produced - t0, waited_s, cpu_s(),
           cpu_s() - cpu0, bytes); /* whole process; timed part */
    for (int f = 0; f < F_COUNT; f++)
        printf("%s\"%s\":%" PRIu64, f ? "," : "", families[f].type,
               n_by_family[f]);
    printf("},\"timed_busy_cpu_seconds\":%.3f,\"timed_cpu_by_group\":{",
           (double)busy0 / (double)sysconf(_SC_CLK_TCK));
    for (size_t k = 0; k < o.n_cpu; k++)
        printf("%s\"%s\":%.3f", k ? "," : "", o.cpu[k].name, o.cpu[k].cpu_s);
    printf("},\"timed_wait_by_group\":{");
    for (size_t k = 0; k < o.n_cpu; k++)
        printf("%s\"%s\":%.3f", k ? "," : "", o.cpu[k].name, o.cpu[k].wait_s);
    printf("}}\n");
    for (int f = 0; f < F_COUNT; f++)
        rd_kafka_topic_destroy(topics[f]);
    rd_kafka_destroy(rk); /* after the last delivery: pre is unused now */
    free(pre.buf);
    free(pre.off);
    free(pre.key_len);
    free(pre.body_len);
    free(pre.family);
    return 0;
}
