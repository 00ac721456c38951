/* edi_convert.c - cs_edi_convert: lexes the file, then hands each
 * interchange to the X12 or EDIFACT walker, or each IDoc of an SAP IDoc
 * flat file to the IDoc reader. */
#include "edi_int.h"

#include <stdlib.h>
#include <string.h>

cs_status cs_edi_convert(const char *buf, size_t len, const cs_edi_opts *o,
                         cs_edi_event_fn on_event, cs_edi_reject_fn on_reject,
                         void *ctx, cs_edi_stats *stats, cs_err *err)
{
    edi_lex lx;
    edi_run r = {.lx = &lx,
                 .o = o,
                 .on_event = on_event,
                 .on_reject = on_reject,
                 .ctx = ctx,
                 .stats = stats};
    size_t i = 0;
    bool idoc;
    cs_status rc;

    if (stats != NULL)
        memset(stats, 0, sizeof(*stats));
    if (len > CS_EDI_MAX_FILE_BYTES)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "file of %zu bytes is larger than %u", len,
                          CS_EDI_MAX_FILE_BYTES);
    idoc = cs__edi_is_idoc(buf, len);
    rc = idoc ? cs__edi_idoc_lex(buf, len, &lx, err)
              : cs__edi_lex(buf, len, &lx, err);
    if (rc != CS_OK)
        goto out;
    while (i < lx.n_segs) {
        const edi_seg *s = &lx.segs[i];
        if (idoc) {
            rc = cs__edi_idoc(&r, &i, err);
        } else if (cs__edi_is(s, "ISA")) {
            rc = cs__edi_x12_interchange(&r, &i, err);
        } else if (cs__edi_is(s, "UNA") || cs__edi_is(s, "UNB")) {
            rc = cs__edi_edifact_interchange(&r, &i, err);
        } else {
            cs_err e = {0};
            cs__edi_fail(&e, s,
                         "segment outside an interchange (expected ISA, UNA "
                         "or UNB)");
            cs__edi_reject(&r, &e);
            /* resynchronise at the next interchange header */
            while (++i < lx.n_segs && !cs__edi_is(&lx.segs[i], "ISA") &&
                   !cs__edi_is(&lx.segs[i], "UNA") &&
                   !cs__edi_is(&lx.segs[i], "UNB"))
                ;
            rc = CS_OK;
        }
        if (rc != CS_OK)
            goto out;
    }
    if (lx.n_segs == 0 && !lx.has_fatal) {
        cs_err e = {0};
        cs_err_set(&e, CS_E_INVALID, "the file holds no interchange");
        cs__edi_reject(&r, &e);
    }
    if (lx.has_fatal && !r.fatal_reported) {
        /* e.g. a file that is not EDI at all, or bytes after the last
         * trailer: no walker had an open interchange to blame */
        cs__edi_reject(&r, &lx.fatal);
    }
    rc = CS_OK;
out:
    cs__edi_flush(&r, false, err);
    free(r.keys);
    free(r.jsons);
    free(r.lens);
    free(r.types);
    cs__edi_lex_free(&lx);
    if (rc == CS_E_NOMEM && err->msg[0] == '\0')
        cs_err_set(err, CS_E_NOMEM, "out of memory");
    if (rc == CS_OK && r.has_reject) {
        *err = r.first;
        rc = CS_E_INVALID;
    }
    return rc;
}
