/* csv_int.h - internals of the CSV importer: the field tables of the
 * event families it writes and the parsed mapping. */
#ifndef CSV_INT_H
#define CSV_INT_H

#include "cs_csv.h"

#define CSV_MAX_FIELDS 16
#define CSV_MAX_UNITS  256

typedef enum csv_kind {
    CSV_TEXT,     /* 1..max bytes */
    CSV_USCC,     /* credit code */
    CSV_DATE,     /* date in the mapping's date.format */
    CSV_DATETIME, /* RFC 3339, or "YYYY-MM-DD HH:MM[:SS]" + time.offset */
    CSV_DATE_OR_DATETIME,
    CSV_DECIMAL, /* >= 0 with the mapping's decimal mark */
    CSV_INT,     /* line numbers */
    CSV_UNIT,    /* through the unit table when there is one */
    CSV_CURRENCY,
    CSV_SIGNED, /* a decimal that may be negative (lat, lon) */
    CSV_COUNT,  /* an integer >= 0 (lead_time_days) */
    CSV_BOOL,   /* true/false, 1/0, yes/no, 是/否 */
} csv_kind;

typedef struct csv_field {
    const char *name;
    csv_kind kind;
    bool is_line;
    bool required;
    size_t max_bytes;
} csv_field;

typedef struct csv_family {
    const char *type, *topic;
    const char *owner; /* field naming the owning enterprise: the default
                          tenant; NULL: the mapping must name the tenant */
    const char *id;    /* with owner, the entity of grouped lines; NULL:
                          one row is one event */
    const char *key2;  /* flat rows: the field naming the row in messages */
    const char *const *key; /* Kafka key fields, "@tenant" the tenant */
    const csv_field *fields;
    size_t n_fields;
} csv_family;

typedef enum csv_date_fmt {
    CSV_YMD_DASH, /* YYYY-MM-DD */
    CSV_YMD_SLASH,
    CSV_YMD_DIGITS, /* YYYYMMDD */
    CSV_DMY_DOT,    /* DD.MM.YYYY */
    CSV_MDY_SLASH,  /* MM/DD/YYYY */
} csv_date_fmt;

struct cs_csv_map {
    const csv_family *fam;
    char *column[CSV_MAX_FIELDS]; /* header per field, NULL: unmapped */
    char *dflt[CSV_MAX_FIELDS];   /* constant when unmapped or empty */
    char *time_column;
    char *source, *tenant, *encoding;
    char time_offset[8];
    char delim, decimal;
    csv_date_fmt date_fmt;
    char *unit_from[CSV_MAX_UNITS], *unit_to[CSV_MAX_UNITS];
    size_t n_units;
};

const csv_family *cs__csv_family(const char *type);
int cs__csv_field(const csv_family *f, const char *name);

#endif
