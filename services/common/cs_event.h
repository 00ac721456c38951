/* cs_event.h - the canonical CloudEvents 1.0 envelope (structured JSON
 * mode) and the decoders of each event family's data. See
 * docs/events.md. All strings are borrowed from the parsed document and
 * live as long as it does. */
#ifndef CS_EVENT_H
#define CS_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_json.h"

#define CS_EVENT_ID_MAX_BYTES     128
#define CS_EVENT_TENANT_MAX_BYTES 64
#define CS_ORDER_MAX_LINES        1000

typedef struct cs_event {
    const char *id;        /* globally unique per tenant: the dedupe key */
    const char *source;    /* the sending system */
    const char *type;      /* e.g. "cs.order.v1" */
    const char *time;      /* RFC 3339, when the fact happened */
    const char *tenant_id; /* extension "tenantid": the owning tenant */
    const cs_jval *data;   /* an object */
} cs_event;

/* Checks the envelope of root and fills ev. expect_type, when not NULL,
 * is the only type accepted (the topic decides the family). Errors are
 * CS_E_INVALID with the failing attribute named first ("time: ..."). */
cs_status cs_event_parse(const cs_jval *root, const char *expect_type,
                         cs_event *ev, cs_err *err);

typedef struct cs_order_line {
    int64_t line_no;
    const char *sku;
    const char *quantity;       /* exact decimal text, >= 0 */
    const char *unit;           /* e.g. "PCS", "KG" */
    const char *unit_price;     /* exact decimal text >= 0, or NULL */
    const char *requested_date; /* YYYY-MM-DD or date-time, or NULL */
} cs_order_line;

typedef struct cs_order {
    const char *order_id;   /* the buyer's purchase order number */
    const char *buyer;      /* credit code */
    const char *supplier;   /* credit code */
    const char *order_date; /* YYYY-MM-DD or RFC 3339 */
    const char *currency;   /* ISO 4217, default "CNY" */
    size_t n_lines;
    cs_order_line *lines; /* owned: freed by cs_order_clear */
} cs_order;

/* Decodes the data of a cs.order.v1 event. On error the message names the
 * field by path, e.g. "data.lines[2].quantity: must not be negative". */
cs_status cs_order_decode(const cs_jval *data, cs_order *out, cs_err *err);
void cs_order_clear(cs_order *o);

#endif
