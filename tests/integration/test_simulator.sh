#!/usr/bin/env bash
# test_simulator.sh - cs-simulator through the real path: devbroker ->
# cs-ingest -> PostgreSQL. A seeded province backfills 63 days with a
# flood in Hangzhou (days 8-13) and the bankruptcy of the supplier most
# buyers depend on alone (day 21), streams on, takes a second bankruptcy
# through POST /scenarios, stops on SIGTERM. Then: every event it reports
# delivered is stored, family by family, none dead-lettered; every code
# is valid (credit codes re-checked here, independently of ingest); the
# flood shows in the stored production; the first bankrupt supplier
# delivers nothing more and its customers deliver late or short to their
# own customers far more often than before it failed (and than everyone
# else); cs-analyst scores both bankrupt suppliers orange or red with the
# event their top reason and alerts the buyers of the second one (the
# first one's links were closed). A rerun with the same seed and start
# date gives the same ids, so it stores nothing new.
source "$CS_SRC/tests/lib/testlib.sh"

dsn=$(pg_test_db simulator)
q() { psql "$dsn" -qAt -c "$1"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_KAFKA_EXTRA=fetch.wait.max.ms=10 CS_BATCH_MAX_WAIT_MS=50
start_service ingest "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
im="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"

SIM_ARGS=(--seed 7 --enterprises 200 --start-date 2026-03-01 --backfill-days 63
    --max-rate 3000 --scenario flood:3301:day=8:days=6,bankruptcy:auto:day=21)

note "backfill 63 days with a flood and a bankruptcy, then stream"
CS_KAFKA_EXTRA= start_service sim "$CS_BIN/cs-simulator" "${SIM_ARGS[@]}" --speed 5
wait_for 60 "the backfill" grep -q '"msg":"backfill written"' "$TEST_TMP/sim.log"
sm="http://127.0.0.1:$(log_field sim "simulator ready" http_port)/metrics"
curl -sf "$sm" | grep -q '^cs_sim_events_total{topic="cs.production"}' ||
    fail "no simulator metrics"
curl -sf "http://127.0.0.1:$(log_field sim "simulator ready" http_port)/healthz" |
    grep -q ok || fail "no /healthz"

note "a second bankruptcy through POST /scenarios (auto: the next supplier most buyers depend on alone)"
code=$(curl -s -o "$TEST_TMP/post.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d '{"kind":"bankruptcy","target":"auto"}' \
    "http://127.0.0.1:$(log_field sim "simulator ready" http_port)/scenarios")
[ "$code" = 202 ] || fail "POST /scenarios answered $code: $(cat "$TEST_TMP/post.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"kind":"quake","target":"3301"}' \
    "http://127.0.0.1:$(log_field sim "simulator ready" http_port)/scenarios")
[ "$code" = 400 ] || fail "a bad scenario answered $code"
risks() { [ "$(metric 'cs_sim_events_total{topic="cs.risk_events"}' "$sm")" = 3 ]; }
wait_for 60 "the third risk event" risks
stop_service sim
delivered=$(log_field sim "simulator finished" delivered)
days=$(log_field sim "simulator finished" days)
[ "$delivered" -gt 10000 ] || fail "only $delivered events delivered"
note "$delivered events over $days days; waiting for cs-ingest"
stored() { [ "$(metric cs_ingest_events_stored_total "$im")" = "$1" ]; }
wait_for 120 "$delivered events stored" stored "$delivered"

note "nothing dead-lettered, every family stored"
rej=$(curl -sf "$im" | awk '$1 ~ /^cs_ingest_rejected_total/ { s += $2 } END { print s + 0 }')
[ "$rej" = 0 ] || fail "$rej events rejected: $(grep rejected "$TEST_TMP/ingest.log" | head -3)"
[ "$(q "SELECT count(*) FROM enterprises")" -ge 200 ] || fail "enterprises"
[ "$(q "SELECT count(DISTINCT industry_code) FROM enterprises")" -ge 12 ] || fail "industries"
[ "$(q "SELECT count(*) FROM enterprises WHERE region_code NOT LIKE '33____'")" = 0 ] || fail "regions"
for t in products supply_links orders shipments production sales inventory; do
    [ "$(q "SELECT count(*) FROM $t")" -gt 0 ] || fail "no rows in $t"
done
[ "$(q "SELECT count(*) FROM risk_events")" = 3 ] || fail "risk events"
[ "$(q "SELECT string_agg(kind, ',' ORDER BY kind) FROM risk_events")" = "financial,financial,flood" ] ||
    fail "risk kinds"
[ "$(q "SELECT count(*) FROM shipments WHERE delivered_at > shipped_at")" -gt 0 ] || fail "no deliveries"

note "as many events stored per family as the simulator produced"
declare -A fam=([master]=cs.master [orders]=cs.orders [shipments]=cs.shipments
    [production]=cs.production [sales]=cs.sales [inventory]=cs.inventory
    [risk_events]=cs.risk_events)
sum=0
for f in "${!fam[@]}"; do
    made=$(log_field sim "simulator finished" "$f")
    kept=$(q "SELECT count(*) FROM ingested_events WHERE topic = '${fam[$f]}'")
    [ "$made" = "$kept" ] || fail "$f: the simulator produced $made events, $kept stored"
    [ "$made" -gt 0 ] || fail "no $f events"
    sum=$((sum + made))
done
[ "$sum" = "$delivered" ] || fail "the families add up to $sum, $delivered delivered"

note "every credit code valid (GB 32100 and its GB 11714 organisation code), every region and industry code well-formed"
q "SELECT uscc FROM enterprises UNION SELECT supplier FROM supply_links
   UNION SELECT buyer FROM supply_links UNION SELECT supplier FROM order_lines
   UNION SELECT buyer FROM order_lines UNION SELECT supplier FROM shipments
   UNION SELECT buyer FROM shipments UNION SELECT enterprise FROM production
   UNION SELECT enterprise FROM sales UNION SELECT enterprise FROM inventory" >"$TEST_TMP/codes"
python3 - "$TEST_TMP/codes" <<'PY' || fail "invalid credit codes"
import sys
CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"          # GB 32100-2015, 31 characters
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
OW = [3, 7, 9, 10, 5, 8, 4, 2]                  # GB 11714-1997
def ok(c):
    if len(c) != 18 or any(x not in CH for x in c):
        return False
    if CH[(31 - sum(CH.index(x) * w for x, w in zip(c, W)) % 31) % 31] != c[17]:
        return False
    org = c[8:17]
    v = [int(x) if x.isdigit() else ord(x) - 55 for x in org[:8]]
    r = 11 - sum(a * b for a, b in zip(v, OW)) % 11
    return org[8] == {10: "X", 11: "0"}.get(r, str(r))
codes = [l.strip() for l in open(sys.argv[1]) if l.strip()]
bad = [c for c in codes if not ok(c)]
print(f"{len(codes)} codes, {len(bad)} invalid {bad[:5]}", file=sys.stderr)
sys.exit(1 if bad or len(codes) < 200 else 0)
PY
[ "$(q "SELECT count(*) FROM enterprises WHERE region_code !~ '^33(0[1-9]|1[01])[0-9]{2}$'
       OR industry_code !~ '^[A-T][0-9]{2,4}$' OR substr(uscc, 3, 6) <> region_code")" = 0 ] ||
    fail "region or industry codes: $(q "SELECT uscc, region_code, industry_code FROM enterprises
        WHERE region_code !~ '^33(0[1-9]|1[01])[0-9]{2}$' OR industry_code !~ '^[A-T][0-9]{2,4}$'
           OR substr(uscc, 3, 6) <> region_code LIMIT 3")"

note "the flood in Hangzhou (days 8-13) shows in the stored production"
util() {
    q "SELECT round(avg(p.output / nullif(p.capacity, 0)), 2) FROM production p
       JOIN enterprises e ON e.uscc = p.enterprise
       WHERE e.region_code LIKE '3301%' AND p.day BETWEEN '$1' AND '$2'"
}
before=$(util 2026-03-01 2026-03-08)
during=$(util 2026-03-10 2026-03-13)
note "Hangzhou utilisation $before before, $during during the flood"
awk -v b="$before" -v d="$during" 'BEGIN { exit !(d < 0.5 * b) }' ||
    fail "the flood did not cut production: $before -> $during"

note "the bankruptcies: points, not districts"
[ "$(q "SELECT count(*) FILTER (WHERE regions IS NULL AND radius_km > 0) FROM risk_events
       WHERE kind = 'financial'")" = 2 ] ||
    fail "bankruptcy risk event shape"

grep -o '"scenario":"bankruptcy:[0-9A-Z]*' "$TEST_TMP/sim.log" | cut -d: -f3 >"$TEST_TMP/victims"
{ read -r victim && read -r victim2; } <"$TEST_TMP/victims" || fail "not two bankruptcies scheduled"
[ "$victim" != "$victim2" ] || fail "auto picked the bankrupt supplier again"
n_buyers=$(q "SELECT count(DISTINCT buyer) FROM supply_links WHERE supplier = '$victim'")
[ "$n_buyers" -ge 2 ] || fail "the bankrupt supplier $victim has $n_buyers buyers"

note "the bankruptcy (day 21, 2026-03-22): its $n_buyers buyers get nothing more from it"
# Order lines placed with the supplier and due after it failed, delivered
# in full by their requested day: none (it neither ships nor delivers).
on_time() { # SUPPLIERS-SQL FROM TO -> "late-or-short lines / lines"
    q "WITH l AS (SELECT ol.buyer, ol.order_id, ol.line_no, ol.quantity, ol.requested_time
                  FROM order_lines ol WHERE ol.supplier IN ($1)
                   AND ol.requested_time >= timestamptz '$2 00:00+08'
                   AND ol.requested_time < timestamptz '$3 00:00+08')
       SELECT count(*) FILTER (WHERE coalesce(d.q, 0) < 0.95 * l.quantity) || '/' || count(*)
       FROM l LEFT JOIN LATERAL (
           SELECT sum(sl.quantity) AS q FROM shipment_lines sl
           JOIN shipments s ON s.tenant_id = sl.tenant_id AND s.shipment_id = sl.shipment_id
           WHERE sl.buyer = l.buyer AND sl.order_id = l.order_id AND sl.order_line_no = l.line_no
             AND s.delivered_at < l.requested_time + interval '1 day') d ON true"
}
share() { awk -F/ '{ printf "%.3f", ($2 > 0 ? $1 / $2 : -1) }' <<<"$1"; }
own=$(on_time "'$victim'" 2026-03-23 2026-04-26)
note "its order lines due 2026-03-23..04-25 late or short: $own"
[ "${own%/*}" = "${own#*/}" ] && [ "${own#*/}" -gt 0 ] ||
    fail "the bankrupt supplier still delivered: $own late or short"

note "downstream: its buyers deliver late or short to their own customers"
buyers="SELECT buyer FROM supply_links WHERE supplier = '$victim'"
others="SELECT uscc FROM enterprises WHERE uscc <> '$victim' AND uscc NOT IN ($buyers)"
b_before=$(on_time "$buyers" 2026-03-01 2026-03-22)
b_after=$(on_time "$buyers" 2026-04-05 2026-05-03)
o_after=$(on_time "$others" 2026-04-05 2026-05-03)
note "buyers before $b_before ($(share "$b_before")), after $b_after ($(share "$b_after")); everyone else after $o_after ($(share "$o_after"))"
awk -v b="$(share "$b_before")" -v a="$(share "$b_after")" -v o="$(share "$o_after")" \
    'BEGIN { exit !(b >= 0 && a >= 1.3 * b && a >= 1.3 * o) }' ||
    fail "no late shipments downstream of the bankruptcy"

note "cs-analyst, as of the second bankruptcy: both bankrupt suppliers orange or red for the event; the second one's buyers alerted"
# As of the POSTed bankruptcy's first day: the simulated day the POST
# landed on depends on how fast this machine got there. By then the
# first supplier's links were closed (7 days after it failed) and its
# buyers re-sourced, so none is alerted about it; the second one's links
# are still active.
as_of=$(q "SELECT to_char((max(starts_at) AT TIME ZONE 'UTC') + interval '1 hour',
    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM risk_events WHERE kind = 'financial'")
"$CS_BIN/cs-analyst" --once --pg-dsn "$dsn" --kafka-brokers "" \
    --analyst-as-of "$as_of" --log-level warn >"$TEST_TMP/analyst.json" ||
    fail "cs-analyst --once failed: $(cat "$TEST_TMP/analyst.json")"
for v in "$victim" "$victim2"; do
    score=$(q "SELECT level || ' ' || explanation FROM risk_scores WHERE uscc = '$v'")
    note "$v: $score"
    case "$score" in
    orange*event_exposure* | red*event_exposure*) ;;
    *) fail "bankrupt supplier $v scored: $score" ;;
    esac
done
alerted() { # SUPPLIER -> buyers alerted about it, for its own risk event
    q "SELECT count(DISTINCT a.subject) FROM alerts a JOIN risk_events r USING (risk_id)
       WHERE a.kind = 'event_near_supplier' AND a.about = '$1' AND r.kind = 'financial'"
}
n2=$(q "SELECT count(DISTINCT buyer) FROM supply_links WHERE supplier = '$victim2' AND active")
[ "$n2" -ge 1 ] || fail "the second bankrupt supplier has no active buyer"
[ "$(alerted "$victim2")" = "$n2" ] ||
    fail "$(alerted "$victim2") of its $n2 buyers alerted: $(q "SELECT subject, level, message FROM alerts WHERE about = '$victim2'")"
[ "$(q "SELECT count(*) FROM supply_links WHERE supplier = '$victim' AND active")" = 0 ] ||
    fail "the first bankrupt supplier's links are still active"
[ "$(alerted "$victim")" = 0 ] || fail "buyers alerted about a supplier they no longer buy from"

note "early backfill days carry only sales (and master data)"
"$CS_BIN/cs-simulator" --stdout --enterprises 100 --start-date 2026-01-01 \
    --backfill-days 10 --backfill-detail-days 3 --days 1 --speed 0 --max-rate 0 \
    --http-port 0 2>"$TEST_TMP/light.log" >"$TEST_TMP/light.jsonl"
early=$(grep -c '"type":"cs.production.v1","time":"2026-01-0[1-7]' "$TEST_TMP/light.jsonl" || true)
late=$(grep -c '"type":"cs.production.v1","time":"2026-01-08' "$TEST_TMP/light.jsonl")
sales=$(grep -c '"type":"cs.sales.v1","time":"2026-01-02' "$TEST_TMP/light.jsonl")
[ "$early" = 0 ] && [ "$late" -gt 0 ] && [ "$sales" -gt 0 ] ||
    fail "detail days: early production $early, day 8 production $late, day 2 sales $sales"

note "the same seed and start date again: all duplicates"
before_n=$(q "SELECT count(*) FROM ingested_events")
CS_KAFKA_EXTRA= start_service sim2 "$CS_BIN/cs-simulator" --seed 7 --enterprises 200 \
    --start-date 2026-03-01 --backfill-days 5 --days 1 --speed 0 \
    --max-rate 3000 --scenario flood:3301:day=8:days=6
wait "${SVC_PID[sim2]}" || fail "the replay run exited with status $?"
unset "SVC_PID[sim2]"
again=$(log_field sim2 "simulator finished" delivered)
dups() { [ "$(metric cs_ingest_events_duplicate_total "$im")" = "$again" ]; }
wait_for 60 "$again duplicates" dups
[ "$(q "SELECT count(*) FROM ingested_events")" = "$before_n" ] || fail "the replay stored new events"

stop_service ingest
stop_service devbroker
note "ok"
