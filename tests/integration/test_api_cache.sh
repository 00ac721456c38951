#!/usr/bin/env bash
# test_api_cache.sh - cs-api's read cache (CS_API_CACHE_MS): a repeated
# read by the same token is answered from the cache, a new row shows only
# after the entry expires, read again by a background thread while the
# requests get the expired answer (no request reads the database itself);
# another token never gets the first token's entry (its own scope is
# read); a revoked token is refused even with an entry cached (at once
# with the token cache off); a write through the replica empties the
# cache; an entry whose refresh waits (a locked table) is served for one
# more window, and read by the request after that; a read past the
# statement timeout gets 503 and goes on in the background, its answer
# kept.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43 # Fujian
B=91110000802100433B # Beijing
dsn=$(pg_test_db api_cache)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
tok() { "$CS_BIN/cs-admin" token create "$@" --pg-dsn "$dsn" 2>/dev/null; }
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES ('$A', 'A', '350102', 'C36')"
T_ADM=$(tok --role admin --name ops)
T_BJ=$(tok --role bureau --regions 110000 --name beijing)
# start_api NAME VAR=VALUE... - a cs-api with those settings; sets api
start_api() {
    local name=$1
    shift
    start_service "$name" env "$@" CS_KAFKA_BROKERS= "$CS_BIN/cs-api" \
        --pg-dsn "${dsn/user=postgres/user=cs_api_app}" --http-port 0
    wait_for 30 "$name to start" log_field "$name" "api ready" port
    api="http://127.0.0.1:$(log_field "$name" "api ready" port)"
}
start_api api CS_API_CACHE_MS=3000 CS_API_CACHE_STALE_MS=120000 CS_API_TOKEN_CACHE_MS=0
names() { curl -sf -H "Authorization: Bearer $1" "$api/v1/enterprises" | jq -r '[.items[].name] | join(",")'; }
m() { metric "cs_api_cache_$1_total" "$api/metrics"; }
names_are() { [ "$(names "$1")" = "$2" ]; }

# age TOKEN - the Age header of a read of /v1/enterprises ("" when none)
age() {
    curl -s -o /dev/null -D - -H "Authorization: Bearer $1" "$api/v1/enterprises" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "age" { print $2 }'
}

note "a repeated read is a hit (with its Age); a new row shows once the entry expired"
[ "$(names "$T_ADM")" = A ] || fail "first read"
[ "$(m misses)" = 1 ] && [ "$(m hits)" = 0 ] || fail "first read must miss"
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES ('$B', 'B', '110101', 'C36')"
[ "$(names "$T_ADM")" = A ] || fail "the second read was not cached"
[ "$(m hits)" = 1 ] || fail "hit counter"
a=$(age "$T_ADM")
[[ "$a" =~ ^[0-9]+$ ]] && [ "$a" -le 3 ] || fail "a cached answer's Age: '$a'"
wait_for 20 "the entry to expire" names_are "$T_ADM" B,A
[ "$(m misses)" = 1 ] || fail "a request read the database itself: $(m misses) misses"
[ "$(m stale_hits)" -ge 1 ] && [ "$(m refreshes)" -ge 1 ] ||
    fail "the expired entry must be served while a background thread reads it again"

note "another token reads its own scope, never the first token's entry"
[ "$(age "$T_BJ")" = "" ] || fail "an answer read for this request has no Age"
[ "$(names "$T_BJ")" = B ] || fail "the Beijing bureau got: $(names "$T_BJ")"
[ "$(names "$T_BJ")" = B ] || fail "the bureau's cached read"

note "a revoked token is refused although its answer is cached"
[ "$(names "$T_ADM")" = "B,A" ] || fail "admin read"
"$CS_BIN/cs-admin" token revoke "$(q "SELECT token_id FROM api_tokens WHERE name = 'ops'")" \
    --pg-dsn "$dsn" 2>/dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T_ADM" "$api/v1/enterprises")" = 401 ] ||
    fail "a revoked token was answered from the cache"

note "a write through this replica empties the cache"
T_BJ2=$(tok --role bureau --regions 110000 --name beijing-2)
[ "$(names "$T_BJ2")" = B ] || fail "bureau 2"
q "UPDATE enterprises SET name = 'B2' WHERE uscc = '$B'"
[ "$(names "$T_BJ2")" = B ] || fail "bureau 2 cached"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T_BJ2" \
    -H 'Content-Type: application/json' --data-binary '{"url":"http://127.0.0.1:9/"}' "$api/v1/webhooks")
[ "$code" = 201 ] || fail "the write: $code"
[ "$(names "$T_BJ2")" = B2 ] || fail "the cache survived a write"

stop_service api

note "an entry whose refresh cannot answer is served up to a second window, then read again"
# enterprises locked: the refresh (and any read of the route) waits. The
# entry is fresh for about 1 s, stale for 4 s more (its refresh queued by
# the first request to see it so), then, the refresh still pending,
# served for up to 4 s more; after that a request reads it itself. (The
# windows are wide so that a slow machine keeps the margins.)
start_api api2 CS_API_CACHE_MS=1000 CS_API_CACHE_STALE_MS=4000 CS_RATE_LIMIT_RPS=0 \
    CS_PG_STATEMENT_TIMEOUT_MS=30000
# the entry ends between t0 + 7/8 s and t1 + 1 s (its freshness less up
# to an eighth, from when it was stored)
t0=$(now_ms)
want=$(names "$T_BJ2")
t1=$(now_ms)
[ -n "$want" ] || fail "first read of the second cs-api"
pg_lock "$dsn" enterprises
late=0
# the stale window ends by t1 + 5 s, the second one not before t0 + 8.875 s
until [ $(($(now_ms) - t0)) -ge 7000 ]; do
    got=$({ curl -s --max-time 2 -H "Authorization: Bearer $T_BJ2" "$api/v1/enterprises" || echo '{}'; } |
        jq -r '[.items[]?.name] | join(",")')
    [ "$got" = "$want" ] || fail "request at $(($(now_ms) - t0)) ms: '$got' (read the database itself?)"
    [ $(($(now_ms) - t1)) -gt 5100 ] && late=$((late + 1))
done
[ "$late" -ge 1 ] || fail "no request answered past the first window"
[ "$(m misses)" = 1 ] && [ "$(m refreshes)" = 0 ] ||
    fail "misses $(m misses), refreshes $(m refreshes): a request read the route itself, or the refresh did not wait"
# past both windows (by t1 + 9 s): the request reads it itself (a miss,
# and it waits on the lock too)
past() { [ $(($(now_ms) - t1)) -ge "$1" ]; }
wait_for 15 "t1 + 9.3 s" past 9300
curl -s -o /dev/null --max-time 1 -H "Authorization: Bearer $T_BJ2" "$api/v1/enterprises" || true
[ "$(m misses)" = 2 ] || fail "past both windows the request must read the route itself: $(m misses) misses"
pg_unlock
refreshed() { [ "$(m refreshes)" = 1 ]; }
wait_for 20 "the refresh to answer" refreshed
[ "$(names "$T_BJ2")" = "$want" ] || fail "after the lock"
stop_service api2

note "a read past the statement timeout goes on in the background and is kept"
# enterprises locked: the request's read waits past its 500 ms timeout
# (503, come back later) and a refresh thread reads it again with a
# longer one; once the lock goes, its answer is kept and served.
start_api api3 CS_API_CACHE_MS=60000 CS_RATE_LIMIT_RPS=0 CS_PG_STATEMENT_TIMEOUT_MS=500 \
    CS_API_REFRESH_TIMEOUT_MS=60000
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T_BJ2" "$api/v1/me")" = 200 ] ||
    fail "the token"
pg_lock "$dsn" enterprises
for i in 1 2; do
    curl -s -D "$TEST_TMP/h$i" -o "$TEST_TMP/b$i" --max-time 20 -H "Authorization: Bearer $T_BJ2" "$api/v1/enterprises"
    [ "$(head -1 "$TEST_TMP/h$i" | cut -d' ' -f2)" = 503 ] || fail "read $i past the timeout: $(head -1 "$TEST_TMP/h$i")"
    grep -qi '^retry-after: 5' "$TEST_TMP/h$i" || fail "read $i: no Retry-After: $(cat "$TEST_TMP/h$i")"
    jq -e '.detail | test("background")' "$TEST_TMP/b$i" >/dev/null || fail "read $i: $(cat "$TEST_TMP/b$i")"
done
[ "$(m refreshes)" = 0 ] || fail "the background read did not wait for the lock"
# the second was told at once, without reading again (one timeout in all)
[ "$(metric cs_api_db_errors_total "$api/metrics")" = 1 ] ||
    fail "the second request read the route again: $(metric cs_api_db_errors_total "$api/metrics") database errors"
pg_unlock
wait_for 30 "the background read to be kept" refreshed
misses=$(m misses)
[ "$(names "$T_BJ2")" = "$want" ] || fail "the kept answer: $(names "$T_BJ2")"
[ "$(m misses)" = "$misses" ] || fail "the answer read in the background was not kept"

note "SIGTERM cancels a background read instead of waiting for it"
# a 60 s refresh timeout; stop_service allows 30 s
pg_lock "$dsn" enterprises
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $T_BJ2" "$api/v1/enterprises?limit=3")
[ "$code" = 503 ] || fail "the read past the timeout: $code"
bg_waiting() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE usename = 'cs_api_app' AND wait_event_type = 'Lock'")" -ge 1 ]; }
wait_for 20 "the background read to wait on the lock" bg_waiting
t_stop=$SECONDS
stop_service api3
pg_unlock
note "stopped in $((SECONDS - t_stop)) s"
note "ok"
