#!/usr/bin/env bash
# test_edi_plans_sales.sh - the EDI documents that are not orders or their
# follow-ups, end to end: EDIFACT SLSRPT as cs.sales.v1 (one row per item
# and period, sold quantity and value summed over the places of sale,
# returns apart), produced by cs-edi to a devbroker and stored by
# cs-ingest in PostgreSQL; a re-run only adds duplicates.
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

note "a re-run produces duplicates only"
"$CS_BIN/cs-edi" --produce "$sls" 2>>"$TEST_TMP/sales.log" || fail "re-run exited $?"
wait_for 60 "176 duplicates" dups 176
stored 176 || fail "a re-run stored new events"
dead 0 || fail "dead letters: $(metric cs_ingest_dlq_sent_total "$m")"
note "ok"
