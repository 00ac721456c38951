#!/usr/bin/env bash
# test_api_workers.sh - cs-api's network threads and request workers: a
# request that waits for the database (here on a locked table) waits on a
# worker with its connection suspended, while the network thread goes on
# answering cached reads and other requests (with one network thread, a
# handler on it would hold up every connection); SIGTERM with a request
# still waiting: it is answered once the database lets it, and cs-api
# exits 0.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43 # Fujian
dsn=$(pg_test_db api_workers)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES ('$A', 'A', '350102', 'C36')"
T=$("$CS_BIN/cs-admin" token create --role admin --name ops --pg-dsn "$dsn" 2>/dev/null)
start_service api env CS_API_CACHE_MS=600000 CS_KAFKA_BROKERS= "$CS_BIN/cs-api" \
    --pg-dsn "${dsn/user=postgres/user=cs_api_app}" --http-port 0 --http-threads 1 --api-workers 2
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"
get() { curl -s -o "$TEST_TMP/get.json" -w '%{http_code}' --max-time "${2:-10}" -H "Authorization: Bearer $T" "$api$1"; }
[ "$(get /v1/enterprises)" = 200 ] || fail "first read"
[ "$(metric cs_api_cache_misses_total "$api/metrics")" = 1 ] || fail "the first read must miss"

lock() { pg_lock "$dsn" enterprises; }
unlock() { pg_unlock; }
waiting() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE usename = 'cs_api_app' AND wait_event_type = 'Lock'")" -ge 1 ]; }

note "a read waiting on a lock does not hold up the network thread"
lock
curl -s -o "$TEST_TMP/slow.json" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $T" \
    "$api/v1/enterprises?limit=1" >"$TEST_TMP/slow.code" &
slow=$!
wait_for 20 "the uncached read to wait on the lock" waiting
for i in 1 2 3 4 5; do
    [ "$(get /v1/enterprises 5)" = 200 ] || fail "cached read $i while another request waits: no answer in 5 s"
done
[ "$(jq -r '.items[0].uscc' "$TEST_TMP/get.json")" = "$A" ] || fail "cached answer: $(cat "$TEST_TMP/get.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$api/healthz")
[ "$code" = 200 ] || fail "/healthz on the free worker while one waits: $code"
kill -0 "$slow" 2>/dev/null || fail "the uncached read did not wait for the lock"
unlock
wait "$slow" || fail "the waiting read failed"
[ "$(cat "$TEST_TMP/slow.code")" = 200 ] || fail "the waiting read: $(cat "$TEST_TMP/slow.code")"
[ "$(jq -r '.items | length' "$TEST_TMP/slow.json")" = 1 ] || fail "the waiting read's answer"

note "SIGTERM while a request waits on a worker: answered, then a clean exit"
lock
curl -s -o /dev/null -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $T" \
    "$api/v1/enterprises?limit=2" >"$TEST_TMP/last.code" &
last=$!
wait_for 20 "the read to wait on the lock" waiting
kill -TERM "${SVC_PID[api]}"
wait_for 20 "cs-api to begin stopping" grep -q '"msg":"api stopping"' "$TEST_TMP/api.log"
kill -0 "${SVC_PID[api]}" 2>/dev/null || fail "cs-api exited with a request still waiting"
unlock
wait "$last" || true
[ "$(cat "$TEST_TMP/last.code")" = 200 ] || fail "the request in flight at SIGTERM: $(cat "$TEST_TMP/last.code")"
await_exit api # already signalled: it may have exited by now
