#!/usr/bin/env bash
# test_openapi.sh - the /openapi.json cs-api serves is valid OpenAPI 3.1
# (npm @apidevtools/swagger-parser, a real validator), describes every
# route of the v1_routes table in services/api/routes.c and the
# operations endpoints, and every operation it describes is routed by the
# server (no "no such path" 404 and no 405 for any documented method);
# the API page /api.html loads its vendored Swagger UI and, rendered by
# Debian's Chromium, shows the documented paths.
source "$CS_SRC/tests/lib/testlib.sh"

here=$CS_SRC/tests/tools/openapi
"$here/setup.sh" || fail "cannot install the OpenAPI tools (npm ci in $here)"
A=91350100M000100Y43
dsn=$(pg_test_db openapi)
tok() { "$CS_BIN/cs-admin" token create "$@" --pg-dsn "$dsn" 2>/dev/null; }
T_ADM=$(tok --role admin --name ops)
T_CONN=$(tok --role connector --tenant "$A" --name erp)
start_service api env CS_RATE_LIMIT_RPS=0 CS_KAFKA_BROKERS= "$CS_BIN/cs-api" \
    --pg-dsn "${dsn/user=postgres/user=cs_api_app}" --http-port 0
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"

note "the served document: valid OpenAPI 3.1, every served route described"
curl -sf "$api/openapi.json" -o "$TEST_TMP/openapi.json" || fail "GET /openapi.json"
cmp -s "$TEST_TMP/openapi.json" "$CS_SRC/services/api/openapi.json" ||
    fail "the served document differs from services/api/openapi.json (rebuild?)"
node "$here/validate.mjs" "$TEST_TMP/openapi.json" "$CS_SRC/services/api/routes.c" \
    >"$TEST_TMP/ops.txt" 2>"$TEST_TMP/validate.log" || fail "$(cat "$TEST_TMP/validate.log")"
cat "$TEST_TMP/validate.log" >&2
[ "$(wc -l <"$TEST_TMP/ops.txt")" -ge 10 ] || fail "too few operations: $(cat "$TEST_TMP/ops.txt")"

note "the validator itself refuses a broken document and a missing route"
jq '.paths["/v1/enterprises"].get.responses = {"200": {"$ref": "#/components/responses/Nope"}}' \
    "$TEST_TMP/openapi.json" >"$TEST_TMP/broken.json"
rc=0; node "$here/validate.mjs" "$TEST_TMP/broken.json" "$CS_SRC/services/api/routes.c" \
    >/dev/null 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 1 ] && grep -q 'not valid OpenAPI' "$TEST_TMP/e.log" || fail "a dangling \$ref passed: $rc"
jq 'del(.paths["/v1/events"])' "$TEST_TMP/openapi.json" >"$TEST_TMP/short.json"
rc=0; node "$here/validate.mjs" "$TEST_TMP/short.json" "$CS_SRC/services/api/routes.c" \
    >/dev/null 2>"$TEST_TMP/e.log" || rc=$?
[ $rc = 1 ] && grep -q 'missing from .*: /v1/events' "$TEST_TMP/e.log" || fail "a missing route passed: $(cat "$TEST_TMP/e.log")"

note "every documented operation is routed by the server"
while read -r method path; do
    url=$api$(sed -e "s/{uscc}/$A/; s/{code}/$A/; s/{id}/1/; s/{identifier}/x/; s/{[a-z_]*}/1/g" <<<"$path")
    token=$T_ADM
    [ "$path" = /v1/events ] && token=$T_CONN
    args=(-X "$method")
    [ "$method" = GET ] && args=()
    [ "$method" = POST ] && args+=(-H 'Content-Type: application/json' --data-binary '{}')
    code=$(curl -s -o "$TEST_TMP/r.json" -w '%{http_code}' "${args[@]}" -H "Authorization: Bearer $token" "$url")
    if [ "$code" = 405 ] || { [ "$code" = 404 ] && grep -q 'no such path\|no route' "$TEST_TMP/r.json"; }; then
        fail "$method $path is documented but not served: $code $(cat "$TEST_TMP/r.json")"
    fi
    echo "  $method $path -> $code" >&2
done <"$TEST_TMP/ops.txt"

note "the API page and its vendored Swagger UI"
[ "$(curl -s -o "$TEST_TMP/page.html" -w '%{http_code} %{content_type}' "$api/api.html")" = "200 text/html; charset=utf-8" ] ||
    fail "GET /api.html"
grep -q 'vendor/swagger-ui/swagger-ui-bundle.js' "$TEST_TMP/page.html" || fail "the page does not load Swagger UI"
for f in vendor/swagger-ui/swagger-ui-bundle.js vendor/swagger-ui/swagger-ui.css api.js; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$api/$f")" = 200 ] || fail "GET /$f"
done
if command -v chromium >/dev/null; then
    chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --virtual-time-budget=15000 --dump-dom "$api/api.html" >"$TEST_TMP/dom.html" 2>"$TEST_TMP/chromium.log" ||
        fail "chromium: $(tail -5 "$TEST_TMP/chromium.log")"
    for p in /v1/events /v1/webhooks/{id}/deliveries /v1/enterprises; do
        grep -qF "$p" "$TEST_TMP/dom.html" || fail "the rendered page does not show $p"
    done
    grep -q 'ChainSight API' "$TEST_TMP/dom.html" || fail "the rendered page has no title"
else
    fail "chromium is missing (deploy/local/install-deps.sh installs it)"
fi

stop_service api
note "ok"
