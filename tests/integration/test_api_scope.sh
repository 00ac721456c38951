#!/usr/bin/env bash
# test_api_scope.sh - tenant isolation by PostgreSQL row-level security.
# First straight in SQL as cs_api_app (the role cs-api connects as): it is
# neither superuser nor owner, sees nothing without a principal, cannot
# reach partitions, tokens or the audit trail, and sees only its scope
# with one. Then over HTTP: per role and per route, an enterprise cannot
# read another's orders, shipments or traces by any parameter, a bureau
# sees only enterprises in its regions (a province covers its cities and
# districts) and never orders; listing, search and cursor pagination;
# identifier resolution.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43   # Fuzhou, Fujian: buyer of PO-AB
B=91110000802100433B   # Beijing: supplier of A and C
C=91440300708461136T   # Shenzhen: buyer of PO-CB
Z1=91330106MA2AAAAA15  # Hangzhou Xihu 330106
Z2=91330200MA2BBBBB2Y  # Ningbo 330200
Z3=91330110MA2CCCCC3L  # Hangzhou Yuhang 330110
Z4=91330111MA2DDDDD4E  # Hangzhou Fuyang 330111
ID1=88.123.4567/BATCH-2026-0001   # shipped B -> A
ID2=88.123.4567/BATCH-2026-0002   # shipped B -> C
PID=88.123.4567/CELL-21700        # B's product class

dsn=$(pg_test_db api_scope)
api_dsn=${dsn/user=postgres/user=cs_api_app}
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

note "fixture: 7 enterprises, orders, shipments with identifiers, a product"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO tenants (tenant_id, enterprise) VALUES ('$A', '$A'), ('$B', '$B'), ('$C', '$C');
INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES
  ('$A', 'Fuzhou Battery', '350100', 'C3841'), ('$B', 'Beijing Cells', '110000', 'C3841'),
  ('$C', 'Shenzhen Packs', '440300', 'C3670'), ('$Z1', 'Xihu Motors', '330106', 'C3670'),
  ('$Z2', 'Ningbo Mould 100% Co', '330200', 'C3525'), ('$Z3', 'Yuhang Wire', '330110', 'C3831'),
  ('$Z4', 'Fuyang Paper', '330111', 'C2221');
INSERT INTO orders VALUES
  ('$A', 'PO-AB', '$A', '$B', '2026-11-02T00:00:00Z', 'CNY', 1, 'e1', now(), 'erp'),
  ('$C', 'PO-CB', '$C', '$B', '2026-11-03T00:00:00Z', 'CNY', 1, 'e2', now(), 'erp'),
  ('$A', 'SHARED', '$A', '$B', '2026-11-04T00:00:00Z', 'CNY', 1, 'e3', now(), 'erp'),
  ('$C', 'SHARED', '$C', '$B', '2026-11-05T00:00:00Z', 'CNY', 1, 'e4', now(), 'erp');
INSERT INTO order_lines VALUES
  ('$A', 'PO-AB', 1, '2026-11-02T00:00:00Z', '$A', '$B', 'CELL-21700', 1200, 'PCS', 12.50, 'CNY', NULL, 'e1', now()),
  ('$C', 'PO-CB', 1, '2026-11-03T00:00:00Z', '$C', '$B', 'CELL-21700', 99, 'PCS', 13.75, 'CNY', NULL, 'e2', now()),
  ('$A', 'SHARED', 1, '2026-11-04T00:00:00Z', '$A', '$B', 'X', 1, 'PCS', 1, 'CNY', NULL, 'e3', now()),
  ('$C', 'SHARED', 1, '2026-11-05T00:00:00Z', '$C', '$B', 'Y', 2, 'PCS', 2, 'CNY', NULL, 'e4', now());
INSERT INTO shipments VALUES
  ('$B', 'SH-1', '$B', '$A', 'PO-AB', '2026-11-10T00:00:00Z', NULL, 1, 's1', now(), 'erp', now()),
  ('$B', 'SH-2', '$B', '$C', 'PO-CB', '2026-11-11T00:00:00Z', NULL, 1, 's2', now(), 'erp', now());
INSERT INTO shipment_lines VALUES
  ('$B', 'SH-1', 1, '2026-11-10T00:00:00Z', '$B', '$A', 'PO-AB', 1, 'CELL-21700', 600, 'PCS', 'BATCH-2026-0001', 'L1', '$ID1', 's1', now()),
  ('$B', 'SH-2', 1, '2026-11-11T00:00:00Z', '$B', '$C', 'PO-CB', 1, 'CELL-21700', 99, 'PCS', 'BATCH-2026-0002', 'L2', '$ID2', 's2', now());
INSERT INTO products VALUES ('$B', 'CELL-21700', '21700 cell', 'battery', 'PCS', '$PID', 'p1', now(), now());
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
  VALUES ('$B', '$A', 'CELL-21700', 0.6, 14, '$A', 'l1', now());
SQL

note "cs_api_app is bound by row-level security"
asq() { psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# as_principal ROLE REGIONS ENTERPRISE SQL - one transaction with the principal set
as_principal() {
    psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 <<SQL | tail -n 1
BEGIN READ ONLY;
SELECT set_config('cs.principal_role', '$1', true), set_config('cs.principal_regions', '$2', true),
       set_config('cs.principal_enterprise', '$3', true) \\g /dev/null
$4;
COMMIT;
SQL
}
[ "$(asq "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")" = f ] ||
    fail "cs_api_app must be neither superuser nor BYPASSRLS"
[ "$(asq "SELECT count(*) FROM pg_class WHERE relrowsecurity AND pg_has_role(current_user, relowner, 'USAGE')")" = 0 ] ||
    fail "cs_api_app must own no protected table"
[ "$(asq "SELECT count(*) FROM orders")" = 0 ] || fail "no principal must see no orders"
[ "$(asq "SELECT count(*) FROM enterprises")" = 0 ] || fail "no principal must see no enterprises"
[ "$(as_principal enterprise '' "$A" "SELECT string_agg(order_id || '@' || tenant_id, ',' ORDER BY order_id) FROM orders")" = "PO-AB@$A,SHARED@$A" ] ||
    fail "enterprise A sees the wrong orders"
[ "$(as_principal enterprise '' "$A" "SELECT count(*) FROM orders WHERE buyer = '$C'")" = 0 ] ||
    fail "enterprise A asked for C's orders and got some"
[ "$(as_principal enterprise '' "$A" "SELECT count(*) FROM order_lines WHERE tenant_id = '$C'")" = 0 ] ||
    fail "enterprise A read C's order lines"
[ "$(as_principal enterprise '' "$A" "SELECT count(*) FROM shipment_lines")" = 1 ] ||
    fail "enterprise A should see exactly its one shipment line"
[ "$(as_principal enterprise '' "$A" "SELECT string_agg(uscc, ',' ORDER BY uscc) FROM enterprises")" = "$B,$A" ] ||
    fail "enterprise A should see itself and its supplier only"
[ "$(as_principal bureau 330000 '' "SELECT string_agg(region_code, ',' ORDER BY region_code) FROM enterprises")" = 330106,330110,330111,330200 ] ||
    fail "a Zhejiang bureau should see its four enterprises"
[ "$(as_principal bureau 330100 '' "SELECT string_agg(region_code, ',' ORDER BY region_code) FROM enterprises")" = 330106,330110,330111 ] ||
    fail "a Hangzhou bureau should see Hangzhou's districts"
[ "$(as_principal bureau 330110 '' "SELECT string_agg(region_code, ',') FROM enterprises")" = 330110 ] ||
    fail "district 330110 must not cover 330111"
[ "$(as_principal bureau 330000,350000 '' "SELECT count(*) FROM orders")" = 0 ] ||
    fail "a bureau must see no orders"
[ "$(as_principal bureau 350000 '' "SELECT count(*) FROM order_lines")" = 0 ] ||
    fail "a bureau must see no order lines (prices)"
[ "$(as_principal bureau 350000 '' "SELECT count(*) FROM supply_links")" = 1 ] ||
    fail "a Fujian bureau should see the link into Fuzhou"
[ "$(as_principal connector '' '' "SELECT count(*) FROM enterprises")" = 0 ] ||
    fail "a connector must read nothing"
[ "$(as_principal admin '' '' "SELECT count(*) FROM orders")" = 4 ] || fail "admin sees all orders"
# the principal is transaction-local: gone after COMMIT
[ "$(psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 <<'SQL' | tr '\n' ,
BEGIN;
SELECT set_config('cs.principal_role', 'admin', true) \g /dev/null
SELECT count(*) FROM orders;
COMMIT;
SELECT count(*) FROM orders;
SQL
)" = 4,0, ] || fail "the principal outlived its transaction"
# what the role may not do at all
must_fail() {
    if psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null 2>"$TEST_TMP/err.txt"; then
        fail "cs_api_app could run: $1"
    fi
    grep -q "$2" "$TEST_TMP/err.txt" || fail "$1: $(cat "$TEST_TMP/err.txt")"
}
must_fail "SELECT count(*) FROM order_lines_202611" "permission denied"
must_fail "SELECT count(*) FROM order_lines_default" "permission denied"
must_fail "SELECT count(*) FROM api_tokens" "permission denied"
must_fail "SELECT count(*) FROM audit_log" "permission denied"
must_fail "SELECT count(*) FROM tenants" "permission denied"
must_fail "UPDATE audit_log SET outcome = 'ok'" "permission denied"
must_fail "INSERT INTO orders SELECT * FROM orders" "permission denied"
must_fail "ALTER TABLE orders DISABLE ROW LEVEL SECURITY" "must be owner"
must_fail "SET ROLE postgres" "permission denied"
must_fail "SET row_security = off; SELECT count(*) FROM orders" "row-level security"

note "cs-api over HTTP, as cs_api_app"
tok() { "$CS_BIN/cs-admin" token create --pg-dsn "$dsn" --name "$1" "${@:2}" 2>>"$TEST_TMP/tokens.log"; }
T_ADMIN=$(tok admin --role admin)
T_A=$(tok ent-a --role enterprise --enterprise "$A")
T_B=$(tok ent-b --role enterprise --enterprise "$B")
T_C=$(tok ent-c --role enterprise --enterprise "$C" --tenant "$C")
T_ZJ=$(tok zhejiang --role bureau --regions 330000)
T_YH=$(tok yuhang --role bureau --regions 330110)
T_FJ=$(tok fujian --role bureau --regions 350000,110000)
T_CONN=$(tok conn --role connector --tenant "$A")
start_service api "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 2
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"

# get TOKEN PATH - prints the status; the body lands in $TEST_TMP/body.json
get() {
    curl -s -o "$TEST_TMP/body.json" -w '%{http_code}' -H "Authorization: Bearer $1" "$api$2"
}
body() { jq -r "$1" "$TEST_TMP/body.json"; }
expect() { # expect STATUS TOKEN PATH
    local got
    got=$(get "$2" "$3")
    [ "$got" = "$1" ] || fail "GET $3: status $got, want $1: $(cat "$TEST_TMP/body.json")"
}
problem() { # problem TYPE [FIELD] - the last body is problem+json of that type
    jq -e --arg t "urn:chainsight:problem:$1" --arg f "${2:-}" \
        '.type == $t and (.status | type) == "number" and (.title | length) > 0
         and (.detail | length) > 0 and ($f == "" or .field == $f)' \
        "$TEST_TMP/body.json" >/dev/null || fail "want a $1 problem ${2:-}: $(cat "$TEST_TMP/body.json")"
}

note "orders: the buyer sees its order with prices; nobody else's, by any parameter"
expect 200 "$T_A" /v1/orders/PO-AB
grep -q '"unit_price":12.50' "$TEST_TMP/body.json" || fail "A's price: $(cat "$TEST_TMP/body.json")"
expect 404 "$T_A" /v1/orders/PO-CB && problem not_found id
expect 404 "$T_A" "/v1/orders/PO-CB?tenant=$C"
expect 200 "$T_A" /v1/orders/SHARED   # C's SHARED is invisible: no ambiguity
[ "$(body .tenant_id)" = "$A" ] && [ "$(body '.lines[0].sku')" = X ] || fail "A got C's SHARED"
expect 404 "$T_A" "/v1/orders/SHARED?tenant=$C"
expect 200 "$T_B" /v1/orders/PO-CB    # the supplier sees it
expect 404 "$T_C" /v1/orders/PO-AB
expect 409 "$T_ADMIN" /v1/orders/SHARED && problem ambiguous tenant
expect 200 "$T_ADMIN" "/v1/orders/SHARED?tenant=$C"
expect 403 "$T_FJ" /v1/orders/PO-AB && problem forbidden
expect 403 "$T_CONN" /v1/orders/PO-AB && problem forbidden

note "enterprises: scope, filters, search and cursor pagination"
expect 200 "$T_ZJ" /v1/enterprises
[ "$(body '[.items[].region_code] | join(",")')" = 330106,330110,330111,330200 ] ||
    fail "Zhejiang list: $(cat "$TEST_TMP/body.json")"
[ "$(body .next_cursor)" = null ] || fail "one page only"
expect 200 "$T_ZJ" "/v1/enterprises?region=330100"
[ "$(body '.items | length')" = 3 ] || fail "Hangzhou filter"
expect 200 "$T_ZJ" "/v1/enterprises?region=440300"
[ "$(body '.items | length')" = 0 ] || fail "a filter must not widen the scope"
expect 200 "$T_YH" /v1/enterprises
[ "$(body '[.items[].uscc] | join(",")')" = "$Z3" ] || fail "Yuhang bureau: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_A" /v1/enterprises
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$B,$A" ] || fail "enterprise A list"
expect 200 "$T_ADMIN" "/v1/enterprises?industry=C38"
[ "$(body '.items | length')" = 3 ] || fail "industry prefix C38"
expect 200 "$T_ADMIN" "/v1/enterprises?name=hangzhou"
[ "$(body '.items | length')" = 0 ] || fail "name search"
expect 200 "$T_ADMIN" "/v1/enterprises?name=mould%20100%25"
[ "$(body '[.items[].uscc] | join(",")')" = "$Z2" ] || fail "name search with a literal %"
expect 200 "$T_ADMIN" "/v1/enterprises?name=%25"
[ "$(body '.items | length')" = 1 ] || fail "% must be literal, not a wildcard"
expect 403 "$T_CONN" /v1/enterprises
seen=""
path="/v1/enterprises?limit=3"
for page in 1 2 3; do
    expect 200 "$T_ADMIN" "$path"
    seen="$seen$(body '[.items[].uscc] | join(",")'),"
    cursor=$(body .next_cursor)
    [ "$page" = 3 ] && break
    [ "$cursor" != null ] || fail "page $page should have a next cursor"
    path="/v1/enterprises?limit=3&cursor=$cursor"
done
[ "$cursor" = null ] || fail "the last page has no cursor"
[ "$(tr ',' '\n' <<<"$seen" | grep -c .)" = 7 ] && [ "$(tr ',' '\n' <<<"$seen" | grep . | sort -u | wc -l)" = 7 ] ||
    fail "pages should hold the 7 enterprises once each: $seen"
expect 400 "$T_ADMIN" "/v1/enterprises?cursor=garbage" && problem invalid cursor
expect 400 "$T_ADMIN" "/v1/enterprises?cursor=$(printf '%s' "$A" | base64 | tr -d =)x" && problem invalid cursor
expect 400 "$T_ADMIN" "/v1/enterprises?limit=0" && problem invalid limit
expect 400 "$T_ADMIN" "/v1/enterprises?limit=9999" && problem invalid limit
expect 400 "$T_ADMIN" "/v1/enterprises?limit=5x" && problem invalid limit
expect 400 "$T_ADMIN" "/v1/enterprises?region=99" && problem invalid region
expect 400 "$T_ADMIN" "/v1/enterprises?region=33%25" && problem invalid region
expect 400 "$T_ADMIN" "/v1/enterprises?industry=C3%25" && problem invalid industry
expect 200 "$T_ZJ" "/v1/enterprises/$Z1"
[ "$(body .name)" = "Xihu Motors" ] || fail "one enterprise"
expect 404 "$T_ZJ" "/v1/enterprises/$A" && problem not_found uscc
expect 404 "$T_YH" "/v1/enterprises/$Z4"
expect 404 "$T_A" "/v1/enterprises/$C"
expect 400 "$T_ZJ" /v1/enterprises/91330106MA2AAAAA16 && problem invalid uscc

note "identifier resolution: the trace, within the caller's scope"
expect 200 "$T_A" "/v1/resolve/$ID1"
[ "$(body '.shipment_lines | length')" = 1 ] && [ "$(body '.shipment_lines[0].batch')" = BATCH-2026-0001 ] ||
    fail "A's batch: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.shipments[].shipment_id] | join(",")')" = SH-1 ] || fail "shipments of the batch"
[ "$(body '[.orders[].order_id] | join(",")')" = PO-AB ] || fail "orders of the batch"
[ "$(body '[.suppliers[].uscc] | join(",")')" = "$B" ] || fail "supplier of the batch"
[ "$(body '.products | length')" = 0 ] || fail "A must not see B's product record"
expect 404 "$T_A" "/v1/resolve/$ID2" && problem not_found identifier
expect 200 "$T_C" "/v1/resolve/$ID2"
[ "$(body '[.orders[].order_id] | join(",")')" = PO-CB ] || fail "C's trace"
expect 200 "$T_B" "/v1/resolve/$PID"
[ "$(body '.products[0].sku')" = CELL-21700 ] || fail "B's product"
expect 404 "$T_A" "/v1/resolve/$PID"
expect 403 "$T_ZJ" "/v1/resolve/$ID1" && problem forbidden
expect 200 "$T_ADMIN" "/v1/resolve/88.123.4567%2FBATCH-2026-0002"
[ "$(body '[.shipment_lines[].buyer] | join(",")')" = "$C" ] || fail "escaped slash"

note "GET /openapi.json: the shipped document; every route described, every described route served"
curl -sf "$api/openapi.json" -o "$TEST_TMP/openapi.json" || fail "/openapi.json"
cmp -s "$TEST_TMP/openapi.json" "$CS_SRC/services/api/openapi.json" || fail "served document differs from the source"
jq -e '.openapi == "3.1.0" and (.paths | length) > 0' "$TEST_TMP/openapi.json" >/dev/null || fail "not OpenAPI 3.1"
for ref in $(jq -r '[.. | objects | .["$ref"]? // empty] | unique[]' "$TEST_TMP/openapi.json"); do
    jq -e --arg p "${ref#\#/}" 'getpath($p | split("/")) != null' "$TEST_TMP/openapi.json" >/dev/null ||
        fail "dangling \$ref $ref"
done
for p in $(curl -sf "$api/" | jq -r '.endpoints[]' | sed -e 's/^GET //' -e 's/\[.*//'); do
    jq -e --arg p "$p" '.paths[$p].get.responses["200"]' "$TEST_TMP/openapi.json" >/dev/null ||
        fail "served route $p is not in openapi.json"
done
for p in $(jq -r '.paths | keys[]' "$TEST_TMP/openapi.json"); do
    get "$T_ADMIN" "${p//\{*\}/X}" >/dev/null
    ! grep -q '"detail":"no such path' "$TEST_TMP/body.json" || fail "described route $p is not served"
done

note "clean shutdown"
stop_service api
note "ok"
