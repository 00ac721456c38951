#!/usr/bin/env bash
# demo.sh - README command 1: installs what is missing, builds, and runs
# the main job on its embedded default - a private PostgreSQL under var/pg,
# the devbroker, cs-ingest, cs-api on http://localhost:8080, the province
# simulator and cs-analyst - until Ctrl-C, which stops everything it
# started.
# Logs go to var/log/.
#
# Environment: CS_PG_PORT (55432), CS_BROKER_PORT (9092), CS_API_PORT
# (8080), CS_DEMO_BUILD (release: the CMake preset to build).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
var=$top/var
mkdir -p "$var/log" "$var/run"

api_port=${CS_API_PORT:-8080}
broker_port=${CS_BROKER_PORT:-9092}
export CS_PG_PORT=${CS_PG_PORT:-55432}
preset=${CS_DEMO_BUILD:-release}

say() { echo "demo: $*" >&2; }
die() { say "$*"; exit 1; }

# One demo per checkout: a second copy would fight over ports and data.
exec 9>"$var/run/demo.lock"
if ! flock -n 9; then
    die "another demo is already running from this folder (pid $(cat "$var/run/demo.pid" 2>/dev/null || echo '?')); stop it with Ctrl-C first"
fi
echo $$ >"$var/run/demo.pid"

"$top/deploy/local/install-deps.sh"
say "building (preset $preset)..."
cmake --preset "$preset" -S "$top" >"$var/log/build.log" 2>&1 ||
    die "cmake configure failed, see var/log/build.log"
cmake --build --preset "$preset" >>"$var/log/build.log" 2>&1 ||
    die "build failed, see var/log/build.log"
bin=$top/build/$preset/bin

for p in "$api_port" "$broker_port" 9181 9182 9183 9184; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        die "port $p is already in use by another program; free it (CS_API_PORT and CS_BROKER_PORT move the main two)"
    fi
done

pids=()
stopping=0
stop_all() {
    [ $stopping = 1 ] && return
    stopping=1
    say "stopping..."
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null || true
        wait "${pids[$i]}" 2>/dev/null || true
    done
    "$top/deploy/local/pg.sh" stop "$var/pg" || true
    rm -f "$var/run/demo.pid" "$var/run/broker.addr"
    say "stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

"$top/deploy/local/pg.sh" start "$var/pg"
dsn=$("$top/deploy/local/pg.sh" dsn "$var/pg")
export CS_PG_DSN=$dsn
"$bin/cs-admin" migrate 2>>"$var/log/admin.log" ||
    die "migrations failed, see var/log/admin.log"

# Demo tokens, new on every run (the previous run's are revoked). They
# are hashed with the development pepper unless CS_TOKEN_PEPPER is set.
buyer=91350100M000100Y43
supplier=91110000802100433B
psql "$dsn" -qAt -c "UPDATE api_tokens SET revoked_at = now()
    WHERE name LIKE 'demo-%' AND revoked_at IS NULL" >/dev/null ||
    die "cannot revoke the previous demo tokens"
mktoken() {
    "$bin/cs-admin" token create --name "demo-$1" "${@:2}" 2>>"$var/log/admin.log" ||
        die "cannot create the demo token $1, see var/log/admin.log"
}
tok_admin=$(mktoken admin --role admin)
tok_buyer=$(mktoken buyer --role enterprise --enterprise "$buyer")
tok_bureau=$(mktoken zhejiang-bureau --role bureau --regions 330000)
tok_erp=$(mktoken erp --role connector --tenant "$buyer")
(umask 077 && cat >"$var/run/demo-tokens.env" <<TOKENS
CS_DEMO_TOKEN_ADMIN=$tok_admin
CS_DEMO_TOKEN_BUYER=$tok_buyer
CS_DEMO_TOKEN_BUREAU=$tok_bureau
CS_DEMO_TOKEN_CONNECTOR=$tok_erp
TOKENS
)

rm -f "$var/run/broker.addr"
"$bin/cs-devbroker" --port "$broker_port" --http-port 9182 \
    --addr-file "$var/run/broker.addr" >/dev/null 2>>"$var/log/devbroker.log" &
pids+=($!)
for _ in $(seq 1 100); do
    [ -s "$var/run/broker.addr" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || die "the devbroker did not start, see var/log/devbroker.log"
    sleep 0.1
done
[ -s "$var/run/broker.addr" ] || die "the devbroker did not start in 10 s"
export CS_KAFKA_BROKERS=127.0.0.1:$broker_port

CS_HTTP_PORT=9181 "$bin/cs-ingest" 2>>"$var/log/ingest.log" &
pids+=($!)
# cs-api connects as cs_api_app: not superuser, not owner, so the
# row-level-security policies bind it.
CS_HTTP_PORT=$api_port CS_PG_DSN=${dsn/user=postgres/user=cs_api_app} \
    "$bin/cs-api" 2>>"$var/log/api.log" &
pids+=($!)

# A simulated province (Zhejiang, three industry chains): a year of
# history first, then one simulated day per second. In the last days of
# the history a key supplier goes bankrupt and a month-long flood starts
# over Hangzhou, so the first scores already carry alerts. More:
# POST http://127.0.0.1:9183/scenarios {"spec":"flood:3301:days=10"}.
"$bin/cs-simulator" --kafka-brokers "$CS_KAFKA_BROKERS" --enterprises 500 \
    --backfill-days 365 --backfill-detail-days 60 --speed 1 --max-rate 4000 \
    --scenario "bankruptcy:auto:day=355,flood:3301:day=358:days=30" \
    --http-port 9183 >/dev/null 2>>"$var/log/simulator.log" &
pids+=($!)

# Scores, forecasts, propagation runs and alerts, recomputed every 10 s
# when new data arrived (it reads and writes as the owner role). Its
# "now" is the simulator's clock, which runs ahead of the wall's.
CS_HTTP_PORT=9184 CS_ANALYST_CLOCK=data "$bin/cs-analyst" --analyst-interval-s 10 \
    >/dev/null 2>>"$var/log/analyst.log" &
pids+=($!)

# A sample purchase order, produced the way an ERP would.
printf '%s|{"specversion":"1.0","id":"demo-order-0001","source":"erp://demo","type":"cs.order.v1","time":"2026-11-01T08:00:00+08:00","tenantid":"%s","data":{"order_id":"DEMO-0001","buyer":"%s","supplier":"%s","order_date":"2026-11-01","currency":"CNY","lines":[{"line_no":1,"sku":"CELL-21700","quantity":1200,"unit":"PCS","unit_price":"12.50","requested_date":"2026-11-20"},{"line_no":2,"sku":"NI-SULF","quantity":3.75,"unit":"T","unit_price":"98000.00"}]}}\n' \
    "$buyer/DEMO-0001" "$buyer" "$buyer" "$supplier" |
    kcat -P -b "$CS_KAFKA_BROKERS" -t cs.orders -K '|'

# An enterprise token for a vehicle maker of the simulated province (its
# suppliers are the interesting view), once its master data is stored;
# scripts read both demo tokens from var/demo-tokens.json.
maker=
for _ in $(seq 1 600); do
    maker=$(psql "$dsn" -qAt -c "SELECT uscc FROM enterprises
        WHERE industry_code = 'C3612' ORDER BY uscc LIMIT 1" 2>/dev/null) || true
    [ -n "$maker" ] && break
    sleep 0.1
done
tok_maker=
if [ -n "$maker" ]; then
    tok_maker=$(mktoken maker --role enterprise --enterprise "$maker")
    echo "CS_DEMO_TOKEN_ENTERPRISE=$tok_maker" >>"$var/run/demo-tokens.env"
else
    say "no simulated vehicle maker yet; the enterprise token is the sample buyer's"
    maker=$buyer
    tok_maker=$tok_buyer
fi
(umask 077 && printf '{"bureau": "%s", "enterprise": "%s"}\n' \
    "$tok_bureau" "$tok_maker" >"$var/demo-tokens.json")

for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $tok_buyer" \
        "http://127.0.0.1:$api_port/v1/orders/DEMO-0001" >/dev/null && break
    sleep 0.1
done

cat >&2 <<MSG

  ChainSight is running.
    dashboard  http://localhost:$api_port/   (in a browser; paste the bureau or enterprise token below)
    API        http://localhost:$api_port/          (GET /v1/orders/DEMO-0001)
    try        curl -H "Authorization: Bearer $tok_buyer" http://localhost:$api_port/v1/orders/DEMO-0001
    tokens     (new each run; also in var/run/demo-tokens.env and var/demo-tokens.json)
      admin       $tok_admin
      buyer       $tok_buyer   (enterprise $buyer)
      bureau      $tok_bureau   (regions 330000, the simulated province)
      enterprise  $tok_maker   (vehicle maker $maker)
      connector   $tok_erp   (tenant $buyer)
    more       curl -H "Authorization: Bearer $tok_bureau" http://localhost:$api_port/v1/enterprises
    Kafka      $CS_KAFKA_BROKERS (devbroker: produce with kcat -P -t cs.orders)
    simulator  500 enterprises of Zhejiang, a year of history, then a day per second;
               disrupt: curl -X POST -d '{"spec":"flood:3301:days=10"}' http://127.0.0.1:9183/scenarios
    PostgreSQL $dsn
    logs       var/log/
  Ctrl-C stops everything.

MSG

# Run until Ctrl-C, or until a service dies (then stop the rest).
while :; do
    for pid in "${pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "a service exited unexpectedly (pid $pid); see var/log/"
            exit 1
        fi
    done
    sleep 1
done
