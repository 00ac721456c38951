#!/usr/bin/env bash
# test_edi_ingest.sh - cs-edi --produce end to end: the public EDI samples
# (X12 850/855/856/810, EDIFACT ORDERS/DESADV/INVOIC) produced to a
# devbroker with every acknowledgement awaited, stored by cs-ingest in
# PostgreSQL with the fields each document states (orders, order
# responses, shipments, invoices); a re-run only adds duplicates; a
# rejected message keeps its neighbours; control mismatches convert with
# a warning unless --strict-controls; a broker that is down gives exit 69.
source "$CS_SRC/tests/lib/testlib.sh"

source "$CS_SRC/tests/integration/connectors/edi_ingest_env.sh" edi

clean=(x12_850_01.edi x12_850_03.edi x12_850_04.edi x12_850_05.edi
    x12_850_06.edi x12_850_07_ascii_lf.edi x12_856_01.edi x12_856_02.edi
    x12_856_03.edi edifact_orders_d96a_01.edi edifact_orders_d96a_03.edi
    edifact_orders_d01b_01.edi edifact_desadv_d96a_01.edi)
files=("${clean[@]/#/$data/}")

note "stdout first: the events cs-edi will produce"
"$CS_BIN/cs-edi" "${files[@]}" >"$TEST_TMP/events.jsonl" 2>"$TEST_TMP/print.log" ||
    fail "cs-edi printing failed: $(cat "$TEST_TMP/print.log")"
n=$(wc -l <"$TEST_TMP/events.jsonl")
[ "$n" = 15 ] || fail "want 15 events from ${#clean[@]} files, got $n"
jq -e -s 'map(select(.type == "cs.order.v1")) | length == 10' "$TEST_TMP/events.jsonl" >/dev/null ||
    fail "want 10 orders"

note "--produce: all acknowledged, exit 0"
"$CS_BIN/cs-edi" --produce "${files[@]}" 2>"$TEST_TMP/edi.log" >"$TEST_TMP/edi.out" ||
    fail "cs-edi --produce exited $?: $(cat "$TEST_TMP/edi.log")"
[ ! -s "$TEST_TMP/edi.out" ] || fail "--produce printed events on stdout"
[ "$(grep -c '"msg":"converted"' "$TEST_TMP/edi.log")" = ${#clean[@]} ] ||
    fail "one converted line per file: $(cat "$TEST_TMP/edi.log")"
wait_for 60 "15 events stored" stored 15
kcat -C -b "$BROKERS" -t cs.shipments -o beginning -e -q -f '%k\n' >"$TEST_TMP/keys.txt"
grep -qx "$(code 4405197800)/829716" "$TEST_TMP/keys.txt" ||
    fail "shipment key SUPPLIER/SHIPMENT_ID: $(cat "$TEST_TMP/keys.txt")"

note "the rows say what the documents say"
B1=$(code 4405197800) S1=$(code 999999999)
[ "$(q "SELECT buyer || '|' || supplier || '|' || tenant_id || '|' || to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM orders WHERE order_id = '08292233294'")" = "$B1|$S1|$B1|2010-11-27" ] ||
    fail "X12 850 header"
[ "$(q "SELECT string_agg(line_no || ':' || sku || ':' || quantity || ':' || unit || ':' || unit_price, ',' ORDER BY line_no) FROM order_lines WHERE order_id = '08292233294'")" = \
    "1:065322-117:120:EA:9.25,2:066850-116:220:EA:13.79,3:060733-110:126:EA:10.99,4:065308-116:76:EA:4.35,5:065374-118:72:EA:7.5,6:067504-118:696:EA:9.55" ] ||
    fail "X12 850 lines: $(q "SELECT * FROM order_lines WHERE order_id = '08292233294'")"
[ "$(q "SELECT currency FROM orders WHERE order_id = '587852'")" = CAD ] || fail "CUR*BY*CAD"
[ "$(q "SELECT count(*) || '|' || sum(quantity) FROM order_lines WHERE order_id = '2019265563'")" = "146|$(jq -s '[.[] | select(.data.order_id == "2019265563") | .data.lines[].quantity] | add' "$TEST_TMP/events.jsonl")" ] ||
    fail "EDIFACT D01B: 146 lines"
[ "$(q "SELECT quantity || '|' || unit FROM order_lines WHERE order_id = '1-4500094289' AND line_no = 2")" = "1.00|PCE" ] ||
    fail "EDIFACT quantity as stated, default unit"
[ "$(q "SELECT supplier || '|' || buyer || '|' || order_id || '|' || n_lines || '|' || to_char(shipped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM shipments WHERE shipment_id = '829716'")" = "$B1|$S1|99999817|2|2011-12-06" ] ||
    fail "X12 856 header"
[ "$(q "SELECT string_agg(sku || ':' || quantity || ':' || unit, ',' ORDER BY line_no) FROM shipment_lines WHERE shipment_id = '829716'")" = "87787D:24:EA,99887D:6:EA" ] ||
    fail "X12 856 lines"
[ "$(q "SELECT order_id || '|' || n_lines FROM shipments WHERE shipment_id = 'Y02197250'")" = "6877871|2" ] ||
    fail "EDIFACT DESADV"

note "a re-run produces duplicates only"
"$CS_BIN/cs-edi" --produce "${files[@]}" 2>>"$TEST_TMP/edi.log" || fail "re-run exited $?"
# x12_850_02 is x12_850_01 with LF terminators: the same event
"$CS_BIN/cs-edi" --produce "$data/x12_850_02.edi" 2>>"$TEST_TMP/edi.log" || fail "850_02"
wait_for 60 "16 duplicates" dups 16
stored 15 || fail "a re-run stored new events"
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = '08292233294'")" = 6 ] || fail "lines doubled"

note "a rejected message keeps its neighbours; exit 65 names the segment"
rc=0
"$CS_BIN/cs-edi" --produce "$data/edifact_orders_d96a_04_multi.edi" "$data/x12_810_850_mixed_01.edi" \
    2>"$TEST_TMP/multi.log" || rc=$?
[ $rc = 65 ] || fail "want exit 65, got $rc"
grep -q '"error":"segment 142 (UNH, byte 3705): the message has no lines"' "$TEST_TMP/multi.log" ||
    fail "rejection not named: $(cat "$TEST_TMP/multi.log")"
wait_for 60 "23 orders, the 850 and its two 810s" stored 41
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = 'S115921858'")" = 4 ] || fail "the 850 among 810s"

note "order responses (855) and invoices (810, INVOIC) into their tables"
sed 's/\(ZZ\*ALEXANDRE0JACOB\*ZZ\*\)ALEXANDRE0JACOB/\1123MILL        /' \
    "$data/x12_855_03_two_sets.edi" >"$TEST_TMP/855_no_lines.edi"
more=(x12_855_01.edi x12_855_02.edi x12_810_01.edi x12_810_02.edi x12_810_03.edi
    edifact_invoic_d97b_01.edi edifact_orders_d96a_02.edi edifact_orders_d96b_01.edi)
"$CS_BIN/cs-edi" --produce "${more[@]/#/$data/}" "$TEST_TMP/855_no_lines.edi" \
    2>"$TEST_TMP/more.log" || fail "cs-edi exited $?: $(cat "$TEST_TMP/more.log")"
# three documents convert with a warning each: UNZ reference, UNT count,
# UTF-8 in UNOA
[ "$(grep -c '"msg":"edi warning"' "$TEST_TMP/more.log")" = 3 ] ||
    fail "want 3 warnings: $(cat "$TEST_TMP/more.log")"
# x12_810_01's two invoices are the 810s of x12_810_850_mixed_01 under the
# same control numbers: the same event ids, so duplicates
wait_for 60 "15 more events and 2 duplicates" stored 56
wait_for 10 "18 duplicates in all" dups 18
for t in cs.order_responses cs.invoices; do
    kcat -C -b "$BROKERS" -t $t -o beginning -e -q -f '%k\n' >>"$TEST_TMP/keys2.txt"
done
grep -qx "$(code 123MILL)/POTEST1112" "$TEST_TMP/keys2.txt" ||
    fail "response key BUYER/ORDER_ID: $(cat "$TEST_TMP/keys2.txt")"
grep -qx "$(code 005435656)/342459" "$TEST_TMP/keys2.txt" || fail "invoice key SUPPLIER/INVOICE_ID"
SU=$(code 1556150) BU=$(code 123MILL)
[ "$(q "SELECT buyer || '|' || supplier || '|' || tenant_id || '|' || status || '|' || status_code || '|' || currency || '|' || n_lines || '|' || to_char(responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM order_responses WHERE order_id = 'POTEST1112'")" = \
    "$BU|$SU|$SU|accepted|AD|USD|4|2020-10-15|2020-10-15" ] ||
    fail "855 header: $(q "SELECT * FROM order_responses WHERE order_id = 'POTEST1112'")"
[ "$(q "SELECT string_agg(line_no || ':' || sku || ':' || quantity || ':' || unit || ':' || unit_price || ':' || status || ':' || status_code || ':' || to_char(promised_time AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ',' ORDER BY line_no) FROM order_response_lines WHERE order_id = 'POTEST1112'")" = \
    "1:9780446360265:3:UN:4.5:accepted:IA:2004-12-31,2:9780767928427:0:UN:15.99:rejected:IR:2007-10-09,3:9780099599531:0:UN:0:rejected:IR:2004-12-31,4:9780446360272:2:UN:4.5:accepted:IA:2004-12-31" ] ||
    fail "855 lines: $(q "SELECT * FROM order_response_lines WHERE order_id = 'POTEST1112'")"
[ "$(q "SELECT count(*) FROM order_responses WHERE supplier = '$(code 1182345550001)'")" = 6 ] ||
    fail "855_02: six responses"
[ "$(q "SELECT n_lines || '|' || (SELECT count(*) || '|' || sum(quantity) || '|' || min(promised_time::date) FROM order_response_lines l WHERE l.order_id = r.order_id) FROM order_responses r WHERE order_id = '194207'")" = \
    "26|26|2400|2003-05-12" ] || fail "855_02 first set: 26 lines, DTM*067"
[ "$(q "SELECT status || '|' || n_lines || '|' || (SELECT count(*) FROM order_response_lines l WHERE l.order_id = r.order_id) FROM order_responses r WHERE order_id = 'ORDER1'")" = "changed|0|0" ] ||
    fail "a response without lines stores its header"
# x12_810_01 holds two invoices numbered 00001: the later one is the
# newest revision of that key
[ "$(q "SELECT supplier || '|' || buyer || '|' || order_id || '|' || total_amount || '|' || n_lines || '|' || to_char(invoice_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM invoices WHERE invoice_id = '00001'")" = \
    "$(code SENDERISA)|$(code 1223334444)|A99999-04|2554.38|2|1997-12-15" ] ||
    fail "810 revision: $(q "SELECT * FROM invoices WHERE invoice_id = '00001'")"
[ "$(q "SELECT count(*) FROM invoice_lines WHERE invoice_id = '00001'")" = 2 ] || fail "810 revision lines"
[ "$(q "SELECT i.order_id || '|' || to_char(i.order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || i.total_amount || '|' || string_agg(l.sku || ':' || l.quantity || ':' || l.unit || ':' || l.unit_price, ',' ORDER BY l.line_no) FROM invoices i JOIN invoice_lines l USING (tenant_id, invoice_id) WHERE invoice_id = '465266' GROUP BY i.order_id, i.order_time, i.total_amount")" = \
    "539893|2002-05-23|8432.02|001055503223:16:CA:52.56,008814405004:12:CA:207.72,001055503761:18:CA:169.2,001055503441:9:CA:166.8" ] ||
    fail "810_02"
[ "$(q "SELECT i.currency || '|' || i.total_amount || '|' || i.order_id || '|' || string_agg(l.sku || ':' || l.quantity || ':' || l.unit || ':' || l.unit_price || ':' || l.amount, ',' ORDER BY l.line_no) FROM invoices i JOIN invoice_lines l USING (tenant_id, invoice_id) WHERE invoice_id = '342459' GROUP BY i.currency, i.total_amount, i.order_id")" = \
    "USD|2137.58|521052|157870:1020:EA:1.179:1202.58,157871:20:EA:20.5:410" ] ||
    fail "EDIFACT INVOIC"
[ "$(q "SELECT count(*) FROM orders WHERE order_id IN ('B10001', 'C1441747')")" = 2 ] ||
    fail "the two ORDERS with control mismatches"

note "row-level security: the supplier and buyer see an invoice, others not"
[ "$(seen "$(code 005435656)" invoices)" = 1 ] || fail "supplier sees its invoice"
[ "$(seen "$(code 792820524)" invoice_lines)" = 2 ] || fail "buyer sees the lines"
[ "$(seen "$(code 4405197800)" invoices)" = 0 ] || fail "another enterprise sees invoices"
# POTEST1112 and the two responses without lines
[ "$(seen "$BU" order_responses)" = 3 ] || fail "buyer sees its responses"
[ "$(seen "$(code 4405197800)" order_response_lines)" = 0 ] || fail "another sees response lines"

note "--strict-controls rejects what converts with a warning by default"
rc=0
"$CS_BIN/cs-edi" --strict-controls "$data/edifact_orders_d96b_01.edi" >/dev/null 2>"$TEST_TMP/strict.log" || rc=$?
[ $rc = 65 ] || fail "want exit 65 with --strict-controls, got $rc"
grep -q 'UNT counts 21 segments, the message 1 has 18' "$TEST_TMP/strict.log" || fail "strict reason"

note "broker down: exit 69, the failure logged"
stop_service ingest
stop_service devbroker
rc=0
"$CS_BIN/cs-edi" --produce --kafka-timeout-ms 3000 --kafka-extra message.timeout.ms=2000 \
    "$data/x12_856_02.edi" 2>"$TEST_TMP/down.log" || rc=$?
[ $rc = 69 ] || fail "want exit 69 with the broker down, got $rc: $(cat "$TEST_TMP/down.log")"
grep -q '"msg":"events not acknowledged"' "$TEST_TMP/down.log" ||
    fail "no acknowledgement error logged"
note "ok"
