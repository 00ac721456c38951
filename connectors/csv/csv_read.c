/* csv_read.c - an RFC 4180 record reader with line numbers, so every
 * rejection can name the line an operator opens in an editor. */
#include "cs_csv.h"

#include <stdlib.h>
#include <string.h>

struct cs_csv_reader {
    const char *buf;
    size_t len, p, line; /* line of buf[p] */
    char delim;
    char *text; /* unquoted fields of the current record */
    size_t cap_text;
    char **fields;
    size_t cap_fields;
};

cs_status cs_csv_reader_new(const char *buf, size_t len, char delim,
                            cs_csv_reader **out, cs_err *err)
{
    cs_csv_reader *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    r->buf = buf;
    r->len = len;
    r->line = 1;
    r->delim = delim;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r->p = 3;
    *out = r;
    return CS_OK;
}

void cs_csv_reader_free(cs_csv_reader *r)
{
    if (r == NULL)
        return;
    free(r->text);
    free(r->fields);
    free(r);
}

/* Skips to the start of the next record after a malformed one. */
static void skip_record(cs_csv_reader *r)
{
    while (r->p < r->len && r->buf[r->p] != '\n')
        r->p++;
    if (r->p < r->len) {
        r->p++;
        r->line++;
    }
}

cs_status cs_csv_reader_next(cs_csv_reader *r, char ***fields, size_t *n_fields,
                             size_t *line, const char **raw, size_t *raw_len,
                             cs_err *err)
{
    size_t start, o = 0, n = 0, need;
    bool field_start = true;

    /* blank lines between records are not records */
    while (r->p < r->len && (r->buf[r->p] == '\n' ||
                             (r->buf[r->p] == '\r' && r->p + 1 < r->len &&
                              r->buf[r->p + 1] == '\n'))) {
        r->p += r->buf[r->p] == '\r' ? 2 : 1;
        r->line++;
    }
    if (r->p >= r->len)
        return CS_E_NOT_FOUND;
    start = r->p;
    *line = r->line;
    need = r->len - r->p + 1;
    if (need > r->cap_text) {
        char *t = realloc(r->text, need);
        if (t == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        r->text = t;
        r->cap_text = need;
    }
    for (;;) {
        bool at_end = r->p >= r->len;
        char c = at_end ? '\n' : r->buf[r->p];

        if (n + 1 > r->cap_fields) {
            size_t nc = r->cap_fields ? r->cap_fields * 2 : 32;
            char **f = realloc(r->fields, nc * sizeof(*f));
            if (f == NULL)
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            r->fields = f;
            r->cap_fields = nc;
        }
        if (field_start) {
            r->fields[n] = r->text + o;
            field_start = false;
            if (!at_end && c == '"') {
                size_t qline = r->line;
                r->p++;
                for (;;) {
                    if (r->p >= r->len) {
                        r->p = r->len;
                        *raw = r->buf + start;
                        *raw_len = r->p - start;
                        return cs_err_set(err, CS_E_INVALID,
                                          "field %zu: the quote opened on "
                                          "line %zu is never closed",
                                          n + 1, qline);
                    }
                    c = r->buf[r->p];
                    if (c == '"') {
                        if (r->p + 1 < r->len && r->buf[r->p + 1] == '"') {
                            r->text[o++] = '"';
                            r->p += 2;
                            continue;
                        }
                        r->p++;
                        break;
                    }
                    if (c == '\n')
                        r->line++;
                    r->text[o++] = c;
                    r->p++;
                }
                at_end = r->p >= r->len;
                c = at_end ? '\n' : r->buf[r->p];
                if (!at_end && c == '\r' && r->p + 1 < r->len &&
                    r->buf[r->p + 1] == '\n') {
                    r->p++;
                    c = '\n';
                }
                if (c != r->delim && c != '\n') {
                    size_t l = r->line;
                    skip_record(r);
                    *raw = r->buf + start;
                    *raw_len = r->p - start;
                    return cs_err_set(err, CS_E_INVALID,
                                      "field %zu: text after the closing "
                                      "quote on line %zu",
                                      n + 1, l);
                }
                continue;
            }
        }
        if (at_end || c == '\n' ||
            (c == '\r' && r->p + 1 < r->len && r->buf[r->p + 1] == '\n')) {
            r->text[o++] = '\0';
            n++;
            *raw = r->buf + start;
            *raw_len = r->p - start;
            if (!at_end) {
                r->p += c == '\r' ? 2 : 1;
                r->line++;
            }
            *fields = r->fields;
            *n_fields = n;
            return CS_OK;
        }
        if (c == r->delim) {
            r->text[o++] = '\0';
            n++;
            field_start = true;
            r->p++;
            continue;
        }
        if (c == '"') {
            size_t l = r->line;
            skip_record(r);
            *raw = r->buf + start;
            *raw_len = r->p - start;
            return cs_err_set(err, CS_E_INVALID,
                              "field %zu: a quote inside an unquoted field "
                              "on line %zu",
                              n + 1, l);
        }
        r->text[o++] = c;
        r->p++;
    }
}
