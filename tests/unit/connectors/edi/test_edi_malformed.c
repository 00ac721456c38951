/* test_edi_malformed.c - each malformed input class, made by changing one
 * thing in a valid sample document, gives a precise error with its
 * segment position, and valid records around it still convert. */
#include "edi_test.h"

/* The sample file name with the first occurrence of from replaced. */
static char *edit(const char *name, const char *from, const char *to,
                  size_t *len)
{
    char *buf = t_read(name, len), *at = strstr(buf, from), *out;
    size_t nf = strlen(from), nt = strlen(to);

    if (at == NULL)
        fail_msg("%s has no \"%s\"", name, from);
    out = malloc(*len - nf + nt + 1);
    assert_non_null(out);
    memcpy(out, buf, (size_t)(at - buf));
    memcpy(out + (at - buf), to, nt);
    memcpy(out + (at - buf) + nt, at + nf, *len - (size_t)(at - buf) - nf);
    *len = *len - nf + nt;
    out[*len] = '\0';
    free(buf);
    return out;
}

/* The edited file in strict mode (--strict-controls --strict-charset):
 * events convert, and a rejection contains reason. */
static void expect(const char *name, const char *from, const char *to,
                   size_t events, const char *reason)
{
    size_t len;
    char *buf = edit(name, from, to, &len);
    t_out o;

    t_convert_buf(buf, len, true, &o);
    if (o.n_events != events)
        fail_msg("%s with \"%s\" -> \"%s\": %zu events, want %zu", name, from,
                 to, o.n_events, events);
    assert_int_equal(o.rc, CS_E_INVALID);
    t_has_reject(&o, reason);
    assert_non_null(strstr(o.err.msg, reason) ? o.err.msg : o.reject[0]);
    t_free(&o);
    free(buf);
}

static void bad_separators(void **state)
{
    (void)state;
    expect("x12_850_01.edi", "ISA*", "ISAA", 0,
           "segment 1 (ISA, byte 0): element separator 0x41 is a letter");
    expect("x12_850_01.edi", "*P*>~", "*P*~~", 0,
           "separators element '*', component 0x7E, terminator 0x7E must "
           "differ");
    expect("edifact_orders_d96a_01.edi", "UNA:+,? '", "UNA::,? '", 0,
           "segment 1 (UNA, byte 0): service string \"::,? '\" declares "
           "separators that clash");
    /* a terminator the file does not use: everything is one segment */
    expect("x12_850_01.edi", "*P*>~", "*P*>!", 0, "is truncated");
}

static void truncated_segment(void **state)
{
    size_t len;
    char *buf = t_read("x12_850_01.edi", &len);
    t_out o;
    (void)state;
    /* cut inside PO1*6*696*EA*9.5 */
    len = (size_t)(strstr(buf, "PO1*6*696*EA*9.5") - buf) + 16;
    t_convert_buf(buf, len, false, &o);
    assert_int_equal(o.n_events, 0);
    t_has_reject(&o, "segment 30 (PO1, byte 941) is truncated: the file "
                     "ends before its segment terminator '~'");
    t_free(&o);
    free(buf);
}

/* The edited file by default: nothing rejected, all_events convert, and
 * a warning contains reason. */
static void expect_warning(const char *name, const char *from, const char *to,
                           size_t all_events, const char *reason)
{
    size_t len;
    char *buf = edit(name, from, to, &len);
    t_out o;

    t_convert_buf(buf, len, false, &o);
    if (o.n_events != all_events || o.n_rejects != 0 || o.n_warnings != 1)
        fail_msg("%s with \"%s\" -> \"%s\" by default: %zu events, %zu "
                 "rejections (%s), %zu warnings; want %zu, 0, 1",
                 name, from, to, o.n_events, o.n_rejects,
                 o.n_rejects ? o.reject[0] : "-", o.n_warnings, all_events);
    assert_int_equal(o.rc, CS_OK);
    if (strstr(o.warning[0], reason) == NULL)
        fail_msg("warning \"%s\" lacks \"%s\"", o.warning[0], reason);
    t_free(&o);
    free(buf);
}

/* Wrong counts and references reject in strict mode and are warnings by
 * default (the message ends at its trailer either way). */
static void wrong_control_counts(void **state)
{
    static const struct {
        const char *file, *from, *to;
        size_t events;
    } warn[] = {
        {"x12_850_01.edi", "SE*33*", "SE*32*", 1},
        {"x12_850_01.edi", "GE*1*1421", "GE*2*1421", 1},
        {"x12_850_01.edi", "CTT*6", "CTT*7", 1},
        {"edifact_orders_d96a_03.edi", "UNZ+2+", "UNZ+3+", 2},
        {"edifact_orders_d01b_01.edi", "CNT+2:146", "CNT+2:145", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(warn) / sizeof(warn[0]); i++)
        expect_warning(warn[i].file, warn[i].from, warn[i].to, warn[i].events,
                       "(converted anyway: every message ends at its "
                       "trailer; --strict-controls rejects)");
    expect("x12_850_01.edi", "SE*33*", "SE*32*", 0,
           "segment 35 (SE, byte 1070): SE01 counts 32 segments, the "
           "transaction set 000000010 has 33");
    expect("x12_850_01.edi", "SE*33*000000010", "SE*33*000000011", 0,
           "SE02 control number \"000000011\" does not match ST02");
    expect("x12_850_01.edi", "GE*1*1421", "GE*2*1421", 0,
           "interchange 000003438 rejected whole: segment 36 (GE, byte "
           "1087): GE01 counts 2 transaction sets, the group has 1");
    expect("x12_850_01.edi", "IEA*1*", "IEA*3*", 0,
           "IEA01 counts 3 functional groups, the interchange has 1");
    expect("x12_850_01.edi", "CTT*6", "CTT*7", 0,
           "segment 33 (CTT, byte 1047): CTT01 counts 7 line items, the "
           "transaction set has 6 PO1");
    expect("edifact_orders_d96a_03.edi", "UNT+22+", "UNT+23+", 1,
           "UNT counts 23 segments, the message 1-1UNHREF has 22");
    expect("edifact_orders_d96a_03.edi", "UNZ+2+", "UNZ+3+", 0,
           "UNZ counts 3 messages, the interchange has 2");
    expect("edifact_orders_d01b_01.edi", "CNT+2:146", "CNT+2:145", 0,
           "CNT counts 145 line items, the message has 146 LIN");
}

/* Order response and invoice values: the status codes and amounts are
 * checked with the segment named, and X12's implied decimals read. */
static void response_and_invoice_values(void **state)
{
    size_t len;
    char *buf;
    t_out o;
    (void)state;
    expect("x12_855_01.edi", "BAK*00*AD*", "BAK*00*ZZ*", 0,
           "segment 4 (BAK, byte 168): BAK02 acknowledgment type \"ZZ\" is "
           "not one of AC AD AE AK AP AT RD RF RJ RO");
    expect("x12_855_01.edi", "ACK*IA*3*UN", "ACK*IA*3x*UN", 0,
           "segment 14 (ACK, byte 517): ACK02 quantity \"3x\" is not a decimal "
           "number");
    expect("x12_855_01.edi", "SCH*3*UN*WH*MO*080*20041231",
           "SCH*3*UN*WH*MO*080*20041331", 0, "SCH06 schedule date");
    expect("x12_810_03.edi", "TDS*1234579", "TDS*12345.79", 0,
           "segment 21 (TDS, byte 681): TDS01 total invoice amount "
           "\"12345.79\" is not an amount (digits only, two implied "
           "decimals)");
    expect("x12_810_03.edi", "BIG*20070929", "BIG*20070931", 0,
           "BIG01 invoice date");
    /* (by default: in strict mode its UTF-8 name would reject it first) */
    buf = edit("edifact_invoic_d97b_01.edi", "MOA+203:1202.58", "MOA+203:-1",
               &len);
    t_convert_buf(buf, len, false, &o);
    assert_int_equal(o.n_events, 0);
    t_has_reject(&o, "segment 13 (MOA, byte 324): MOA 203 line amount \"-1\" "
                     "is negative");
    t_free(&o);
    free(buf);
    /* one or two digits are cents */
    buf = edit("x12_810_03.edi", "TDS*1234579", "TDS*5", &len);
    t_convert_buf(buf, len, true, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "data.total_amount", "0.05");
    t_free(&o);
    free(buf);
}

static void bad_dates(void **state)
{
    (void)state;
    expect("x12_850_01.edi", "**20101127*610385385", "**20101332*610385385", 0,
           "segment 4 (BEG, byte 185): BEG05 purchase order date "
           "\"20101332\" is not a valid date");
    expect("x12_850_01.edi", "DTM*002*20101214", "DTM*002*2010121", 0,
           "DTM02 requested date \"2010121\" has 7 digits");
    expect("edifact_orders_d96a_01.edi", "DTM+137:201508030000:203",
           "DTM+137:201508030000:999", 0,
           "DTM 137 date: date format \"999\" is not supported");
    expect("x12_850_01.edi", "*20101127*1719*1421", "*20101127*2519*1421", 0,
           "segment 2 (GS, byte 107): GS04/GS05 date-time \"20101127 2519\" is "
           "not valid");
}

static void bad_values(void **state)
{
    (void)state;
    expect("x12_850_01.edi", "PO1*2*220*EA", "PO1*2*220*e@", 0,
           "segment 18 (PO1, byte 559): PO103: unit \"e@\" is not a unit "
           "code");
    expect("x12_850_01.edi", "PO1*2*220*EA", "PO1*2*220*", 0,
           "PO103: no unit of measure stated");
    expect("x12_850_01.edi", "PO1*3*126", "PO1*3*-126", 0,
           "PO102 quantity \"-126\" is negative");
    expect("x12_850_01.edi", "PO1*4*76", "PO1*4*7x6", 0,
           "PO102 quantity \"7x6\" is not a decimal number");
    expect("x12_850_01.edi", "PO1*4*76", "PO1*4*1234567890123456", 0,
           "is not below 10^15");
    /* the UNA declares ',' as the decimal mark */
    expect("edifact_orders_d96a_01.edi", "QTY+21:8'", "QTY+21:8.5'", 0,
           "QTY quantity \"8.5\" is not a decimal number (decimal mark ',')");
    expect("x12_850_06.edi", "CUR*BY*CAD", "CUR*BY*C$D", 0,
           "CUR02 \"C$D\" is not an ISO 4217 code");
}

static void decimal_mark_comma(void **state)
{
    size_t len;
    char *buf =
        edit("edifact_orders_d96a_01.edi", "QTY+21:8'", "QTY+21:8,5'", &len);
    t_out o;
    (void)state;
    t_convert_buf(buf, len, false, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "data.lines.0.quantity", "8.5");
    t_free(&o);
    free(buf);
}

static void bad_encoding(void **state)
{
    (void)state;
    expect("x12_850_01.edi", "SMALL WIDGET", "SMALL \xff WIDGET", 0,
           "segment 16 (PID, byte 506): element 5 is not valid UTF-8");
    expect("edifact_orders_d96a_03.edi", "NAD+BY+PARTNER1::9",
           "NAD+BY+PARTN\xc3\xa9R1::9", 1,
           "byte 0xC3 is not in character set UNOA");
    /* by default: UTF-8 in a UNOA interchange is read as UTF-8 */
    expect_warning("edifact_orders_d96a_03.edi", "NAD+BY+PARTNER1::9",
                   "NAD+BY+PARTN\xc3\xa9R1::9", 2,
                   "is not in character set UNOA (7-bit ASCII); the message "
                   "is valid UTF-8 and was read as UTF-8");
    /* but bytes that are not UTF-8 either reject the message */
    {
        size_t len;
        char *buf = edit("edifact_orders_d96a_03.edi", "NAD+BY+PARTNER1::9",
                         "NAD+BY+PARTN\xe9R1::9", &len);
        t_out o;
        t_convert_buf(buf, len, false, &o);
        assert_int_equal(o.n_events, 1);
        assert_int_equal(o.n_rejects, 1);
        t_has_reject(&o, "byte 0xE9 is not in character set UNOA");
        t_free(&o);
        free(buf);
    }
    expect("edifact_orders_d96a_02.edi", "UNOC:3", "UNOQ:3", 0,
           "syntax identifier \"UNOQ\" is not a known character set");
    expect("edifact_orders_d01b_01.edi", "Butter 40x250g", "Butter 40x250g?", 0,
           "segment 17 (IMD, byte 549): release character '?' at byte 573 "
           "precedes ' '");
}

static void structure_errors(void **state)
{
    (void)state;
    expect("x12_850_01.edi", "SE*33*000000010~", "", 0,
           "transaction set 000000010 ends without its SE");
    expect("x12_850_01.edi", "BEG*00*SA*08292233294**20101127*610385385~",
           "REF*ZZ*1~", 0,
           "segment 3 (ST, byte 167): transaction set 850 "
           "has no BEG");
    expect("x12_850_01.edi", "GE*1*1421~", "GE*1*1421~XYZ*1~", 0,
           "segment 37 (XYZ, byte 1097): segment outside a transaction set");
    expect("x12_850_01.edi", "REF*DP*038", "R-F*DP*038", 0,
           "segment tag \"R-F\" is not 2-3 upper-case letters or digits");
    expect("edifact_desadv_d96a_01.edi", "BGM+351+Y02197250+700101'",
           "FTX+AAI+1'", 0, "message has no BGM");
}

/* A type code of the other syntax is no document cs-edi converts: an
 * EDIFACT message typed 830 (the X12 planning schedule's code) and an
 * X12 transaction set SLSRPT are rejected by name. (The first was a
 * fuzz finding: the 830 reached the EDIFACT line mapping as a demand
 * plan, which it has no quantity qualifier for.) */
static void type_of_the_other_syntax(void **state)
{
    (void)state;
    expect("edifact_orders_d96a_01.edi", "+ORDERS:D:96A:", "+830:D:96A:", 0,
           "message type 830");
    expect("edifact_orders_d96a_01.edi", "+ORDERS:D:96A:", "+830:D:96A:", 0,
           "is not supported: cs-edi converts ORDERS, ORDRSP, DESADV");
    expect("x12_850_01.edi", "ST*850*", "ST*SLSRPT*", 0,
           "transaction set SLSRPT");
}

/* One bad message among good ones: only it is lost. */
static void valid_records_around_survive(void **state)
{
    size_t la, lb, lc;
    char *a = t_read("x12_850_01.edi", &la);
    char *b = edit("x12_850_06.edi", "PO1*2*6*EA", "PO1*2*6*e!", &lb);
    char *c = t_read("edifact_desadv_d96a_01.edi", &lc);
    char *all = malloc(la + lb + lc + 1);
    t_out o;
    (void)state;
    memcpy(all, a, la);
    memcpy(all + la, b, lb);
    memcpy(all + la + lb, c, lc);
    t_convert_buf(all, la + lb + lc, false, &o);
    assert_int_equal(o.stats.n_interchanges, 3);
    assert_int_equal(o.n_events, 2);
    assert_int_equal(o.n_rejects, 1);
    t_has_reject(&o, "segment 54 (PO1, byte 1668): PO103: unit \"e!\"");
    T_EQ(&o, 0, "data.order_id", "08292233294");
    T_EQ(&o, 1, "data.shipment_id", "Y02197250");
    t_free(&o);
    free(a);
    free(b);
    free(c);
    free(all);

    /* and inside one interchange: the bad 810 goes, the other 810 and
     * the 850 stay */
    b = edit("x12_810_850_mixed_01.edi", "IT1**16*CA", "IT1**16*c!", &lb);
    t_convert_buf(b, lb, false, &o);
    assert_int_equal(o.n_events, 2);
    assert_int_equal(o.n_rejects, 1);
    t_has_reject(&o, "segment 16 (IT1, byte 481): IT103: unit \"c!\"");
    T_EQ(&o, 0, "data.invoice_date", "1997-12-15");
    T_EQ(&o, 1, "data.order_id", "S115921858");
    t_free(&o);
    free(b);
}

static void missing_trailer_is_a_warning(void **state)
{
    size_t len;
    char *buf = t_read("x12_850_01.edi", &len);
    t_out o;
    (void)state;
    len = (size_t)(strstr(buf, "IEA*") - buf);
    t_convert_buf(buf, len, false, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.rc, CS_OK);
    assert_int_equal(o.n_warnings, 1);
    assert_non_null(strstr(o.warning[0], "has no IEA trailer"));
    t_free(&o);
    free(buf);
}

static void unmapped_partner_is_named(void **state)
{
    size_t len;
    char *buf = t_read("x12_850_04.edi", &len);
    cs_edi_opts opts = {.default_unit = "PCE", .time_offset = "Z"};
    t_out o;
    (void)state;
    memset(&o, 0, sizeof(o));
    assert_int_equal(cs_edi_convert(buf, len, &opts, t_on_event, t_on_reject,
                                    &o, NULL, &o.err),
                     CS_E_INVALID);
    assert_int_equal(o.n_events, 0);
    assert_string_equal(o.reject[0],
                        "segment 3 (ST, byte 164): no credit code for the "
                        "buyer: neither N1*BY \"33333\" (segment 12) nor "
                        "ISA06 \"AAAAAAAAAA\" is in the partner map or a "
                        "credit code");
    free(buf);
}

static void not_edi_at_all(void **state)
{
    t_out o;
    (void)state;
    t_convert_buf("hello, world\n", 13, false, &o);
    t_has_reject(&o, "byte 0: the file does not start with an X12 ISA or an "
                     "EDIFACT UNA / UNB header");
    t_convert_buf("", 0, false, &o);
    t_has_reject(&o, "the file holds no interchange");
    t_convert_buf("ISA*00", 6, false, &o);
    t_has_reject(&o, "ISA");
}

static void partner_map_errors(void **state)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"# c\n\nA\t91330100MA00001003\n", "partner map line 3: "},
        {"A 91330100MA00001002\n", "partner map line 1: want PARTNER_ID"},
        {"A\t91330100MA00001002\nA\t91330100MA00001015\n",
         "partner map line 2: partner \"A\" is listed twice"},
        {"\t91330100MA00001002\n", "partner id must be 1-64 bytes"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cs_edi_partners *p = NULL;
        cs_err err = {0};
        assert_int_equal(
            cs_edi_partners_parse(t[i].text, strlen(t[i].text), &p, &err),
            CS_E_CONFIG);
        assert_null(p);
        if (strstr(err.msg, t[i].want) == NULL)
            fail_msg("\"%s\" lacks \"%s\"", err.msg, t[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_separators),
        cmocka_unit_test(truncated_segment),
        cmocka_unit_test(wrong_control_counts),
        cmocka_unit_test(bad_dates),
        cmocka_unit_test(response_and_invoice_values),
        cmocka_unit_test(bad_values),
        cmocka_unit_test(decimal_mark_comma),
        cmocka_unit_test(bad_encoding),
        cmocka_unit_test(structure_errors),
        cmocka_unit_test(type_of_the_other_syntax),
        cmocka_unit_test(valid_records_around_survive),
        cmocka_unit_test(missing_trailer_is_a_warning),
        cmocka_unit_test(unmapped_partner_is_named),
        cmocka_unit_test(not_edi_at_all),
        cmocka_unit_test(partner_map_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
