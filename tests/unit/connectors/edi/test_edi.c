/* test_edi.c - every sample document of tests/data/edi through the EDI
 * converter: what each one yields (events or precise rejections), and
 * the fields of each event checked against what the document states.
 * Order events must also pass the contract decoder of services/common. */
#include "edi_test.h"

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

/* What each file yields in the default (strict) mode. */
static void every_sample_file_converts_or_is_rejected(void **state)
{
    static const struct {
        const char *file;
        size_t events, rejects;
        const char *reason; /* in the first rejection, when any */
    } t[] = {
        {"x12_850_01.edi", 1, 0, NULL},
        {"x12_850_02.edi", 1, 0, NULL},
        {"x12_850_03.edi", 1, 0, NULL},
        {"x12_850_04.edi", 1, 0, NULL},
        {"x12_850_05.edi", 1, 0, NULL},
        {"x12_850_06.edi", 1, 0, NULL},
        {"x12_850_07_ascii_lf.edi", 1, 0, NULL},
        {"x12_856_01.edi", 1, 0, NULL},
        {"x12_856_02.edi", 1, 0, NULL},
        {"x12_856_03.edi", 2, 0, NULL},
        {"x12_810_850_mixed_01.edi", 1, 2,
         "segment 3 (ST, byte 160): transaction set 810 (control number "
         "000000001) is not supported"},
        {"x12_810_01.edi", 0, 2, "transaction set 810"},
        {"x12_810_02.edi", 0, 2, "transaction set 810"},
        {"x12_810_03.edi", 0, 1, "transaction set 810"},
        {"x12_855_01.edi", 0, 1, "transaction set 855"},
        {"x12_855_02.edi", 0, 6, "transaction set 855"},
        {"x12_855_03_two_sets.edi", 0, 2, "transaction set 855"},
        {"x12_830_01.edi", 0, 1, "transaction set 830"},
        {"edifact_orders_d96a_01.edi", 1, 0, NULL},
        {"edifact_orders_d96a_02.edi", 0, 1,
         "segment 12 (UNZ, byte 250): UNZ reference \"1234567\" does not "
         "match UNB \"1\""},
        {"edifact_orders_d96a_03.edi", 2, 0, NULL},
        {"edifact_orders_d96a_04_multi.edi", 23, 1,
         "segment 142 (UNH, byte 3705): the message has no lines"},
        {"edifact_orders_d96b_01.edi", 0, 1,
         "segment 20 (UNT, byte 545): UNT counts 21 segments, message 1 "
         "has 18"},
        {"edifact_orders_d01b_01.edi", 1, 0, NULL},
        {"edifact_orders_d01b_02_malformed.edi", 0, 1,
         "segment 85 (IMD, byte 2316): release character '?' at byte 2344 "
         "precedes '*', which is not a separator"},
        {"edifact_desadv_d96a_01.edi", 1, 0, NULL},
        {"edifact_ordrsp_d01b_01.edi", 0, 1, "message type ORDRSP"},
        {"edifact_invoic_d97b_01.edi", 0, 1,
         "segment 7 (NAD, byte 206): element 4: byte 0xC3 is not in "
         "character set UNOA"},
        {"edifact_invoic_d97b_02_invalid.edi", 0, 1, "message type INVOIC"},
        {"edifact_slsrpt_d96a_01.edi", 0, 2, "message type SLSRPT"},
        {"sap_idoc_orders01_01.idoc", 0, 1,
         "byte 0: an SAP IDoc flat file (EDI_DC40 control record)"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        t_out o;
        t_convert(t[i].file, false, &o);
        if (o.n_events != t[i].events || o.n_rejects != t[i].rejects)
            fail_msg("%s: %zu events, %zu rejections (%s); want %zu, %zu",
                     t[i].file, o.n_events, o.n_rejects,
                     o.n_rejects ? o.reject[0] : "-", t[i].events,
                     t[i].rejects);
        assert_int_equal(o.rc, t[i].rejects ? CS_E_INVALID : CS_OK);
        if (t[i].reason != NULL && strstr(o.reject[0], t[i].reason) == NULL)
            fail_msg("%s: first rejection \"%s\" lacks \"%s\"", t[i].file,
                     o.reject[0], t[i].reason);
        orders_decode(&o);
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

    /* the 850 among two 810s: BEG05 040317 (version 003010, YYMMDD) */
    t_convert("x12_810_850_mixed_01.edi", false, &o);
    T_EQ(&o, 0, "data.order_id", "S115921858");
    T_EQ(&o, 0, "data.order_date", "2004-03-17");
    T_EQ(&o, 0, "data.buyer", t_code("999999999")); /* N1*BY */
    T_EQ(&o, 0, "data.supplier", t_code("RECEIVERISA"));
    T_EQ(&o, 0, "data.lines.3.sku", "01220");
    T_EQ(&o, 0, "data.lines.3.quantity", "25");
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

/* Two sample files break a control rule; --lenient-controls converts
 * them with a warning, and then the fields are the document's. */
static void edifact_lenient_controls(void **state)
{
    t_out o;
    (void)state;
    t_convert("edifact_orders_d96a_02.edi", true, &o);
    assert_int_equal(o.n_events, 1);
    assert_int_equal(o.n_rejects, 0);
    assert_int_equal(o.rc, CS_OK);
    assert_non_null(strstr(o.warning[0], "UNZ reference"));
    T_EQ(&o, 0, "data.order_id", "B10001");
    T_EQ(&o, 0, "data.order_date", "2006-06-20"); /* DTM+4 */
    T_EQ(&o, 0, "data.buyer", t_code("Senderkennung"));
    T_EQ(&o, 0, "data.supplier", t_code("Empfaengerkennung"));
    T_EQ(&o, 0, "data.lines.0.sku", "Produkt Schrauben");
    T_EQ(&o, 0, "data.lines.0.quantity", "1000"); /* QTY+1 */
    t_free(&o);

    t_convert("edifact_orders_d96b_01.edi", true, &o);
    assert_int_equal(o.n_events, 1);
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
        cmocka_unit_test(edifact_lenient_controls),
        cmocka_unit_test(edifact_desadv_fields),
        cmocka_unit_test(tenant_and_source_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
