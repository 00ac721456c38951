/* cs_family.h - the event families of docs/events.md as tables of fields,
 * and one decoder for all of them. A decoded record is a row of text
 * values in field order (and one row per line for families with lines),
 * ready for COPY; every rejection names the field by path. */
#ifndef CS_FAMILY_H
#define CS_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_json.h"

#define CS_FAMILY_MAX_FIELDS 24
#define CS_FAMILY_MAX_LINES  1000

typedef enum cs_fkind {
    CS_F_TEXT,         /* string of 1..max bytes */
    CS_F_USCC,         /* credit code, check character verified */
    CS_F_REGION,       /* GB/T 2260 code */
    CS_F_INDUSTRY,     /* GB/T 4754 code */
    CS_F_DATE,         /* YYYY-MM-DD */
    CS_F_TIME,         /* RFC 3339 date-time with offset */
    CS_F_DATE_OR_TIME, /* either */
    CS_F_AMOUNT,       /* decimal >= 0, < 1e15, exact text */
    CS_F_INT,          /* integer in [min, max] */
    CS_F_BOOL,         /* true / false */
    CS_F_ENUM,         /* one of choices */
    CS_F_LAT,          /* -90..90 */
    CS_F_LON,          /* -180..180 */
    CS_F_IDENT,        /* industrial-internet identifier PREFIX/SUFFIX */
    CS_F_CURRENCY,     /* ISO 4217, three upper-case letters */
    CS_F_POSITIVE,     /* decimal > 0 */
    CS_F_SHARE,        /* decimal 0..1 */
    CS_F_REGIONS,      /* non-empty array of region codes -> "{a,b}" */
} cs_fkind;

typedef struct cs_field {
    const char *name;
    cs_fkind kind;
    bool required;
    int64_t min, max;           /* TEXT: max bytes; INT: range */
    const char *const *choices; /* ENUM: NULL-terminated */
    const char *dflt;           /* value when absent, or NULL */
} cs_field;

/* Values are borrowed from the JSON document or owned by the record. */
typedef const char *cs_row[CS_FAMILY_MAX_FIELDS];

typedef struct cs_record {
    cs_row v;       /* header values in field order; NULL = absent */
    size_t n_lines; /* rows in line[] */
    cs_row *line;   /* owned */
    char **owned;   /* strings built by the decoder */
    size_t n_owned, cap_owned;
} cs_record;

typedef struct cs_family cs_family;
struct cs_family {
    const char *type;  /* e.g. "cs.shipment.v1" */
    const char *topic; /* e.g. "cs.shipments" */
    const cs_field *fields;
    size_t n_fields;
    const char *lines_key; /* "lines", or NULL */
    const cs_field *line_fields;
    size_t n_line_fields;
    /* Rules across fields; NULL when there are none. */
    cs_status (*check)(const cs_family *f, const cs_record *r, cs_err *err);
};

extern const cs_family cs_families[];
extern const size_t cs_n_families;

const cs_family *cs_family_by_type(const char *type);
/* True when events of type may arrive on topic. */
bool cs_family_on_topic(const cs_family *f, const char *topic);
/* Index of a header (or, with line true, line) field, or -1. */
int cs_family_field(const cs_family *f, const char *name, bool line);

/* Decodes data (an object) into r, which the caller zeroes first and
 * clears with cs_record_clear in every case. */
cs_status cs_record_decode(const cs_family *f, const cs_jval *data,
                           cs_record *r, cs_err *err);
void cs_record_clear(cs_record *r);

#endif
