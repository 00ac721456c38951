# api_chain_fixture.sh - sourced by the test_api_* tests of the read
# routes: a small chain (the one of test_analyst.sh, plus a tier-2
# supplier and a second source), scored by a real cs-analyst run as of
# 2026-11-30, tokens for every scope, and cs-api started as cs_api_app.
# Defines q, tok, get, body, expect, post, expect_post, problem and the
# enterprise codes.
S1=91330106MA2LATE01Y # Hangzhou (Xihu), late: orange
S2=91320100MA2G00D02X # Nanjing
S3=91440300MA2F100D33 # Shenzhen, flooded
S4=91350100MA2G00D04G # Fuzhou
B1=91330200MA2CAR0012 # Ningbo: BAT only from S1; MOT from S2 and S4
B2=91310000MA2PH0NE1Q # Shanghai: CHP only from S3
S5=91330110MA2ALT0058 # Hangzhou (Yuhang): S1's industry, spare capacity
T2=91330400MA2AN0DE0L # Jiaxing: supplies S1 (tier 2 of B1)
AS_OF=2026-11-30T00:00:00Z
dsn=$(pg_test_db "$1")
api_dsn=${dsn/user=postgres/user=cs_api_app}
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO tenants (tenant_id, enterprise)
SELECT u, u FROM unnest(ARRAY['$S1','$S2','$S3','$S4','$B1','$B2','$S5','$T2']) AS u;
INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon, tenant_id) VALUES
 ('$S1', 'Xihu Cells', '330106', 'C3841', 30.26, 120.13, '$S1'),
 ('$S2', 'Nanjing Motors', '320100', 'C3812', 32.06, 118.80, '$S2'),
 ('$S3', 'Shenzhen Chips', '440300', 'C3973', 22.54, 114.06, '$S3'),
 ('$S4', 'Fuzhou Glass', '350100', 'C3042', 26.07, 119.30, '$S4'),
 ('$B1', 'Ningbo Cars', '330200', 'C3610', 29.87, 121.54, '$B1'),
 ('$B2', 'Shanghai Phones', '310000', 'C3922', 31.23, 121.47, '$B2'),
 ('$S5', 'Yuhang Cells', '330110', 'C3841', 30.42, 120.30, '$S5'),
 ('$T2', 'Jiaxing Anodes', '330400', 'C3985', 30.75, 120.76, '$T2');
INSERT INTO production (tenant_id, enterprise, sku, day, output, capacity, unit, event_id, event_time)
SELECT '$S5', '$S5', 'CELL', d::date, 600, 1000, 'PCS', 'p-' || d, d
FROM generate_series(timestamp '2026-09-01', timestamp '2026-11-29', interval '1 day') AS d;
-- S1 makes 100 cells a day, 40 in the last week
INSERT INTO production (tenant_id, enterprise, sku, day, output, capacity, unit, event_id, event_time)
SELECT '$S1', '$S1', 'BAT', d::date, CASE WHEN d >= '2026-11-23' THEN 40 ELSE 100 END, 150, 'PCS', 'p1-' || d, d
FROM generate_series(timestamp '2026-09-01', timestamp '2026-11-29', interval '1 day') AS d;
CREATE TEMP TABLE pairs (supplier text, buyer text, sku text, share numeric, late boolean);
INSERT INTO pairs VALUES
 ('$S1', '$B1', 'BAT', 1.0, true),
 ('$S2', '$B1', 'MOT', 0.8, false),
 ('$S4', '$B1', 'MOT', 0.2, false),
 ('$S2', '$B2', 'MOT', 0.5, false),
 ('$S3', '$B2', 'CHP', 1.0, false),
 ('$S4', '$B1', 'GLS', 1.0, false),
 ('$T2', '$S1', 'ANODE', 1.0, false);
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
SELECT supplier, buyer, sku, share, 14, buyer, 'sl-' || supplier || buyer || sku, '2026-01-01' FROM pairs;
CREATE TEMP TABLE o AS
SELECT p.*, k, 'PO-' || left(p.supplier, 4) || right(p.supplier, 5) || '-' || p.buyer || '-' || p.sku || k AS order_id,
       timestamptz '2026-11-30' - make_interval(days => 100 - 8 * k) AS ot,
       CASE WHEN p.late AND k >= 3 THEN 20 + k - 3 ELSE 12 END AS lead
FROM pairs p, generate_series(0, 9) AS k;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
SELECT buyer, order_id, buyer, supplier, ot, 'CNY', 1, 'o-' || order_id, ot, 'test' FROM o;
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, unit_price, currency, requested_time, event_id, event_time)
SELECT buyer, order_id, 1, ot, buyer, supplier, sku, 100, 'PCS', 10, 'CNY', ot + interval '14 days', 'o-' || order_id, ot FROM o;
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at, delivered_at, n_lines, event_id, event_time, source)
SELECT supplier, 'ASN-' || order_id, supplier, buyer, order_id, ot + make_interval(days => lead - 2), ot + make_interval(days => lead), 1, 's-' || order_id, ot, 'test' FROM o;
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
SELECT supplier, 'ASN-' || order_id, 1, ot + make_interval(days => lead - 2), supplier, buyer, order_id, 1, sku, 100, 'PCS', 's-' || order_id, ot FROM o;
INSERT INTO risk_events (tenant_id, risk_id, kind, severity, regions, starts_at, expected_end, event_id, event_time, description)
VALUES ('$B2', 'FLOOD-9', 'flood', 4, ARRAY['440300'], '2026-11-25', '2026-12-10', 'r-9', '2026-11-25', 'Shenzhen flood');
INSERT INTO risk_events (tenant_id, risk_id, kind, severity, lat, lon, radius_km, starts_at, expected_end, event_id, event_time)
VALUES ('$B2', 'FIRE-1', 'fire', 2, 30.27, 120.15, 20, '2026-11-28', '2027-01-10', 'r-1', '2026-11-28');
INSERT INTO sales (tenant_id, enterprise, sku, period_start, period_end, quantity, unit, currency, channel, event_id, event_time)
SELECT '$B1', '$B1', 'CAR', m, (m + interval '1 month - 1 day')::date,
       round((200 + 2 * i + 50 * sin(2 * pi() * i / 12) + 6 * sin(i * 7.3))::numeric, 1), 'PCS', 'CNY', 'dealer', 'a-' || m, m
FROM generate_series(timestamp '2023-06-01', timestamp '2026-10-01', interval '1 month') WITH ORDINALITY AS g(m, i);
INSERT INTO inventory (tenant_id, enterprise, site, sku, as_of, on_hand, unit, event_id, event_time)
VALUES ('$B1', '$B1', 'WH-1', 'CAR', '2026-11-20', 150, 'PCS', 'i-1', '2026-11-20'),
       ('$B1', '$B1', 'WH-1', 'BAT', '2026-11-20', 200, 'PCS', 'i-2', '2026-11-20');
SQL

# analyst_once - one full recompute by the real analyst (no Kafka: alerts
# wait in the outbox)
analyst_once() {
    CS_PG_DSN=$dsn CS_KAFKA_BROKERS= CS_ANALYST_AS_OF=$AS_OF CS_HTTP_PORT=0 \
        "$CS_BIN/cs-analyst" --once >"$TEST_TMP/analyst.out" 2>"$TEST_TMP/analyst.log" ||
        fail "cs-analyst --once: $(tail -n 5 "$TEST_TMP/analyst.log")"
}
analyst_once
[ "$(q "SELECT level IN ('orange', 'red') FROM risk_scores WHERE uscc = '$S1'")" = t ] ||
    fail "fixture: S1 should be orange or worse: $(cat "$TEST_TMP/analyst.out")"

tok() { "$CS_BIN/cs-admin" token create --pg-dsn "$dsn" --name "$1" "${@:2}" 2>>"$TEST_TMP/tokens.log"; }
T_ADMIN=$(tok admin --role admin)
T_B1=$(tok ent-b1 --role enterprise --enterprise "$B1")
T_B2=$(tok ent-b2 --role enterprise --enterprise "$B2")
T_S5=$(tok ent-s5 --role enterprise --enterprise "$S5")
T_ZJ=$(tok zhejiang --role bureau --regions 330000)
T_SZ=$(tok shenzhen --role bureau --regions 440300)
T_HZ=$(tok hangzhou --role bureau --regions 330100)
T_CONN=$(tok conn --role connector --tenant "$B1")
start_service api "$CS_BIN/cs-api" --pg-dsn "$api_dsn" --http-port 0 --http-threads 2
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"

# get TOKEN PATH [curl args] - prints the status; the body lands in $TEST_TMP/body.json
get() {
    curl -s -o "$TEST_TMP/body.json" -w '%{http_code}' -H "Authorization: Bearer $1" "${@:3}" "$api$2"
}
body() { jq -r "$1" "$TEST_TMP/body.json"; }
expect() { # expect STATUS TOKEN PATH [curl args]
    local got
    got=$(get "$2" "$3" "${@:4}")
    [ "$got" = "$1" ] || fail "$3: status $got, want $1: $(cat "$TEST_TMP/body.json")"
}
problem() { # problem TYPE [FIELD] - the last body is problem+json of that type
    jq -e --arg t "urn:chainsight:problem:$1" --arg f "${2:-}" \
        '.type == $t and (.status | type) == "number" and (.title | length) > 0
         and (.detail | length) > 0 and ($f == "" or .field == $f)' \
        "$TEST_TMP/body.json" >/dev/null || fail "want a $1 problem ${2:-}: $(cat "$TEST_TMP/body.json")"
}
post() { # post TOKEN PATH [BODY] - prints the status
    curl -s -o "$TEST_TMP/body.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' --data-binary "${3:-}" "$api$2"
}
expect_post() { # expect_post STATUS TOKEN PATH [BODY]
    local got
    got=$(post "$2" "$3" "${4:-}")
    [ "$got" = "$1" ] || fail "POST $3: status $got, want $1: $(cat "$TEST_TMP/body.json")"
}
