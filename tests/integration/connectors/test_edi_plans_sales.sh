#!/usr/bin/env bash
# test_edi_plans_sales.sh - the EDI documents that are not orders or their
# follow-ups, end to end: EDIFACT SLSRPT as cs.sales.v1 (one row per item
# and period, sold quantity and value summed over the places of sale,
# returns apart) and X12 830 as cs.demand_plan.v1 (one row per item and
# forecast period, visible to the buyer and the supplier only), and an SAP
# IDoc ORDERS01 flat file as cs.order.v1, produced by cs-edi to a
# devbroker and stored by cs-ingest in PostgreSQL; a re-run only adds
# duplicates.
source "$CS_SRC/tests/lib/testlib.sh"

source "$CS_SRC/tests/integration/connectors/edi_ingest_env.sh" edi2
dead() { [ "$(metric cs_ingest_dlq_sent_total "$m")" = "$1" ]; }

note "SLSRPT: 88 items in each of two messages"
sls=$data/edifact_slsrpt_d96a_01.edi
"$CS_BIN/cs-edi" "$sls" >"$TEST_TMP/sales.jsonl" 2>"$TEST_TMP/sales-print.log" ||
    fail "cs-edi printing failed: $(cat "$TEST_TMP/sales-print.log")"
[ "$(wc -l <"$TEST_TMP/sales.jsonl")" = 176 ] || fail "want 176 sales events"
"$CS_BIN/cs-edi" --produce "$sls" 2>"$TEST_TMP/sales.log" ||
    fail "cs-edi --produce exited $?: $(cat "$TEST_TMP/sales.log")"
[ "$(grep -c '"msg":"edi warning"' "$TEST_TMP/sales.log")" = 3 ] ||
    fail "want 3 warnings: $(cat "$TEST_TMP/sales.log")"
# both messages report the same places of sale for 2008-03-31: the second
# (interchange dated 2006-08-01) is older than the first, so its 88 events
# are stored in the ledger but change no row
wait_for 60 "176 sales events stored" stored 176
E=$(code 8712345000000)
[ "$(q "SELECT count(*) || '|' || count(DISTINCT sku) FROM sales WHERE enterprise = '$E'")" = "88|88" ] ||
    fail "one row per item: $(q "SELECT count(*) FROM sales")"
# the rows hold what the document states: sums over its LIN/PRI/QTY, done
# here with awk over the raw segments
tr -d '\r\n' <"$sls" | tr "'" '\n' | awk -F'[+:]' '
    /^UNH/ { m++ } m != 1 { next }
    /^LIN/ { sku = $4 } /^PRI/ { p = $3 }
    /^QTY\+153/ { if ($3 > 0) { Q[sku] += $3; R[sku] += p } else if (!(sku in Q)) { Q[sku] += 0; R[sku] += 0 } }
    END { for (s in Q) printf "%s:%g:%g\n", s, Q[s], R[s] }' | sort >"$TEST_TMP/want.txt"
q "SELECT sku || ':' || quantity::float8 || ':' || revenue::float8 FROM sales WHERE enterprise = '$E' ORDER BY 1" |
    sort >"$TEST_TMP/got.txt"
diff "$TEST_TMP/want.txt" "$TEST_TMP/got.txt" >"$TEST_TMP/diff.txt" ||
    fail "sales rows differ from the document: $(head "$TEST_TMP/diff.txt")"
[ "$(q "SELECT quantity || '|' || revenue || '|' || unit || '|' || currency || '|' || channel || '|' || period_start || '|' || period_end || '|' || tenant_id || '|' || to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM sales WHERE sku = '8712345642191'")" = \
    "1|9|PCE|EUR|retail|2008-03-31|2008-03-31|$E|2008-04-01 05:59" ] ||
    fail "item with a return: $(q "SELECT * FROM sales WHERE sku = '8712345642191'")"
[ "$(q "SELECT quantity::float8 || '|' || revenue::float8 FROM sales WHERE sku = '8712345206130'")" = \
    "$(grep '^8712345206130:' "$TEST_TMP/want.txt" | cut -d: -f2,3 | tr : '|')" ] || fail "8712345206130"

note "X12 830: twelve weekly periods of one item"
pln=$data/x12_830_01.edi
"$CS_BIN/cs-edi" --produce "$pln" 2>"$TEST_TMP/plan.log" ||
    fail "cs-edi --produce exited $?: $(cat "$TEST_TMP/plan.log")"
wait_for 60 "188 events stored" stored 188
kcat -C -b "$BROKERS" -t cs.demand_plans -o beginning -e -q -f '%k\n' | sort -u >"$TEST_TMP/plan-keys.txt"
B=$(code 0091372090000) S=$(code 1234567890000)
[ "$(cat "$TEST_TMP/plan-keys.txt")" = "$B/$S/71238654" ] ||
    fail "plan key BUYER/SUPPLIER/SKU: $(cat "$TEST_TMP/plan-keys.txt")"
# FST01 / FST04 / FST05 of each FST, read here from the raw segments
tr -d '\r\n' <"$pln" | tr '~' '\n' | awk -F'*' '/^FST/ {
    printf "%s-%s-%s|%s-%s-%s|%s\n", substr($5,1,4), substr($5,5,2), substr($5,7,2),
        substr($6,1,4), substr($6,5,2), substr($6,7,2), $2 }' >"$TEST_TMP/fst.txt"
[ "$(wc -l <"$TEST_TMP/fst.txt")" = 12 ] || fail "want 12 FST in the sample"
q "SELECT period_start || '|' || period_end || '|' || quantity FROM demand_plans ORDER BY period_start" >"$TEST_TMP/plans.txt"
diff "$TEST_TMP/fst.txt" "$TEST_TMP/plans.txt" >"$TEST_TMP/plan-diff.txt" ||
    fail "demand_plans differ from the FSTs: $(cat "$TEST_TMP/plan-diff.txt")"
[ "$(q "SELECT DISTINCT tenant_id || '|' || buyer || '|' || supplier || '|' || sku || '|' || unit || '|' || firm || '|' || forecast_code || '|' || schedule_type || '|' || coalesce(schedule_ref, '-') || '|' || issued_date || '|' || to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM demand_plans")" = \
    "$B|$B|$S|71238654|CA|false|D|PS|-|2004-10-05|2004-10-05 16:20" ] ||
    fail "demand plan fields: $(q "SELECT * FROM demand_plans LIMIT 1")"

note "row-level security: the buyer and the supplier see the plan, others not"
[ "$(seen "$B" demand_plans)" = 12 ] || fail "the buyer sees its plan"
[ "$(seen "$S" demand_plans)" = 12 ] || fail "the supplier sees the plan"
[ "$(seen "$E" demand_plans)" = 0 ] || fail "another enterprise sees the plan"

note "SAP IDoc ORDERS01: one order"
idoc=$data/sap_idoc_orders01_01.idoc
"$CS_BIN/cs-edi" --produce "$idoc" 2>"$TEST_TMP/idoc.log" ||
    fail "cs-edi --produce exited $?: $(cat "$TEST_TMP/idoc.log")"
wait_for 60 "189 events stored" stored 189
IB=$(code LS:HID032) IS=$(code LF:0000088333)
[ "$(q "SELECT buyer || '|' || supplier || '|' || tenant_id || '|' || currency || '|' || to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || source FROM orders WHERE order_id = '4200003091'")" = \
    "$IB|$IS|$IB|EUR|2007-09-07|edi://idoc/HID032" ] ||
    fail "IDoc order header: $(q "SELECT * FROM orders WHERE order_id = '4200003091'")"
[ "$(q "SELECT string_agg(line_no || ':' || sku || ':' || quantity || ':' || unit || ':' || unit_price || ':' || to_char(requested_time AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ',') FROM order_lines WHERE order_id = '4200003091'")" = \
    "10:82102002:100.000:PCE:6.75:2007-09-10" ] ||
    fail "IDoc order line: $(q "SELECT * FROM order_lines WHERE order_id = '4200003091'")"

note "a re-run produces duplicates only"
"$CS_BIN/cs-edi" --produce "$sls" "$pln" "$idoc" 2>>"$TEST_TMP/sales.log" || fail "re-run exited $?"
wait_for 60 "189 duplicates" dups 189
stored 189 || fail "a re-run stored new events"
dead 0 || fail "dead letters: $(metric cs_ingest_dlq_sent_total "$m")"
note "ok"
