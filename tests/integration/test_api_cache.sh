#!/usr/bin/env bash
# test_api_cache.sh - cs-api's read cache (CS_API_CACHE_MS): a repeated
# read by the same token is answered from the cache, a new row shows only
# after the entry expires, read again by a background thread while the
# requests get the expired answer (no request reads the database itself);
# another token never gets the first token's entry (its own scope is
# read); a revoked token is refused even with an entry cached (at once
# with the token cache off); a write through the replica empties the
# cache.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43 # Fujian
B=91110000802100433B # Beijing
dsn=$(pg_test_db api_cache)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
tok() { "$CS_BIN/cs-admin" token create "$@" --pg-dsn "$dsn" 2>/dev/null; }
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES ('$A', 'A', '350102', 'C36')"
T_ADM=$(tok --role admin --name ops)
T_BJ=$(tok --role bureau --regions 110000 --name beijing)
start_service api env CS_API_CACHE_MS=3000 CS_API_CACHE_STALE_MS=120000 CS_API_TOKEN_CACHE_MS=0 \
    CS_KAFKA_BROKERS= "$CS_BIN/cs-api" \
    --pg-dsn "${dsn/user=postgres/user=cs_api_app}" --http-port 0
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"
names() { curl -sf -H "Authorization: Bearer $1" "$api/v1/enterprises" | jq -r '[.items[].name] | join(",")'; }
m() { metric "cs_api_cache_$1_total" "$api/metrics"; }
names_are() { [ "$(names "$1")" = "$2" ]; }

note "a repeated read is a hit; a new row shows once the entry expired"
[ "$(names "$T_ADM")" = A ] || fail "first read"
[ "$(m misses)" = 1 ] && [ "$(m hits)" = 0 ] || fail "first read must miss"
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES ('$B', 'B', '110101', 'C36')"
[ "$(names "$T_ADM")" = A ] || fail "the second read was not cached"
[ "$(m hits)" = 1 ] || fail "hit counter"
wait_for 20 "the entry to expire" names_are "$T_ADM" B,A
[ "$(m misses)" = 1 ] || fail "a request read the database itself: $(m misses) misses"
[ "$(m stale_hits)" -ge 1 ] && [ "$(m refreshes)" -ge 1 ] ||
    fail "the expired entry must be served while a background thread reads it again"

note "another token reads its own scope, never the first token's entry"
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
note "ok"
