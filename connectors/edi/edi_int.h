/* edi_int.h - shared internals of the EDI converter: the segment lexer,
 * the neutral document the X12 and EDIFACT mappers fill, and the value
 * checks (numbers, dates, units) that report segment positions. */
#ifndef EDI_INT_H
#define EDI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_edi.h"
#include "cs_hash.h"

#define EDI_MAX_LINES    1000 /* CS_ORDER_MAX_LINES of the contract */
#define EDI_MAX_ITEM_IDS 12
#define EDI_NUM_BYTES    40
#define EDI_TIME_BYTES   40

typedef enum edi_syntax { EDI_X12 = 1, EDI_EDIFACT, EDI_IDOC } edi_syntax;

typedef struct edi_seps {
    char elem, comp, term;
    char rel;     /* release (EDIFACT), 0 when none */
    char rep;     /* repetition, 0 when none */
    char decimal; /* EDIFACT decimal mark: '.' or ',' */
} edi_seps;

typedef struct edi_seg {
    const char *tag;     /* borrows the lexer's text */
    size_t pos;          /* 1-based segment number in the file */
    size_t offset_bytes; /* of its first byte in the file */
    size_t first_elem;   /* index into edi_lex.elems */
    size_t n_elems;      /* data elements after the tag */
    edi_syntax syntax;
    edi_seps seps;
    char *bad; /* lexical fault of this segment, or NULL; owned */
} edi_seg;

typedef struct edi_elem {
    size_t first_comp, n_comps;
} edi_elem;

typedef struct edi_lex {
    char *text; /* unescaped component strings, NUL-separated; owned */
    edi_seg *segs;
    size_t n_segs, cap_segs;
    edi_elem *elems;
    size_t n_elems, cap_elems;
    const char **comps;
    size_t n_comps, cap_comps;
    bool has_fatal; /* lexing stopped after n_segs segments */
    cs_err fatal;
} edi_lex;

/* Splits buf into segments with the separators each ISA / UNA / UNB
 * declares. A fault inside one segment marks it (seg->bad) and lexing
 * goes on at the next terminator; a fault that leaves the separators
 * unknown or the file truncated stops it (lx->has_fatal). Returns only
 * CS_OK or CS_E_NOMEM. */
cs_status cs__edi_lex(const char *buf, size_t len, edi_lex *lx, cs_err *err);
void cs__edi_lex_free(edi_lex *lx);

/* Component comp (1-based) of data element elem (1-based) of s, or ""
 * when absent. */
const char *cs__edi_get(const edi_lex *lx, const edi_seg *s, size_t elem,
                        size_t comp);
size_t cs__edi_n_comps(const edi_lex *lx, const edi_seg *s, size_t elem);
bool cs__edi_is(const edi_seg *s, const char *tag);

/* Sets err to "segment N (TAG, byte B): <fmt>" and returns CS_E_INVALID. */
cs_status cs__edi_fail(cs_err *err, const edi_seg *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the neutral document ---- */

typedef enum edi_kind {
    EDI_ORDER = 1,      /* cs.order.v1 */
    EDI_SHIPMENT,       /* cs.shipment.v1 */
    EDI_ORDER_RESPONSE, /* cs.order_response.v1 */
    EDI_INVOICE,        /* cs.invoice.v1 */
    EDI_SALES,          /* cs.sales.v1, one event per item and period */
    EDI_DEMAND_PLAN,    /* cs.demand_plan.v1, one per item and period */
} edi_kind;

/* The event type of a kind ("cs.order.v1", ...). */
const char *cs__edi_kind_type(edi_kind k);

typedef struct edi_item_id {
    const char *qual; /* as stated, may be "" */
    const char *id;
} edi_item_id;

typedef struct edi_line {
    const edi_seg *seg;       /* PO1 / LIN: where errors point */
    const char *line_no_text; /* as stated, may be "" */
    edi_item_id ids[EDI_MAX_ITEM_IDS];
    size_t n_ids;
    char quantity[EDI_NUM_BYTES]; /* normalised decimal, "" if none */
    const char *unit;
    char unit_price[EDI_NUM_BYTES]; /* "" if none */
    char requested[EDI_TIME_BYTES]; /* requested (order) or promised
                                       (response) date, "" if none */
    char amount[EDI_NUM_BYTES];     /* invoice line amount, "" if none */
    const char *status_code;        /* response: as stated, or NULL */
    const char *status;             /* accepted / changed / rejected, or
                                       NULL when the code is none of them */
    int qty_rank;                   /* how good the QTY taken is */
    const char *description;        /* may be NULL */
    const char *description2;       /* second text part, may be NULL */
    const char *batch, *lot;        /* may be NULL */
    int64_t order_line_no;          /* 0 if none */
    const char *order_id;           /* may be NULL */
} edi_line;

typedef struct edi_party {
    const char *id;       /* stated party id (N1 / NAD), or NULL */
    const char *id_qual;  /* its qualifier (N103, NAD 3055), or NULL */
    const char *env_qual; /* ISA05 / ISA07, UNB 0007, or NULL */
    const char *id_from;  /* "N1*BY", "NAD+SU", ... */
    const edi_seg *seg;
    const char *env_id;   /* envelope id (ISA / UNB) */
    const char *env_from; /* "ISA06", "UNB recipient", ... */
} edi_party;

typedef struct edi_doc {
    edi_kind kind;
    edi_syntax syntax;
    const edi_seg *head; /* ST / UNH */
    const char *charset; /* EDIFACT syntax id (UNOA...), NULL for X12 */
    /* order_id (orders, responses), shipment_id or invoice_id */
    const char *doc_id;
    const edi_seg *doc_id_seg;
    const char *order_id;      /* shipments, invoices: the PO, NULL when none
                                  (or, for a shipment, several) */
    const char *response_id;   /* responses: the supplier's number */
    const char *status_code;   /* responses: as stated */
    const char *status;        /* accepted / changed / rejected */
    const edi_seg *status_seg; /* where status_code is */
    char date[EDI_TIME_BYTES]; /* order_date / shipped_at /
                                  responded_at / invoice_date */
    char order_date[EDI_TIME_BYTES];   /* responses, invoices: "" if none */
    char delivered_at[EDI_TIME_BYTES]; /* "" if none */
    char requested[EDI_TIME_BYTES];    /* header-level requested (order) or
                                          promised (response) date */
    char total_amount[EDI_NUM_BYTES];  /* invoices: "" if none */
    const char *currency;              /* may be NULL */
    edi_party buyer, supplier;
    char time[EDI_TIME_BYTES]; /* envelope date-time */
    char event_id[129];
    char sender[64]; /* for the default source */
    edi_line *lines;
    size_t n_lines, cap_lines;
    const char *const *sku_prefer; /* qualifiers tried first for the sku */
} edi_doc;

/* The envelope ids of d's parties (d->kind set): the sender is the buyer
 * of an order and the supplier of anything else. */
void cs__edi_doc_envelope(edi_doc *d, const char *sender,
                          const char *sender_qual, const char *sender_from,
                          const char *receiver, const char *receiver_qual,
                          const char *receiver_from);
/* Appends a zeroed line (seg is where it starts). */
edi_line *cs__edi_doc_add_line(edi_doc *d, const edi_seg *seg, cs_err *err);
void cs__edi_doc_free(edi_doc *d);

/* Builds the CloudEvent of d. *key and *json are new (free()). */
cs_status cs__edi_doc_event(const edi_doc *d, const cs_edi_opts *o, char **key,
                            char **json, size_t *json_len, cs_err *err);

/* ---- values ---- */

/* A stated decimal ("0012", ".5", "12,50" with decimal ',') into JSON
 * number text ("12", "0.5", "12.50"); must be >= 0 and < 10^15. */
cs_status cs__edi_decimal(const edi_seg *s, const char *what, const char *in,
                          char decimal, char *out, size_t out_bytes,
                          cs_err *err);
/* A date in EDIFACT format fmt ("102" CCYYMMDD, "203" CCYYMMDDHHMM,
 * "204" CCYYMMDDHHMMSS, "101" YYMMDD; X12 passes "102" or "101") into
 * "YYYY-MM-DD" or an RFC 3339 date-time with offset. */
cs_status cs__edi_date(const edi_seg *s, const char *what, const char *in,
                       const char *fmt, const char *offset, char *out,
                       size_t out_bytes, cs_err *err);
/* Envelope date (YYMMDD or CCYYMMDD) and time (HHMM[SS[d..]]) into an
 * RFC 3339 date-time. */
cs_status cs__edi_datetime(const edi_seg *s, const char *what, const char *date,
                           const char *time, const char *offset, char *out,
                           size_t out_bytes, cs_err *err);
/* An X12 N2 amount (digits, two implied decimals: "255438" is
 * 2554.38) into decimal text. */
cs_status cs__edi_n2(const edi_seg *s, const char *what, const char *in,
                     char *out, size_t out_bytes, cs_err *err);
/* An ISO 4217 code (three of A-Z) as a document states it. */
cs_status cs__edi_currency(const edi_seg *s, const char *what, const char *in,
                           cs_err *err);
/* A unit code: 1-8 of A-Z, 0-9. */
cs_status cs__edi_unit(const edi_seg *s, const char *what, const char *in,
                       cs_err *err);
/* A control count: digits only, returned as a number. */
cs_status cs__edi_count(const edi_seg *s, const char *what, const char *in,
                        int64_t *out, cs_err *err);

/* Every component of s is valid in charset: "UNOA" / "UNOB" printable
 * ASCII, "UNOC".."UNOK" any byte, NULL (X12) or "UNOW" / "UNOY" UTF-8. */
cs_status cs__edi_check_text(const edi_lex *lx, const edi_seg *s,
                             const char *charset, cs_err *err);
bool cs__edi_utf8_valid(const char *s, size_t n);
/* Copies in with every byte that is not printable ASCII (or is ':' or
 * '/', the id separators) replaced by '_'. */
void cs__edi_ascii(const char *in, char *out, size_t out_bytes);
/* Copies in without leading and trailing spaces (ISA ids are padded). */
void cs__edi_trim(const char *in, char *out, size_t out_bytes);

/* Hash of segments [from, to] (their tags and components). */
uint64_t cs__edi_hash_segs(const edi_lex *lx, size_t from, size_t to);

/* The X12 and EDIFACT walkers: segments [*i, ...) of one interchange
 * starting at ISA / UNB; they advance *i past it. */
typedef struct edi_run {
    const edi_lex *lx;
    const cs_edi_opts *o;
    cs_edi_event_fn on_event;
    cs_edi_reject_fn on_reject;
    void *ctx;
    cs_edi_stats *stats;
    cs_err first; /* first rejection */
    bool has_reject;
    bool fatal_reported; /* lx->fatal went out with an interchange */
    /* events of the interchange in progress, emitted at its trailer */
    char **keys, **jsons;
    size_t *lens;
    const char **types;
    size_t n_pending, cap_pending;
} edi_run;

void cs__edi_reject(edi_run *r, const cs_err *why);
/* A wrong control count or reference (why): a warning, or with
 * strict_controls a rejection. Returns true when it rejects. */
bool cs__edi_control(edi_run *r, cs_err *why);
/* Converts d and queues its event; a conversion error rejects d alone. */
cs_status cs__edi_queue(edi_run *r, const edi_doc *d);
/* Hands the queued events to on_event (ok) or drops them. */
cs_status cs__edi_flush(edi_run *r, bool ok, cs_err *err);

/* ---- what both envelope walkers share (edi_envelope.c) ---- */

/* The message opened at segment j runs to the first segment tagged one of
 * ends (NULL-terminated); *k is its index. True when that is close (the
 * message's trailer); else the message is rejected ("WHAT REF ends
 * without its CLOSE", or the lexer's fatal fault) and false. */
bool cs__edi_message_span(edi_run *r, size_t j, const char *const *ends,
                          const char *close, const char *what, const char *ref,
                          size_t *k);

/* Every segment of message [from, to] lexed cleanly and holds text valid
 * in *charset (an EDIFACT syntax id; NULL for X12: UTF-8). A UNOA / UNOB
 * message that is valid UTF-8 is read as UTF-8 instead (*charset becomes
 * "UNOY") with a warning, unless strict_charset. False, with why set,
 * when the message is to be rejected. */
bool cs__edi_message_text(edi_run *r, size_t from, size_t to,
                          const char **charset, cs_err *why);

/* The words of a group or interchange trailer's checks. */
typedef struct edi_tally {
    const char *count_what; /* for an unreadable count: "GE01 number of
                               transaction sets" */
    const char *count_name; /* "GE01", "UNZ" */
    const char *noun;       /* "transaction sets", "messages" */
    const char *holder;     /* "group", "interchange" */
    const char *ref_name;   /* "GE02 control number", "UNZ reference" */
    const char *want_name;  /* "GS06", "UNB" */
} edi_tally;

/* Trailer s states count_text and ref; the walker saw have and want. A
 * wrong count or reference is a control (cs__edi_control), an unreadable
 * count a fault. Returns true, with env_err set, when the envelope is
 * bad. */
bool cs__edi_check_tally(edi_run *r, const edi_seg *s, const edi_tally *t,
                         const char *count_text, size_t have, const char *ref,
                         const char *want, cs_err *env_err);

/* An interchange as its walker leaves it. */
typedef struct edi_interchange {
    const edi_seg *head;       /* ISA / UNB */
    const char *ref;           /* ISA13 / UNB 0020 */
    size_t next;               /* the segment after it */
    bool done;                 /* its trailer was seen */
    const edi_seg *open_group; /* a GS / UNG without GE / UNE, or NULL */
    bool bad;                  /* why holds an envelope fault */
    cs_err why;
    const char *trailer;          /* "IEA", "UNZ" */
    const char *missing_trailers; /* "GE and IEA", "UNE and UNZ" */
    const char *messages;         /* "transaction sets", "messages" */
} edi_interchange;

/* Closes interchange x: a missing trailer after complete messages is a
 * warning, an open group or a file cut short make it bad; a bad one is
 * rejected whole and its queued events dropped, else they go out. */
cs_status cs__edi_interchange_end(edi_run *r, const edi_interchange *x,
                                  cs_err *err);

/* What names a message in its interchange: the envelope ids and control
 * references that, with its content, make its event id. */
typedef struct edi_ids {
    const char *sender, *receiver; /* ISA06 / ISA08, UNB 0004 / 0010 */
    const char *group_ref;         /* GS06, UNG 0048, or "" */
    const char *interchange_ref;   /* ISA13, UNB 0020 */
    const char *message_ref;       /* ST02, UNH 0062 */
} edi_ids;

/* The event id of d (messages [from, to] of r's lexer, see
 * docs/connectors.md), then d converted and queued (a conversion error
 * rejects d alone); d is freed. */
cs_status cs__edi_message_out(edi_run *r, edi_doc *d, const edi_ids *ids,
                              size_t from, size_t to);

/* The event kind of an X12 transaction set (EDI_X12) or an EDIFACT
 * message type (EDI_EDIFACT), or 0 when cs-edi converts no such
 * documents in that syntax: an EDIFACT message typed "830" is no
 * demand plan. */
edi_kind cs__edi_kind_of(edi_syntax syntax, const char *type);

/* ---- documents that yield one event per item and period ---- */

/* The event id of message [from, to] named by ids (as
 * cs__edi_message_out makes it), with salt (an item and period, or "")
 * mixed into its hash. */
void cs__edi_event_id(const edi_run *r, edi_syntax syntax, const edi_ids *ids,
                      size_t from, size_t to, const char *salt, char *out,
                      size_t out_bytes);
/* Drops the events queued after the first n (a message that failed
 * after some of its events were built). */
void cs__edi_unqueue(edi_run *r, size_t n);
/* Queues one built event (takes key and json). */
cs_status cs__edi_queue_json(edi_run *r, const char *type, char *key,
                             char *json, size_t len);
/* The credit code of party p of d (its stated id, else its envelope id,
 * each as a credit code or through the partner map), or an error naming
 * both. */
cs_status cs__edi_resolve(const edi_doc *d, const cs_edi_opts *o,
                          const edi_party *p, const char *role,
                          const char **out, cs_err *err);
/* Opens the CloudEvent of type owned by tenant, one of the events of
 * message [from, to] (salt names which, see cs__edi_event_id), up to
 * "data": {, or returns NULL (out of memory). */
void *cs__edi_event_open(const edi_run *r, const edi_doc *d, const edi_ids *ids,
                         size_t from, size_t to, const char *salt,
                         const char *type, const char *tenant);
/* Closes the event g opened and queues it under key (copied); s is where
 * a failure to build the JSON points. Frees g. */
cs_status cs__edi_event_close(edi_run *r, void *g, const char *type,
                              const char *key, const edi_seg *s, cs_err *err);
/* The end of a message that yields its events itself (sales, plans): d
 * freed, a failure (rc, why) rejected; CS_OK unless out of memory. */
cs_status cs__edi_events_done(edi_run *r, edi_doc *d, cs_status rc,
                              const cs_err *why);
/* A warning (the data still converts) at segment s. */
void cs__edi_warn(edi_run *r, const edi_seg *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An exact decimal: v / 10^scale. */
typedef struct edi_dec {
    int64_t v;
    int scale;
} edi_dec;
/* A stated decimal, sign allowed ("-1", "19.95", "12,5"). */
cs_status cs__edi_dec_parse(const edi_seg *s, const char *what, const char *in,
                            char decimal, edi_dec *out, cs_err *err);
/* *acc += x; false on overflow. */
bool cs__edi_dec_add(edi_dec *acc, edi_dec x);
/* As JSON number text ("-40.50"). */
void cs__edi_dec_text(edi_dec x, char *out, size_t out_bytes);

/* SLSRPT: the quantities and sales values of each item per period
 * (cs.sales.v1); 830: the buyer's planned requirements of each item per
 * period (cs.demand_plan.v1). d holds the envelope (kind, head, charset,
 * time, sender, parties' envelope ids); the events are queued, or why is
 * set and CS_E_INVALID returned. */
cs_status cs__edi_sales(edi_run *r, edi_doc *d, const edi_ids *ids, size_t unh,
                        size_t unt, cs_err *why);
cs_status cs__edi_demand_plan(edi_run *r, edi_doc *d, const edi_ids *ids,
                              size_t st, size_t se, cs_err *why);

cs_status cs__edi_x12_interchange(edi_run *r, size_t *i, cs_err *err);

/* SAP IDoc flat files: a file starting with an EDI_DC40 control record;
 * its records as segments (one element per field, trimmed); one IDoc
 * (the control record at *i and its data records) into cs.order.v1. */
bool cs__edi_is_idoc(const char *buf, size_t len);
cs_status cs__edi_idoc_lex(const char *buf, size_t len, edi_lex *lx,
                           cs_err *err);
cs_status cs__edi_idoc(edi_run *r, size_t *i, cs_err *err);
cs_status cs__edi_edifact_interchange(edi_run *r, size_t *i, cs_err *err);

#endif
