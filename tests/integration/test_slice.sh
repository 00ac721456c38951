#!/usr/bin/env bash
# test_slice.sh - the foundation slice end to end: orders produced with
# kcat (a client we did not write) land in PostgreSQL through cs-ingest
# and come back out of cs-api over HTTP; a malformed message is rejected
# with a logged reason and a dead letter while the good ones land;
# replays are absorbed; offsets survive a restart.
source "$CS_SRC/tests/lib/testlib.sh"

BUYER=91350100M000100Y43
SUPPLIER=91110000802100433B
OTHER=91440300708461136T

dsn=$(pg_test_db slice)
q() { psql "$dsn" -qAt -c "$1"; }
start_devbroker

export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
# A short session timeout lets the restarted consumer rejoin quickly.
export CS_KAFKA_EXTRA=fetch.wait.max.ms=10,session.timeout.ms=6000,heartbeat.interval.ms=500
export CS_BATCH_MAX_WAIT_MS=50
start_service ingest "$CS_BIN/cs-ingest"
# The API runs as cs_api_app, which row-level security binds, with a
# token for the buyer (cs-admin, as the owner, creates it).
TOKEN=$("$CS_BIN/cs-admin" token create --role enterprise --enterprise "$BUYER" \
    --name slice 2>"$TEST_TMP/token.log") || fail "token create: $(cat "$TEST_TMP/token.log")"
start_service api "$CS_BIN/cs-api" --http-threads 2 --pg-dsn "${dsn/user=postgres/user=cs_api_app}"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
wait_for 30 "cs-api to start" log_field api "api ready" port
ingest_metrics="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
api="http://127.0.0.1:$(log_field api "api ready" port)"

# order ID TIME SUPPLIER LINES_JSON
order() {
    printf '{"specversion":"1.0","id":"evt-%s-%s","source":"erp://test-sap","type":"cs.order.v1","time":"%s","tenantid":"%s","data":{"order_id":"%s","buyer":"%s","supplier":"%s","order_date":"2026-11-0%s","currency":"CNY","lines":%s}}' \
        "$1" "$2" "$2" "$BUYER" "$1" "$BUYER" "$3" "${1#PO-}" "$4"
}
produce() { kcat -P -b "$BROKERS" -t cs.orders -K '|'; }

note "three orders and one malformed message, produced with kcat"
{
    echo "$BUYER/PO-1|$(order PO-1 2026-11-01T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"CELL-21700","quantity":1200,"unit":"PCS","unit_price":"12.50","requested_date":"2026-11-20"},{"line_no":2,"sku":"NI-SULF","quantity":3.75,"unit":"T"}]')"
    echo "$BUYER/PO-2|$(order PO-2 2026-11-02T08:00:00Z "$OTHER" '[{"line_no":1,"sku":"PACK-60","quantity":40,"unit":"PCS","unit_price":8800}]')"
    echo "$BUYER/PO-3|$(order PO-3 2026-11-03T08:00:00+08:00 "$SUPPLIER" '[{"line_no":7,"sku":"CELL-21700","quantity":0,"unit":"PCS"}]')"
    echo "$BUYER/PO-X|{\"specversion\":\"1.0\",\"id\":\"broken"
} | produce

auth=(-H "Authorization: Bearer $TOKEN")
got_order() { curl -sf "${auth[@]}" "$api/v1/orders/$1" >"$TEST_TMP/$1.json"; }
for id in PO-1 PO-2 PO-3; do wait_for 60 "order $id from the API" got_order "$id"; done

note "the API returns what was sent, numbers exact"
body=$(cat "$TEST_TMP/PO-1.json")
[ "$(jq -r .order_id <<<"$body")" = PO-1 ] || fail "order_id"
[ "$(jq -r .buyer <<<"$body")" = "$BUYER" ] || fail "buyer"
[ "$(jq -r .supplier <<<"$body")" = "$SUPPLIER" ] || fail "supplier"
[ "$(jq -r .tenant_id <<<"$body")" = "$BUYER" ] || fail "tenant_id"
[ "$(jq -r .order_time <<<"$body")" = 2026-11-01T00:00:00.000Z ] || fail "order_time"
[ "$(jq '.lines | length' <<<"$body")" = 2 ] || fail "PO-1 should have 2 lines"
[ "$(jq -r '.lines[0].sku' <<<"$body")" = CELL-21700 ] || fail "sku"
[ "$(jq -r '.lines[0].requested_time' <<<"$body")" = 2026-11-20T00:00:00.000Z ] || fail "requested_time"
grep -q '"quantity":1200,' <<<"$body" || fail "quantity text changed: $body"
grep -q '"unit_price":12.50,' <<<"$body" || fail "unit_price text changed: $body"
grep -q '"quantity":3.75,"unit":"T","unit_price":null' <<<"$body" || fail "line 2: $body"
[ "$(jq -r '.lines[0].line_no' "$TEST_TMP/PO-3.json")" = 7 ] || fail "PO-3 line_no"
[ "$(jq -r .supplier "$TEST_TMP/PO-2.json")" = "$OTHER" ] || fail "PO-2 supplier"

note "the malformed message: logged with its reason, dead-lettered, counted"
grep '"msg":"rejected record"' "$TEST_TMP/ingest.log" >"$TEST_TMP/rejected.txt" ||
    fail "no rejection logged"
grep -q '"reason_code":"malformed_json","reason":"malformed JSON at byte 33: parse error: premature EOF' "$TEST_TMP/rejected.txt" ||
    fail "rejection lacks a reason: $(cat "$TEST_TMP/rejected.txt")"
read_dlq() {
    kcat -C -b "$BROKERS" -t cs.dlq -o beginning -e -q -f '%k|%s|%h\n' >"$TEST_TMP/dlq.txt"
    [ "$(wc -l <"$TEST_TMP/dlq.txt")" -ge "$1" ]
}
wait_for 30 "the dead letter" read_dlq 1
[ "$(wc -l <"$TEST_TMP/dlq.txt")" = 1 ] || fail "want 1 dead letter, got: $(cat "$TEST_TMP/dlq.txt")"
grep -q "^$BUYER/PO-X|{\"specversion\":\"1.0\",\"id\":\"broken|" "$TEST_TMP/dlq.txt" ||
    fail "dead letter lost the original key or bytes: $(cat "$TEST_TMP/dlq.txt")"
grep -q 'cs.reason_code=malformed_json' "$TEST_TMP/dlq.txt" || fail "dlq reason code header"
grep -q 'cs.source_topic=cs.orders' "$TEST_TMP/dlq.txt" || fail "dlq source topic header"
grep -q 'cs.source_offset=[0-9]' "$TEST_TMP/dlq.txt" || fail "dlq offset header"
[ "$(metric 'cs_ingest_rejected_total{reason="malformed_json"}' "$ingest_metrics")" = 1 ] ||
    fail "malformed_json counter"
[ "$(metric cs_ingest_events_stored_total "$ingest_metrics")" = 3 ] || fail "stored counter"
# the process metrics agree with the kernel's view of cs-ingest
rss_kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/${SVC_PID[ingest]}/status")
awk -v m="$(metric process_resident_memory_bytes "$ingest_metrics")" -v k="$rss_kb" \
    'BEGIN { d = m - k * 1024; exit !(m > 0 && d < 16777216 && d > -16777216) }' ||
    fail "process_resident_memory_bytes $(metric process_resident_memory_bytes "$ingest_metrics"), VmRSS $rss_kb kB"
awk -v c="$(metric process_cpu_seconds_total "$ingest_metrics")" 'BEGIN { exit !(c > 0) }' ||
    fail "process_cpu_seconds_total not above 0 after storing events"
[ "$(metric process_open_fds "$ingest_metrics")" -ge 3 ] || fail "process_open_fds"
[ "$(q 'SELECT count(*) FROM order_lines')" = 4 ] || fail "want 4 order lines in the database"

note "invalid data names the field; the partition keeps flowing"
{
    echo "k|$(order PO-4 2026-11-04T08:00:00Z 91350100M000100Y44 '[{"line_no":1,"sku":"A","quantity":1,"unit":"PCS"}]')"
    echo "k|$(order PO-5 2026-11-05T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"A","quantity":-2,"unit":"PCS"}]')"
    echo "k|$(order PO-6 2026-11-06T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"A","quantity":5,"unit":"PCS"}]')"
} | produce
wait_for 60 "PO-6 behind two bad records" got_order PO-6
grep -q '"reason":"data.supplier: credit code check character is' "$TEST_TMP/ingest.log" ||
    fail "bad credit code not named"
grep -q '"reason":"data.lines\[0\].quantity: must not be negative"' "$TEST_TMP/ingest.log" ||
    fail "negative quantity not named"
curl -s "${auth[@]}" -o "$TEST_TMP/po4.json" -w '%{http_code}' "$api/v1/orders/PO-4" | grep -qx 404 ||
    fail "PO-4 must not exist"
jq -e '.type == "urn:chainsight:problem:not_found" and .status == 404 and .field == "id"' "$TEST_TMP/po4.json" >/dev/null ||
    fail "404 body: $(cat "$TEST_TMP/po4.json")"

note "a replay is absorbed by the event-id ledger"
{
    echo "$BUYER/PO-1|$(order PO-1 2026-11-01T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"CELL-21700","quantity":1200,"unit":"PCS","unit_price":"12.50","requested_date":"2026-11-20"},{"line_no":2,"sku":"NI-SULF","quantity":3.75,"unit":"T"}]')"
} | produce
dup_seen() { [ "$(metric cs_ingest_events_duplicate_total "$ingest_metrics")" = 1 ]; }
wait_for 60 "the duplicate to be recognised" dup_seen
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = 'PO-1'")" = 2 ] || fail "replay duplicated lines"

note "a newer revision replaces the order's lines; an older one does not"
{
    echo "$BUYER/PO-1|$(order PO-1 2026-11-10T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"CELL-21700","quantity":900,"unit":"PCS"}]')"
    echo "$BUYER/PO-1|$(order PO-1 2026-10-01T08:00:00Z "$SUPPLIER" '[{"line_no":9,"sku":"OLD","quantity":1,"unit":"PCS"}]')"
} | produce
revised() { got_order PO-1 && [ "$(jq -r '.lines[0].quantity' "$TEST_TMP/PO-1.json")" = 900 ]; }
wait_for 60 "the revision of PO-1" revised
stale_done() { [ "$(metric cs_ingest_events_stored_total "$ingest_metrics")" = 6 ]; }
wait_for 60 "the stale revision to be processed" stale_done
got_order PO-1
[ "$(jq '.lines | length' "$TEST_TMP/PO-1.json")" = 1 ] || fail "revision kept old lines"
[ "$(jq -r '.event_id' "$TEST_TMP/PO-1.json")" = evt-PO-1-2026-11-10T08:00:00Z ] ||
    fail "an older event overwrote a newer one"

note "HTTP errors are problem+json with a reason"
code=$(curl -s "${auth[@]}" -o "$TEST_TMP/e.json" -w '%{http_code}' -X POST "$api/v1/orders/PO-1")
[ "$code" = 405 ] && jq -e '.type == "urn:chainsight:problem:method_not_allowed"' "$TEST_TMP/e.json" >/dev/null ||
    fail "POST: $code"
code=$(curl -s "${auth[@]}" -o "$TEST_TMP/e.json" -w '%{http_code}' "$api/v1/nothing")
[ "$code" = 404 ] || fail "unknown path: $code"
code=$(curl -s -o "$TEST_TMP/e.json" -w '%{http_code}' "$api/v1/orders/PO-1")
[ "$code" = 401 ] || fail "no token: $code"
curl -sf "$api/healthz" | jq -e '.status == "ok"' >/dev/null || fail "/healthz"
curl -sf "$api/readyz" | jq -e '.status == "ready"' >/dev/null || fail "/readyz"
[ "$(metric 'cs_api_requests_total{code="2xx"}' "$api/metrics")" -ge 3 ] || fail "api metrics"

note "offsets are committed: a restarted ingest reads only new messages"
stop_service ingest
start_service ingest2 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to restart" log_field ingest2 "ingest ready" http_port
m2="http://127.0.0.1:$(log_field ingest2 "ingest ready" http_port)/metrics"
echo "k|$(order PO-7 2026-11-07T08:00:00Z "$SUPPLIER" '[{"line_no":1,"sku":"A","quantity":5,"unit":"PCS"}]')" | produce
wait_for 60 "PO-7" got_order PO-7
[ "$(metric cs_ingest_messages_total "$m2")" = 1 ] ||
    fail "restarted ingest re-read $(metric cs_ingest_messages_total "$m2") messages"

note "a bad librdkafka property in CS_KAFKA_EXTRA: exit 78 at once, the property named"
# A property's own value is checked before the service waits for its
# database (here one that is not there: waiting would time out).
nodb="host=$TEST_TMP/nowhere connect_timeout=1"
for svc in ingest api analyst; do
    for extra in queued.max.messages.kbytes=lots fetch.max.bytes linger.ms=-5; do
        rc=0
        CS_KAFKA_EXTRA=$extra CS_PG_DSN=$nodb CS_HTTP_PORT=0 timeout 20 "$CS_BIN/cs-$svc" \
            >"$TEST_TMP/bad-extra.out" 2>"$TEST_TMP/bad-extra.err" || rc=$?
        [ "$rc" = 78 ] || fail "cs-$svc, CS_KAFKA_EXTRA=$extra: exit $rc, want 78"
        grep -q "bad configuration: kafka.extra.*${extra%%=*}" "$TEST_TMP/bad-extra.err" ||
            fail "cs-$svc, CS_KAFKA_EXTRA=$extra: no error naming ${extra%%=*}: $(cat "$TEST_TMP/bad-extra.err")"
    done
done
# Checks between properties run when the client is made: cs-ingest's own
# prefetch bounds (fetch.max.bytes 8 MiB) go in ahead of CS_KAFKA_EXTRA,
# so a larger message.max.bytes needs a larger fetch.max.bytes beside it.
rc=0
CS_KAFKA_EXTRA=message.max.bytes=10000000 CS_HTTP_PORT=0 timeout 60 "$CS_BIN/cs-ingest" \
    >"$TEST_TMP/bad-extra.out" 2>"$TEST_TMP/bad-extra.err" || rc=$?
[ "$rc" = 78 ] && grep -q "fetch.max.bytes" "$TEST_TMP/bad-extra.err" ||
    fail "message.max.bytes above fetch.max.bytes: exit $rc, $(cat "$TEST_TMP/bad-extra.err")"
note "CS_KAFKA_EXTRA overrides cs-ingest's own prefetch bounds"
CS_KAFKA_EXTRA=message.max.bytes=10000000,fetch.max.bytes=20000000 \
    start_service ingest3 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest with a larger fetch.max.bytes to start" log_field ingest3 "ingest ready" http_port
stop_service ingest3

note "clean shutdown of everything (exit 0, no leaks)"
stop_service ingest2
stop_service api
stop_service devbroker
note "ok"
