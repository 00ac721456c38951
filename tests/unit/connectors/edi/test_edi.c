/* test_edi.c - every sample document of tests/data/edi through the EDI
 * converter: what each one yields (events or precise rejections), and
 * the fields of each event checked against what the document states.
 * Order events must also pass the contract decoder of services/common. */
#include "edi_test.h"

#include <math.h>

#include "cs_family.h"

/* Every event passes the checks cs-ingest applies: the envelope, then
 * the family's decoder (orders also through cs_order_decode). */
static void orders_decode(const t_out *o)
{
    for (size_t i = 0; i < o->n_events; i++) {
        cs_event ev;
        cs_record rec = {0};
        cs_err err = {0};
        const cs_family *f = cs_family_by_type(o->type[i]);

        assert_non_null(f);
        if (cs_event_parse(cs_json_root(o->doc[i]), o->type[i], &ev, &err) !=
            CS_OK)
            fail_msg("event %zu envelope: %s", i, err.msg);
        if (cs_record_decode(f, ev.data, &rec, &err) != CS_OK)
            fail_msg("event %zu data: %s", i, err.msg);
        cs_record_clear(&rec);
        if (strcmp(o->type[i], "cs.order.v1") == 0) {
            cs_order ord = {0};
            if (cs_order_decode(ev.data, &ord, &err) != CS_OK)
                fail_msg("event %zu order: %s", i, err.msg);
            cs_order_clear(&ord);
        }
    }
}

/* What each file yields by default: every sample that is a real order,
 * order response, ship notice or invoice converts (control mismatches
 * and UTF-8 in a UNOA interchange as warnings); what stays rejected is
 * rejected with a reason naming the segment and the fault. */
static void every_sample_file_converts_or_is_rejected(void **state)
{
    static const struct {
        const char *file;
        size_t events, rejects, warnings;
        const char *reason; /* in the first rejection (or warning) */
    } t[] = {
        {"x12_850_01.edi", 1, 0, 0, NULL},
        {"x12_850_02.edi", 1, 0, 0, NULL},
        {"x12_850_03.edi", 1, 0, 0, NULL},
        {"x12_850_04.edi", 1, 0, 0, NULL},
        {"x12_850_05.edi", 1, 0, 0, NULL},
        {"x12_850_06.edi", 1, 0, 0, NULL},
        {"x12_850_07_ascii_lf.edi", 1, 0, 0, NULL},
        {"x12_856_01.edi", 1, 0, 0, NULL},
        {"x12_856_02.edi", 1, 0, 0, NULL},
        {"x12_856_03.edi", 2, 0, 0, NULL},
        {"x12_810_850_mixed_01.edi", 3, 0, 0, NULL},
        {"x12_810_01.edi", 2, 0, 0, NULL},
        {"x12_810_02.edi", 2, 0, 0, NULL},
        {"x12_810_03.edi", 1, 0, 0, NULL},
        {"x12_855_01.edi", 1, 0, 0, NULL},
        {"x12_855_02.edi", 6, 0, 0, NULL},
        {"x12_855_03_two_sets.edi", 0, 2, 0,
         "segment 3 (ST, byte 174): buyer and supplier are the same "
         "enterprise 91330100MA0000137T (buyer from ISA08 "
         "\"ALEXANDRE0JACOB\", supplier from ISA06 \"ALEXANDRE0JACOB\"): "
         "no other party is named, and the contract needs two"},
        /* one planning schedule: one item, twelve weekly periods */
        {"x12_830_01.edi", 12, 0, 0, NULL},
        {"edifact_orders_d96a_01.edi", 1, 0, 1, "has no UNZ trailer"},
        {"edifact_orders_d96a_02.edi", 1, 0, 1,
         "segment 12 (UNZ, byte 250): UNZ reference \"1234567\" does not "
         "match UNB \"1\" (converted anyway"},
        {"edifact_orders_d96a_03.edi", 2, 0, 0, NULL},
        {"edifact_orders_d96a_04_multi.edi", 23, 1, 0,
         "segment 142 (UNH, byte 3705): the message has no lines"},
        {"edifact_orders_d96b_01.edi", 1, 0, 1,
         "segment 20 (UNT, byte 545): UNT counts 21 segments, the message 1 "
         "has 18"},
        {"edifact_orders_d01b_01.edi", 1, 0, 0, NULL},
        {"edifact_orders_d01b_02_malformed.edi", 0, 1, 0,
         "segment 85 (IMD, byte 2316): release character '?' at byte 2344 "
         "precedes '*', which is not a separator"},
        {"edifact_desadv_d96a_01.edi", 1, 0, 0, NULL},
        /* placeholder text everywhere: the currency is left out with a
         * warning; no RFF+ON, so no order to answer */
        {"edifact_ordrsp_d01b_01.edi", 0, 1, 1,
         "segment 3 (UNH, byte 93): order response states no order number "
         "(RFF+ON)"},
        {"edifact_invoic_d97b_01.edi", 1, 0, 1,
         "segment 7 (NAD, byte 206): element 4: byte 0xC3 is not in "
         "character set UNOA (7-bit ASCII); the message is valid UTF-8 and "
         "was read as UTF-8"},
        {"edifact_invoic_d97b_02_invalid.edi", 0, 1, 0,
         "segment 11 (QTY, byte 301): QTY quantity \"1020A\" is not a "
         "decimal number"},
        /* 88 items in each of its two messages, sales values from PRI */
        {"edifact_slsrpt_d96a_01.edi", 176, 0, 3,
         "segment 14 (PRI, byte 338): no MOA+203 line amount: the sales "
         "value of a line is the amount its PRI states"},
        {"sap_idoc_orders01_01.idoc", 1, 0, 0, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        t_out o;
        const char *first;
        t_convert(t[i].file, false, &o);
        if (o.n_events != t[i].events || o.n_rejects != t[i].rejects ||
            o.n_warnings != t[i].warnings)
            fail_msg("%s: %zu events, %zu rejections (%s), %zu warnings "
                     "(%s); want %zu, %zu, %zu",
                     t[i].file, o.n_events, o.n_rejects,
                     o.n_rejects ? o.reject[0] : "-", o.n_warnings,
                     o.n_warnings ? o.warning[0] : "-", t[i].events,
                     t[i].rejects, t[i].warnings);
        assert_int_equal(o.rc, t[i].rejects ? CS_E_INVALID : CS_OK);
        first = o.n_rejects ? o.reject[0] : o.warning[0];
        if (t[i].reason != NULL && strstr(first, t[i].reason) == NULL)
            fail_msg("%s: first rejection or warning \"%s\" lacks \"%s\"",
                     t[i].file, first, t[i].reason);
        orders_decode(&o);
        t_free(&o);
    }
}

/* --strict-controls and --strict-charset: the three samples that convert
 * only with a warning are rejected instead, for the same reason. */
static void strict_mode_rejects_what_default_warns_about(void **state)
{
    static const struct {
        const char *file, *reason;
    } t[] = {
        {"edifact_orders_d96a_02.edi",
         "interchange 1 rejected whole: segment 12 (UNZ, byte 250): UNZ "
         "reference \"1234567\" does not match UNB \"1\""},
        {"edifact_orders_d96b_01.edi",
         "segment 20 (UNT, byte 545): UNT counts 21 segments, the message 1 "
         "has 18"},
        {"edifact_invoic_d97b_01.edi",
         "segment 7 (NAD, byte 206): element 4: byte 0xC3 is not in "
         "character set UNOA"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        t_out o;
        t_convert(t[i].file, true, &o);
        if (o.n_events != 0 || o.n_rejects != 1 || o.n_warnings != 0)
            fail_msg("%s strict: %zu events, %zu rejections, %zu warnings",
                     t[i].file, o.n_events, o.n_rejects, o.n_warnings);
        if (strstr(o.reject[0], t[i].reason) == NULL ||
            strstr(o.reject[0], "converted anyway") != NULL)
            fail_msg("%s strict: \"%s\" lacks \"%s\"", t[i].file, o.reject[0],
                     t[i].reason);
        assert_int_equal(o.rc, CS_E_INVALID);
        t_free(&o);
    }
}

static void x12_850_01_fields(void **state)
{
    t_out o;
    (void)state;
    t_convert("x12_850_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "specversion", "1.0");
    T_EQ(&o, 0, "type", "cs.order.v1");
    T_EQ(&o, 0, "source", "edi://x12/4405197800");
    T_EQ(&o, 0, "time", "2010-11-27T17:19:00Z"); /* GS04 GS05 */
    T_EQ(&o, 0, "tenantid", t_code("4405197800"));
    T_EQ(&o, 0, "data.order_id", "08292233294");       /* BEG03 */
    T_EQ(&o, 0, "data.order_date", "2010-11-27");      /* BEG05 */
    T_EQ(&o, 0, "data.buyer", t_code("4405197800"));   /* ISA06 */
    T_EQ(&o, 0, "data.supplier", t_code("999999999")); /* ISA08 */
    T_ABSENT(&o, 0, "data.currency");
    assert_int_equal(t_len(&o, 0, "data.lines"), 6); /* CTT*6 */
    /* PO1*1*120*EA*9.25*TE*CB*065322-117*PR*RO*VN*AB3542 */
    T_EQ(&o, 0, "data.lines.0.line_no", "1");
    T_EQ(&o, 0, "data.lines.0.sku", "065322-117");
    T_EQ(&o, 0, "data.lines.0.quantity", "120");
    T_EQ(&o, 0, "data.lines.0.unit", "EA");
    T_EQ(&o, 0, "data.lines.0.unit_price", "9.25");
    T_EQ(&o, 0, "data.lines.0.requested_date", "2010-12-14"); /* DTM*002 */
    T_EQ(&o, 0, "data.lines.0.item_ids.0.qualifier", "CB");
    T_EQ(&o, 0, "data.lines.0.item_ids.2.qualifier", "VN");
    T_EQ(&o, 0, "data.lines.0.item_ids.2.id", "AB3542");
    T_EQ(&o, 0, "data.lines.0.description", "SMALL WIDGET");
    /* PO1*6*696*EA*9.55*TE*CB*067504-118*PR*RO*VN*DX1875 */
    T_EQ(&o, 0, "data.lines.5.line_no", "6");
    T_EQ(&o, 0, "data.lines.5.sku", "067504-118");
    T_EQ(&o, 0, "data.lines.5.quantity", "696");
    T_EQ(&o, 0, "data.lines.5.unit_price", "9.55");
    T_EQ(&o, 0, "data.lines.4.unit_price", "7.5");
    assert_string_equal(o.key[0], "91330100MA00001002/08292233294");
    t_free(&o);
}

/* The same document with LF instead of '~' as the terminator yields the
 * same bytes, id included: a re-sent file is a duplicate, not new. */
static void x12_850_same_document_other_terminator_same_event(void **state)
{
    t_out a, b;
    (void)state;
    t_convert("x12_850_01.edi", false, &a);
    t_convert("x12_850_02.edi", false, &b);
    assert_int_equal(a.n_events, 1);
    assert_int_equal(b.n_events, 1);
    assert_string_equal(a.json[0], b.json[0]);
    t_free(&a);
    t_free(&b);
}

static void x12_850_others_fields(void **state)
{
    t_out o;
    (void)state;
    /* 850_03: PO1**1*KI*225**VN*UNKNOWN*PD*...*SK*000000000001010700 */
    t_convert("x12_850_03.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "----------");
    T_EQ(&o, 0, "data.order_date", "2016-04-26");
    T_EQ(&o, 0, "data.supplier", t_code("-----")); /* N1*VN */
    T_EQ(&o, 0, "data.lines.0.line_no", "1");
    T_EQ(&o, 0, "data.lines.0.sku", "000000000001010700"); /* SK */
    T_EQ(&o, 0, "data.lines.0.quantity", "1");
    T_EQ(&o, 0, "data.lines.0.unit", "KI");
    T_EQ(&o, 0, "data.lines.0.unit_price", "225");
    T_EQ(&o, 0, "data.lines.0.requested_date", "2016-05-02"); /* DTM*106 */
    t_free(&o);

    /* 850_04: 8 x PO1**6*EA*12**CB*...; PO101 empty: positions */
    t_convert("x12_850_04.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "91393058");
    T_EQ(&o, 0, "data.order_date", "1997-11-07");
    T_EQ(&o, 0, "time", "1997-11-07T12:20:00Z"); /* GS04 YYMMDD */
    T_EQ(&o, 0, "data.buyer", t_code("AAAAAAAAAA"));
    T_EQ(&o, 0, "data.supplier", t_code("test22222"));
    assert_int_equal(t_len(&o, 0, "data.lines"), 8);
    T_EQ(&o, 0, "data.lines.7.line_no", "8");
    T_EQ(&o, 0, "data.lines.7.sku", "17950204");
    T_EQ(&o, 0, "data.lines.7.quantity", "6");
    T_EQ(&o, 0, "data.lines.7.unit_price", "12");
    T_EQ(&o, 0, "data.lines.0.description", "KAK S/S PRINT CAMP");
    t_free(&o);

    /* 850_05: PO1**20*CA*226.56**UA*006299966412*VN*4531*IN*71039103 */
    t_convert("x12_850_05.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "520981");
    T_EQ(&o, 0, "data.supplier", t_code("1234567890000")); /* N1*VN */
    T_EQ(&o, 0, "data.lines.0.sku", "71039103");           /* IN */
    T_EQ(&o, 0, "data.lines.0.quantity", "20");
    T_EQ(&o, 0, "data.lines.0.unit", "CA");
    T_EQ(&o, 0, "data.lines.0.unit_price", "226.56");
    T_EQ(&o, 0, "data.lines.0.requested_date", "2001-10-11");
    T_EQ(&o, 0, "data.lines.1.sku", "30100219");
    T_EQ(&o, 0, "data.lines.1.quantity", "100");
    T_EQ(&o, 0, "data.lines.1.unit_price", "2.82");
    t_free(&o);

    /* 850_06: CUR*BY*CAD, segment terminator 0x15 */
    t_convert("x12_850_06.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "587852");
    T_EQ(&o, 0, "data.order_date", "2005-06-01");
    T_EQ(&o, 0, "data.currency", "CAD");
    T_EQ(&o, 0, "data.lines.1.sku", "56065150");
    T_EQ(&o, 0, "data.lines.1.quantity", "6");
    T_EQ(&o, 0, "data.lines.1.unit_price", "22");
    T_ABSENT(&o, 0, "data.lines.0.requested_date"); /* DTM*010 is a ship
                                                       date */
    t_free(&o);

    /* 850_07: ISA06 = ISA08, told apart by ISA05 / ISA07 qualifiers */
    t_convert("x12_850_07_ascii_lf.edi", false, &o);
    T_EQ(&o, 0, "data.buyer", t_code("12:1234567890"));
    T_EQ(&o, 0, "data.supplier", t_code("08:1234567890"));
    assert_int_equal(t_len(&o, 0, "data.lines"), 4);
    T_EQ(&o, 0, "data.lines.2.sku", "34567890123"); /* N4 */
    T_EQ(&o, 0, "data.lines.2.unit", "CA");
    T_EQ(&o, 0, "data.lines.3.unit_price", "26.28");
    t_free(&o);

    /* the 850 after two 810s: BEG05 040317 (version 003010, YYMMDD) */
    t_convert("x12_810_850_mixed_01.edi", false, &o);
    assert_int_equal(o.n_events, 3);
    T_EQ(&o, 0, "type", "cs.invoice.v1");
    T_EQ(&o, 1, "type", "cs.invoice.v1");
    T_EQ(&o, 2, "type", "cs.order.v1");
    T_EQ(&o, 2, "data.order_id", "S115921858");
    T_EQ(&o, 2, "data.order_date", "2004-03-17");
    T_EQ(&o, 2, "data.buyer", t_code("999999999")); /* N1*BY */
    T_EQ(&o, 2, "data.supplier", t_code("RECEIVERISA"));
    T_EQ(&o, 2, "data.lines.3.sku", "01220");
    T_EQ(&o, 2, "data.lines.3.quantity", "25");
    /* the same 810s as x12_810_01: the same events */
    T_EQ(&o, 0, "data.invoice_id", "00001");
    T_EQ(&o, 0, "data.total_amount", "2554.38");
    t_free(&o);
}

static void x12_856_fields(void **state)
{
    t_out o;
    (void)state;
    t_convert("x12_856_01.edi", false, &o);
    T_EQ(&o, 0, "type", "cs.shipment.v1");
    T_EQ(&o, 0, "tenantid", t_code("4405197800")); /* the supplier */
    T_EQ(&o, 0, "data.shipment_id", "829716");     /* BSN02 */
    T_EQ(&o, 0, "data.shipped_at", "2011-12-06");  /* DTM*011 */
    T_EQ(&o, 0, "data.supplier", t_code("4405197800"));
    T_EQ(&o, 0, "data.buyer", t_code("999999999"));
    T_EQ(&o, 0, "data.order_id", "99999817"); /* PRF01 */
    T_ABSENT(&o, 0, "data.delivered_at");
    assert_int_equal(t_len(&o, 0, "data.lines"), 2);
    T_EQ(&o, 0, "data.lines.0.sku", "87787D"); /* LIN VP */
    T_EQ(&o, 0, "data.lines.0.quantity", "24");
    T_EQ(&o, 0, "data.lines.0.unit", "EA");
    T_EQ(&o, 0, "data.lines.0.order_line_no", "1");
    T_EQ(&o, 0, "data.lines.1.sku", "99887D");
    T_EQ(&o, 0, "data.lines.1.quantity", "6");
    T_EQ(&o, 0, "data.lines.1.description", "RED WIDGET");
    assert_string_equal(o.key[0], "91330100MA00001002/829716");
    t_free(&o);

    t_convert("x12_856_02.edi", false, &o);
    T_EQ(&o, 0, "data.shipment_id", "15918861602");
    T_EQ(&o, 0, "data.shipped_at", "2004-08-05"); /* BSN03 */
    T_EQ(&o, 0, "data.order_id", "ordernumber");
    T_EQ(&o, 0, "data.lines.0.line_no", "4"); /* LIN01 */
    T_EQ(&o, 0, "data.lines.0.sku", "058824077500");
    T_EQ(&o, 0, "data.lines.0.quantity", "11");
    T_EQ(&o, 0, "data.lines.0.item_ids.1.qualifier", "BP");
    T_EQ(&o, 0, "data.lines.0.item_ids.1.id", "01113481");
    t_free(&o);

    /* two ship notices; the first delivers three orders */
    t_convert("x12_856_03.edi", false, &o);
    assert_int_equal(o.n_events, 2);
    T_EQ(&o, 0, "data.shipment_id", "4167427123");
    T_ABSENT(&o, 0, "data.order_id");
    assert_int_equal(t_len(&o, 0, "data.lines"), 6);
    T_EQ(&o, 0, "data.lines.0.sku", "suart"); /* VN */
    T_EQ(&o, 0, "data.lines.0.quantity", "24");
    T_EQ(&o, 1, "data.order_id", "ordernumber");
    T_EQ(&o, 1, "data.lines.1.sku", "499762800094");
    T_EQ(&o, 1, "data.lines.1.quantity", "36");
    assert_string_not_equal(t_at(&o, 0, "id")->text, t_at(&o, 1, "id")->text);
    t_free(&o);
}

static void edifact_orders_fields(void **state)
{
    t_out o;
    (void)state;
    /* UNA:+,? ' and no UNZ: converted, with a warning */
    t_convert("edifact_orders_d96a_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_warnings, 1);
    assert_non_null(strstr(o.warning[0], "has no UNZ trailer"));
    T_EQ(&o, 0, "source", "edi://edifact/12345678");
    T_EQ(&o, 0, "time", "2008-10-12T02:55:00Z"); /* UNB 081012:0255 */
    T_EQ(&o, 0, "data.order_id", "801715918011");
    T_EQ(&o, 0, "data.order_date", "2015-08-03T00:00:00Z"); /* DTM 137 203 */
    T_EQ(&o, 0, "data.buyer", t_code("8711576000012"));     /* NAD+BY */
    T_EQ(&o, 0, "data.supplier", t_code("5020436000004"));  /* NAD+SU */
    T_EQ(&o, 0, "data.lines.1.line_no", "2");
    T_EQ(&o, 0, "data.lines.1.sku", "5020436373108");
    T_EQ(&o, 0, "data.lines.1.quantity", "8");
    T_EQ(&o, 0, "data.lines.1.unit", "PCE"); /* QTY states no unit */
    T_EQ(&o, 0, "data.lines.1.requested_date", "2015-08-06T00:00:00Z");
    T_EQ(&o, 0, "data.lines.1.item_ids.0.qualifier", "EN");
    t_free(&o);

    t_convert("edifact_orders_d96a_03.edi", false, &o);
    assert_int_equal(o.n_events, 2);
    T_EQ(&o, 0, "data.order_id", "1-4500094289");
    T_EQ(&o, 0, "data.order_date", "2005-08-19");
    T_EQ(&o, 0, "data.buyer", t_code("PARTNER1"));
    assert_int_equal(t_len(&o, 0, "data.lines"), 4);
    T_EQ(&o, 0, "data.lines.1.quantity", "1.00"); /* as stated */
    T_EQ(&o, 1, "data.order_id", "1-4500094290");
    assert_int_equal(t_len(&o, 1, "data.lines"), 1);
    t_free(&o);

    t_convert("edifact_orders_d96a_04_multi.edi", false, &o);
    assert_int_equal(o.stats.n_interchanges, 24);
    T_EQ(&o, 0, "data.order_id", "123");
    T_EQ(&o, 0, "data.order_date", "1997-09-11T15:00:00Z");
    T_EQ(&o, 0, "data.lines.2.sku", "8712345006006");
    T_EQ(&o, 0, "data.lines.2.quantity", "5");
    t_free(&o);

    /* UNOC (ISO 8859-1) text arrives as UTF-8 */
    t_convert("edifact_orders_d01b_01.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "2019265563");
    T_EQ(&o, 0, "data.order_date", "2018-12-05");
    T_EQ(&o, 0, "data.buyer", t_code("4250159300001"));
    T_EQ(&o, 0, "data.supplier", t_code("4399901760448"));
    assert_int_equal(t_len(&o, 0, "data.lines"), 146); /* CNT+2:146 */
    T_EQ(&o, 0, "data.lines.0.sku", "6001001");        /* PIA ...:IN */
    T_EQ(&o, 0, "data.lines.0.quantity", "2");
    T_EQ(&o, 0, "data.lines.0.unit", "GBND");
    T_EQ(&o, 0, "data.lines.0.requested_date", "2018-12-06");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.qualifier", "SA");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.id", "1001");
    /* the source file holds the UTF-8 bytes of U+FFFD (EF BF BD) where
     * an umlaut was, under UNOC; read as the ISO 8859-1 it declares */
    T_EQ(&o, 0, "data.lines.2.description",
         "Kr\xc3\xaf\xc2\xbf\xc2\xbduteressig 5% 10l Branntweinessig "
         "Kanister");
    T_EQ(&o, 0, "data.lines.3.description",
         "Raps\xc3\xaf\xc2\xbf\xc2\xbdl 10l  blau EASY-BOX mit "
         "Ausgie\xc3\xaf\xc2\xbf\xc2\xbd"
         "er");
    T_EQ(&o, 0, "data.lines.145.line_no", "146");
    T_EQ(&o, 0, "data.lines.145.sku", "6983253");
    t_free(&o);
}

/* Two sample files break a control rule; by default they convert with a
 * warning, and then the fields are the document's. */
static void edifact_control_mismatch_converts_with_warning(void **state)
{
    t_out o;
    (void)state;
    t_convert("edifact_orders_d96a_02.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_rejects, 0);
    assert_int_equal(o.rc, CS_OK);
    assert_non_null(strstr(o.warning[0], "UNZ reference"));
    assert_non_null(strstr(o.warning[0], "--strict-controls rejects"));
    T_EQ(&o, 0, "data.order_id", "B10001");
    T_EQ(&o, 0, "data.order_date", "2006-06-20"); /* DTM+4 */
    T_EQ(&o, 0, "data.buyer", t_code("Senderkennung"));
    T_EQ(&o, 0, "data.supplier", t_code("Empfaengerkennung"));
    T_EQ(&o, 0, "data.lines.0.sku", "Produkt Schrauben");
    T_EQ(&o, 0, "data.lines.0.quantity", "1000"); /* QTY+1 */
    t_free(&o);

    t_convert("edifact_orders_d96b_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_warnings, 1);
    T_EQ(&o, 0, "data.order_id", "C1441747");
    T_EQ(&o, 0, "data.order_date", "2001-05-02T22:00:00Z");
    T_EQ(&o, 0, "data.buyer", t_code("5400110000009"));
    T_EQ(&o, 0, "data.supplier", t_code("5013546107732"));
    T_EQ(&o, 0, "data.lines.0.sku", "8641800");  /* PIA ...:BP */
    T_EQ(&o, 0, "data.lines.0.quantity", "288"); /* QTY+21, not 59 */
    T_EQ(&o, 0, "data.lines.0.unit_price", "12.80");
    t_free(&o);
}

static void edifact_desadv_fields(void **state)
{
    t_out o;
    (void)state;
    t_convert("edifact_desadv_d96a_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "type", "cs.shipment.v1");
    T_EQ(&o, 0, "data.shipment_id", "Y02197250");
    T_EQ(&o, 0, "data.shipped_at", "2016-07-26"); /* DTM+11 */
    T_EQ(&o, 0, "data.order_id", "6877871");      /* RFF+ON */
    T_EQ(&o, 0, "data.supplier", t_code("1556150"));
    T_EQ(&o, 0, "data.buyer", t_code("8888888"));
    T_EQ(&o, 0, "data.lines.0.line_no", "1"); /* LIN+001 */
    T_EQ(&o, 0, "data.lines.0.sku", "9780738507330");
    T_EQ(&o, 0, "data.lines.0.quantity", "1");
    T_EQ(&o, 0, "data.lines.1.sku", "9781568361871");
    T_EQ(&o, 0, "data.lines.1.description", "ROADS TO SATA A 2");
    t_free(&o);
}

/* X12 855: BAK and PO1 / ACK / SCH as an order response from the
 * supplier (ISA06) to the buyer (ISA08). */
static void x12_855_fields(void **state)
{
    t_out o;
    size_t len;
    char *buf, *at;
    (void)state;
    /* BAK*00*AD*POTEST1112*20201015**60169126***20201015 */
    t_convert("x12_855_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "type", "cs.order_response.v1");
    T_EQ(&o, 0, "tenantid", t_code("1556150"));     /* the supplier */
    T_EQ(&o, 0, "data.order_id", "POTEST1112");     /* BAK03 */
    T_EQ(&o, 0, "data.order_date", "2020-10-15");   /* BAK04 */
    T_EQ(&o, 0, "data.responded_at", "2020-10-15"); /* BAK09 */
    T_EQ(&o, 0, "data.status", "accepted");         /* BAK02 AD */
    T_EQ(&o, 0, "data.status_code", "AD");
    T_ABSENT(&o, 0, "data.response_id");             /* BAK08 empty */
    T_EQ(&o, 0, "data.currency", "USD");             /* CUR*BT*USD */
    T_EQ(&o, 0, "data.supplier", t_code("1556150")); /* ISA06 */
    T_EQ(&o, 0, "data.buyer", t_code("123MILL"));    /* ISA08 */
    assert_int_equal(t_len(&o, 0, "data.lines"), 4); /* CTT*4 */
    /* PO1*1*3*UN*4.5*PE*EN*9780446360265 ACK*IA*3*UN SCH*...*20041231 */
    T_EQ(&o, 0, "data.lines.0.line_no", "1");
    T_EQ(&o, 0, "data.lines.0.sku", "9780446360265");
    T_EQ(&o, 0, "data.lines.0.quantity", "3");
    T_EQ(&o, 0, "data.lines.0.unit", "UN");
    T_EQ(&o, 0, "data.lines.0.unit_price", "4.5");
    T_EQ(&o, 0, "data.lines.0.status", "accepted");
    T_EQ(&o, 0, "data.lines.0.status_code", "IA");
    T_EQ(&o, 0, "data.lines.0.promised_date", "2004-12-31");
    T_EQ(&o, 0, "data.lines.0.description", "DIC WEBSTERS NEW WORLD");
    /* PO1*2*2*UN*15.99 ACK*IR*0*UN SCH*0*UN*WH*MO*080*20071009 */
    T_EQ(&o, 0, "data.lines.1.quantity", "0");
    T_EQ(&o, 0, "data.lines.1.unit_price", "15.99");
    T_EQ(&o, 0, "data.lines.1.status", "rejected");
    T_EQ(&o, 0, "data.lines.1.promised_date", "2007-10-09");
    /* PO1*3*1*UN*0 ACK*IR*0 */
    T_EQ(&o, 0, "data.lines.2.sku", "9780099599531");
    T_EQ(&o, 0, "data.lines.2.unit_price", "0");
    T_EQ(&o, 0, "data.lines.2.status_code", "IR");
    T_EQ(&o, 0, "data.lines.3.quantity", "2");
    T_EQ(&o, 0, "data.lines.3.status", "accepted");
    assert_string_equal(o.key[0], "91330100MA0000135L/POTEST1112");
    t_free(&o);

    /* six sets; no BAK09: dated by GS04/GS05; DTM*067 header promise */
    t_convert("x12_855_02.edi", false, &o);
    assert_int_equal(o.n_events, 6);
    T_EQ(&o, 0, "data.order_id", "194207");
    T_EQ(&o, 0, "data.status", "accepted"); /* BAK02 AP */
    T_EQ(&o, 0, "data.responded_at", "2003-05-07T11:00:00Z");
    T_EQ(&o, 0, "data.supplier", t_code("1182345550001")); /* N1*VN */
    T_EQ(&o, 0, "data.buyer", t_code("9251750000"));       /* ISA08 */
    assert_int_equal(t_len(&o, 0, "data.lines"), 26);      /* CTT*26 */
    T_EQ(&o, 0, "data.lines.0.line_no", "1");              /* PO101 empty */
    T_EQ(&o, 0, "data.lines.0.sku", "001119432383");
    T_EQ(&o, 0, "data.lines.0.quantity", "102");
    T_EQ(&o, 0, "data.lines.0.unit", "CA");
    T_EQ(&o, 0, "data.lines.0.promised_date", "2003-05-12"); /* DTM*067 */
    T_ABSENT(&o, 0, "data.lines.0.status");
    T_EQ(&o, 0, "data.lines.25.sku", "003331101213");
    T_EQ(&o, 0, "data.lines.25.quantity", "100");
    T_EQ(&o, 1, "data.order_id", "194208");
    T_EQ(&o, 1, "data.lines.0.sku", "003331113474");
    T_EQ(&o, 1, "data.lines.0.quantity", "22");
    t_free(&o);

    /* a BAK without lines accepts or rejects the whole order: the same
     * sets as x12_855_03 with the buyer (ISA08) made another party */
    buf = t_read("x12_855_03_two_sets.edi", &len);
    at = strstr(buf + 40, "ALEXANDRE0JACOB"); /* ISA08, not ISA06 */
    assert_non_null(at);
    memcpy(at, "123MILL        ", 15);
    t_convert_buf(buf, len, true, &o);
    free(buf);
    assert_int_equal(o.n_events, 2);
    assert_int_equal(o.n_rejects, 0);
    T_EQ(&o, 0, "data.order_id", "ORDER1");
    T_EQ(&o, 0, "data.status", "changed"); /* BAK02 AC */
    T_EQ(&o, 0, "data.responded_at", "2026-01-27T18:08:00Z");
    T_EQ(&o, 0, "data.buyer", t_code("123MILL"));
    T_ABSENT(&o, 0, "data.lines");
    T_EQ(&o, 1, "data.order_id", "ORDER2");
    orders_decode(&o);
    t_free(&o);
}

/* X12 810: BIG, IT1, TDS as an invoice from the supplier (ISA06 or
 * N1*SE/VN) to the buyer (N1*BY/BT or ISA08). */
static void x12_810_fields(void **state)
{
    t_out o;
    (void)state;
    /* BIG*19971211*00001**A99999-01, 7 x IT1**N*CA*12.34**UA*ID */
    t_convert("x12_810_01.edi", false, &o);
    assert_int_equal(o.n_events, 2);
    T_EQ(&o, 0, "type", "cs.invoice.v1");
    T_EQ(&o, 0, "tenantid", t_code("SENDERISA"));
    T_EQ(&o, 0, "data.invoice_id", "00001");           /* BIG02 */
    T_EQ(&o, 0, "data.invoice_date", "1997-12-11");    /* BIG01 */
    T_EQ(&o, 0, "data.order_id", "A99999-01");         /* BIG04 */
    T_ABSENT(&o, 0, "data.order_date");                /* BIG03 empty */
    T_EQ(&o, 0, "data.supplier", t_code("SENDERISA")); /* ISA06 */
    T_EQ(&o, 0, "data.buyer", t_code("1223334444"));   /* N1*BT */
    T_EQ(&o, 0, "data.total_amount", "2554.38");       /* TDS*255438 */
    assert_int_equal(t_len(&o, 0, "data.lines"), 7);   /* CTT*7 */
    T_EQ(&o, 0, "data.lines.0.line_no", "1");
    T_EQ(&o, 0, "data.lines.0.sku", "002840022222");
    T_EQ(&o, 0, "data.lines.0.quantity", "16");
    T_EQ(&o, 0, "data.lines.0.unit", "CA");
    T_EQ(&o, 0, "data.lines.0.unit_price", "12.34");
    T_EQ(&o, 0, "data.lines.0.description", "CRUNCHY CHIPS LSS");
    T_EQ(&o, 0, "data.lines.5.quantity", "85");
    T_EQ(&o, 0, "data.lines.6.sku", "002840088888");
    T_EQ(&o, 1, "data.invoice_date", "1997-12-15");
    T_EQ(&o, 1, "data.order_id", "A99999-04");
    assert_int_equal(t_len(&o, 1, "data.lines"), 2);
    T_EQ(&o, 1, "data.lines.1.quantity", "100");
    assert_string_equal(o.key[0], "91330100MA00001305/00001");
    t_free(&o);

    /* BIG*20020524*465266*20020523*539893; N1*VN and N1*BT */
    t_convert("x12_810_02.edi", false, &o);
    T_EQ(&o, 0, "data.invoice_id", "465266");
    T_EQ(&o, 0, "data.order_date", "2002-05-23");
    T_EQ(&o, 0, "data.order_id", "539893");
    T_EQ(&o, 0, "data.supplier", t_code("2055574240000"));
    T_EQ(&o, 0, "data.buyer", t_code("2100988529600"));
    T_EQ(&o, 0, "data.total_amount", "8432.02");
    assert_int_equal(t_len(&o, 0, "data.lines"), 4);
    T_EQ(&o, 0, "data.lines.1.sku", "008814405004");
    T_EQ(&o, 0, "data.lines.1.quantity", "12");
    T_EQ(&o, 0, "data.lines.1.unit_price", "207.72");
    T_EQ(&o, 0, "data.lines.2.unit_price", "169.2");
    T_EQ(&o, 1, "data.invoice_id", "465267");
    t_free(&o);

    /* IT1*001*4*EA*330**VN*X357-W2***BP*525: the buyer's part BP */
    t_convert("x12_810_03.edi", false, &o);
    T_EQ(&o, 0, "data.invoice_id", "95018017");
    T_EQ(&o, 0, "data.invoice_date", "2007-09-29");
    T_EQ(&o, 0, "data.order_id", "ordernumber");
    T_EQ(&o, 0, "data.supplier", t_code("0011223456")); /* N1*SE has no id */
    T_EQ(&o, 0, "data.buyer", t_code("999999999"));     /* ISA08 */
    T_EQ(&o, 0, "data.total_amount", "12345.79");
    T_EQ(&o, 0, "data.lines.0.line_no", "1");
    T_EQ(&o, 0, "data.lines.0.sku", "525");
    T_EQ(&o, 0, "data.lines.0.quantity", "4");
    T_EQ(&o, 0, "data.lines.0.unit_price", "330");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.qualifier", "VN");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.id", "X357-W2");
    t_free(&o);
}

static void edifact_invoic_fields(void **state)
{
    t_out o;
    (void)state;
    t_convert("edifact_invoic_d97b_01.edi", false, &o);
    assert_int_equal(o.n_events, 1);
    T_EQ(&o, 0, "type", "cs.invoice.v1");
    T_EQ(&o, 0, "data.invoice_id", "342459");          /* BGM+380+342459 */
    T_EQ(&o, 0, "data.invoice_date", "2006-05-15");    /* DTM+3 */
    T_EQ(&o, 0, "data.order_id", "521052");            /* RFF+ON */
    T_EQ(&o, 0, "data.supplier", t_code("005435656")); /* NAD+SE */
    T_EQ(&o, 0, "data.buyer", t_code("792820524"));    /* NAD+BY */
    T_EQ(&o, 0, "data.currency", "USD");
    T_EQ(&o, 0, "data.total_amount", "2137.58"); /* MOA+39 */
    assert_int_equal(t_len(&o, 0, "data.lines"), 2);
    /* LIN+1++157870:IN QTY+47:1020:EA MOA+203:1202.58 PRI+INV:1.179 */
    T_EQ(&o, 0, "data.lines.0.sku", "157870");
    T_EQ(&o, 0, "data.lines.0.quantity", "1020");
    T_EQ(&o, 0, "data.lines.0.unit", "EA");
    T_EQ(&o, 0, "data.lines.0.unit_price", "1.179");
    T_EQ(&o, 0, "data.lines.0.amount", "1202.58");
    T_EQ(&o, 0, "data.lines.0.description", "WIDGET");
    T_EQ(&o, 0, "data.lines.1.quantity", "20");
    T_EQ(&o, 0, "data.lines.1.unit_price", "20.5");
    T_EQ(&o, 0, "data.lines.1.amount", "410");
    assert_string_equal(o.key[0], "91330100MA0000138X/342459");
    t_free(&o);
}

/* The public ORDRSP sample holds placeholder text ("Lorem ipsu") where
 * its dates, quantities and codes belong, so it is rejected; this one,
 * built after the EANCOM ORDRSP guide, checks the mapping. */
static void edifact_ordrsp_fields(void **state)
{
    static const char doc[] =
        "UNA:+.? 'UNB+UNOC:3+5013546107732:14+5400110000009:14+010510:0900+"
        "77'UNH+1+ORDRSP:D:96A:UN:EAN005'BGM+231+RSP-9+9+AC'"
        "DTM+137:20010510:102'RFF+ON:C1441747'NAD+BY+5400110000009::9'"
        "NAD+SU+5013546107732::9'CUX+2:EUR:9'"
        "LIN+1+5+5400111864181:EN'PIA+1+8641800:BP'QTY+21:288'QTY+113:288'"
        "PRI+AAA:12.80'DTM+69:20010520:102'"
        "LIN+2+3+5400111864198:EN'QTY+21:100'QTY+113:60'"
        "DTM+69:20010601:102'"
        "LIN+3+7+5400111864205:EN'QTY+21:10'QTY+113:0'"
        "UNS+S'CNT+2:3'UNT+23+1'UNZ+1+77'";
    t_out o;
    (void)state;
    t_convert_buf(doc, sizeof(doc) - 1, true, &o);
    if (o.n_events != 1)
        fail_msg("ORDRSP: %s", o.n_rejects ? o.reject[0] : "no event");
    T_EQ(&o, 0, "type", "cs.order_response.v1");
    T_EQ(&o, 0, "data.order_id", "C1441747"); /* RFF+ON */
    T_EQ(&o, 0, "data.response_id", "RSP-9"); /* BGM 1004 */
    T_EQ(&o, 0, "data.status", "changed");    /* BGM 4343 AC */
    T_EQ(&o, 0, "data.status_code", "AC");
    T_EQ(&o, 0, "data.responded_at", "2001-05-10");
    T_EQ(&o, 0, "data.supplier", t_code("5013546107732"));
    T_EQ(&o, 0, "data.buyer", t_code("5400110000009"));
    T_EQ(&o, 0, "data.currency", "EUR");
    T_EQ(&o, 0, "data.lines.0.sku", "8641800"); /* PIA BP */
    T_EQ(&o, 0, "data.lines.0.quantity", "288");
    T_EQ(&o, 0, "data.lines.0.unit", "PCE");
    T_EQ(&o, 0, "data.lines.0.unit_price", "12.80");
    T_EQ(&o, 0, "data.lines.0.promised_date", "2001-05-20"); /* DTM+69 */
    T_EQ(&o, 0, "data.lines.0.status", "accepted");          /* 1229 5 */
    T_EQ(&o, 0, "data.lines.1.quantity", "60"); /* QTY+113, not 21 */
    T_EQ(&o, 0, "data.lines.1.status", "changed");
    T_EQ(&o, 0, "data.lines.1.promised_date", "2001-06-01");
    T_EQ(&o, 0, "data.lines.2.quantity", "0");
    T_EQ(&o, 0, "data.lines.2.status", "rejected");
    T_EQ(&o, 0, "data.lines.2.status_code", "7");
    orders_decode(&o);
    t_free(&o);

    /* placeholder text where values belong, as in the public sample: what
     * is well-formed converts, each bad field is left out with a warning
     * naming it, a line left without a quantity goes */
    {
        static const char bad[] =
            "UNA:+.? 'UNB+UNOC:3+5013546107732:14+5400110000009:14+010510:"
            "0900+77'UNH+1+ORDRSP:D:96A:UN:EAN005'BGM+231+RSP-9+9+AC'"
            "DTM+137:20010510:102'RFF+ON:C1441747'NAD+BY+5400110000009::9'"
            "NAD+SU+5013546107732::9'CUX+2:Lor:9'"
            "LIN+1+5+5400111864181:EN'PIA+1+8641800:BP'QTY+21:288'"
            "QTY+113:288'PRI+AAA:12.80'DTM+69:20010520:102'"
            "LIN+2+3+5400111864198:EN'QTY+21:100'QTY+113:Lorem'"
            "DTM+69:20010601:102'"
            "LIN+3+7+5400111864205:EN'QTY+21:1O'QTY+113:O'"
            "UNS+S'CNT+2:3'UNT+23+1'UNZ+1+77'";
        t_convert_buf(bad, sizeof(bad) - 1, false, &o);
    }
    if (o.n_events != 1)
        fail_msg("ORDRSP with placeholders: %s",
                 o.n_rejects ? o.reject[0] : "no event");
    assert_int_equal(o.n_warnings, 5);
    assert_non_null(strstr(o.warning[0], "CUX currency \"Lor\" is not an "
                                         "ISO 4217 code; the currency and "
                                         "every price of the message are "
                                         "left out"));
    assert_non_null(strstr(o.warning[1], "QTY quantity \"Lorem\" is not a "
                                         "decimal number"));
    assert_non_null(strstr(o.warning[4], "LIN 3 states no quantity (QTY+113, "
                                         "21 or 1): the line is left out"));
    T_EQ(&o, 0, "data.order_id", "C1441747");
    T_ABSENT(&o, 0, "data.currency");
    T_ABSENT(&o, 0, "data.lines.0.unit_price");
    T_EQ(&o, 0, "data.lines.0.quantity", "288");
    T_EQ(&o, 0, "data.lines.1.quantity", "100"); /* QTY+21, 113 left out */
    assert_int_equal(t_len(&o, 0, "data.lines"), 2);
    orders_decode(&o);
    t_free(&o);
}

/* SLSRPT: every event against sums computed here straight from the
 * document's text (LIN item, QTY+153 quantity, PRI amount per line;
 * negative quantities are returns), and the header fields. */
typedef struct sls_sum {
    int msg;
    char sku[32];
    double sold, rev, ret, refund;
    int points;
} sls_sum;

static void edifact_slsrpt_fields(void **state)
{
    static sls_sum sum[400];
    size_t n_sum = 0, len;
    char *buf = t_read("edifact_slsrpt_d96a_01.edi", &len), *save = NULL;
    int msg = 0;
    sls_sum *cur = NULL;
    t_out o;
    (void)state;

    /* the independent reading: segments end at ', CR LF between them */
    for (char *seg = strtok_r(buf, "'", &save); seg != NULL;
         seg = strtok_r(NULL, "'", &save)) {
        while (*seg == '\r' || *seg == '\n')
            seg++;
        if (strncmp(seg, "UNH+", 4) == 0) {
            msg++;
        } else if (strncmp(seg, "LIN+", 4) == 0) {
            const char *sku = strstr(seg, "++") + 2;
            size_t k = strcspn(sku, ":");
            cur = NULL;
            for (size_t i = 0; i < n_sum; i++)
                if (sum[i].msg == msg && strncmp(sum[i].sku, sku, k) == 0 &&
                    sum[i].sku[k] == '\0')
                    cur = &sum[i];
            if (cur == NULL) {
                assert_true(n_sum < 400);
                cur = &sum[n_sum++];
                cur->msg = msg;
                snprintf(cur->sku, sizeof(cur->sku), "%.*s", (int)k, sku);
            }
            cur->points++;
        } else if (strncmp(seg, "PRI+NTP:", 8) == 0) {
            /* every line here is PRI (the amount), then QTY+153 */
            double amount = strtod(seg + 8, NULL), qty;
            char *next = strtok_r(NULL, "'", &save);
            assert_non_null(next);
            while (*next == '\r' || *next == '\n')
                next++;
            assert_int_equal(strncmp(next, "QTY+153:", 8), 0);
            qty = strtod(next + 8, NULL);
            if (qty >= 0) {
                cur->sold += qty;
                cur->rev += amount;
            } else {
                cur->ret += -qty;
                cur->refund += amount;
            }
        }
    }
    free(buf);
    assert_int_equal(n_sum, 176);

    t_convert("edifact_slsrpt_d96a_01.edi", false, &o);
    assert_int_equal(o.n_events, 176);
    assert_int_equal(o.n_rejects, 0);
    for (size_t i = 0; i < o.n_events; i++) {
        const cs_jval *sku = t_at(&o, i, "data.sku");
        const char *time = t_at(&o, i, "time")->text;
        int m = strcmp(time, "2008-04-01T05:59:00Z") == 0 ? 1 : 2;
        sls_sum *want = NULL;
        char key[64];
        for (size_t k = 0; k < n_sum; k++)
            if (sum[k].msg == m && strcmp(sum[k].sku, sku->text) == 0)
                want = &sum[k];
        if (want == NULL)
            fail_msg("event %zu: item %s not in message %d", i, sku->text, m);
        T_EQ(&o, i, "type", "cs.sales.v1");
        T_EQ(&o, i, "tenantid", t_code("8712345000000")); /* NAD+BY */
        T_EQ(&o, i, "data.enterprise", t_code("8712345000000"));
        /* DTM+356 of every place of sale (the second message's report
         * period DTM+90/91 says 2006-07-31: a warning) */
        T_EQ(&o, i, "data.period_start", "2008-03-31");
        T_EQ(&o, i, "data.period_end", "2008-03-31");
        T_EQ(&o, i, "data.unit", "PCE");
        T_EQ(&o, i, "data.currency", "EUR");   /* CUX+2:EUR:10 */
        T_EQ(&o, i, "data.channel", "retail"); /* LOC+162 */
        T_EQ(&o, i, "data.report_id", m == 1 ? "20060801005" : "XXX");
        if (m == 2)
            T_EQ(&o, i, "time", "2006-08-01T05:59:00Z"); /* UNB 060801:0559 */
        assert_true(fabs(strtod(t_at(&o, i, "data.quantity")->text, NULL) -
                         want->sold) < 1e-9);
        assert_true(fabs(strtod(t_at(&o, i, "data.revenue")->text, NULL) -
                         want->rev) < 1e-9);
        assert_int_equal(t_len(&o, i, "data.sales_points"), want->points);
        if (want->ret > 0) {
            assert_true(
                fabs(strtod(t_at(&o, i, "data.returned_quantity")->text, NULL) -
                     want->ret) < 1e-9);
            assert_true(
                fabs(strtod(t_at(&o, i, "data.returned_revenue")->text, NULL) -
                     want->refund) < 1e-9);
        } else {
            T_ABSENT(&o, i, "data.returned_quantity");
        }
        snprintf(key, sizeof(key), "%s/%s", t_code("8712345000000"), sku->text);
        assert_string_equal(o.key[i], key);
    }
    assert_int_equal(o.n_warnings, 3);
    assert_non_null(strstr(o.warning[2],
                           "segment 716 (LIN, byte 15613): LIN 1: its place of "
                           "sale's period 2008-03-31..2008-03-31 (DTM+356) "
                           "lies outside the report's 2006-07-31..2006-07-31"));
    /* by hand: LIN 16 -2 for 18 and LIN 19 +1 for 9 at 8712345000062 */
    for (size_t i = 0; i < o.n_events; i++) {
        if (strcmp(t_at(&o, i, "data.sku")->text, "8712345642191") != 0)
            continue;
        T_EQ(&o, i, "data.quantity", "1");
        T_EQ(&o, i, "data.revenue", "9");
        T_EQ(&o, i, "data.returned_quantity", "2");
        T_EQ(&o, i, "data.returned_revenue", "18");
        T_EQ(&o, i, "data.sales_points.0.location", "8712345000062");
        T_EQ(&o, i, "data.sales_points.0.quantity", "-2");
        T_EQ(&o, i, "data.sales_points.0.amount", "-18");
        T_EQ(&o, i, "data.sales_points.1.line", "19");
    }
    orders_decode(&o);
    t_free(&o);
}

/* X12 830: one cs.demand_plan.v1 per FST of the LIN, each checked against
 * the segment read here from the raw text; the document's own SDQ
 * destination quantities add up to each FST01 (a check of both). */
static void x12_830_fields(void **state)
{
    size_t len, n_fst = 0;
    char *buf = t_read("x12_830_01.edi", &len), *flat = malloc(len + 1);
    char fst[16][5][16];
    double sdq[16] = {0};
    size_t o_ = 0;
    t_out o;
    (void)state;

    /* the sample wraps segments at 80 columns: drop CR and LF */
    for (size_t i = 0; i < len; i++)
        if (buf[i] != '\r' && buf[i] != '\n')
            flat[o_++] = buf[i];
    flat[o_] = '\0';
    for (char *save = NULL, *seg = strtok_r(flat, "~", &save); seg != NULL;
         seg = strtok_r(NULL, "~", &save)) {
        char *e[24] = {0}, *save2 = NULL;
        size_t n = 0;
        int is_fst = strncmp(seg, "FST*", 4) == 0;
        int is_sdq = strncmp(seg, "SDQ*", 4) == 0;
        if (!is_fst && !is_sdq)
            continue;
        /* split on '*' keeping empty elements */
        for (char *p = seg; n < 24; n++) {
            e[n] = p;
            p = strchr(p, '*');
            if (p == NULL) {
                n++;
                break;
            }
            *p++ = '\0';
        }
        (void)save2;
        if (is_fst) {
            assert_true(n_fst < 16);
            for (int k = 0; k < 5; k++)
                snprintf(fst[n_fst][k], 16, "%s", e[k + 1]);
            n_fst++;
        } else {
            for (size_t k = 4; k < n; k += 2)
                sdq[n_fst - 1] += strtod(e[k], NULL);
        }
    }
    free(flat);
    free(buf);
    assert_int_equal(n_fst, 12);

    t_convert("x12_830_01.edi", true, &o);
    assert_int_equal(o.n_events, 12);
    assert_int_equal(o.n_rejects, 0);
    for (size_t i = 0; i < 12; i++) {
        char d[16], key[96];
        T_EQ(&o, i, "type", "cs.demand_plan.v1");
        T_EQ(&o, i, "time", "2004-10-05T16:20:00Z");           /* ISA09/10 */
        T_EQ(&o, i, "tenantid", t_code("0091372090000"));      /* the buyer */
        T_EQ(&o, i, "data.buyer", t_code("0091372090000"));    /* N1*FR */
        T_EQ(&o, i, "data.supplier", t_code("1234567890000")); /* N1*TO */
        T_EQ(&o, i, "data.sku", "71238654"); /* LIN PI: the buyer's item */
        T_EQ(&o, i, "data.item_ids.0.id", "001119933024"); /* UA */
        T_EQ(&o, i, "data.item_ids.2.qualifier", "VN");
        T_EQ(&o, i, "data.unit", "CA");                /* SDQ01 */
        T_EQ(&o, i, "data.schedule_type", "PS");       /* BFR04 */
        T_EQ(&o, i, "data.issued_date", "2004-10-05"); /* BFR08 */
        T_EQ(&o, i, "data.horizon_start", "2004-10-03");
        T_EQ(&o, i, "data.horizon_end", "2004-12-25");
        T_ABSENT(&o, i, "data.schedule_ref");         /* BFR02, BFR03 empty */
        T_EQ(&o, i, "data.quantity", fst[i][0]);      /* FST01 */
        T_EQ(&o, i, "data.forecast_code", fst[i][1]); /* FST02 D */
        assert_int_equal(t_at(&o, i, "data.firm")->type, CS_J_BOOL);
        assert_false(t_at(&o, i, "data.firm")->b); /* D: planning */
        T_EQ(&o, i, "data.timing_code", fst[i][2]);
        snprintf(d, sizeof(d), "%.4s-%.2s-%.2s", fst[i][3], fst[i][3] + 4,
                 fst[i][3] + 6);
        T_EQ(&o, i, "data.period_start", d); /* FST04 */
        snprintf(d, sizeof(d), "%.4s-%.2s-%.2s", fst[i][4], fst[i][4] + 4,
                 fst[i][4] + 6);
        T_EQ(&o, i, "data.period_end", d); /* FST05 */
        assert_true(fabs(strtod(fst[i][0], NULL) - sdq[i]) < 1e-9);
        snprintf(key, sizeof(key), "%s/%s/71238654", t_code("0091372090000"),
                 t_code("1234567890000"));
        assert_string_equal(o.key[i], key);
    }
    /* by hand: the last period adds a second SDQ of three stores */
    T_EQ(&o, 11, "data.quantity", "1025");
    T_EQ(&o, 11, "data.n_destinations", "13");
    T_EQ(&o, 11, "data.destinations.12.location", "2100988520120");
    T_EQ(&o, 11, "data.destinations.12.quantity", "75");
    T_EQ(&o, 0, "data.period_start", "2004-10-03");
    T_EQ(&o, 0, "data.period_end", "2004-10-09");
    orders_decode(&o);
    t_free(&o);

    /* FST02 C: a firm requirement */
    buf = t_read("x12_830_01.edi", &len);
    memcpy(strstr(buf, "FST*800*D*"), "FST*800*C*", 10);
    t_convert_buf(buf, len, true, &o);
    free(buf);
    assert_int_equal(o.n_events, 12);
    T_EQ(&o, 0, "data.forecast_code", "C");
    assert_true(t_at(&o, 0, "data.firm")->b);
    assert_false(t_at(&o, 1, "data.firm")->b);
    t_free(&o);
}

/* SAP IDoc ORDERS01: the fields of the order against the fixed-width
 * record read here (record header 63 bytes, then SAP's field widths). */
static const char *idoc_field(const char *file, const char *seg, int nth,
                              size_t at, size_t width)
{
    static char out[8][80];
    static int k;
    const char *p = file;
    char *slot = out[k++ % 8];
    size_t n;

    for (;;) {
        p = strstr(p, seg);
        assert_non_null(p);
        if ((p == file || p[-1] == '\n') && nth-- == 0)
            break;
        p++;
    }
    snprintf(slot, 80, "%.*s", (int)width, p + at);
    n = strlen(slot);
    while (n > 0 && slot[n - 1] == ' ')
        slot[--n] = '\0';
    while (slot[0] == ' ')
        memmove(slot, slot + 1, n--);
    return slot;
}

static void sap_idoc_fields(void **state)
{
    size_t len;
    char *f = t_read("sap_idoc_orders01_01.idoc", &len), *bad;
    char want[64];
    t_out o;
    (void)state;

    t_convert("sap_idoc_orders01_01.idoc", true, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_rejects, 0);
    T_EQ(&o, 0, "type", "cs.order.v1");
    /* E1EDK02 QUALF 001 BELNR: the customer's purchase order */
    assert_string_equal(idoc_field(f, "E2EDK02", 0, 63, 3), "001");
    T_EQ(&o, 0, "data.order_id", idoc_field(f, "E2EDK02", 0, 66, 35));
    T_EQ(&o, 0, "data.order_id", "4200003091");
    /* E1EDK03 IDDAT 012 (document date) DATUM 20070907 */
    assert_string_equal(idoc_field(f, "E2EDK03", 0, 63, 3), "012");
    T_EQ(&o, 0, "data.order_date", "2007-09-07");
    T_EQ(&o, 0, "data.currency", idoc_field(f, "E2EDK01003", 0, 67, 3));
    T_EQ(&o, 0, "data.currency", "EUR");
    /* EDI_DC40 CREDAT 20070907 CRETIM 115451 (bytes 378..391) */
    snprintf(want, sizeof(want), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", f + 378,
             f + 382, f + 384, f + 386, f + 388, f + 390);
    T_EQ(&o, 0, "time", want);
    /* the buyer's system (SNDPRN, partner type LS), the vendor (E1EDKA1 LF) */
    T_EQ(&o, 0, "data.buyer", t_code("LS:HID032"));
    T_EQ(&o, 0, "tenantid", t_code("LS:HID032"));
    assert_string_equal(idoc_field(f, "E2EDKA1002", 1, 63, 3), "LF");
    T_EQ(&o, 0, "data.supplier", t_code("LF:0000088333"));
    T_EQ(&o, 0, "source", "edi://idoc/HID032");
    assert_int_equal(t_len(&o, 0, "data.lines"), 1);
    /* E1EDP01: POSEX 00010, MENGE 100.000, MENEE PCE, VPREI 6.75 per
     * PEINH 1 */
    T_EQ(&o, 0, "data.lines.0.line_no", "10");
    T_EQ(&o, 0, "data.lines.0.quantity",
         idoc_field(f, "E2EDP01003", 0, 74, 15));
    T_EQ(&o, 0, "data.lines.0.quantity", "100.000");
    T_EQ(&o, 0, "data.lines.0.unit", idoc_field(f, "E2EDP01003", 0, 89, 3));
    T_EQ(&o, 0, "data.lines.0.unit_price",
         idoc_field(f, "E2EDP01003", 0, 117, 15));
    T_EQ(&o, 0, "data.lines.0.unit_price", "6.75");
    assert_string_equal(idoc_field(f, "E2EDP01003", 0, 132, 9), "1");
    /* E1EDP20 EDATU 20070910; E1EDP19 001 82102002 (the buyer's
     * material), 002 LL-01020304 (the vendor's) */
    T_EQ(&o, 0, "data.lines.0.requested_date", "2007-09-10");
    T_EQ(&o, 0, "data.lines.0.sku", idoc_field(f, "E2EDP19001", 1, 66, 35));
    T_EQ(&o, 0, "data.lines.0.sku", "82102002");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.qualifier", "002");
    T_EQ(&o, 0, "data.lines.0.item_ids.0.id", "LL-01020304");
    T_EQ(&o, 0, "data.lines.0.description", "EDV - Alg. infoblok p1");
    snprintf(want, sizeof(want), "%s/4200003091", t_code("LS:HID032"));
    assert_string_equal(o.key[0], want);
    orders_decode(&o);
    t_free(&o);

    /* faults name the record: a quantity that is not a number */
    bad = malloc(len + 1);
    memcpy(bad, f, len + 1);
    memcpy(strstr(bad, "100.000        PCE"), "1O0.000", 7);
    t_convert_buf(bad, len, false, &o);
    assert_int_equal(o.n_events, 0);
    t_has_reject(&o, "segment 16 (E2EDP01003, byte 5184): E1EDP01 MENGE "
                     "quantity \"1O0.000\" is not a decimal number");
    t_free(&o);
    /* another DOCNUM in a data record: a warning, or strict a rejection */
    memcpy(bad, f, len + 1);
    memcpy(strstr(bad, "E2EDK14") + 33, "9", 1);
    t_convert_buf(bad, len, false, &o);
    assert_int_equal(o.n_events, 1);
    assert_non_null(strstr(o.warning[0], "segment 3 (E2EDK14, byte 927): "
                                         "DOCNUM 9000000000887330 differs "
                                         "from the control record's "
                                         "0000000000887330"));
    t_free(&o);
    t_convert_buf(bad, len, true, &o);
    assert_int_equal(o.n_events, 0);
    assert_int_equal(o.n_rejects, 1);
    t_free(&o);
    /* an IDoc type that is not an order */
    memcpy(bad, f, len + 1);
    memcpy(strstr(bad, "ORDERS01"), "DESADV01", 8);
    t_convert_buf(bad, len, false, &o);
    t_has_reject(&o, "segment 1 (EDI_DC40, byte 0): IDoc type DESADV01 "
                     "(message type ZZORDERS, IDoc 0000000000887330) is not "
                     "supported: cs-edi converts ORDERS01..ORDERS05");
    t_free(&o);
    free(bad);
    free(f);
}

/* The tenant comes from the options when given; else the owner. */
static void tenant_and_source_options(void **state)
{
    size_t len;
    char *buf = t_read("x12_850_01.edi", &len);
    cs_edi_partners *p = t_partners();
    cs_edi_opts opts = {.partners = p,
                        .default_unit = "PCE",
                        .time_offset = "+08:00",
                        .tenant = "erp-7",
                        .source = "erp://sap/100",
                        .currency = "USD"};
    t_out o;
    (void)state;
    memset(&o, 0, sizeof(o));
    assert_int_equal(cs_edi_convert(buf, len, &opts, t_on_event, t_on_reject,
                                    &o, NULL, &o.err),
                     CS_OK);
    assert_non_null(strstr(o.json[0], "\"tenantid\":\"erp-7\""));
    assert_non_null(strstr(o.json[0], "\"source\":\"erp://sap/100\""));
    assert_non_null(
        strstr(o.json[0], "\"time\":\"2010-11-27T17:19:00+08:00\""));
    assert_non_null(strstr(o.json[0], "\"currency\":\"USD\""));
    for (size_t i = 0; i < o.n_events; i++) {
        free(o.json[i]);
        free(o.key[i]);
        free(o.type[i]);
    }
    cs_edi_partners_free(p);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_sample_file_converts_or_is_rejected),
        cmocka_unit_test(x12_850_01_fields),
        cmocka_unit_test(x12_850_same_document_other_terminator_same_event),
        cmocka_unit_test(x12_850_others_fields),
        cmocka_unit_test(x12_856_fields),
        cmocka_unit_test(edifact_orders_fields),
        cmocka_unit_test(edifact_control_mismatch_converts_with_warning),
        cmocka_unit_test(strict_mode_rejects_what_default_warns_about),
        cmocka_unit_test(x12_855_fields),
        cmocka_unit_test(x12_810_fields),
        cmocka_unit_test(edifact_invoic_fields),
        cmocka_unit_test(edifact_ordrsp_fields),
        cmocka_unit_test(edifact_desadv_fields),
        cmocka_unit_test(edifact_slsrpt_fields),
        cmocka_unit_test(x12_830_fields),
        cmocka_unit_test(sap_idoc_fields),
        cmocka_unit_test(tenant_and_source_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
