/* conn_out.c - argument splitting, the event sink (stdout or Kafka) and
 * whole-file reads shared by the file connectors. */
#include "cs_conn.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "cs_kafka.h"
#include "cs_str.h"

#define CONN_FLAG_BYTES 64

struct cs_conn_out {
    FILE *f;
    rd_kafka_t *rk;
    size_t n_sent, n_acked, n_failed;
    char first_failure[160];
};

/* "kafka.brokers" -> "kafka-brokers", as cs_config derives flags. */
static void flag_of(const char *key, char *out, size_t out_bytes)
{
    size_t i = 0;
    for (; key[i] != '\0' && i + 1 < out_bytes; i++)
        out[i] = key[i] == '.' || key[i] == '_' ? '-' : key[i];
    out[i] = '\0';
}

static const cs_opt *find_opt(const cs_config_spec *spec, const char *name,
                              size_t len)
{
    char flag[CONN_FLAG_BYTES];
    for (size_t i = 0; i < spec->n_opts; i++) {
        flag_of(spec->opts[i].key, flag, sizeof(flag));
        if (strlen(flag) == len && memcmp(flag, name, len) == 0)
            return &spec->opts[i];
    }
    return NULL;
}

int cs_conn_split_args(const cs_config_spec *spec, int argc, char **argv,
                       char **opt_argv, char **files, int *n_files)
{
    static char bool_true[] = "true";
    int n_opt = 0;

    *n_files = 0;
    if (argc > 0)
        opt_argv[n_opt++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const cs_opt *o;
        if (strcmp(a, "--") == 0) {
            while (++i < argc)
                files[(*n_files)++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) != 0 && strcmp(a, "-h") != 0) {
            files[(*n_files)++] = argv[i];
            continue;
        }
        opt_argv[n_opt++] = argv[i];
        if (strchr(a, '=') != NULL || strncmp(a, "--", 2) != 0)
            continue;
        o = find_opt(spec, a + 2, strlen(a + 2));
        if (o == NULL)
            continue; /* --help, --print-config, or unknown: reported */
        if (o->type == CS_OPT_BOOL) {
            /* the value is explicit only as --flag=false; a bare flag
             * never swallows the file name after it */
            if (i + 1 < argc && (strcmp(argv[i + 1], "true") == 0 ||
                                 strcmp(argv[i + 1], "false") == 0))
                opt_argv[n_opt++] = argv[++i];
            else
                opt_argv[n_opt++] = bool_true;
        } else if (i + 1 < argc) {
            opt_argv[n_opt++] = argv[++i];
        }
    }
    return n_opt;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    cs_conn_out *o = opaque;
    (void)rk;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        o->n_acked++;
        return;
    }
    if (o->n_failed++ == 0)
        snprintf(o->first_failure, sizeof(o->first_failure), "%s",
                 rd_kafka_err2str(m->err));
}

cs_status cs_conn_out_new(const char *brokers, const char *extra, FILE *f,
                          cs_conn_out **out, cs_err *err)
{
    cs_conn_out *o = calloc(1, sizeof(*o));
    cs_status rc;

    if (o == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    o->f = f;
    if (brokers != NULL) {
        rc = cs_kafka_producer_new(brokers, extra ? extra : "", on_delivery, o,
                                   &o->rk, err);
        if (rc != CS_OK) {
            free(o);
            return rc;
        }
    }
    *out = o;
    return CS_OK;
}

cs_status cs_conn_out_send(cs_conn_out *o, const char *topic, const char *key,
                           const char *json, size_t len, cs_err *err)
{
    rd_kafka_resp_err_t kerr;

    if (o->rk == NULL) {
        if (fwrite(json, 1, len, o->f) != len || fputc('\n', o->f) == EOF)
            return cs_err_set(err, CS_E_INTERNAL, "could not write: %s",
                              strerror(errno));
        o->n_sent++;
        o->n_acked++;
        return CS_OK;
    }
    for (;;) {
        kerr = rd_kafka_producev(
            o->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE((void *)(uintptr_t)json, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(o->rk, 100); /* let deliveries drain the queue */
    }
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR)
        return cs_err_set(err, CS_E_KAFKA, "could not produce to %s: %s", topic,
                          rd_kafka_err2str(kerr));
    o->n_sent++;
    rd_kafka_poll(o->rk, 0);
    return CS_OK;
}

cs_status cs_conn_out_flush(cs_conn_out *o, unsigned timeout_ms, cs_err *err)
{
    if (o->rk == NULL) {
        if (fflush(o->f) != 0)
            return cs_err_set(err, CS_E_INTERNAL, "could not write: %s",
                              strerror(errno));
        return CS_OK;
    }
    rd_kafka_flush(o->rk, (int)timeout_ms);
    if (o->n_failed > 0)
        return cs_err_set(err, CS_E_KAFKA,
                          "%zu events were not acknowledged by the broker: "
                          "%s",
                          o->n_failed, o->first_failure);
    if (o->n_acked < o->n_sent)
        return cs_err_set(err, CS_E_TIMEOUT,
                          "%zu events still unacknowledged after %u ms",
                          o->n_sent - o->n_acked, timeout_ms);
    return CS_OK;
}

size_t cs_conn_out_delivered(const cs_conn_out *o)
{
    return o->n_acked;
}

void cs_conn_out_free(cs_conn_out *o)
{
    if (o == NULL)
        return;
    if (o->rk != NULL) {
        rd_kafka_flush(o->rk, 1000);
        rd_kafka_destroy(o->rk);
    }
    free(o);
}

cs_status cs_conn_read_file(const char *path, size_t max_bytes, char **buf,
                            size_t *len, cs_err *err)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t n = 0, cap = 0, got;

    *buf = NULL;
    *len = 0;
    if (f == NULL)
        return cs_err_set(err, CS_E_NOT_FOUND, "cannot open %s: %s", path,
                          strerror(errno));
    do {
        if (cap - n < 65536) {
            char *nb;
            cap = cap ? cap * 2 : 65536 * 2;
            nb = realloc(b, cap + 1);
            if (nb == NULL) {
                free(b);
                fclose(f);
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            }
            b = nb;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n > max_bytes) {
            free(b);
            fclose(f);
            return cs_err_set(err, CS_E_TOO_LARGE,
                              "%s is larger than %zu bytes", path, max_bytes);
        }
    } while (got > 0);
    if (ferror(f)) {
        free(b);
        fclose(f);
        return cs_err_set(err, CS_E_INTERNAL, "could not read %s", path);
    }
    fclose(f);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return CS_OK;
}
