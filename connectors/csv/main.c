/* main.c - cs-import-csv FILE...: CSV files into canonical events through
 * a mapping file; good rows are printed (or produced with --produce) and
 * each rejected row is written with its line number and reason to the
 * rejects file. See docs/connectors.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cs_conn.h"
#include "cs_csv.h"
#include "cs_log.h"
#include "cs_service.h"

#define EX_DATAERR     65
#define EX_NOINPUT     66
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE    70
#define EX_CONFIG      78

typedef struct csv_cfg {
    char *mapping;
    char *rejects;
    bool produce;
    char *kafka_brokers;
    char *kafka_extra;
    uint32_t kafka_timeout_ms;
    char *log_level;
} csv_cfg;

static const cs_opt csv_opts[] = {
    {"mapping", "CS_CSV_MAPPING", CS_OPT_STR, "",
     "mapping file: family, columns, units, date format (required)",
     CS_CFG(csv_cfg, mapping)},
    {"rejects", "CS_CSV_REJECTS", CS_OPT_STR, "",
     "CSV file for rejected rows: file,line,error,record (empty: log only)",
     CS_CFG(csv_cfg, rejects)},
    {"produce", "CS_CSV_PRODUCE", CS_OPT_BOOL, "false",
     "send the events to Kafka instead of printing them",
     CS_CFG(csv_cfg, produce)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers (with --produce)", CS_CFG(csv_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka producer properties, k=v,k=v",
     CS_CFG(csv_cfg, kafka_extra)},
    {"kafka.timeout_ms", "CS_KAFKA_TIMEOUT_MS", CS_OPT_U32, "30000",
     "longest wait for the broker to acknowledge a file's events",
     CS_CFG(csv_cfg, kafka_timeout_ms)},
    CS_OPT_LOG_LEVEL(csv_cfg, log_level),
};

static const cs_config_spec csv_spec = {
    .prog = "cs-import-csv",
    .summary = "Converts CSV files into canonical CloudEvents through a "
               "mapping file: JSON lines on stdout, or Kafka with "
               "--produce; rejected rows go to --rejects with their line "
               "numbers. Usage: cs-import-csv --mapping FILE [OPTION]... "
               "FILE...",
    .opts = csv_opts,
    .n_opts = sizeof(csv_opts) / sizeof(csv_opts[0]),
};

typedef struct run_ctx {
    cs_conn_out *out;
    FILE *rejects;
    const char *file;
} run_ctx;

static cs_status on_event(void *ctx, const cs_csv_event *ev, cs_err *err)
{
    run_ctx *rc = ctx;
    return cs_conn_out_send(rc->out, ev->topic, ev->key, ev->json, ev->json_len,
                            err);
}

/* One CSV field, quoted when it must be. */
static void put_field(FILE *f, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void on_reject(void *ctx, size_t line, const char *raw, size_t raw_len,
                      const char *why)
{
    run_ctx *rc = ctx;
    cs_log_warn("rejected row", CS_KV_STR("file", rc->file),
                CS_KV_INT("line", (int64_t)line), CS_KV_STR("error", why));
    if (rc->rejects != NULL) {
        put_field(rc->rejects, rc->file, strlen(rc->file));
        fprintf(rc->rejects, ",%zu,", line);
        put_field(rc->rejects, why, strlen(why));
        fputc(',', rc->rejects);
        put_field(rc->rejects, raw, raw_len);
        fputc('\n', rc->rejects);
    }
}

int main(int argc, char **argv)
{
    csv_cfg cfg = {0};
    char **opt_argv = calloc(2 * (size_t)argc + 1, sizeof(char *));
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    cs_csv_map *map = NULL;
    cs_conn_out *out = NULL;
    FILE *rejects = NULL;
    cs_err err = {0};
    int n_opt, n_files = 0, code;

    if (opt_argv == NULL || files == NULL) {
        fprintf(stderr, "cs-import-csv: out of memory\n");
        return EX_SOFTWARE;
    }
    n_opt =
        cs_conn_split_args(&csv_spec, argc, argv, opt_argv, files, &n_files);
    code = cs_service_init(&csv_spec, &cfg, n_opt, opt_argv, "import-csv",
                           CS_CFG(csv_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    code = 0;
    if (n_files == 0 || cfg.mapping[0] == '\0') {
        fprintf(stderr, "usage: cs-import-csv --mapping FILE [OPTION]... "
                        "FILE... (see --help)\n");
        code = 64;
        goto out;
    }
    {
        char *text = NULL;
        size_t len = 0;
        if (cs_conn_read_file(cfg.mapping, 1u << 20, &text, &len, &err) !=
                CS_OK ||
            cs_csv_map_parse(text, len, &map, &err) != CS_OK) {
            cs_log_error("bad configuration", CS_KV_STR("mapping", cfg.mapping),
                         CS_KV_STR("error", err.msg));
            free(text);
            code = EX_CONFIG;
            goto out;
        }
        free(text);
    }
    if (cfg.rejects[0] != '\0') {
        rejects = fopen(cfg.rejects, "w");
        if (rejects == NULL) {
            cs_log_error("cannot open the rejects file",
                         CS_KV_STR("file", cfg.rejects),
                         CS_KV_STR("error", strerror(errno)));
            code = EX_CONFIG;
            goto out;
        }
        fputs("file,line,error,record\n", rejects);
    }
    if (cs_conn_out_new(cfg.produce ? cfg.kafka_brokers : NULL, cfg.kafka_extra,
                        stdout, &out, &err) != CS_OK) {
        cs_log_error("could not start the producer",
                     CS_KV_STR("error", err.msg));
        code = EX_CONFIG;
        goto out;
    }
    for (int i = 0; i < n_files; i++) {
        run_ctx ctx = {.out = out, .rejects = rejects, .file = files[i]};
        cs_csv_stats st = {0};
        char *buf = NULL, file_time[32];
        size_t len = 0;
        struct stat sb;
        struct tm tm;
        cs_status rc;

        rc = cs_conn_read_file(files[i], CS_CSV_MAX_FILE_BYTES, &buf, &len,
                               &err);
        if (rc != CS_OK || stat(files[i], &sb) != 0) {
            cs_log_error("cannot read file", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            free(buf);
            if (code == 0)
                code = rc == CS_E_NOT_FOUND ? EX_NOINPUT : EX_DATAERR;
            continue;
        }
        /* events without a time column happened when the file was made */
        gmtime_r(&sb.st_mtime, &tm);
        strftime(file_time, sizeof(file_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
        rc = cs_csv_convert(buf, len, map, file_time, on_event, on_reject, &ctx,
                            &st, &err);
        free(buf);
        if (rc == CS_OK || rc == CS_E_INVALID) {
            if (cs_conn_out_flush(out, cfg.kafka_timeout_ms, &err) != CS_OK) {
                cs_log_error("events not acknowledged",
                             CS_KV_STR("file", files[i]),
                             CS_KV_STR("error", err.msg));
                code = EX_UNAVAILABLE;
                break;
            }
        } else if (rc == CS_E_KAFKA || rc == CS_E_TIMEOUT) {
            cs_log_error("could not produce", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            code = EX_UNAVAILABLE;
            break;
        } else {
            cs_log_error("could not convert", CS_KV_STR("file", files[i]),
                         CS_KV_STR("error", err.msg));
            if (code == 0)
                code = rc == CS_E_CONFIG ? EX_CONFIG : EX_SOFTWARE;
            continue;
        }
        cs_log_info("converted", CS_KV_STR("file", files[i]),
                    CS_KV_INT("rows", (int64_t)st.n_rows),
                    CS_KV_INT("events", (int64_t)st.n_events),
                    CS_KV_INT("rejected_rows", (int64_t)st.n_rejected_rows),
                    CS_KV_BOOL("produced", cfg.produce));
        if (rc == CS_E_INVALID && code == 0)
            code = EX_DATAERR;
    }
out:
    if (rejects != NULL && fclose(rejects) != 0 && code == 0)
        code = EX_SOFTWARE;
    cs_conn_out_free(out);
    cs_csv_map_free(map);
    cs_config_free(&csv_spec, &cfg);
    free(opt_argv);
    free(files);
    return code;
}
