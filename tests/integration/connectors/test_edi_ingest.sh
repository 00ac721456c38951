#!/usr/bin/env bash
# test_edi_ingest.sh - cs-edi --produce end to end: the public EDI samples
# (X12 850/856, EDIFACT ORDERS/DESADV) produced to a devbroker with every
# acknowledgement awaited, stored by cs-ingest in PostgreSQL with the
# fields each document states; a re-run only adds duplicates; a rejected
# message keeps its neighbours; a broker that is down gives exit 69.
source "$CS_SRC/tests/lib/testlib.sh"

data=$CS_SRC/tests/data/edi
dsn=$(pg_test_db edi)
q() { psql "$dsn" -qAt -c "$1"; }
code() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$data/partners.tsv"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_BATCH_MAX_WAIT_MS=50
export CS_EDI_PARTNER_MAP=$data/partners.tsv
start_service ingest env CS_KAFKA_EXTRA=fetch.wait.max.ms=10 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }
dups() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = "$1" ]; }

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
wait_for 60 "24 new orders" stored 39
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = 'S115921858'")" = 4 ] || fail "the 850 among 810s"

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
