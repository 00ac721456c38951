/* edi_lex.c - splits an EDI file into segments, data elements and
 * components with the separators each ISA, UNA or UNB declares, and
 * undoes EDIFACT release characters. Knows no message types. */
#include "edi_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Widths of ISA01..ISA16: the ISA is fixed-width so that a reader can
 * find the separators before it knows them. */
static const size_t isa_widths[16] = {2, 10, 2, 10, 2, 15, 2, 15,
                                      6, 4,  1, 5,  9, 1,  1, 1};
#define ISA_MAX_BYTES 128

typedef struct lexer {
    edi_lex *lx;
    const char *buf;
    size_t len, p;
    char *out; /* write cursor in lx->text */
    size_t n_pos;
} lexer;

static bool is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

static cs_status grow(void *arrp, size_t *cap, size_t need, size_t size,
                      cs_err *err)
{
    void **arr = arrp;
    size_t ncap;
    void *n;

    if (need <= *cap)
        return CS_OK;
    ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    n = realloc(*arr, ncap * size);
    if (n == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    *arr = n;
    *cap = ncap;
    return CS_OK;
}

bool cs__edi_is(const edi_seg *s, const char *tag)
{
    return strcmp(s->tag, tag) == 0;
}

const char *cs__edi_get(const edi_lex *lx, const edi_seg *s, size_t elem,
                        size_t comp)
{
    const edi_elem *e;

    if (elem == 0 || elem > s->n_elems || comp == 0)
        return "";
    e = &lx->elems[s->first_elem + elem - 1];
    if (comp > e->n_comps)
        return "";
    return lx->comps[e->first_comp + comp - 1];
}

size_t cs__edi_n_comps(const edi_lex *lx, const edi_seg *s, size_t elem)
{
    if (elem == 0 || elem > s->n_elems)
        return 0;
    return lx->elems[s->first_elem + elem - 1].n_comps;
}

cs_status cs__edi_fail(cs_err *err, const edi_seg *s, const char *fmt, ...)
{
    char what[CS_ERR_MSG_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return cs_err_set(err, CS_E_INVALID, "segment %zu (%s, byte %zu): %s",
                      s->pos, s->tag, s->offset_bytes, what);
}

static void set_fatal(lexer *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_fatal(lexer *L, const char *fmt, ...)
{
    va_list ap;

    L->lx->has_fatal = true;
    L->lx->fatal.code = CS_E_INVALID;
    va_start(ap, fmt);
    vsnprintf(L->lx->fatal.msg, sizeof(L->lx->fatal.msg), fmt, ap);
    va_end(ap);
}

static void mark_bad(edi_seg *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mark_bad(edi_seg *s, const char *fmt, ...)
{
    char buf[CS_ERR_MSG_BYTES];
    va_list ap;

    if (s->bad != NULL)
        return; /* the first fault is the one to fix */
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s->bad = strdup(buf); /* NULL on no memory: the fault then reads "" */
    if (s->bad == NULL)
        s->bad = (char *)""; /* never freed: see cs__edi_lex_free */
}

static cs_status push_comp(lexer *L, const char *start, cs_err *err)
{
    edi_lex *lx = L->lx;

    if (grow(&lx->comps, &lx->cap_comps, lx->n_comps + 1, sizeof(*lx->comps),
             err) != CS_OK)
        return CS_E_NOMEM;
    lx->comps[lx->n_comps++] = start;
    *L->out++ = '\0';
    return CS_OK;
}

static cs_status push_elem(lexer *L, cs_err *err)
{
    edi_lex *lx = L->lx;

    if (grow(&lx->elems, &lx->cap_elems, lx->n_elems + 1, sizeof(*lx->elems),
             err) != CS_OK)
        return CS_E_NOMEM;
    lx->elems[lx->n_elems].first_comp = lx->n_comps;
    lx->elems[lx->n_elems].n_comps = 0;
    lx->n_elems++;
    return CS_OK;
}

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);

    if (n < 2 || n > 3 || !(t[0] >= 'A' && t[0] <= 'Z'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9')))
            return false;
    return true;
}

/* One segment from L->p with separators sp; comp 0 turns component
 * splitting off (the ISA, whose ISA16 is the component separator). */
static cs_status lex_segment(lexer *L, const edi_seps *sp, char comp,
                             edi_syntax syntax, cs_err *err)
{
    edi_lex *lx = L->lx;
    edi_seg *s;
    size_t start = L->p;
    const char *cur;
    bool in_tag = true;

    if (grow(&lx->segs, &lx->cap_segs, lx->n_segs + 1, sizeof(*lx->segs),
             err) != CS_OK)
        return CS_E_NOMEM;
    s = &lx->segs[lx->n_segs];
    memset(s, 0, sizeof(*s));
    s->pos = ++L->n_pos;
    s->offset_bytes = start;
    s->syntax = syntax;
    s->seps = *sp;
    s->tag = L->out;
    s->first_elem = lx->n_elems;
    cur = L->out;
    while (L->p < L->len) {
        char c = L->buf[L->p];

        if (sp->rel != 0 && c == sp->rel) {
            char n;
            if (L->p + 1 >= L->len)
                break; /* truncated: reported below */
            n = L->buf[L->p + 1];
            if (!(n == sp->elem || n == sp->comp || n == sp->term ||
                  n == sp->rel || (sp->rep != 0 && n == sp->rep))) {
                mark_bad(s,
                         "release character '%c' at byte %zu precedes "
                         "'%c', which is not a separator (an unreleased "
                         "or wrongly released character)",
                         sp->rel, L->p, n);
                *L->out++ = c;
            }
            *L->out++ = n;
            L->p += 2;
            continue;
        }
        if (c == sp->term) {
            L->p++;
            if (push_comp(L, cur, err) != CS_OK)
                return CS_E_NOMEM;
            if (in_tag) {
                in_tag = false;
            } else {
                lx->elems[lx->n_elems - 1].n_comps++;
            }
            s->n_elems = lx->n_elems - s->first_elem;
            if (!valid_tag(s->tag))
                mark_bad(s,
                         "segment tag \"%.16s\" is not 2-3 upper-case "
                         "letters or digits (wrong separators?)",
                         s->tag);
            lx->n_segs++;
            return CS_OK;
        }
        if (c == sp->elem) {
            if (push_comp(L, cur, err) != CS_OK)
                return CS_E_NOMEM;
            if (in_tag)
                in_tag = false;
            else
                lx->elems[lx->n_elems - 1].n_comps++;
            if (push_elem(L, err) != CS_OK)
                return CS_E_NOMEM;
            cur = L->out;
            L->p++;
            continue;
        }
        if (comp != 0 && c == comp && !in_tag) {
            if (push_comp(L, cur, err) != CS_OK)
                return CS_E_NOMEM;
            lx->elems[lx->n_elems - 1].n_comps++;
            cur = L->out;
            L->p++;
            continue;
        }
        if ((c == '\r' || c == '\n') && sp->term != '\r' && sp->term != '\n') {
            L->p++; /* a file wrapped at some width: line ends are not
                       data when they are not the terminator */
            continue;
        }
        if ((unsigned char)c < 0x20 || c == 0x7f)
            mark_bad(s,
                     "control character 0x%02X at byte %zu inside the "
                     "segment (wrong segment terminator?)",
                     (unsigned)(unsigned char)c, L->p);
        *L->out++ = c;
        L->p++;
    }
    *L->out = '\0';
    set_fatal(L,
              "segment %zu (%.8s, byte %zu) is truncated: the file ends "
              "before its segment terminator '%c'",
              s->pos, s->tag, start, sp->term);
    if (s->bad != NULL && s->bad[0] != '\0')
        free(s->bad);
    return CS_OK;
}

/* ISA: the element separator is byte 3, ISA16 is the component
 * separator and the byte after it the segment terminator. */
static cs_status read_isa(lexer *L, edi_seps *sp, cs_err *err)
{
    const char *b = L->buf + L->p;
    size_t avail = L->len - L->p, q = 3, field_start, width[16];
    char e;
    edi_seps s = {0};
    edi_seg *seg;
    size_t before = L->lx->n_segs;

    if (avail < 4) {
        set_fatal(L, "segment %zu (ISA, byte %zu) is truncated", L->n_pos + 1,
                  L->p);
        return CS_OK;
    }
    e = b[3];
    if (is_alnum(e) || e == ' ' || e == '\r' || e == '\n') {
        set_fatal(L,
                  "segment %zu (ISA, byte %zu): element separator 0x%02X "
                  "is a letter, digit or space",
                  L->n_pos + 1, L->p, (unsigned)(unsigned char)e);
        return CS_OK;
    }
    for (int k = 0; k < 15; k++) {
        field_start = q + 1;
        q = field_start;
        while (q < avail && q < ISA_MAX_BYTES && b[q] != e)
            q++;
        if (q >= avail || q >= ISA_MAX_BYTES) {
            set_fatal(L,
                      "segment %zu (ISA, byte %zu) is truncated or "
                      "malformed: ISA%02d has no element separator '%c' "
                      "after it",
                      L->n_pos + 1, L->p, k + 1, e);
            return CS_OK;
        }
        width[k] = q - field_start;
    }
    if (q + 2 >= avail) {
        set_fatal(L, "segment %zu (ISA, byte %zu) is truncated", L->n_pos + 1,
                  L->p);
        return CS_OK;
    }
    s.elem = e;
    s.comp = b[q + 1];
    s.term = b[q + 2];
    s.decimal = '.';
    width[15] = 1;
    if (s.comp == e || s.term == e || s.comp == s.term || is_alnum(s.comp) ||
        is_alnum(s.term) || s.comp == ' ') {
        set_fatal(L,
                  "segment %zu (ISA, byte %zu): separators element '%c', "
                  "component 0x%02X, terminator 0x%02X must differ and not "
                  "be letters or digits",
                  L->n_pos + 1, L->p, e, (unsigned)(unsigned char)s.comp,
                  (unsigned)(unsigned char)s.term);
        return CS_OK;
    }
    /* ISA11 is the repetition separator from version 00402 on. */
    {
        const char *ver;
        size_t off = 4;
        for (int k = 0; k < 11; k++)
            off += width[k] + 1;
        ver = b + off;
        if (width[11] == 5 && memcmp(ver, "00402", 5) >= 0 &&
            !is_alnum(b[off - 2]) && b[off - 2] != ' ')
            s.rep = b[off - 2];
    }
    if (lex_segment(L, &s, 0, EDI_X12, err) != CS_OK)
        return CS_E_NOMEM;
    if (L->lx->n_segs == before)
        return CS_OK; /* truncated: fatal already set */
    seg = &L->lx->segs[before];
    for (int k = 0; k < 16; k++) {
        if (width[k] != isa_widths[k]) {
            mark_bad(seg,
                     "ISA%02d is %zu characters wide, the fixed-width ISA "
                     "needs %zu",
                     k + 1, width[k], isa_widths[k]);
            break;
        }
    }
    *sp = s;
    return CS_OK;
}

/* Line ends and blanks between segments are layout, not data. */
static void skip_line_ends(lexer *L)
{
    while (L->p < L->len && (L->buf[L->p] == '\r' || L->buf[L->p] == '\n' ||
                             L->buf[L->p] == ' ' || L->buf[L->p] == '\t'))
        L->p++;
}

cs_status cs__edi_lex(const char *buf, size_t len, edi_lex *lx, cs_err *err)
{
    lexer L = {.lx = lx, .buf = buf, .len = len};
    edi_seps sp = {0};
    edi_syntax syntax = 0;
    bool una_seen = false;

    memset(lx, 0, sizeof(*lx));
    lx->text = malloc(2 * len + 16);
    if (lx->text == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    L.out = lx->text;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        L.p = 3; /* a UTF-8 byte order mark some editors add */
    for (;;) {
        skip_line_ends(&L);
        if (L.p >= len)
            break;
        if (len - L.p >= 3 && memcmp(buf + L.p, "ISA", 3) == 0) {
            if (read_isa(&L, &sp, err) != CS_OK)
                return CS_E_NOMEM;
            syntax = EDI_X12;
            if (lx->has_fatal)
                break;
            continue;
        }
        if (len - L.p >= 3 && memcmp(buf + L.p, "UNA", 3) == 0) {
            edi_seg *s;
            if (len - L.p < 9) {
                set_fatal(&L, "segment %zu (UNA, byte %zu) is truncated",
                          L.n_pos + 1, L.p);
                break;
            }
            sp.comp = buf[L.p + 3];
            sp.elem = buf[L.p + 4];
            sp.decimal = buf[L.p + 5];
            sp.rel = buf[L.p + 6];
            sp.rep = buf[L.p + 7] == ' ' ? 0 : buf[L.p + 7];
            sp.term = buf[L.p + 8];
            if (grow(&lx->segs, &lx->cap_segs, lx->n_segs + 1,
                     sizeof(*lx->segs), err) != CS_OK)
                return CS_E_NOMEM;
            s = &lx->segs[lx->n_segs++];
            memset(s, 0, sizeof(*s));
            s->pos = ++L.n_pos;
            s->offset_bytes = L.p;
            s->syntax = EDI_EDIFACT;
            s->seps = sp;
            s->tag = "UNA";
            s->first_elem = lx->n_elems;
            if (sp.comp == sp.elem || sp.comp == sp.term ||
                sp.elem == sp.term || sp.rel == sp.comp || sp.rel == sp.elem ||
                sp.rel == sp.term || is_alnum(sp.comp) || is_alnum(sp.elem) ||
                is_alnum(sp.term) || is_alnum(sp.rel) ||
                (sp.decimal != '.' && sp.decimal != ',')) {
                set_fatal(&L,
                          "segment %zu (UNA, byte %zu): service string "
                          "\"%.6s\" declares separators that clash, are "
                          "letters or digits, or a decimal mark other than "
                          "'.' or ','",
                          s->pos, L.p, buf + L.p + 3);
                break;
            }
            if (sp.rel == ' ')
                sp.rel = 0; /* a space declares no release character */
            L.p += 9;
            syntax = EDI_EDIFACT;
            una_seen = true;
            continue;
        }
        if (len - L.p >= 3 && memcmp(buf + L.p, "UNB", 3) == 0) {
            if (!una_seen) {
                /* ISO 9735 defaults when no UNA comes first */
                sp = (edi_seps){.comp = ':',
                                .elem = '+',
                                .decimal = '.',
                                .rel = '?',
                                .rep = 0,
                                .term = '\''};
            }
            una_seen = false;
            syntax = EDI_EDIFACT;
        }
        if (syntax == 0 && len - L.p >= 8 &&
            memcmp(buf + L.p, "EDI_DC40", 8) == 0) {
            set_fatal(&L,
                      "byte %zu: an SAP IDoc control record (EDI_DC40) "
                      "after other bytes; an IDoc flat file must start "
                      "with it",
                      L.p);
            break;
        }
        if (syntax == 0) {
            set_fatal(&L,
                      "byte %zu: the file does not start with an X12 ISA "
                      "or an EDIFACT UNA / UNB header",
                      L.p);
            break;
        }
        if (lex_segment(&L, &sp, sp.comp, syntax, err) != CS_OK)
            return CS_E_NOMEM;
        if (lx->has_fatal)
            break;
    }
    return CS_OK;
}

void cs__edi_lex_free(edi_lex *lx)
{
    if (lx == NULL)
        return;
    for (size_t i = 0; i < lx->n_segs; i++)
        if (lx->segs[i].bad != NULL && lx->segs[i].bad[0] != '\0')
            free(lx->segs[i].bad);
    free(lx->segs);
    free(lx->elems);
    free(lx->comps);
    free(lx->text);
    memset(lx, 0, sizeof(*lx));
}
