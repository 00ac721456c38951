#!/usr/bin/env bash
# test_api_events.sh - POST /v1/events on cs-api over real HTTP, with the
# devbroker and cs-ingest: a connector's events (one, a batch) reach
# PostgreSQL, 202 only after the broker acknowledged; only the connector
# role may write, and only its own tenant's events; Idempotency-Key
# replays the stored answer without a second write (checked by reading
# the topic with kcat), refuses the key with another body and deletes
# expired keys (of every tenant, 0047); with the
# broker down the answer is 503 with Retry-After and the key is released;
# every write and refusal is audited; /readyz says when the broker is
# down.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43
B=91110000802100433B
dsn=$(pg_test_db api_events)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
admin() { "$CS_BIN/cs-admin" token create "$@" --pg-dsn "$dsn" 2>/dev/null; }
T_CONN=$(admin --role connector --tenant "$A" --name erp-a)
T_ENT=$(admin --role enterprise --enterprise "$A" --name ent-a)

start_devbroker
export CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0 CS_BATCH_MAX_WAIT_MS=50
start_service ingest env CS_PG_DSN="$dsn" CS_KAFKA_EXTRA=fetch.wait.max.ms=10 "$CS_BIN/cs-ingest"
start_service api "$CS_BIN/cs-api" --pg-dsn "${dsn/user=postgres/user=cs_api_app}" \
    --kafka-timeout-ms 2000 --webhook-deliver false
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
wait_for 30 "cs-api to start" log_field api "api ready" port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
api="http://127.0.0.1:$(log_field api "api ready" port)"
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }
# post TOKEN BODY [HEADER] -> status; body in r.json, headers in h.txt
post() {
    curl -s -o "$TEST_TMP/r.json" -D "$TEST_TMP/h.txt" -w '%{http_code}' \
        -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        ${3:+-H "$3"} --data-binary "$2" "$api/v1/events"
}
detail() { jq -r .detail "$TEST_TMP/r.json"; }
order() { # ID QTY [TENANT]
    printf '{"specversion":"1.0","id":"api-%s","source":"erp://test","type":"cs.order.v1","time":"2026-11-01T08:00:00Z","tenantid":"%s","data":{"order_id":"%s","buyer":"%s","supplier":"%s","order_date":"2026-11-01","lines":[{"line_no":1,"sku":"X","quantity":%s,"unit":"PCS","unit_price":"12.50"}]}}' \
        "$1" "${3:-$A}" "$1" "$A" "$B" "$2"
}
# messages on cs.orders, read by an independent client
on_topic() { kcat -C -b "$BROKERS" -t cs.orders -e -q -o beginning 2>/dev/null | wc -l; }

note "one event from the connector: 202 after the acknowledgement, stored"
code=$(post "$T_CONN" "$(order PO-1 5)")
[ "$code" = 202 ] || fail "want 202, got $code: $(cat "$TEST_TMP/r.json")"
jq -e '.accepted == 1 and .ids == ["api-PO-1"]' "$TEST_TMP/r.json" >/dev/null || fail "202 body"
wait_for 60 "PO-1 stored" stored 1
[ "$(q "SELECT quantity || '|' || tenant_id FROM order_lines WHERE order_id = 'PO-1'")" = "5|$A" ] ||
    fail "PO-1 line"

note "a batch; an invalid event refuses the whole batch, naming it"
code=$(post "$T_CONN" "[$(order PO-2 7),$(order PO-3 8)]")
[ "$code" = 202 ] && jq -e '.accepted == 2' "$TEST_TMP/r.json" >/dev/null || fail "batch: $code"
wait_for 60 "3 events stored" stored 3
code=$(post "$T_CONN" "[$(order PO-4 1),$(order PO-5 -1)]")
[ "$code" = 422 ] && [ "$(detail)" = "event 1: data.lines[0].quantity: must not be negative" ] ||
    fail "invalid batch: $code $(cat "$TEST_TMP/r.json")"
[ "$(post "$T_CONN" '[')" = 400 ] || fail "malformed JSON"
[ "$(post "$T_CONN" '[]')" = 422 ] && jq -e '.type | endswith("invalid_batch")' "$TEST_TMP/r.json" >/dev/null ||
    fail "empty batch"

note "tenant scope is forced; only connectors write"
n0=$(on_topic)
code=$(post "$T_CONN" "[$(order PO-6 1),$(order PO-7 1 "$B")]")
[ "$code" = 403 ] && jq -e '.field == "tenantid"' "$TEST_TMP/r.json" >/dev/null &&
    [[ "$(detail)" == "event 1: tenantid $B is not this connector's tenant $A"* ]] ||
    fail "foreign tenant: $code $(cat "$TEST_TMP/r.json")"
[ "$(post "$T_ENT" "$(order PO-8 1)")" = 403 ] || fail "an enterprise token may not write events"
code=$(curl -s -o /dev/null -D "$TEST_TMP/h.txt" -w '%{http_code}' -H "Authorization: Bearer $T_CONN" "$api/v1/events")
[ "$code" = 405 ] && grep -qi '^allow: POST' "$TEST_TMP/h.txt" || fail "GET /v1/events: $code"
[ "$(on_topic)" = "$n0" ] || fail "a refused request reached the topic"
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id IN ('PO-4','PO-6','PO-7','PO-8')")" = 0 ] ||
    fail "refused events were stored"

note "Idempotency-Key: same body replays the answer, no second write"
# keys of other tenants: one past its 24 hours, one not (migration 0047)
q "INSERT INTO api_idempotency (tenant_id, idem_key, body_sha256, token_id, state, status, response, created_at)
   VALUES ('OTHER', 'old', sha256('a'), 1, 'done', 202, '{}', now() - interval '25 hours'),
          ('OTHER', 'new', sha256('b'), 1, 'done', 202, '{}', now() - interval '23 hours')"
n0=$(on_topic)
code=$(post "$T_CONN" "$(order PO-9 3)" "Idempotency-Key: k-9")
[ "$code" = 202 ] || fail "keyed: $code"
[ "$(q "SELECT string_agg(idem_key, ',') FROM api_idempotency WHERE tenant_id = 'OTHER'")" = new ] ||
    fail "an accepted keyed request deletes expired keys of every tenant, only those"
cp "$TEST_TMP/r.json" "$TEST_TMP/first.json"
[ "$(on_topic)" = $((n0 + 1)) ] || fail "keyed request: one message"
code=$(post "$T_CONN" "$(order PO-9 3)" "Idempotency-Key: k-9")
[ "$code" = 202 ] && cmp -s "$TEST_TMP/r.json" "$TEST_TMP/first.json" || fail "replay: $code"
[ "$(on_topic)" = $((n0 + 1)) ] || fail "the replay wrote a second message"
code=$(post "$T_CONN" "$(order PO-9 4)" "Idempotency-Key: k-9")
[ "$code" = 422 ] && jq -e '.field == "Idempotency-Key" and (.type | endswith("idempotency_key_reused"))' \
    "$TEST_TMP/r.json" >/dev/null || fail "key reused with another body: $code $(cat "$TEST_TMP/r.json")"
[ "$(on_topic)" = $((n0 + 1)) ] || fail "a reused key wrote"
[ "$(q "SELECT state || ' ' || status FROM api_idempotency WHERE idem_key = 'k-9'")" = "done 202" ] ||
    fail "key record"
[ "$(post "$T_CONN" "$(order PO-10 1)" "Idempotency-Key: $(printf 'x%.0s' {1..201})")" = 400 ] ||
    fail "an oversize key"

note "broker down: 503 with Retry-After, in bounded time; the key is released"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/readyz")" = 200 ] || fail "/readyz with the broker up"
stop_service ingest
stop_service devbroker
[ "$(curl -s -o "$TEST_TMP/r.json" -w '%{http_code}' "$api/readyz")" = 503 ] &&
    jq -e '.detail | startswith("kafka: ")' "$TEST_TMP/r.json" >/dev/null ||
    fail "/readyz must say the broker is down: $(cat "$TEST_TMP/r.json")"
start=$SECONDS
code=$(post "$T_CONN" "$(order PO-11 1)" "Idempotency-Key: k-11")
[ "$code" = 503 ] || fail "want 503 with the broker down, got $code"
grep -qi '^retry-after: 5' "$TEST_TMP/h.txt" || fail "no Retry-After: $(cat "$TEST_TMP/h.txt")"
[ $((SECONDS - start)) -le 10 ] || fail "503 took $((SECONDS - start)) s"
[ "$(q "SELECT count(*) FROM api_idempotency WHERE idem_key = 'k-11'")" = 0 ] || fail "the key stayed claimed"
[ "$(metric cs_api_events_unavailable_total "$api/metrics")" = 1 ] || fail "unavailable counter"
[ "$(metric cs_api_events_total "$api/metrics")" = 4 ] || fail "events counter"

note "audited: writes with what they did, refusals with why"
audit() { q "SELECT count(*) FROM audit_log WHERE action = 'POST /v1/events' AND $1"; }
[ "$(audit "outcome = 'ok' AND status = 202 AND actor = 'erp-a' AND detail = 'events: 1 accepted, first id api-PO-1'")" = 1 ] ||
    fail "the write is not audited: $(q "SELECT status, outcome, detail FROM audit_log")"
[ "$(audit "outcome = 'denied' AND status = 403 AND detail LIKE 'events: event 1 for foreign tenant $B'")" = 1 ] ||
    fail "the foreign-tenant refusal is not audited"
[ "$(audit "outcome = 'denied' AND status = 403 AND role = 'enterprise'")" = 1 ] || fail "role refusal"
[ "$(audit "status = 202 AND detail LIKE 'events: replayed%'")" = 1 ] || fail "replay not audited"
[ "$(audit "outcome = 'failed' AND status = 503")" = 1 ] || fail "503 not audited"

stop_service api
note "ok"
