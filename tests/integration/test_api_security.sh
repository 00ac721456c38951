#!/usr/bin/env bash
# test_api_security.sh - cs-api authentication and its edges over real
# HTTP: bearer tokens from cs-admin (stored only hashed, listed without
# secrets, revoked within 2 x CS_API_TOKEN_CACHE_MS), 401/403/429 with
# problem+json and an audit
# row each, per-token rate limits with Retry-After, the open operations
# endpoints, problem+json for every class of bad input, a refusal to run
# as a role that bypasses row-level security, and TLS with a self-signed
# certificate.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43
dsn=$(pg_test_db api_security)
api_dsn=${dsn/user=postgres/user=cs_api_app}
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
admin() { "$CS_BIN/cs-admin" token "$@" --pg-dsn "$dsn"; }

note "cs-admin token: create validates the scope; only a keyed hash is stored"
rc=0; admin create --role root 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 65 ] && grep -q 'role must be admin, bureau, enterprise or connector' "$TEST_TMP/e.log" || fail "bad role: $rc"
rc=0; admin create --role bureau 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 65 ] && grep -q 'bureau token needs --regions' "$TEST_TMP/e.log" || fail "bureau without regions: $rc"
rc=0; admin create --role bureau --regions 330000,99 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 65 ] || fail "bad region accepted"
rc=0; admin create --role enterprise --enterprise 91350100M000100Y44 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 65 ] && grep -q 'check character' "$TEST_TMP/e.log" || fail "bad credit code accepted: $(cat "$TEST_TMP/e.log")"
rc=0; admin create --role admin --regions 330000 2>/dev/null || rc=$?
[ $rc = 65 ] || fail "admin with a scope accepted"
[ "$(q 'SELECT count(*) FROM api_tokens')" = 0 ] || fail "a refused token was stored"
T_ENT=$(admin create --role enterprise --enterprise "$A" --name "ent A" 2>"$TEST_TMP/c.log")
T_BUR=$(admin create --role bureau --regions 330000 --name zj 2>/dev/null)
T_CONN=$(admin create --role connector --tenant "$A" --name erp 2>/dev/null)
T_GONE=$(admin create --role admin --name "to revoke" 2>/dev/null)
grep -q '"msg":"CS_TOKEN_PEPPER is the public development default' "$TEST_TMP/c.log" ||
    fail "cs-admin must warn about the default pepper"
[[ $T_ENT =~ ^cs_[A-Za-z0-9_-]{43}$ ]] || fail "token shape: $T_ENT"
[ "$T_ENT" != "$T_BUR" ] || fail "tokens must differ"
[ "$(q "SELECT count(*) FROM api_tokens WHERE length(token_hash) = 32")" = 4 ] || fail "hashes"
q "SELECT t::text FROM api_tokens t" | grep -qF -- "${T_ENT#cs_}" && fail "the token text is stored"
admin list >"$TEST_TMP/list.txt" 2>/dev/null
grep -q "bureau .*regions=330000" "$TEST_TMP/list.txt" || fail "list: $(cat "$TEST_TMP/list.txt")"
grep -qF -- "${T_ENT:3:20}" "$TEST_TMP/list.txt" && fail "list shows a secret"
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'token.create' AND actor LIKE 'cli:%' AND outcome = 'ok'")" = 4 ] ||
    fail "token creation is not audited"

note "cs-api refuses a role that bypasses row-level security"
rc=0
"$CS_BIN/cs-api" --pg-dsn "$dsn" --http-port 0 2>"$TEST_TMP/su.log" || rc=$?
[ $rc = 78 ] && grep -q 'bypasses row-level security' "$TEST_TMP/su.log" || fail "superuser DSN: exit $rc"

note "cs-api as cs_api_app"
export CS_RATE_LIMIT_RPS=1 CS_RATE_LIMIT_BURST=3
start_service api "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 2
unset CS_RATE_LIMIT_RPS CS_RATE_LIMIT_BURST
wait_for 30 "cs-api to start" log_field api "api ready" port
port=$(log_field api "api ready" port)
api="http://127.0.0.1:$port"

# call [CURL ARGS...] URL - prints the status; body and headers in $TEST_TMP
call() { curl -s -o "$TEST_TMP/body.json" -D "$TEST_TMP/hdr.txt" -w '%{http_code}' "$@"; }
problem() { # problem STATUS TYPE [FIELD]
    grep -qi '^content-type: application/problem+json' "$TEST_TMP/hdr.txt" ||
        fail "want problem+json: $(cat "$TEST_TMP/hdr.txt")"
    jq -e --argjson s "$1" --arg t "urn:chainsight:problem:$2" --arg f "${3:-}" \
        '.status == $s and .type == $t and (.title | length) > 0 and (.detail | length) > 0
         and ($f == "" or .field == $f)' "$TEST_TMP/body.json" >/dev/null ||
        fail "want a $1 $2 problem: $(cat "$TEST_TMP/body.json")"
}

note "operations endpoints need no token"
[ "$(call "$api/healthz")" = 200 ] || fail "/healthz"
[ "$(call "$api/readyz")" = 200 ] || fail "/readyz"
[ "$(call "$api/metrics")" = 200 ] || fail "/metrics"
[ "$(call "$api/")" = 200 ] || fail "/"

note "401 without, with a malformed, an unknown or a revoked token"
[ "$(call "$api/v1/enterprises")" = 401 ] && problem 401 unauthorized Authorization || fail "no token"
grep -qi '^www-authenticate: Bearer realm="chainsight"' "$TEST_TMP/hdr.txt" || fail "no challenge"
[ "$(call -H "Authorization: Basic dXNlcjpwdw==" "$api/v1/enterprises")" = 401 ] || fail "basic auth"
[ "$(call -H "Authorization: Bearer nonsense" "$api/v1/enterprises")" = 401 ] && problem 401 unauthorized || fail "malformed"
grep -qi 'error="invalid_token"' "$TEST_TMP/hdr.txt" || fail "invalid_token challenge"
fake=cs_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
[ "$(call -H "Authorization: Bearer $fake" "$api/v1/enterprises")" = 401 ] || fail "unknown token"
[ "$(call -H "Authorization: Bearer $T_GONE" "$api/v1/enterprises")" = 200 ] || fail "live admin token"
[ "$(call -H "Authorization: Bearer $T_GONE" "$api/v1/enterprises")" = 200 ] || fail "live admin token, again"
[ "$(metric cs_api_token_cache_hits_total "$api/metrics")" -ge 1 ] ||
    fail "the second request of a token must be verified from memory"
gone_id=$(q "SELECT token_id FROM api_tokens WHERE name = 'to revoke'")
admin revoke "$gone_id" 2>/dev/null || fail "revoke"
# verified tokens are kept for CS_API_TOKEN_CACHE_MS (1 s by default), and
# up to as long again while their background check is pending
gone() { [ "$(call -H "Authorization: Bearer $T_GONE" "$api/v1/enterprises")" = 401 ]; }
wait_for 20 "the revoked token to be refused" gone
[ "$(call -H "Authorization: Bearer $T_GONE" "$api/v1/nothing")" = 401 ] || fail "unknown route before auth"
admin list 2>/dev/null | grep -q "^$gone_id .*20[0-9-]*T.*Z .*20[0-9-]*T.*Z" || fail "list shows no revocation time"

note "403 for a role the route does not admit"
[ "$(call -H "Authorization: Bearer $T_CONN" "$api/v1/enterprises")" = 403 ] && problem 403 forbidden || fail "connector"
[ "$(call -H "Authorization: Bearer $T_BUR" "$api/v1/orders/PO-1")" = 403 ] && problem 403 forbidden || fail "bureau on orders"

note "problem+json for bad input of every kind"
# Each token has its own bucket (burst 3 at 1/s): a fresh token for every
# few requests instead of waiting for a refill.
fresh() { H=(-H "Authorization: Bearer $(admin create --role enterprise --enterprise "$A" 2>/dev/null)"); }
H=(-H "Authorization: Bearer $T_ENT")
[ "$(call "${H[@]}" "$api/v1/enterprises?limit=-1")" = 400 ] && problem 400 invalid limit || fail "limit"
[ "$(call "${H[@]}" "$api/v1/enterprises/NOTACODE")" = 400 ] && problem 400 invalid uscc || fail "uscc"
fresh
[ "$(call "${H[@]}" "$api/v1/orders/a%01b")" = 400 ] && problem 400 invalid id || fail "control character"
[ "$(call "${H[@]}" "$api/v1/orders/%FF")" = 400 ] && problem 400 invalid id || fail "bad UTF-8 in the path"
fresh
[ "$(call "${H[@]}" "$api/v1/enterprises?name=%C3%28")" = 400 ] && problem 400 invalid name || fail "bad UTF-8 in a query"
[ "$(call "${H[@]}" "$api/v1/resolve/%ED%A0%80")" = 400 ] && problem 400 invalid identifier || fail "a surrogate"
[ "$(call "${H[@]}" "$api/v1/enterprises?name=%E6%B5%99%E6%B1%9F")" = 200 ] || fail "Chinese text is fine"
fresh
[ "$(call "${H[@]}" "$api/v1/nope")" = 404 ] && problem 404 not_found || fail "unknown route"
[ "$(call "${H[@]}" -X DELETE "$api/v1/orders/PO-1")" = 405 ] && problem 405 method_not_allowed || fail "DELETE"
grep -qi '^allow: GET, HEAD' "$TEST_TMP/hdr.txt" || fail "Allow header"
fresh
head -c 70000 /dev/zero | tr '\0' x >"$TEST_TMP/big.txt"
[ "$(call "${H[@]}" -X POST --data-binary @"$TEST_TMP/big.txt" "$api/v1/orders/PO-1")" = 413 ] &&
    problem 413 too_large || fail "oversize body"
[ "$(call "$api/nothing")" = 404 ] && problem 404 not_found || fail "unknown path"
# request headers: 12 KiB are read (16 KiB of connection memory), 40 KiB
# are refused by libmicrohttpd with 431 and the connection closed
pad=$(head -c 12000 /dev/zero | tr '\0' p)
[ "$(call "${H[@]}" -H "X-Pad: $pad" "$api/v1/me")" = 200 ] || fail "a 12 KiB header"
pad=$(head -c 40000 /dev/zero | tr '\0' p)
[ "$(call "${H[@]}" -H "X-Pad: $pad" "$api/v1/me")" = 431 ] || fail "a 40 KiB header"

note "rate limit per token: burst 3 at 1/s, then 429 with Retry-After"
fresh
for i in 1 2 3; do
    [ "$(call "${H[@]}" "$api/v1/enterprises")" = 200 ] || fail "request $i within the burst"
done
[ "$(call "${H[@]}" "$api/v1/enterprises")" = 429 ] && problem 429 rate_limited || fail "4th request"
grep -qi '^retry-after: 1' "$TEST_TMP/hdr.txt" || fail "Retry-After: $(cat "$TEST_TMP/hdr.txt")"
[ "$(call -H "Authorization: Bearer $T_BUR" "$api/v1/enterprises")" = 200 ] || fail "another token is limited too"
sleep 1.2
[ "$(call "${H[@]}" "$api/v1/enterprises")" = 200 ] || fail "no refill after Retry-After"

note "every denied request is in the audit log: who, what, from where"
audit() { q "SELECT count(*) FROM audit_log WHERE $1"; }
[ "$(audit "status = 401 AND outcome = 'denied' AND actor = 'anonymous' AND token_id IS NULL AND client = '127.0.0.1'")" -ge 5 ] ||
    fail "401s not audited: $(q 'SELECT * FROM audit_log')"
[ "$(audit "status = 403 AND role = 'connector' AND actor = 'erp' AND action = 'GET /v1/enterprises'")" = 1 ] ||
    fail "403 not audited with its principal"
[ "$(audit "status = 429 AND role = 'enterprise' AND detail = 'rate limited'")" = 1 ] || fail "429 not audited"
[ "$(audit "status = 405 AND action = 'DELETE /v1/orders/PO-1'")" = 1 ] || fail "a refused write is not audited"
[ "$(audit "status = 200")" = 0 ] || fail "plain reads should not be audited"
[ "$(metric cs_api_audit_failures_total "$api/metrics")" = 0 ] || fail "audit failures"
# (the poll for the revocation may have hit the admin token's limit too)
[ "$(metric cs_api_rate_limited_total "$api/metrics")" = "$(audit "status = 429")" ] || fail "rate-limit counter"
[ "$(metric cs_api_forbidden_total "$api/metrics")" = 2 ] || fail "forbidden counter"
stop_service api

note "another pepper, other hashes: the tokens do not verify"
start_service api2 env CS_TOKEN_PEPPER=another-secret-pepper-of-32-bytes \
    "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 1
wait_for 30 "cs-api to start" log_field api2 "api ready" port
api2="http://127.0.0.1:$(log_field api2 "api ready" port)"
[ "$(call "${H[@]}" "$api2/v1/enterprises")" = 401 ] || fail "a token verified under another pepper"
grep -q 'public development default' "$TEST_TMP/api2.log" && fail "warned about a non-default pepper"
stop_service api2

note "a statement that runs too long ends in 503, not a hang"
# one worker, so one database connection: the one that timed out must
# serve the next request
start_service api3 env CS_PG_STATEMENT_TIMEOUT_MS=300 \
    "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 1 --api-workers 1
wait_for 30 "cs-api to start" log_field api3 "api ready" port
api3="http://127.0.0.1:$(log_field api3 "api ready" port)"
psql "$dsn" -qAt -c "BEGIN; LOCK TABLE enterprises; SELECT pg_sleep(4); COMMIT;" >/dev/null &
locker=$!
locked() { [ "$(q "SELECT count(*) FROM pg_locks WHERE relation = 'enterprises'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]; }
wait_for 10 "the lock" locked
[ "$(call --max-time 3 "${H[@]}" "$api3/v1/enterprises")" = 503 ] && problem 503 unavailable || fail "statement timeout"
grep -qi '^retry-after: 2' "$TEST_TMP/hdr.txt" || fail "503 without Retry-After"
wait $locker
[ "$(call "${H[@]}" "$api3/v1/enterprises")" = 200 ] || fail "the connection is usable after a timeout"
stop_service api3

note "TLS with CS_TLS_CERT / CS_TLS_KEY"
command -v openssl >/dev/null || fail "openssl is missing (deploy/local/install-deps.sh installs it)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" 2>/dev/null || fail "openssl req"
rc=0
CS_TLS_CERT=$TEST_TMP/cert.pem "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 2>"$TEST_TMP/tls1.log" || rc=$?
[ $rc = 78 ] || fail "a certificate without a key: exit $rc"
CS_TLS_CERT=$TEST_TMP/cert.pem CS_TLS_KEY=$TEST_TMP/key.pem \
    start_service tls "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 2
wait_for 30 "cs-api with TLS to start" log_field tls "api ready" port
grep -q '"tls":true' "$TEST_TMP/tls.log" || fail "TLS not on"
tport=$(log_field tls "api ready" port)
[ "$(call --cacert "$TEST_TMP/cert.pem" "https://127.0.0.1:$tport/healthz")" = 200 ] || fail "https /healthz"
[ "$(call --cacert "$TEST_TMP/cert.pem" "${H[@]}" "https://127.0.0.1:$tport/v1/enterprises/$A")" = 404 ] ||
    fail "https with a token"
[ "$(call --cacert "$TEST_TMP/cert.pem" "https://127.0.0.1:$tport/v1/enterprises")" = 401 ] || fail "https 401"
rc=0; curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$tport/healthz" || rc=$?
[ $rc != 0 ] || fail "plain HTTP answered on the TLS port"
stop_service tls
note "ok"
