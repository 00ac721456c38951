#!/usr/bin/env bash
# test_api_token_cache.sh - cs-api's token cache (CS_API_TOKEN_CACHE_MS)
# while the background check of a token in use cannot answer: the token
# table is locked, so the check (and any lookup) waits. A token in use is
# still served from memory after its entry's end while that check is
# pending (up to one more CS_API_TOKEN_CACHE_MS), so requests never queue
# behind lookups (no request looks it up itself: the miss counter stays at
# the first lookup); once the check answers, the entry is renewed; a
# revoked token is then refused within twice CS_API_TOKEN_CACHE_MS.
source "$CS_SRC/tests/lib/testlib.sh"

dsn=$(pg_test_db api_token_cache)
T=$("$CS_BIN/cs-admin" token create --role admin --name ops --pg-dsn "$dsn" 2>/dev/null)
ttl=3000
# no rate limit: the loops below ask as fast as cs-api answers
start_service api env CS_API_TOKEN_CACHE_MS=$ttl CS_RATE_LIMIT_RPS=0 CS_KAFKA_BROKERS= "$CS_BIN/cs-api" \
    --pg-dsn "${dsn/user=postgres/user=cs_api_app}" --http-port 0
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"
me() { curl -s -o /dev/null -w '%{http_code}' --max-time "${1:-10}" -H "Authorization: Bearer $T" "$api/v1/me"; }
misses() { metric cs_api_token_cache_misses_total "$api/metrics"; }

note "the first request looks the token up"
t0=$(now_ms)
[ "$(me)" = 200 ] || fail "first request"
[ "$(misses)" = 1 ] || fail "token misses after the first request: $(misses)"

note "the token table locked: requests are answered past the entry's end"
pg_lock "$dsn" api_tokens
n=0 late=0
# from the first half of the entry's life to 1.4 * ttl: the entry ends at
# t0 + ttl, its check (queued after t0 + ttl / 2) waits on the lock; the
# grace lasts to t0 + 2 * ttl
until [ $(($(now_ms) - t0)) -ge $((ttl * 14 / 10)) ]; do
    code=$(me 2)
    [ "$code" = 200 ] || fail "request $n at $(($(now_ms) - t0)) ms after the lookup: $code (waited for a lookup?)"
    n=$((n + 1))
    [ $(($(now_ms) - t0)) -gt "$ttl" ] && late=$((late + 1))
done
[ "$late" -ge 1 ] || fail "no request answered after the entry's end ($n in all)"
[ "$(misses)" = 1 ] || fail "a request looked the token up itself: $(misses) misses"

note "the check answers once the lock is released: the entry is renewed"
pg_unlock
renewed() { [ "$(me)" = 200 ] && [ "$(misses)" = 1 ]; }
wait_for 10 "the renewed entry" renewed
t1=$(now_ms)
# well past where the first entry (and its grace) ended: still no lookup
until [ $(($(now_ms) - t1)) -ge $((ttl * 2)) ]; do
    code=$(me)
    [ "$code" = 200 ] || fail "request after the renewal: $code"
done
[ "$(misses)" = 1 ] || fail "the background check did not renew the entry: $(misses) misses"

note "a revoked token is refused within twice CS_API_TOKEN_CACHE_MS"
"$CS_BIN/cs-admin" token revoke "$(psql "$dsn" -qAt -c "SELECT token_id FROM api_tokens WHERE name = 'ops'")" \
    --pg-dsn "$dsn" 2>/dev/null || fail "revoke"
t2=$(now_ms)
refused() { [ "$(me)" = 401 ]; }
wait_for 20 "the revoked token to be refused" refused
took=$(($(now_ms) - t2))
[ "$took" -le $((ttl * 2 + 1000)) ] || fail "the revoked token was refused only after $took ms"
stop_service api
