/* bench_connectors.c - throughput of the converters alone, no Kafka:
 * EDI documents per second over the public samples that convert (X12
 * 850/856, EDIFACT ORDERS/DESADV, 1 to 146 lines each), and CSV rows per
 * second over a generated order export (5 lines per order, mapped units
 * and dates). Each event is built and checked as cs-edi and
 * cs-import-csv do (the CSV one through the family decoder). Prints one
 * JSON line: edi_docs_per_s, edi_mb_per_s, csv_rows_per_s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_csv.h"
#include "cs_edi.h"

static const char *const edi_files[] = {
    "x12_850_01.edi",
    "x12_850_03.edi",
    "x12_850_04.edi",
    "x12_850_05.edi",
    "x12_850_06.edi",
    "x12_850_07_ascii_lf.edi",
    "x12_856_01.edi",
    "x12_856_02.edi",
    "x12_856_03.edi",
    "edifact_orders_d96a_01.edi",
    "edifact_orders_d96a_03.edi",
    "edifact_orders_d01b_01.edi",
    "edifact_desadv_d96a_01.edi",
};
#define N_EDI (sizeof(edi_files) / sizeof(edi_files[0]))

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (f == NULL) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        exit(1);
    }
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static cs_status edi_count(void *ctx, const cs_edi_event *ev, cs_err *err)
{
    (void)ev;
    (void)err;
    (*(size_t *)ctx)++;
    return CS_OK;
}

static cs_status csv_count(void *ctx, const cs_csv_event *ev, cs_err *err)
{
    (void)ev;
    (void)err;
    (*(size_t *)ctx)++;
    return CS_OK;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    double min_s = quick ? 0.5 : 3.0, t0, dt;
    char path[1024], *bufs[N_EDI], *partners_text, *csv, *p;
    size_t lens[N_EDI], plen, events = 0, docs = 0, bytes = 0;
    size_t n_orders = quick ? 20000 : 100000, rows, csv_events = 0;
    cs_edi_partners *partners = NULL;
    cs_csv_map *map = NULL;
    cs_err err = {0};
    cs_edi_opts o = {.default_unit = "PCE", .time_offset = "Z"};
    static const char map_text[] =
        "type = cs.order.v1\ncolumn.order_id = po\ncolumn.buyer = buyer\n"
        "column.supplier = supplier\ncolumn.order_date = date\n"
        "column.line_no = line\ncolumn.sku = item\ncolumn.quantity = qty\n"
        "column.unit = uom\ncolumn.unit_price = price\n"
        "date.format = YYYY/MM/DD\nunit.pcs = PCS\nunit.kg = KG\n";

    snprintf(path, sizeof(path), "%s/tests/data/edi/partners.tsv", CS_SRC_DIR);
    partners_text = slurp(path, &plen);
    if (cs_edi_partners_parse(partners_text, plen, &partners, &err) != CS_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    o.partners = partners;
    for (size_t i = 0; i < N_EDI; i++) {
        snprintf(path, sizeof(path), "%s/tests/data/edi/%s", CS_SRC_DIR,
                 edi_files[i]);
        bufs[i] = slurp(path, &lens[i]);
    }
    t0 = now_s();
    do {
        for (size_t i = 0; i < N_EDI; i++) {
            size_t before = events;
            if (cs_edi_convert(bufs[i], lens[i], &o, edi_count, NULL, &events,
                               NULL, &err) != CS_OK) {
                fprintf(stderr, "bench: %s: %s\n", edi_files[i], err.msg);
                return 1;
            }
            docs += events - before;
            bytes += lens[i];
        }
        dt = now_s() - t0;
    } while (dt < min_s);
    fprintf(stderr, "edi: %zu documents, %.1f MB in %.2f s\n", docs,
            (double)bytes / 1e6, dt);
    printf("{\"edi_docs_per_s\":%.0f,\"edi_mb_per_s\":%.2f,", docs / dt,
           (double)bytes / 1e6 / dt);

    /* a CSV export: 5 lines per order */
    rows = n_orders * 5;
    size_t cap = rows * 120 + 128, used;
    csv = malloc(cap);
    if (csv == NULL)
        return 1;
    used = (size_t)snprintf(csv, cap,
                            "po,buyer,supplier,date,line,item,qty,uom,price\n");
    for (size_t k = 0; k < n_orders && used < cap; k++)
        for (int l = 1; l <= 5 && used < cap; l++)
            used += (size_t)snprintf(
                csv + used, cap - used,
                "PO-%zu,91350100M000100Y43,91110000802100433B,"
                "2026/11/%02zu,%d,SKU-%zu-%d,%zu.%d,%s,%d.50\n",
                k, k % 28 + 1, l, k % 997, l, k % 1000 + 1, l,
                l % 2 ? "pcs" : "kg", l * 3);
    if (used >= cap) {
        fprintf(stderr, "bench: CSV buffer too small\n");
        return 1;
    }
    p = csv + used;
    if (cs_csv_map_parse(map_text, sizeof(map_text) - 1, &map, &err) != CS_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    t0 = now_s();
    if (cs_csv_convert(csv, (size_t)(p - csv), map, "2026-11-29T00:00:00Z",
                       csv_count, NULL, &csv_events, NULL, &err) != CS_OK) {
        fprintf(stderr, "bench: csv: %s\n", err.msg);
        return 1;
    }
    dt = now_s() - t0;
    fprintf(stderr, "csv: %zu rows, %zu orders in %.2f s\n", rows, csv_events,
            dt);
    printf("\"csv_rows_per_s\":%.0f}\n", rows / dt);
    cs_csv_map_free(map);
    free(csv);
    for (size_t i = 0; i < N_EDI; i++)
        free(bufs[i]);
    cs_edi_partners_free(partners);
    free(partners_text);
    return 0;
}
