#!/usr/bin/env bash
# test_gateway.sh - cs-erp-gateway end to end with curl: canonical events
# (one and a batch) and a flat ERP order with Idempotency-Key reach
# PostgreSQL through the devbroker and cs-ingest; 202 comes only after
# the broker acknowledged; an invalid batch is refused whole with the
# failing event named; a retry is a duplicate; with the broker down the
# answer is 503 with Retry-After.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43
B=91110000802100433B
dsn=$(pg_test_db gateway)
q() { psql "$dsn" -qAt -c "$1"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_BATCH_MAX_WAIT_MS=50
start_service ingest env CS_KAFKA_EXTRA=fetch.wait.max.ms=10 "$CS_BIN/cs-ingest"
start_service gateway "$CS_BIN/cs-erp-gateway" --kafka-timeout-ms 2000
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
wait_for 30 "the gateway to start" log_field gateway "gateway ready" port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
gw="http://127.0.0.1:$(log_field gateway "gateway ready" port)"
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }
dups() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = "$1" ]; }
post() { # PATH BODY [HEADER] -> status on stdout, body in $TEST_TMP/r.json
    curl -s -o "$TEST_TMP/r.json" -D "$TEST_TMP/h.txt" -w '%{http_code}' \
        -H 'Content-Type: application/json' ${3:+-H "$3"} --data-binary "$2" "$gw$1"
}
order() { # ID QTY
    printf '{"specversion":"1.0","id":"gw-%s","source":"erp://test","type":"cs.order.v1","time":"2026-11-01T08:00:00Z","tenantid":"%s","data":{"order_id":"%s","buyer":"%s","supplier":"%s","order_date":"2026-11-01","lines":[{"line_no":1,"sku":"X","quantity":%s,"unit":"PCS","unit_price":"12.50"}]}}' \
        "$1" "$A" "$1" "$A" "$B" "$2"
}

note "one canonical event: 202 after the acknowledgement"
code=$(post /v1/events "$(order PO-1 5)")
[ "$code" = 202 ] || fail "want 202, got $code: $(cat "$TEST_TMP/r.json")"
jq -e '.accepted == 1 and .ids == ["gw-PO-1"]' "$TEST_TMP/r.json" >/dev/null || fail "202 body"
wait_for 60 "PO-1 stored" stored 1

note "a batch of three families"
batch="[$(order PO-2 7),"
batch+='{"specversion":"1.0","id":"gw-s1","source":"erp://test","type":"cs.shipment.v1","time":"2026-11-02T00:00:00Z","tenantid":"'$B'","data":{"shipment_id":"ASN-1","supplier":"'$B'","buyer":"'$A'","shipped_at":"2026-11-02","lines":[{"line_no":1,"sku":"X","quantity":5,"unit":"PCS"}]}},'
batch+='{"specversion":"1.0","id":"gw-i1","source":"erp://test","type":"cs.inventory.v1","time":"2026-11-02T00:00:00Z","tenantid":"'$A'","data":{"enterprise":"'$A'","sku":"X","as_of":"2026-11-02T00:00:00Z","on_hand":10,"unit":"PCS"}}]'
code=$(post /v1/events "$batch")
[ "$code" = 202 ] || fail "batch: $code $(cat "$TEST_TMP/r.json")"
jq -e '.accepted == 3' "$TEST_TMP/r.json" >/dev/null || fail "batch body"
wait_for 60 "4 events stored" stored 4
[ "$(q "SELECT quantity || '|' || unit_price FROM order_lines WHERE order_id = 'PO-2'")" = "7|12.50" ] ||
    fail "PO-2 line"
[ "$(q "SELECT n_lines FROM shipments WHERE shipment_id = 'ASN-1'")" = 1 ] || fail "shipment"

note "an invalid event refuses the whole batch, naming it"
code=$(post /v1/events "[$(order PO-3 1),$(order PO-4 -1)]")
[ "$code" = 422 ] || fail "want 422, got $code"
jq -e '.detail == "event 1: data.lines[0].quantity: must not be negative"' "$TEST_TMP/r.json" >/dev/null ||
    fail "422 body: $(cat "$TEST_TMP/r.json")"
code=$(post /v1/events '{"specversion":"1.0",')
[ "$code" = 400 ] || fail "malformed JSON: $code"
code=$(curl -s -o /dev/null -D "$TEST_TMP/h.txt" -w '%{http_code}' "$gw/v1/events")
[ "$code" = 405 ] && grep -qi '^allow: POST' "$TEST_TMP/h.txt" || fail "GET: $code"

note "a flat ERP order needs an Idempotency-Key; a retry is a duplicate"
flat='{"order_id":"PO-9","buyer":"'$A'","supplier":"'$B'","order_date":"2026-11-09","updated_at":"2026-11-09T10:00:00+08:00","lines":[{"line_no":1,"sku":"Y","quantity":"3.50","unit":"KG"}]}'
code=$(post /v1/erp/orders "$flat")
[ "$code" = 400 ] && jq -e '.field == "Idempotency-Key"' "$TEST_TMP/r.json" >/dev/null ||
    fail "no key: $code $(cat "$TEST_TMP/r.json")"
code=$(post /v1/erp/orders "$flat" "Idempotency-Key: po-9-v1")
[ "$code" = 202 ] && jq -e '.ids == ["gw:po-9-v1"]' "$TEST_TMP/r.json" >/dev/null ||
    fail "flat order: $code $(cat "$TEST_TMP/r.json")"
code=$(post /v1/erp/orders "$flat" "Idempotency-Key: po-9-v1")
[ "$code" = 202 ] || fail "retry: $code"
wait_for 60 "the retry counted as a duplicate" dups 1
stored 5 || fail "want 5 stored"
[ "$(q "SELECT quantity || '|' || tenant_id FROM order_lines WHERE order_id = 'PO-9'")" = "3.50|$A" ] ||
    fail "flat order line"

note "an order response and an invoice go to their topics, keyed by entity"
batch='[{"specversion":"1.0","id":"gw-r1","source":"erp://test","type":"cs.order_response.v1","time":"2026-11-03T00:00:00Z","tenantid":"'$B'","data":{"order_id":"PO-2","buyer":"'$A'","supplier":"'$B'","responded_at":"2026-11-03","status":"changed","lines":[{"line_no":1,"sku":"X","quantity":6,"unit":"PCS","promised_date":"2026-11-20","status":"changed"}]}},'
batch+='{"specversion":"1.0","id":"gw-v1","source":"erp://test","type":"cs.invoice.v1","time":"2026-11-05T00:00:00Z","tenantid":"'$B'","data":{"invoice_id":"INV-1","supplier":"'$B'","buyer":"'$A'","invoice_date":"2026-11-05","order_id":"PO-2","total_amount":"75.00","lines":[{"line_no":1,"sku":"X","quantity":6,"unit":"PCS","unit_price":"12.50","amount":"75.00"}]}}]'
code=$(post /v1/events "$batch")
[ "$code" = 202 ] || fail "response and invoice: $code $(cat "$TEST_TMP/r.json")"
wait_for 60 "7 events stored" stored 7
[ "$(kcat -C -b "$BROKERS" -t cs.order_responses -o beginning -e -q -f '%k')" = "$A/PO-2" ] ||
    fail "order response key BUYER/ORDER_ID"
[ "$(kcat -C -b "$BROKERS" -t cs.invoices -o beginning -e -q -f '%k')" = "$B/INV-1" ] ||
    fail "invoice key SUPPLIER/INVOICE_ID"
[ "$(q "SELECT r.status || '|' || l.quantity || '|' || l.promised_time::date FROM order_responses r JOIN order_response_lines l USING (tenant_id, buyer, order_id) WHERE order_id = 'PO-2'")" = "changed|6|2026-11-20" ] ||
    fail "order response row"
[ "$(q "SELECT total_amount || '|' || order_id FROM invoices WHERE invoice_id = 'INV-1'")" = "75.00|PO-2" ] ||
    fail "invoice row"

note "broker down: 503 with Retry-After, no hang"
stop_service ingest
stop_service devbroker
start=$SECONDS
code=$(post /v1/events "$(order PO-5 1)")
[ "$code" = 503 ] || fail "want 503 with the broker down, got $code"
grep -qi '^retry-after: 5' "$TEST_TMP/h.txt" || fail "no Retry-After: $(cat "$TEST_TMP/h.txt")"
[ $((SECONDS - start)) -le 10 ] || fail "503 took $((SECONDS - start)) s"
curl -sf "http://127.0.0.1:$(log_field gateway "gateway ready" port)/metrics" |
    grep -q '^cs_gateway_unavailable_total 1$' || fail "unavailable counter"

stop_service gateway
note "ok"
