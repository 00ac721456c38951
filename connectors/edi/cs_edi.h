/* cs_edi.h - EDI documents into canonical CloudEvents: ANSI X12 850
 * (purchase order), 855 (order acknowledgment), 856 (ship notice) and
 * 810 (invoice), 830 (planning schedule), UN/EDIFACT ORDERS, ORDRSP,
 * DESADV, INVOIC and SLSRPT (sales data report), as cs.order.v1,
 * cs.order_response.v1, cs.shipment.v1, cs.invoice.v1, cs.demand_plan.v1
 * and cs.sales.v1; SAP IDoc ORDERS01..05 flat files as cs.order.v1
 * (docs/events.md, docs/connectors.md).
 * Pure conversion over a buffer: no files, no Kafka, no logging. */
#ifndef CS_EDI_H
#define CS_EDI_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_err.h"

#define CS_EDI_MAX_FILE_BYTES (64u * 1024u * 1024u)

/* Trading-partner ids (ISA06/ISA08, UNB sender/recipient, N1 and NAD
 * party ids) mapped to unified social credit codes. */
typedef struct cs_edi_partners cs_edi_partners;

/* Parses a partner map: one "PARTNER_ID<TAB>CREDIT_CODE" per line, blank
 * lines and lines starting with '#' ignored. Every credit code must have
 * a valid check character; a partner listed twice is an error. Errors
 * name the line. *out is new, freed with cs_edi_partners_free. */
cs_status cs_edi_partners_parse(const char *text, size_t len,
                                cs_edi_partners **out, cs_err *err);
/* Reads and parses the file at path. */
cs_status cs_edi_partners_load(const char *path, cs_edi_partners **out,
                               cs_err *err);
/* The credit code of id, or NULL; borrowed from p. */
const char *cs_edi_partners_find(const cs_edi_partners *p, const char *id);
void cs_edi_partners_free(cs_edi_partners *p); /* NULL is a no-op */

typedef struct cs_edi_opts {
    const cs_edi_partners *partners; /* borrowed; NULL: an empty map */
    const char *tenant;              /* "" or NULL: buyer of an order, supplier
                                        of a shipment */
    const char *source;              /* "" or NULL: "edi://x12/SENDER" etc. */
    const char *default_unit;        /* for an EDIFACT QTY stating no unit */
    const char *currency;    /* "" or NULL: only what the document says */
    const char *time_offset; /* "Z" or "+08:00": EDI times carry none */
    bool strict_controls;    /* wrong control counts and references
                                reject (default: warnings) */
    bool strict_charset;     /* text outside a UNOA / UNOB interchange's
                                repertoire rejects even when it is valid
                                UTF-8 (default: a warning, read as UTF-8) */
} cs_edi_opts;

typedef struct cs_edi_event {
    const char *type; /* "cs.order.v1", "cs.shipment.v1", ... */
    const char *key;  /* Kafka key: BUYER/ORDER_ID (orders, responses),
                         SUPPLIER/SHIPMENT_ID, SUPPLIER/INVOICE_ID */
    const char *json; /* one CloudEvent, NUL-terminated, no newline */
    size_t json_len;
} cs_edi_event;

/* Receives each converted event (borrowed for the call). A status other
 * than CS_OK stops the conversion and is returned by cs_edi_convert. */
typedef cs_status (*cs_edi_event_fn)(void *ctx, const cs_edi_event *ev,
                                     cs_err *err);
/* Receives each rejection: one message, or a whole interchange when its
 * envelope is wrong. why->msg names the segment position. why->code is
 * CS_OK for a warning only (the data still converted, e.g. a file that
 * ends after complete messages without its UNZ / IEA trailer). */
typedef void (*cs_edi_reject_fn)(void *ctx, const cs_err *why);

typedef struct cs_edi_stats {
    size_t n_interchanges;
    size_t n_messages;
    size_t n_events;
    size_t n_rejected; /* rejections reported through on_reject */
} cs_edi_stats;

/* Converts every interchange in buf (len bytes, any number of ISA...IEA
 * or [UNA]UNB...UNZ, one after the other). A message converts or is
 * rejected alone; an envelope error (wrong group or interchange control
 * count or reference) rejects its whole interchange, whose events are
 * then never handed to on_event. Returns CS_OK when nothing was rejected,
 * CS_E_INVALID (err: the first rejection) when something was, or what
 * on_event returned. stats may be NULL. */
cs_status cs_edi_convert(const char *buf, size_t len, const cs_edi_opts *o,
                         cs_edi_event_fn on_event, cs_edi_reject_fn on_reject,
                         void *ctx, cs_edi_stats *stats, cs_err *err);

#endif
