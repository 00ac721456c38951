/* edi_envelope.c - what the X12 (ISA / GS / ST) and EDIFACT (UNB / UNG /
 * UNH) envelope walkers share: finding where a message ends, checking a
 * group or interchange trailer's count and reference, and closing an
 * interchange (missing trailer, whole-interchange rejection, handing the
 * queued events on). The syntaxes differ only in their tags and words,
 * which the callers pass. */
#include "edi_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cs_str.h"

static bool is_any(const edi_seg *s, const char *const *tags)
{
    for (size_t i = 0; tags[i] != NULL; i++)
        if (cs__edi_is(s, tags[i]))
            return true;
    return false;
}

bool cs__edi_message_span(edi_run *r, size_t j, const char *const *ends,
                          const char *close, const char *what, const char *ref,
                          size_t *k)
{
    const edi_lex *lx = r->lx;
    size_t e = j + 1;
    cs_err why = {0};

    while (e < lx->n_segs && !is_any(&lx->segs[e], ends))
        e++;
    *k = e;
    if (e < lx->n_segs && cs__edi_is(&lx->segs[e], close))
        return true;
    if (r->stats != NULL)
        r->stats->n_messages++;
    if (e >= lx->n_segs && lx->has_fatal) {
        why = lx->fatal;
        r->fatal_reported = true;
    } else {
        cs__edi_fail(&why, &lx->segs[j],
                     "%s %s ends without its %s (at segment %zu)", what, ref,
                     close, e < lx->n_segs ? lx->segs[e].pos : lx->n_segs);
    }
    cs__edi_reject(r, &why);
    return false;
}

bool cs__edi_check_tally(edi_run *r, const edi_seg *s, const edi_tally *t,
                         const char *count_text, size_t have, const char *ref,
                         const char *want, cs_err *env_err)
{
    int64_t n;

    if (cs__edi_count(s, t->count_what, count_text, &n, env_err) != CS_OK)
        return true; /* not a count at all: a fault, not a mismatch */
    /* with lenient controls a wrong count is a warning, and the
     * reference is still checked */
    if ((size_t)n != have) {
        cs__edi_fail(env_err, s, "%s counts %" PRId64 " %s, the %s has %zu",
                     t->count_name, n, t->noun, t->holder, have);
        if (cs__edi_control(r, env_err))
            return true;
    }
    if (strcmp(ref, want) != 0) {
        cs__edi_fail(env_err, s, "%s \"%s\" does not match %s \"%s\"",
                     t->ref_name, ref, t->want_name, want);
        return cs__edi_control(r, env_err);
    }
    return false;
}

cs_status cs__edi_interchange_end(edi_run *r, const edi_interchange *x,
                                  cs_err *err)
{
    const edi_lex *lx = r->lx;
    bool bad = x->bad;
    cs_err why = x->why;

    if (!x->done && !bad) {
        if (lx->has_fatal && x->next >= lx->n_segs) {
            why = lx->fatal;
            r->fatal_reported = true;
            bad = true;
        } else if (x->open_group != NULL) {
            cs__edi_fail(&why, x->head, "interchange %s ends without %s",
                         x->ref, x->missing_trailers);
            bad = true;
        } else {
            cs_err w = {0};
            cs__edi_fail(&w, x->head,
                         "interchange %s has no %s trailer; its complete %s "
                         "were converted",
                         x->ref, x->trailer, x->messages);
            w.code = CS_OK;
            if (r->on_reject != NULL)
                r->on_reject(r->ctx, &w);
        }
    }
    if (bad) {
        cs_err e = why;
        char msg[2 * CS_ERR_MSG_BYTES];
        snprintf(msg, sizeof(msg), "interchange %s rejected whole: %s", x->ref,
                 why.msg);
        cs_strlcpy(e.msg, msg, sizeof(e.msg));
        e.code = CS_E_INVALID;
        cs__edi_reject(r, &e);
    }
    return cs__edi_flush(r, !bad, err);
}

void cs__edi_event_id(const edi_run *r, edi_syntax syntax, const edi_ids *ids,
                      size_t from, size_t to, const char *salt, char *out,
                      size_t out_bytes)
{
    uint64_t h = cs_fnv1a(CS_FNV1A_INIT, ids->receiver, strlen(ids->receiver));
    char a[32], b[32], c[32];

    h = cs_fnv1a(h, ids->group_ref, strlen(ids->group_ref));
    h = cs_fnv1a(h, ids->sender, strlen(ids->sender));
    h = cs_fnv1a(h, ids->interchange_ref, strlen(ids->interchange_ref));
    h ^= cs__edi_hash_segs(r->lx, from, to);
    if (salt != NULL && salt[0] != '\0')
        h = cs_fnv1a(h, salt, strlen(salt));
    cs__edi_ascii(ids->sender, a, sizeof(a));
    cs__edi_ascii(ids->interchange_ref, b, sizeof(b));
    cs__edi_ascii(ids->message_ref, c, sizeof(c));
    snprintf(out, out_bytes, "%s:%s:%s:%s:%016" PRIx64,
             syntax == EDI_X12       ? "x12"
             : syntax == EDI_EDIFACT ? "edifact"
                                     : "idoc",
             a, b, c, h);
}

cs_status cs__edi_message_out(edi_run *r, edi_doc *d, const edi_ids *ids,
                              size_t from, size_t to)
{
    cs_status rc;

    cs__edi_event_id(r, d->syntax, ids, from, to, NULL, d->event_id,
                     sizeof(d->event_id));
    rc = cs__edi_queue(r, d);
    cs__edi_doc_free(d);
    return rc;
}

/* Text outside a UNOA / UNOB repertoire (why): when the whole message is
 * valid UTF-8 and strict_charset is off, a warning and true (read the
 * message as UTF-8, which is what such senders write); else false. */
static bool utf8_instead(edi_run *r, size_t from, size_t to,
                         const char *charset, const cs_err *why)
{
    cs_err w = *why, u = {0};
    char msg[2 * CS_ERR_MSG_BYTES];

    if (r->o->strict_charset || charset == NULL ||
        (strcmp(charset, "UNOA") != 0 && strcmp(charset, "UNOB") != 0))
        return false;
    for (size_t j = from; j <= to; j++)
        if (cs__edi_check_text(r->lx, &r->lx->segs[j], "UNOY", &u) != CS_OK)
            return false;
    snprintf(msg, sizeof(msg),
             "%s; the message is valid UTF-8 and was read as UTF-8 "
             "(--strict-charset rejects)",
             why->msg);
    cs_strlcpy(w.msg, msg, sizeof(w.msg));
    w.code = CS_OK;
    if (r->on_reject != NULL)
        r->on_reject(r->ctx, &w);
    return true;
}

bool cs__edi_message_text(edi_run *r, size_t from, size_t to,
                          const char **charset, cs_err *why)
{
    for (size_t j = from; j <= to; j++) {
        const edi_seg *s = &r->lx->segs[j];
        if (s->bad != NULL) {
            cs__edi_fail(why, s, "%s", s->bad);
            return false;
        }
        if (cs__edi_check_text(r->lx, s, *charset, why) != CS_OK) {
            if (!utf8_instead(r, from, to, *charset, why))
                return false;
            *charset = "UNOY";
            memset(why, 0, sizeof(*why));
        }
    }
    return true;
}
