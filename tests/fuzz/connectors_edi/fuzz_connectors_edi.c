/* fuzz_connectors_edi.c - libFuzzer target for the EDI converter: any
 * bytes as an EDI file (X12 or EDIFACT, several interchanges, any
 * separators). Promises checked: no crash or sanitizer report, every
 * rejection names a position, and every event that comes out passes the
 * envelope and family decoders cs-ingest applies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_edi.h"
#include "cs_event.h"
#include "cs_family.h"
#include "cs_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sample documents' partner ids, so fuzzed inputs reach the event
 * builder rather than stopping at the partner lookup. */
static const char partners_tsv[] = "4405197800\t91330100MA00001002\n"
                                   "999999999\t91330100MA00001015\n"
                                   "12:1234567890\t91330100MA00001103\n"
                                   "08:1234567890\t91330100MA00001116\n"
                                   "8711576000012\t91330100MA00001204\n"
                                   "5020436000004\t91330100MA00001217\n"
                                   "1556150\t91330100MA0000116M\n"
                                   "8888888\t91330100MA0000117Q\n"
                                   "PARTNER1\t91330100MA0000124G\n"
                                   "PARTNER2\t91330100MA0000125K\n"
                                   "AAAAAAAAAA\t91330100MA0000104E\n"
                                   "test22222\t91330100MA0000105H\n";

static cs_status on_event(void *ctx, const cs_edi_event *ev, cs_err *err)
{
    cs_json_doc *doc = NULL;
    cs_event e;
    cs_record rec = {0};
    (void)ctx;

    if (strlen(ev->json) != ev->json_len)
        abort();
    if (cs_json_parse(ev->json, ev->json_len, &cs_json_default_limits, &doc,
                      err) != CS_OK ||
        cs_event_parse(cs_json_root(doc), ev->type, &e, err) != CS_OK ||
        cs_record_decode(cs_family_by_type(ev->type), e.data, &rec, err) !=
            CS_OK) {
        fprintf(stderr, "invalid event: %s\n%s\n", err->msg, ev->json);
        abort();
    }
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
    return CS_OK;
}

static void on_reject(void *ctx, const cs_err *why)
{
    (void)ctx;
    if (why->msg[0] == '\0')
        abort(); /* a rejection always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cs_edi_partners *partners;
    cs_edi_opts o = {.default_unit = "PCE", .time_offset = "Z"};
    cs_err err = {0};

    if (partners == NULL &&
        cs_edi_partners_parse(partners_tsv, sizeof(partners_tsv) - 1, &partners,
                              &err) != CS_OK)
        abort();
    o.partners = partners;
    o.strict_controls = size > 0 && (data[size - 1] & 1);
    o.strict_charset = size > 0 && (data[size - 1] & 2);
    cs_edi_convert((const char *)data, size, &o, on_event, on_reject, NULL,
                   NULL, &err);
    return 0;
}
