/* fuzz_connectors_csv.c - libFuzzer target for the CSV importer: the
 * first byte picks one of a few mappings (orders with units and a
 * YYYY/MM/DD date format, shipments with ',' decimals and ';', GB18030
 * stock), the rest is the file. Promises checked: no crash or sanitizer
 * report, every rejection has a reason, every event passes the decoders
 * cs-ingest applies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_csv.h"
#include "cs_event.h"
#include "cs_family.h"
#include "cs_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const maps[] = {
    "type = cs.order.v1\ncolumn.order_id = po\ncolumn.buyer = b\n"
    "column.supplier = s\ncolumn.order_date = d\ncolumn.line_no = l\n"
    "column.sku = sku\ncolumn.quantity = q\ncolumn.unit = u\n"
    "column.unit_price = p\ncolumn.requested_date = r\n"
    "date.format = YYYY/MM/DD\nunit.pcs = PCS\nunit.kg = KG\n",
    "type = cs.shipment.v1\ncolumn.shipment_id = a\ncolumn.supplier = s\n"
    "column.buyer = b\ncolumn.shipped_at = t\ncolumn.sku = sku\n"
    "column.quantity = q\ncolumn.unit = u\ncolumn.batch = x\n"
    "column.time = c\ndecimal = ,\ndelimiter = ;\ntime.offset = +08:00\n",
    "type = cs.inventory.v1\ncolumn.enterprise = e\ncolumn.sku = s\n"
    "column.as_of = t\ncolumn.on_hand = q\ndefault.unit = PCS\n"
    "encoding = GB18030\ndelimiter = tab\n",
};
#define N_MAPS (sizeof(maps) / sizeof(maps[0]))

static cs_status on_event(void *ctx, const cs_csv_event *ev, cs_err *err)
{
    cs_json_doc *doc = NULL;
    cs_event e;
    cs_record rec = {0};
    (void)ctx;

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

static void on_reject(void *ctx, size_t line, const char *raw, size_t len,
                      const char *why)
{
    (void)ctx;
    (void)line;
    (void)raw;
    (void)len;
    if (why == NULL || why[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cs_csv_map *m[N_MAPS];
    cs_err err = {0};

    if (m[0] == NULL)
        for (size_t i = 0; i < N_MAPS; i++)
            if (cs_csv_map_parse(maps[i], strlen(maps[i]), &m[i], &err) !=
                CS_OK)
                abort();
    if (size == 0)
        return 0;
    cs_csv_convert((const char *)data + 1, size - 1, m[data[0] % N_MAPS],
                   "2026-11-29T00:00:00Z", on_event, on_reject, NULL, NULL,
                   &err);
    return 0;
}
