/* cs_log.c - JSON-lines logger. */
#include "cs_log.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CS_LOG_LINE_BYTES 4096

static const char *log_svc = "chainsight";
static cs_log_level log_min = CS_LOG_INFO;
static int log_fd = 2;

void cs_log_init(const char *svc, cs_log_level min_level)
{
    log_svc = svc;
    log_min = min_level;
}

void cs_log_set_fd(int fd)
{
    log_fd = fd;
}

bool cs_log_level_parse(const char *s, cs_log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};

    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (cs_log_level)i;
            return true;
        }
    }
    return false;
}

size_t cs_json_escape_into(char *buf, size_t len, size_t cap, const char *s,
                           size_t s_len)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < s_len; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[6];
        size_t n = 0;

        if (c == '"' || c == '\\') {
            tmp[n++] = '\\';
            tmp[n++] = (char)c;
        } else if (c == '\n') {
            tmp[n++] = '\\';
            tmp[n++] = 'n';
        } else if (c == '\t') {
            tmp[n++] = '\\';
            tmp[n++] = 't';
        } else if (c == '\r') {
            tmp[n++] = '\\';
            tmp[n++] = 'r';
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(tmp, "\\u00", 4);
            tmp[4] = hex[c >> 4];
            tmp[5] = hex[c & 15];
            n = 6;
        } else {
            tmp[n++] = (char)c;
        }
        if (len + n >= cap)
            break;
        memcpy(buf + len, tmp, n);
        len += n;
    }
    if (cap > 0)
        buf[len < cap ? len : cap - 1] = '\0';
    return len;
}

static size_t put(char *buf, size_t len, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (len + n >= cap)
        n = cap - 1 - len;
    memcpy(buf + len, s, n);
    buf[len + n] = '\0';
    return len + n;
}

static size_t put_str(char *buf, size_t len, size_t cap, const char *s)
{
    len = put(buf, len, cap, "\"");
    len = cs_json_escape_into(buf, len, cap - 1, s, strlen(s));
    return put(buf, len, cap, "\"");
}

void cs_log_emit(cs_log_level level, const char *msg, const cs_kv *kvs)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char line[CS_LOG_LINE_BYTES];
    char ts[40], num[40];
    struct timespec now;
    struct tm tm;
    size_t len = 0;
    const size_t cap = sizeof(line) - 2; /* room for "}\n" */

    if (level < log_min)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    len = put(line, len, cap, "{\"ts\":\"");
    len = put(line, len, cap, ts);
    snprintf(num, sizeof(num), ".%03ldZ\",\"level\":\"",
             now.tv_nsec / 1000000L);
    len = put(line, len, cap, num);
    len = put(line, len, cap, names[level]);
    len = put(line, len, cap, "\",\"svc\":");
    len = put_str(line, len, cap, log_svc);
    len = put(line, len, cap, ",\"msg\":");
    len = put_str(line, len, cap, msg);
    for (const cs_kv *kv = kvs; kv != NULL && kv->type != CS_KV_T_END; kv++) {
        len = put(line, len, cap, ",");
        len = put_str(line, len, cap, kv->key);
        len = put(line, len, cap, ":");
        switch (kv->type) {
        case CS_KV_T_STR:
            len = kv->v.s ? put_str(line, len, cap, kv->v.s)
                          : put(line, len, cap, "null");
            break;
        case CS_KV_T_INT:
            snprintf(num, sizeof(num), "%lld", (long long)kv->v.i);
            len = put(line, len, cap, num);
            break;
        case CS_KV_T_DBL:
            if (isfinite(kv->v.d))
                snprintf(num, sizeof(num), "%.17g", kv->v.d);
            else
                snprintf(num, sizeof(num), "null");
            len = put(line, len, cap, num);
            break;
        case CS_KV_T_BOOL:
            len = put(line, len, cap, kv->v.b ? "true" : "false");
            break;
        case CS_KV_T_END:
            break;
        }
    }
    line[len++] = '}';
    line[len++] = '\n';
    (void)!write(log_fd, line, len);
}
