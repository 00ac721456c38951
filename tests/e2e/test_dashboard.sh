#!/usr/bin/env bash
# test_dashboard.sh - the dashboard in a real browser against a real
# stack: PostgreSQL (the pg fixture), the devbroker, cs-ingest, cs-api
# serving services/dashboard, cs-simulator (a small province with a
# 300-day backfill, a flood over Hangzhou that is still on, and a
# bankruptcy) and cs-analyst on a short interval. Then
# tests/e2e/dashboard.test.mjs drives Debian's Chromium through
# playwright-core: both roles log in with their tokens, map and graph
# render with data, drill-down, a scenario, alerts acknowledged and
# updated live, no prices for the bureau, no other tenant for the
# enterprise, no console errors, two screen sizes; it saves screenshots
# in $CS_E2E_SHOTS and reports the first-load time. Every service must
# stop with exit 0 on SIGTERM.
source "$CS_SRC/tests/lib/testlib.sh"

command -v chromium >/dev/null || fail "chromium is missing (deploy/local/install-deps.sh installs it)"
"$CS_SRC/tests/e2e/setup.sh" || fail "cannot install the e2e npm packages"

BACKFILL=300
dsn=$(pg_test_db dashboard)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_KAFKA_EXTRA=fetch.wait.max.ms=10 CS_BATCH_MAX_WAIT_MS=50
start_service ingest "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port

# The analyst scores as of now, so the simulated calendar must stay near
# it: the backfill ends five days ago and the live days then pass at one
# per 20 s, so a disruption posted during the test is active now.
note "simulator: 150 enterprises, $BACKFILL days of history, a flood that is still on"
CS_KAFKA_EXTRA= start_service sim "$CS_BIN/cs-simulator" --seed 11 --enterprises 150 \
    --start-date "$(date -u -d "-$((BACKFILL + 5)) days" +%F)" \
    --backfill-days "$BACKFILL" --backfill-detail-days 25 --speed 0.05 --max-rate 6000 \
    --scenario "flood:3301:day=$((BACKFILL - 4)):days=60,bankruptcy:auto:day=$((BACKFILL - 8))"
wait_for 180 "the backfill" grep -q '"msg":"backfill written"' "$TEST_TMP/sim.log"
sim_url="http://127.0.0.1:$(log_field sim "simulator ready" http_port)"

# cs-api as cs_api_app (row-level security binds it), serving the source
# tree's dashboard (its compiled-in default; set here to say so).
CS_PG_DSN=${dsn/user=postgres/user=cs_api_app} CS_DASHBOARD_DIR=$CS_SRC/services/dashboard \
    CS_RATE_LIMIT_RPS=200 CS_RATE_LIMIT_BURST=400 start_service api "$CS_BIN/cs-api"
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"

note "the stored backfill, then cs-analyst (a cycle every 2 s)"
# (a function, so every poll counts again: "$(q …)" as an argument would
# be counted once, when wait_for is called)
enterprises() { [ "$(q "SELECT count(*) FROM enterprises")" -ge 150 ]; }
wait_for 300 "the enterprises" enterprises
start_service analyst "$CS_BIN/cs-analyst" --analyst-interval-s 2 --log-level info
scored() { [ "$(q "SELECT count(DISTINCT uscc) FROM risk_scores")" -ge 100 ]; }
wait_for 300 "risk scores" scored
forecasts() { [ "$(q "SELECT count(*) FROM forecasts")" -gt 0 ]; }
wait_for 300 "forecasts" forecasts
# The first cycles run while the backfill's facts still arrive and
# resolve many of the alerts they raised; let the alert list settle so
# the page does not acknowledge an alert resolved under it (409).
settled() { [ "$(q "SELECT count(*) FROM analyst_cycles WHERE finished_at IS NOT NULL")" -ge 3 ]; }
wait_for 300 "three analyst cycles" settled

mktoken() { "$CS_BIN/cs-admin" token create --name "e2e-$1" "${@:2}" 2>>"$TEST_TMP/admin.log"; }
# the vehicle maker with the most alerts (then suppliers): the richest view
maker=$(q "SELECT l.buyer FROM supply_links l JOIN enterprises e ON e.uscc = l.buyer
    WHERE e.industry_code = 'C3612' GROUP BY l.buyer
    ORDER BY (SELECT count(*) FROM alerts a WHERE a.subject = l.buyer) DESC,
      count(*) DESC, l.buyer LIMIT 1")
[ -n "$maker" ] || fail "no simulated vehicle maker with suppliers"
# a buyer with ranked alternative suppliers (the bankruptcy leaves some)
alt_buyer=$(q "SELECT buyer FROM alternative_suppliers ORDER BY buyer LIMIT 1")
[ -n "$alt_buyer" ] || fail "the analyst ranked no alternative suppliers"
tok_bureau=$(mktoken bureau --role bureau --regions 330000)
tok_ent=$(mktoken maker --role enterprise --enterprise "$maker")
# Enterprises the maker has no supply path to or from: another chain.
strangers=$(q "WITH RECURSIVE up(u) AS (SELECT '$maker'::text UNION
      SELECT l.supplier FROM supply_links l JOIN up ON l.buyer = up.u),
    down(u) AS (SELECT '$maker'::text UNION
      SELECT l.buyer FROM supply_links l JOIN down ON l.supplier = down.u)
    SELECT string_agg(uscc, ',') FROM (SELECT uscc FROM enterprises
      WHERE uscc NOT IN (SELECT u FROM up UNION SELECT u FROM down)
      AND industry_code NOT LIKE 'C36%' AND industry_code NOT LIKE 'C38%'
      ORDER BY uscc LIMIT 20) s")
[ -n "$strangers" ] || fail "no enterprise outside the maker's chain"
stranger_names=$(q "SELECT string_agg(name, '|') FROM enterprises
    WHERE uscc = ANY(string_to_array('$strangers', ','))")
# A supplier of the maker's suppliers that does not supply the maker
# itself (tier 2): the page shows its score; one of its orders (with the
# tier-1 supplier) must stay out of reach.
tier2=$(q "SELECT l2.supplier FROM supply_links l1 JOIN supply_links l2 ON l2.buyer = l1.supplier
    WHERE l1.buyer = '$maker' AND l1.active AND l2.active AND NOT EXISTS (SELECT 1 FROM supply_links x
      WHERE x.buyer = '$maker' AND x.supplier = l2.supplier)
    ORDER BY l2.supplier LIMIT 1")
[ -n "$tier2" ] || fail "the maker has no tier-2 supplier"
tier2_order=$(q "SELECT order_id || '?tenant=' || tenant_id FROM orders WHERE supplier = '$tier2'
    AND buyer <> '$maker' ORDER BY order_time DESC LIMIT 1")
[ -n "$tier2_order" ] || fail "the tier-2 supplier $tier2 has no order"

note "the browser (Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
mkdir -p "${CS_E2E_SHOTS:=$TEST_TMP/shots}"
CS_E2E_ALT_BUYER=$alt_buyer CS_E2E_URL=$api CS_E2E_TOKEN_BUREAU=$tok_bureau CS_E2E_TOKEN_ENTERPRISE=$tok_ent \
    CS_E2E_ENTERPRISE=$maker CS_E2E_STRANGERS=$strangers CS_E2E_STRANGER_NAMES=$stranger_names \
    CS_E2E_TIER2=$tier2 CS_E2E_TIER2_ORDER=$tier2_order \
    CS_E2E_SIM_URL=$sim_url CS_E2E_SHOTS=$CS_E2E_SHOTS \
    node "$CS_SRC/tests/e2e/dashboard.test.mjs" | tee "$CS_E2E_SHOTS/summary.json" ||
    fail "the browser checks failed (screenshots in $CS_E2E_SHOTS)"
note "figures: $(tail -n 1 "$CS_E2E_SHOTS/summary.json")"

note "an acknowledgement is stored and audited"
[ "$(q "SELECT count(*) FROM alerts WHERE status = 'acknowledged'")" -ge 1 ] ||
    fail "no alert acknowledged in the database"

note "the dashboard's files: types, caching, no traversal"
hdr=$(curl -sf -D - -o /dev/null -H 'Accept: text/html' "$api/")
grep -qi '^content-type: text/html' <<<"$hdr" || fail "/ is not HTML for a browser: $hdr"
curl -sf "$api/" | jq -e '.endpoints | length > 0' >/dev/null || fail "/ lost its JSON index for API clients"
hdr=$(curl -sf -D - -o /dev/null "$api/vendor/echarts.min.js")
grep -qi '^content-type: text/javascript' <<<"$hdr" || fail "echarts.min.js type: $hdr"
grep -qi '^cache-control: public, max-age=86400' <<<"$hdr" || fail "vendor caching: $hdr"
etag=$(grep -i '^etag:' <<<"$hdr" | cut -d' ' -f2 | tr -d '\r')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$api/vendor/echarts.min.js")" = 304 ] ||
    fail "If-None-Match did not give 304"
grep -qi '^cache-control: no-cache' < <(curl -sf -D - -o /dev/null "$api/app/main.js") ||
    fail "application files must be revalidated"
for bad in /../CMakeLists.txt /app/../../README.md /.git/HEAD /vendor/refresh.sh /app/%2e%2e/index.html; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$api$bad")
    [ "$code" = 404 ] || fail "$bad answered $code"
done

stop_service analyst
stop_service api
stop_service sim
stop_service ingest
stop_service devbroker
note "ok"
