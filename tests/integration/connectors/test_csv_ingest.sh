#!/usr/bin/env bash
# test_csv_ingest.sh - cs-import-csv --produce end to end: good rows of a
# mapped ERP export reach PostgreSQL through a devbroker and cs-ingest,
# bad rows land in the rejects file with their line numbers and reasons,
# and a re-run of the same file stores nothing new.
source "$CS_SRC/tests/lib/testlib.sh"

data=$CS_SRC/tests/unit/connectors/csv/data
dsn=$(pg_test_db csv)
q() { psql "$dsn" -qAt -c "$1"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_BATCH_MAX_WAIT_MS=50
start_service ingest env CS_KAFKA_EXTRA=fetch.wait.max.ms=10 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }
dups() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = "$1" ]; }

note "orders: good rows produced, bad rows in the rejects file, exit 65"
rc=0
"$CS_BIN/cs-import-csv" --produce --mapping "$data/orders.map" --rejects "$TEST_TMP/rejects.csv" \
    "$data/orders.csv" 2>"$TEST_TMP/csv.log" || rc=$?
[ $rc = 65 ] || fail "want exit 65 (rows rejected), got $rc: $(cat "$TEST_TMP/csv.log")"
[ "$(head -n 1 "$TEST_TMP/rejects.csv")" = "file,line,error,record" ] || fail "rejects header"
[ "$(tail -n +2 "$TEST_TMP/rejects.csv" | grep -c '^[^,]*orders.csv,[0-9]*,')" = 11 ] ||
    fail "want 11 rejected rows: $(cat "$TEST_TMP/rejects.csv")"
grep -q 'orders.csv,5,"column ""单位"" (unit): unknown unit ""箱""' "$TEST_TMP/rejects.csv" ||
    fail "unknown unit not reported with its line: $(cat "$TEST_TMP/rejects.csv")"
grep -q 'orders.csv,8,.*is not a valid date' "$TEST_TMP/rejects.csv" || fail "bad date line 8"

note "shipments and GB18030 orders too"
"$CS_BIN/cs-import-csv" --produce --mapping "$data/shipments.map" "$data/shipments.csv" \
    2>>"$TEST_TMP/csv.log" || fail "shipments exited $?"
"$CS_BIN/cs-import-csv" --produce --mapping "$data/orders_gb18030.map" "$data/orders_gb18030.csv" \
    2>>"$TEST_TMP/csv.log" || fail "GB18030 exited $?"
wait_for 60 "5 events stored" stored 5

note "the rows in PostgreSQL"
[ "$(q "SELECT string_agg(line_no || ':' || sku || ':' || quantity || ':' || unit || ':' || coalesce(unit_price::text, '-'), ',' ORDER BY line_no) FROM order_lines WHERE order_id = 'PO-1'")" = \
    "10:CELL-21700:1200:PCS:12.50,20:NI-SULF:3.75:T:-" ] || fail "PO-1 lines"
[ "$(q "SELECT sku FROM order_lines WHERE order_id = 'PO-GB'")" = "电池-21700" ] || fail "GB18030 text"
[ "$(q "SELECT count(*) FROM orders WHERE order_id IN ('PO-3', 'PO-4', 'PO-8', 'PO-9')")" = 0 ] ||
    fail "an order with a rejected row was stored"
[ "$(q "SELECT quantity || '|' || batch FROM shipment_lines WHERE shipment_id = 'ASN-9' AND line_no = 1")" = "1200.000|B-7" ] ||
    fail "shipment line"

note "a re-run stores nothing new"
"$CS_BIN/cs-import-csv" --produce --mapping "$data/orders.map" "$data/orders.csv" 2>>"$TEST_TMP/csv.log" || true
"$CS_BIN/cs-import-csv" --produce --mapping "$data/shipments.map" "$data/shipments.csv" 2>>"$TEST_TMP/csv.log"
wait_for 60 "4 duplicates" dups 4
stored 5 || fail "the re-run stored new events"
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = 'PO-1'")" = 2 ] || fail "lines doubled"

stop_service ingest
stop_service devbroker
note "ok"
