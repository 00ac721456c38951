/* cs_json.h - JSON in and out over yajl.
 *
 * Input: cs_json_parse builds a small read-only document through yajl's
 * callback parser, with limits yajl lacks (bytes, depth, members), UTF-8
 * checked, duplicate keys refused, and numbers kept as their exact text so
 * quantities and money reach PostgreSQL without a trip through double.
 * Output: yajl_gen helpers, including the shortest round-trip double. */
#ifndef CS_JSON_H
#define CS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "cs_err.h"

#define CS_JSON_MAX_BODY_BYTES (64u * 1024u)
#define CS_JSON_MAX_DEPTH      32

typedef enum cs_jtype {
    CS_J_NULL,
    CS_J_BOOL,
    CS_J_NUMBER, /* text holds the digits as written */
    CS_J_STRING,
    CS_J_ARRAY,
    CS_J_OBJECT,
} cs_jtype;

typedef struct cs_jval cs_jval;
struct cs_jval {
    cs_jtype type;
    bool b;
    const char *key;  /* member name inside an object, else NULL */
    const char *text; /* NUMBER / STRING, NUL-terminated */
    size_t len;       /* text bytes, or children of ARRAY / OBJECT */
    cs_jval *child;   /* first child of ARRAY / OBJECT */
    cs_jval *next;    /* next sibling */
};

typedef struct cs_json_doc cs_json_doc;

typedef struct cs_json_limits {
    size_t max_bytes;
    unsigned max_depth;
} cs_json_limits;

extern const cs_json_limits cs_json_default_limits;

/* Parses len bytes (not NUL-terminated). On success *out is a new
 * document, freed with cs_json_doc_free. Errors are CS_E_INVALID or
 * CS_E_TOO_LARGE with the reason and byte offset. */
cs_status cs_json_parse(const char *buf, size_t len,
                        const cs_json_limits *limits, cs_json_doc **out,
                        cs_err *err);
void cs_json_doc_free(cs_json_doc *doc);
const cs_jval *cs_json_root(const cs_json_doc *doc);

/* Member of an object by name, or NULL (also when obj is not an object). */
const cs_jval *cs_json_get(const cs_jval *obj, const char *key);
const char *cs_jtype_name(cs_jtype t);

/* Output helpers; the string forms take NUL-terminated text. */
void cs_json_key(yajl_gen g, const char *key);
void cs_json_str(yajl_gen g, const char *s);
void cs_json_kv_str(yajl_gen g, const char *key, const char *s);
void cs_json_kv_int(yajl_gen g, const char *key, long long v);
/* Emits the text as a JSON number verbatim (it must be one). */
void cs_json_kv_raw_number(yajl_gen g, const char *key, const char *num);
yajl_gen_status cs_json_double(yajl_gen g, double v);
/* Writes a parsed value back as JSON, numbers as their exact text. */
void cs_json_write(yajl_gen g, const cs_jval *v);

#endif
