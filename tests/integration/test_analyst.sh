#!/usr/bin/env bash
# test_analyst.sh - cs-analyst on a small hand-built chain (inserted with
# psql, not through ingest: the analyst reads tables, and fixed dates keep
# the figures exact). Four suppliers, two buyers, as of 2026-11-30:
#  - S1 delivers its last seven orders 6-12 days late: it ends orange with
#    on_time_rate as the top reason, and its single-sourced buyer B1 is
#    alerted;
#  - a flood over Shenzhen (S3's region) alerts S3's buyer B2;
#  - 36 months of seasonal sales give a forecast whose 95 % interval holds
#    the six held-out months, with a stock recommendation;
# then alerts on cs.alerts (real devbroker), dedup on a rerun, resolution
# when the flood ends, row-level security for cs_api, two analysts at
# once, a SIGKILL mid-cycle leaving nothing, and the interval mode
# picking up new sales and then a late delivery incrementally (only the
# supplier recomputed and scored), incremental alerts equal to the rules
# over every current score, and stopping with 0 on SIGTERM.
source "$CS_SRC/tests/lib/testlib.sh"

S1=91330106MA2LATE01Y # Hangzhou (Xihu), late
S2=91320100MA2G00D02X # Nanjing
S3=91440300MA2F100D33 # Shenzhen, flooded
S4=91350100MA2G00D04G # Fuzhou
B1=91330200MA2CAR0012 # Ningbo: buys BAT only from S1
B2=91310000MA2PH0NE1Q # Shanghai: buys CHP only from S3
S5=91330110MA2ALT0058 # Hangzhou (Yuhang): S1's industry, spare capacity
AS_OF=2026-11-30T00:00:00Z
dsn=$(pg_test_db analyst)
api_dsn=${dsn/user=postgres/user=cs_api_app}
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

psql "$dsn" -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO tenants (tenant_id, enterprise)
SELECT u, u FROM unnest(ARRAY['91330106MA2LATE01Y','91320100MA2G00D02X',
  '91440300MA2F100D33','91350100MA2G00D04G','91330200MA2CAR0012',
  '91310000MA2PH0NE1Q', '91330110MA2ALT0058']) AS u;
INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon, tenant_id) VALUES
 ('91330106MA2LATE01Y', 'Xihu Cells', '330106', 'C3841', 30.26, 120.13, '91330106MA2LATE01Y'),
 ('91320100MA2G00D02X', 'Nanjing Motors', '320100', 'C3812', 32.06, 118.80, '91320100MA2G00D02X'),
 ('91440300MA2F100D33', 'Shenzhen Chips', '440300', 'C3973', 22.54, 114.06, '91440300MA2F100D33'),
 ('91350100MA2G00D04G', 'Fuzhou Glass', '350100', 'C3042', 26.07, 119.30, '91350100MA2G00D04G'),
 ('91330200MA2CAR0012', 'Ningbo Cars', '330200', 'C3610', 29.87, 121.54, '91330200MA2CAR0012'),
 ('91310000MA2PH0NE1Q', 'Shanghai Phones', '310000', 'C3922', 31.23, 121.47, '91310000MA2PH0NE1Q'),
 ('91330110MA2ALT0058', 'Yuhang Cells', '330110', 'C3841', 30.42, 120.30, '91330110MA2ALT0058');
-- S5 makes cells at 60 % of its capacity
INSERT INTO production (tenant_id, enterprise, sku, day, output, capacity, unit, event_id, event_time)
SELECT '91330110MA2ALT0058', '91330110MA2ALT0058', 'CELL', d::date, 600, 1000, 'PCS', 'p-' || d, d
FROM generate_series(timestamp '2026-09-01', timestamp '2026-11-29', interval '1 day') AS d;
CREATE TEMP TABLE pairs (supplier text, buyer text, sku text, share numeric, late boolean);
INSERT INTO pairs VALUES
 ('91330106MA2LATE01Y', '91330200MA2CAR0012', 'BAT', 1.0, true),
 ('91320100MA2G00D02X', '91330200MA2CAR0012', 'MOT', 1.0, false),
 ('91320100MA2G00D02X', '91310000MA2PH0NE1Q', 'MOT', 0.5, false),
 ('91440300MA2F100D33', '91310000MA2PH0NE1Q', 'CHP', 1.0, false),
 ('91350100MA2G00D04G', '91330200MA2CAR0012', 'GLS', 1.0, false);
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
SELECT supplier, buyer, sku, share, 14, buyer, 'sl-' || supplier || buyer || sku, '2026-01-01' FROM pairs;
-- ten orders per pair, 100 to 28 days before as-of, each wanted 14 days
-- after ordering; good suppliers deliver after 12 days; the late one
-- delivers its last seven orders 20-26 days after ordering.
CREATE TEMP TABLE o AS
SELECT p.*, k, 'PO-' || left(p.supplier, 4) || right(p.supplier, 5) || '-' || p.buyer || '-' || k AS order_id,
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
-- a flood over Shenzhen from 2026-11-25 to 2026-12-10
INSERT INTO risk_events (tenant_id, risk_id, kind, severity, regions, starts_at, expected_end, event_id, event_time)
VALUES ('91310000MA2PH0NE1Q', 'FLOOD-9', 'flood', 4, ARRAY['440300'], '2026-11-25', '2026-12-10', 'r-9', '2026-11-25');
-- 36 months of seasonal sales of CAR (2023-06 .. 2026-05); 2026-06 ..
-- 2026-11 are held out (the test compares them with the forecast)
CREATE TABLE heldout AS
SELECT m::date AS m, round((200 + 2 * i + 50 * sin(2 * pi() * i / 12) + 6 * sin(i * 7.3))::numeric, 1) AS q, i
FROM generate_series(timestamp '2023-06-01', timestamp '2026-11-01', interval '1 month') WITH ORDINALITY AS g(m, i);
INSERT INTO sales (tenant_id, enterprise, sku, period_start, period_end, quantity, unit, currency, channel, event_id, event_time)
SELECT '91330200MA2CAR0012', '91330200MA2CAR0012', 'CAR', m, (m + interval '1 month - 1 day')::date, q, 'PCS', 'CNY', 'dealer', 'a-' || m, m
FROM heldout WHERE m < '2026-06-01';
DELETE FROM heldout WHERE m < '2026-06-01';
INSERT INTO inventory (tenant_id, enterprise, site, sku, as_of, on_hand, unit, event_id, event_time)
VALUES ('91330200MA2CAR0012', '91330200MA2CAR0012', 'WH-1', 'CAR', '2026-11-20', 150, 'PCS', 'i-1', '2026-11-20'),
-- 200 batteries: S1 shipped 1000 in the 90 days, 11.1 a day: 18 days
       ('91330200MA2CAR0012', '91330200MA2CAR0012', 'WH-1', 'BAT', '2026-11-20', 200, 'PCS', 'i-2', '2026-11-20');
-- all of it was stored a day ago (incremental cycles below look for
-- what was stored since their watermark)
UPDATE enterprises SET updated_at = now() - interval '1 day';
UPDATE supply_links SET updated_at = now() - interval '1 day';
UPDATE orders SET updated_at = now() - interval '1 day';
UPDATE shipments SET updated_at = now() - interval '1 day';
UPDATE risk_events SET updated_at = now() - interval '1 day';
SQL

start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_ANALYST_AS_OF=$AS_OF
export CS_HTTP_PORT=0 CS_LOG_LEVEL=info

note "one full recompute"
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/once1.out" 2>"$TEST_TMP/once1.log" ||
    fail "cs-analyst --once failed: $(cat "$TEST_TMP/once1.log")"
grep -q '"enterprises":7,"forecasts":1,' "$TEST_TMP/once1.out" ||
    fail "summary: $(cat "$TEST_TMP/once1.out")"
grep -q '"alerts_raised":4,' "$TEST_TMP/once1.out" || fail "summary: $(cat "$TEST_TMP/once1.out")"
grep -q '"model_errors":0,' "$TEST_TMP/once1.out" || fail "summary: $(cat "$TEST_TMP/once1.out")"
# the forecasts were computed beside the cycle (after criticality, from
# its snapshot) and stored by it: the checks of the forecast below
grep -F '"msg":"cycle done"' "$TEST_TMP/once1.log" | jq -e '.forecasts_side_s > 0' >/dev/null ||
    fail "no forecasts beside the cycle: $(grep -F '"msg":"cycle done"' "$TEST_TMP/once1.log")"

note "the late supplier is orange or worse, on-time delivery first"
[ "$(q "SELECT level IN ('orange', 'red') FROM risk_scores WHERE uscc = '$S1'")" = t ] ||
    fail "S1: $(q "SELECT score, level, explanation FROM risk_scores WHERE uscc = '$S1'")"
[ "$(q "SELECT components->0->>'indicator' FROM risk_scores WHERE uscc = '$S1'")" = on_time_rate ] ||
    fail "S1's top component: $(q "SELECT components FROM risk_scores WHERE uscc = '$S1'")"
q "SELECT explanation FROM risk_scores WHERE uscc = '$S1'" | grep -Eq '^[0-9]+, (orange|red): on_time_rate 0\.3 ' ||
    fail "S1's explanation: $(q "SELECT explanation FROM risk_scores WHERE uscc = '$S1'")"
# 3 of 10 deliveries on time; lead times 12 x3 and 20..26 days
[ "$(q "SELECT on_time_rate || ' ' || round(lead_time_mean_days::numeric, 1) || ' ' || fill_rate FROM enterprise_indicators WHERE uscc = '$S1'")" = "0.3 19.7 1" ] ||
    fail "S1's indicators: $(q "SELECT * FROM enterprise_indicators WHERE uscc = '$S1'")"
[ "$(q "SELECT on_time_rate FROM enterprise_indicators WHERE uscc = '$S2'")" = 1 ] || fail "S2 on time"
[ "$(q "SELECT single_source || ' ' || round(supplier_hhi::numeric, 4) FROM enterprise_indicators WHERE uscc = '$B1'")" = "3 0.3333" ] ||
    fail "B1's sourcing indicators"
[ "$(q "SELECT count(*) FROM risk_scores WHERE level IN ('orange', 'red') AND uscc <> '$S1'")" = 0 ] ||
    fail "only S1 should be orange: $(q "SELECT uscc, level FROM risk_scores")"
[ "$(q "SELECT count(DISTINCT model_version) || ' ' || min(model_version) FROM risk_scores")" = "1 1" ] ||
    fail "scores must name model version 1"

note "alerts: S1's level, B1's single source, B2's flooded supplier and TTS"
alerts() { q "SELECT string_agg(kind || ':' || level || ':' || subject || ':' || coalesce(about, '-') || ':' || status, ' ' ORDER BY kind) FROM alerts"; }
[ "$(alerts)" = "event_near_supplier:orange:$B2:$S3:open level:orange:$S1:-:open single_source:orange:$B1:$S1:open tts_below_ttr:orange:$B2:-:open" ] ||
    fail "alerts: $(alerts)"
[ "$(q "SELECT risk_id || ' ' || (details->>'exposure') FROM alerts WHERE kind = 'event_near_supplier'")" = "FLOOD-9 0.5714" ] ||
    fail "flood exposure: 0.8 severity x 1 in region x 10/14 days"
# the standing run (below): B2 falls to 48 % on day 1, S3 is back on day 10
[ "$(q "SELECT message FROM alerts WHERE kind = 'tts_below_ttr'")" = "FLOOD-9 would cut output from day 1 to 48 % of plan, back on day 11" ] ||
    fail "tts alert: $(q "SELECT message FROM alerts WHERE kind = 'tts_below_ttr'")"

note "risk rolled up to regions and industries"
aggs() { q "SELECT string_agg(kind || ':' || key || ':' || n_members || ':' || n_orange_or_worse || ':' || (score_max = (SELECT score FROM risk_scores WHERE uscc = '$S1')), ' ' ORDER BY kind, key) FROM risk_aggregates WHERE key IN ('330000', '330100', 'C38', 'C')"; }
[ "$(aggs)" = "city:330100:2:1:true industry_division:C38:3:1:true industry_section:C:7:1:true province:330000:3:1:true" ] ||
    fail "aggregates: $(aggs)"

note "risk rolled up to industry chains and their tiers"
# Final producers: B1 (C3610, chain C36: S1, S2, S4 one link up) and B2
# (C3922, chain C39: S2, S3); S2 is in both.
[ "$(q "SELECT string_agg(chain || ':' || tier || ':' || uscc, ' ' ORDER BY chain, tier, uscc) FROM chain_members")" = "C36:0:$B1 C36:1:$S2 C36:1:$S1 C36:1:$S4 C39:0:$B2 C39:1:$S2 C39:1:$S3" ] ||
    fail "chain members: $(q "SELECT * FROM chain_members")"
chains() { q "SELECT string_agg(kind || ':' || key || ':' || n_members || ':' || n_orange_or_worse || ':' || (score_max = (SELECT max(score) FROM risk_scores s JOIN chain_members m USING (uscc) WHERE m.chain || CASE WHEN a.kind = 'chain' THEN '' ELSE '/' || m.tier END = a.key)), ' ' ORDER BY kind, key) FROM risk_aggregates a WHERE kind IN ('chain', 'chain_tier')"; }
[ "$(chains)" = "chain:C36:4:1:true chain:C39:3:0:true chain_tier:C36/0:1:0:true chain_tier:C36/1:3:1:true chain_tier:C39/0:1:0:true chain_tier:C39/1:2:0:true" ] ||
    fail "chain aggregates: $(chains)"
[ "$(q "SELECT round(score_mean::numeric, 6) = (SELECT round(avg(score)::numeric, 6) FROM risk_scores WHERE uscc IN ('$S1', '$S2', '$S4')) FROM risk_aggregates WHERE key = 'C36/1'")" = t ] ||
    fail "tier 1 of C36: the mean of S1, S2 and S4"

note "forecasts of summed sales per region and industry"
# One series sells: each sum is B1's CAR series, so each forecast is its.
[ "$(q "SELECT string_agg(a.kind || ':' || a.key || ':' || a.n_series || ':' || (a.mean = f.mean AND a.lo95 = f.lo95 AND a.hi95 = f.hi95 AND a.first_period = f.first_period AND a.model = f.model), ' ' ORDER BY a.kind) FROM forecast_aggregates a, forecasts f WHERE f.enterprise = '$B1'")" = "city:330200:1:true industry_division:C36:1:true province:330000:1:true" ] ||
    fail "forecast aggregates: $(q "SELECT kind, key, n_series, model, mean FROM forecast_aggregates")"

note "alerts are on cs.alerts, keyed by the alerted enterprise"
on_topic() {
    kcat -C -b "$BROKERS" -t cs.alerts -o beginning -e -q -f '%k|%s\n' >"$TEST_TMP/alerts.txt"
    [ "$(wc -l <"$TEST_TMP/alerts.txt")" -ge "$1" ]
}
wait_for 30 "three alerts on cs.alerts" on_topic 3
grep -q "^$B2|.*\"kind\" *: *\"event_near_supplier\"" "$TEST_TMP/alerts.txt" || fail "no flood alert for B2 on cs.alerts"
[ "$(q "SELECT count(*) FROM alerts WHERE published_at IS NULL")" = 0 ] || fail "alerts left unpublished"

note "the seasonal forecast holds the held-out months"
[ "$(q "SELECT first_period || ' ' || array_length(mean, 1) || ' ' || n_history FROM forecasts WHERE enterprise = '$B1' AND sku = 'CAR'")" = "2026-06-01 6 36" ] ||
    fail "forecast shape: $(q "SELECT first_period, mean FROM forecasts")"
outside=$(q "SELECT count(*) FROM forecasts f, heldout h WHERE f.enterprise = '$B1' AND f.sku = 'CAR' AND NOT (h.q BETWEEN f.lo95[h.i - 36] AND f.hi95[h.i - 36])")
[ "$outside" = 0 ] || fail "$outside held-out months outside the 95 % interval: $(q "SELECT lo95, hi95 FROM forecasts")"
[ "$(q "SELECT backtest_mase < 1 AND backtest_coverage95 >= 0.5 FROM forecasts")" = t ] ||
    fail "backtest: $(q "SELECT backtest_mase, backtest_smape, backtest_coverage95 FROM forecasts")"
[ "$(q "SELECT on_hand = 150 AND safety_stock > 0 AND reorder_point > safety_stock AND days_of_cover BETWEEN 10 AND 30 AND lead_time_days = 14 FROM forecasts")" = t ] ||
    fail "stock: $(q "SELECT on_hand, safety_stock, reorder_point, days_of_cover, lead_time_days FROM forecasts")"

note "an alternative to the late single source"
[ "$(q "SELECT candidate || ' ' || rank || ' ' || why FROM alternative_suppliers WHERE buyer = '$B1' AND sku = 'BAT'")" = "$S5 1 supplier_at_risk" ] ||
    fail "alternatives: $(q "SELECT * FROM alternative_suppliers")"
q "SELECT reason FROM alternative_suppliers WHERE candidate = '$S5'" |
    grep -q '^same industry class as the current supplier; risk [0-9]* (blue); on-time unknown; spare capacity 40 %; 134 km away$' ||
    fail "reason: $(q "SELECT reason FROM alternative_suppliers")"
[ "$(q "SELECT count(*) FROM alternative_suppliers")" = 1 ] || fail "no other item has a candidate"

note "the flood's standing propagation run"
[ "$(q "SELECT status || ' ' || n_impacted || ' ' || (scenario->>'capacity_loss') || ' ' || (scenario->>'duration_days') FROM propagation_runs WHERE risk_id = 'FLOOD-9'")" = "done 2 0.8000 10" ] ||
    fail "standing run: $(q "SELECT * FROM propagation_runs")"
impacts() { q "SELECT string_agg(uscc || ':' || tier || ':' || tts_day || ':' || coalesce(ttr_day::text, '-') || ':' || round(min_level::numeric, 3) || ':' || round(lost_units::numeric, 2), ' ' ORDER BY tier) FROM propagation_impacts WHERE run_id = $1"; }
flood_run=$(q "SELECT run_id FROM propagation_runs WHERE risk_id = 'FLOOD-9'")
# By hand: S3 keeps 20 % for the 10 days (loss 4/5); B2 takes CHP from it
# (share 1 of 1.5, so 2/3) without stock: from day 1 it gets S3's 0.2
# plus the 10 % surge, level 1 - 2/3 x (1 - 0.22) = 0.48, back on day 11.
[ "$(impacts "$flood_run")" = "$S3:0:0:10:0.200:8.00 $B2:1:1:11:0.480:5.20" ] ||
    fail "flood impacts: $(impacts "$flood_run")"

note "a disruption scenario: S1 stops for 60 days"
q "INSERT INTO propagation_runs (scenario, requested_for) VALUES ('{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"start_day\":0,\"duration_days\":60,\"horizon_days\":120}', '$B1'), ('{\"enterprises\":[\"91330106MA2NOPE0X\"],\"capacity_loss\":1,\"duration_days\":6}', NULL)"
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/prop.out" 2>"$TEST_TMP/prop.log" || fail "propagation run"
grep -q '"propagation_runs":1,"propagation_failed":1,' "$TEST_TMP/prop.out" || fail "summary: $(cat "$TEST_TMP/prop.out")"
run=$(q "SELECT run_id FROM propagation_runs WHERE requested_for = '$B1'")
# By hand: B1 holds 200 batteries = 18 days of S1's 11.1 a day, plus one
# day in transit, so it falls on day 19; BAT is one of B1's three inputs
# (shares 1, 1, 1 scaled to 1/3): level 2/3 until S1's first delivery
# after its return (day 61); lost 42 days x 1/3 = 14 units a day of 1.
[ "$(impacts "$run")" = "$S1:0:0:60:0.000:60.00 $B1:1:19:61:0.667:14.00" ] || fail "S1 scenario: $(impacts "$run")"
[ "$(q "SELECT status || ': ' || error FROM propagation_runs WHERE status = 'failed'")" = "failed: enterprise 91330106MA2NOPE0X is not in the supply graph" ] ||
    fail "an unknown enterprise must fail its run"

note "a rerun keeps the history and raises nothing twice"
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/once2.out" 2>"$TEST_TMP/once2.log" || fail "second run"
grep -q '"alerts_raised":0,' "$TEST_TMP/once2.out" || fail "rerun raised alerts: $(cat "$TEST_TMP/once2.out")"
[ "$(q "SELECT count(*) || ' ' || count(DISTINCT cycle_id) FROM risk_scores WHERE uscc = '$S1'")" = "3 3" ] ||
    fail "score history"
[ "$(q "SELECT count(*) FROM alerts")" = 4 ] || fail "duplicate alerts"

note "cs_api sees scores and alerts only in scope"
as_principal() {
    psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 <<SQL | tail -n 1
BEGIN READ ONLY;
SELECT set_config('cs.principal_role', '$1', true), set_config('cs.principal_regions', '$2', true),
       set_config('cs.principal_enterprise', '$3', true) \\g /dev/null
$4;
COMMIT;
SQL
}
[ "$(psql "$api_dsn" -qAt -c "SELECT count(*) FROM risk_scores")" = 0 ] || fail "no principal must see no scores"
[ "$(as_principal admin '' '' "SELECT count(*) FROM risk_scores_latest")" = 7 ] || fail "admin sees every latest score"
[ "$(as_principal bureau 330000 '' "SELECT string_agg(uscc, ',' ORDER BY uscc) FROM risk_scores_latest")" = "$S1,$S5,$B1" ] ||
    fail "Zhejiang bureau: $(as_principal bureau 330000 '' "SELECT string_agg(uscc, ',') FROM risk_scores_latest")"
[ "$(as_principal enterprise '' "$B2" "SELECT string_agg(uscc, ',' ORDER BY uscc) FROM risk_scores_latest")" = "$B2,$S2,$S3" ] ||
    fail "B2 sees itself and its suppliers"
[ "$(as_principal enterprise '' "$B2" "SELECT string_agg(kind, ',' ORDER BY kind) FROM alerts")" = event_near_supplier,tts_below_ttr ] ||
    fail "B2's alerts"
[ "$(as_principal enterprise '' "$B2" "SELECT count(*) FROM forecasts")" = 0 ] || fail "B2 read B1's forecast"
[ "$(as_principal enterprise '' "$B1" "SELECT count(DISTINCT sku) FROM forecasts")" = 1 ] || fail "B1's own forecast"
[ "$(as_principal bureau 330000 '' "SELECT count(*) FROM forecasts")" = 0 ] || fail "bureaus get no enterprise forecasts"
[ "$(as_principal enterprise '' "$B1" "SELECT count(DISTINCT candidate) FROM alternative_suppliers")" = 1 ] || fail "B1's alternatives"
[ "$(as_principal enterprise '' "$S1" "SELECT count(*) FROM alternative_suppliers")" = 0 ] || fail "S1 read B1's alternatives"
[ "$(as_principal bureau 330100 '' "SELECT string_agg(DISTINCT kind || ':' || key, ',') FROM risk_aggregates WHERE kind IN ('city', 'province')")" = city:330100 ] ||
    fail "a city bureau sees its city's aggregate only"
[ "$(as_principal enterprise '' "$B1" "SELECT count(*) FROM risk_aggregates WHERE kind IN ('city', 'province')")" = 0 ] ||
    fail "enterprises get no regional aggregates"
[ "$(as_principal enterprise '' "$B1" "SELECT count(DISTINCT key) FROM risk_aggregates WHERE kind = 'chain'")" = 2 ] ||
    fail "chain aggregates are industry-wide: every role reads them"
[ "$(as_principal enterprise '' "$B2" "SELECT string_agg(chain || ':' || uscc, ',') FROM chain_members")" = "C39:$B2" ] ||
    fail "an enterprise sees its own chain membership only"
[ "$(as_principal bureau 330000 '' "SELECT count(*) FROM chain_members")" = 2 ] ||
    fail "a Zhejiang bureau sees the members in Zhejiang: S1 and B1 in C36"
[ "$(as_principal bureau 330100 '' "SELECT string_agg(DISTINCT kind || ':' || key, ',') FROM forecast_aggregates")" = industry_division:C36 ] ||
    fail "a Hangzhou bureau: industry forecasts, not Ningbo's or the province's"
psql "$api_dsn" -qAt -c "SELECT count(*) FROM risk_scores_202611" >/dev/null 2>&1 &&
    fail "a partition of risk_scores must not be granted"

note "the flood ends: its alert is resolved and republished"
q "UPDATE risk_events SET expected_end = '2026-11-28' WHERE risk_id = 'FLOOD-9'"
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/once3.out" 2>"$TEST_TMP/once3.log" || fail "third run"
[ "$(q "SELECT string_agg(status, ',') FROM alerts WHERE kind IN ('event_near_supplier', 'tts_below_ttr')")" = resolved,resolved ] ||
    fail "flood alerts not resolved"
wait_for 30 "the resolution on cs.alerts" on_topic 4
grep -q "^$B2|.*\"status\" *: *\"resolved\"" "$TEST_TMP/alerts.txt" || fail "no resolved message"

note "model versions: backtest a laxer one, promote it, roll back"
# Since the flood ended, event exposure is 0 for all: a column without
# information adds nothing (models/risk), so S1 stays orange.
[ "$(q "SELECT level || ' ' || (components @> '[{\"indicator\": \"event_exposure\", \"contribution\": 0}]') FROM risk_scores_latest WHERE uscc = '$S1'")" = "orange true" ] ||
    fail "S1 after the flood: $(q "SELECT explanation FROM risk_scores_latest WHERE uscc = '$S1'")"
q "INSERT INTO model_versions (version, config, note) SELECT 2, jsonb_set(config, '{thresholds}', '{\"yellow\": 85, \"orange\": 90, \"red\": 95}'), 'laxer' FROM model_versions WHERE version = 1"
cycles_before=$(q "SELECT count(*) FROM analyst_cycles")
"$CS_BIN/cs-analyst" --model-backtest 2 --backtest-step-days 20 >"$TEST_TMP/bt.out" 2>"$TEST_TMP/bt.log" ||
    fail "backtest: $(cat "$TEST_TMP/bt.log")"
# 20 days before as-of S1 was already late and went on being late: both
# versions (same weights) rank it first of the four delivering suppliers;
# only version 1 puts it at orange or worse.
grep -q '^{"candidate":2,"current":1,"horizon_days":20,"points":\[{"as_of":"2026-11-10 00:00:00+00","enterprises":7,"suppliers_delivering":4,"suppliers_late":1,"auc_current":1,"auc_candidate":1,"orange_or_worse_current":1,"orange_or_worse_candidate":0,' "$TEST_TMP/bt.out" ||
    fail "backtest: $(cat "$TEST_TMP/bt.out")"
[ "$(grep -o '"as_of"' "$TEST_TMP/bt.out" | wc -l)" = 3 ] || fail "three backtest points"
[ "$(q "SELECT count(*) FROM analyst_cycles")" = "$cycles_before" ] || fail "a backtest stored a cycle"
"$CS_BIN/cs-analyst" --model-promote 2 2>"$TEST_TMP/promote.log" || fail "promote 2"
"$CS_BIN/cs-analyst" --once >/dev/null 2>"$TEST_TMP/once4.log" || fail "run under version 2"
[ "$(q "SELECT level || ' ' || model_version FROM risk_scores_latest WHERE uscc = '$S1'")" = "blue 2" ] ||
    fail "version 2: $(q "SELECT * FROM risk_scores_latest WHERE uscc = '$S1'")"
level_alerts() { q "SELECT string_agg(level || ':' || status || ':' || model_version, ' ' ORDER BY alert_id) FROM alerts WHERE kind = 'level' AND subject = '$S1'"; }
[ "$(level_alerts)" = "orange:resolved:1" ] || fail "level change: $(level_alerts)"
"$CS_BIN/cs-analyst" --model-promote 1 2>"$TEST_TMP/promote.log" || fail "roll back to 1"
"$CS_BIN/cs-analyst" --once >/dev/null 2>"$TEST_TMP/once5.log" || fail "run under version 1 again"
[ "$(q "SELECT level || ' ' || model_version FROM risk_scores_latest WHERE uscc = '$S1'")" = "orange 1" ] || fail "rollback"
[ "$(level_alerts)" = "orange:resolved:1 orange:open:1" ] || fail "level change back: $(level_alerts)"
rc=0
"$CS_BIN/cs-analyst" --model-promote 9 2>/dev/null || rc=$?
[ $rc = 78 ] || fail "promoting a missing version must exit 78, not $rc"
[ "$(q "SELECT string_agg(version::text, ',') FROM model_versions WHERE is_current")" = 1 ] || fail "exactly version 1 is current"

note "two analysts at once: one cycle after the other, nothing doubled"
cycles_before=$(q "SELECT count(*) FROM analyst_cycles")
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/par1.out" 2>"$TEST_TMP/par1.log" &
p1=$!
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/par2.out" 2>"$TEST_TMP/par2.log" &
p2=$!
wait $p1 || fail "first parallel analyst failed: $(cat "$TEST_TMP/par1.log")"
wait $p2 || fail "second parallel analyst failed: $(cat "$TEST_TMP/par2.log")"
[ "$(q "SELECT count(*) FROM analyst_cycles")" = $((cycles_before + 2)) ] || fail "two cycles expected"
[ "$(q "SELECT count(*) FROM (SELECT cycle_id FROM risk_scores GROUP BY cycle_id HAVING count(*) <> 7) x")" = 0 ] ||
    fail "a cycle wrote other than one score per enterprise"
[ "$(q "SELECT count(*) FROM analyst_cycles a JOIN analyst_cycles b ON a.cycle_id < b.cycle_id AND b.started_at < a.finished_at")" = 0 ] ||
    fail "two cycles overlapped"

note "SIGKILL in the middle of a cycle leaves nothing of it"
scores_before=$(q "SELECT count(*) FROM risk_scores")
cycles_before=$(q "SELECT count(*) FROM analyst_cycles")
# Hold forecasts locked: the cycle writes its scores and alerts, then
# waits at the forecasts; kill it there.
psql "$dsn" -qAt -c "BEGIN" -c "LOCK TABLE forecasts" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
have_lock() {
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'forecasts' AND l.granted AND l.mode = 'AccessExclusiveLock'")" = 1 ]
}
wait_for 10 "the lock" have_lock
start_service killed "$CS_BIN/cs-analyst" --once
blocked() {
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name <> 'psql' AND wait_event_type = 'Lock' AND query LIKE '%sales%'")" = 1 ]
}
wait_for 60 "the cycle to wait at the forecasts" blocked
kill -KILL "${SVC_PID[killed]}"
wait "${SVC_PID[killed]}" 2>/dev/null || true
unset "SVC_PID[killed]"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait $locker 2>/dev/null || true
gone() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" = 0 ]; }
wait_for 30 "the killed session to end" gone
[ "$(q "SELECT count(*) FROM risk_scores")" = "$scores_before" ] || fail "a killed cycle left scores behind"
[ "$(q "SELECT count(*) FROM analyst_cycles")" = "$cycles_before" ] || fail "a killed cycle left its cycle row"
[ "$(q "SELECT count(*) FROM analyst_cycles WHERE finished_at IS NULL")" = 0 ] || fail "an unfinished cycle is visible"

note "interval mode: nothing new, nothing done; new sales, one series"
export CS_ANALYST_INTERVAL_S=1
start_service analyst "$CS_BIN/cs-analyst"
wait_for 30 "cs-analyst to start" log_field analyst "analyst ready" http_port
m="http://127.0.0.1:$(log_field analyst "analyst ready" http_port)/metrics"
skipped() { [ "$(metric cs_analyst_cycles_skipped_total "$m")" -ge 2 ]; }
wait_for 30 "idle cycles" skipped
[ "$(metric cs_analyst_cycles_total "$m")" = 0 ] || fail "a cycle ran with nothing new"
curl -sf "http://127.0.0.1:$(log_field analyst "analyst ready" http_port)/healthz" | grep -q ok || fail "healthz"
forecasts_before=$(q "SELECT count(*) FROM forecasts")
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO sales (tenant_id, enterprise, sku, period_start, period_end, quantity, unit, currency, channel, event_id, event_time)
VALUES ('$B1', '$B1', 'CAR', '2026-06-01', '2026-06-30', 298.5, 'PCS', 'CNY', 'dealer', 'a-new', now());
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ('$B1', 'a-new', 'cs.sales.v1', 'cs.sales', 0, 0);
SQL
ran() { [ "$(metric cs_analyst_cycles_total "$m")" -ge 1 ]; }
wait_for 60 "a cycle on the new sales" ran
[ "$(q "SELECT count(*) FROM forecasts")" = $((forecasts_before + 1)) ] || fail "one series was stale"
[ "$(q "SELECT first_period || ' ' || n_history FROM forecasts ORDER BY forecast_id DESC LIMIT 1")" = "2026-07-01 37" ] ||
    fail "the new month was not used"
[ "$(metric cs_analyst_enterprises_scored_total "$m")" = 7 ] || fail "metrics: scores"
[ "$(q "SELECT count(*) FROM alerts WHERE kind = 'demand_outside_forecast'")" = 0 ] ||
    fail "June's 298.5 lies inside the forecast interval"
note "demand far above the forecast raises an alert"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO sales (tenant_id, enterprise, sku, period_start, period_end, quantity, unit, currency, channel, event_id, event_time)
VALUES ('$B1', '$B1', 'CAR', '2026-07-01', '2026-07-31', 1000, 'PCS', 'CNY', 'dealer', 'a-jul', now());
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ('$B1', 'a-jul', 'cs.sales.v1', 'cs.sales', 0, 1);
SQL
demand_alert() { [ "$(q "SELECT count(*) FROM alerts WHERE kind = 'demand_outside_forecast'")" = 1 ]; }
wait_for 60 "the demand alert" demand_alert
q "SELECT subject || ' ' || level || ' ' || message FROM alerts WHERE kind = 'demand_outside_forecast'" |
    grep -q "^$B1 yellow demand for CAR in 2026-07 was 1000.0, above the forecast's 95 % interval \[" ||
    fail "demand alert: $(q "SELECT message FROM alerts WHERE kind = 'demand_outside_forecast'")"
note "an incremental cycle: a late delivery recomputes its supplier only"
# The first sales cycle was full (the watermark was -infinity, so every
# link was new to it), the second incremental.
[ "$(q "SELECT string_agg(is_full::text, ',' ORDER BY cycle_id) FROM (SELECT * FROM analyst_cycles ORDER BY cycle_id DESC LIMIT 2) c")" = true,false ] ||
    fail "full, then incremental: $(q "SELECT string_agg(is_full::text, ',' ORDER BY cycle_id) FROM analyst_cycles")"
s2_before=$(q "SELECT on_time_rate || ' ' || n_deliveries FROM enterprise_indicators WHERE uscc = '$S2' ORDER BY cycle_id DESC LIMIT 1")
[ "$s2_before" = "1 20" ] || fail "S2 before: $s2_before"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
VALUES ('$B2', 'PO-LATE', '$B2', '$S2', '2026-11-01', 'CNY', 1, 'o-late', now(), 'test');
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, currency, requested_time, event_id, event_time)
VALUES ('$B2', 'PO-LATE', 1, '2026-11-01', '$B2', '$S2', 'MOT', 100, 'PCS', 'CNY', '2026-11-10', 'o-late', now());
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at, delivered_at, n_lines, event_id, event_time, source)
VALUES ('$S2', 'ASN-LATE', '$S2', '$B2', 'PO-LATE', '2026-11-18', '2026-11-20', 1, 's-late', now(), 'test');
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
VALUES ('$S2', 'ASN-LATE', 1, '2026-11-18', '$S2', '$B2', 'PO-LATE', 1, 'MOT', 100, 'PCS', 's-late', now());
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ('$B2', 'o-late', 'cs.order.v1', 'cs.orders', 0, 2), ('$S2', 's-late', 'cs.shipment.v1', 'cs.shipments', 0, 0);
SQL
ran_incr() { [ "$(metric cs_analyst_cycles_total "$m")" -ge 3 ]; }
wait_for 60 "a cycle on the late delivery" ran_incr
last=$(q "SELECT max(cycle_id) FROM analyst_cycles")
[ "$(q "SELECT is_full FROM analyst_cycles WHERE cycle_id = $last")" = f ] || fail "the cycle was not incremental"
log_line=$(grep '"msg":"cycle done"' "$TEST_TMP/analyst.log" | tail -n 1)
grep -q '"full":false,.*"recomputed":1,' <<<"$log_line" || fail "recomputed: $log_line"
# what the roll-ups do not give was read beside the cycle (its thread's
# time is in the log), the rest on the cycle's connection; the row below
# and its equality with a full cycle's (further on) check the two parts
jq -e '.indicators_side_s > 0' <<<"$log_line" >/dev/null || fail "no indicators beside the cycle: $log_line"
# 20 of 21 on time now
[ "$(q "SELECT round(on_time_rate::numeric, 4) || ' ' || n_deliveries FROM enterprise_indicators WHERE uscc = '$S2' AND cycle_id = $last")" = "0.9524 21" ] ||
    fail "S2 after the late delivery: $(q "SELECT * FROM enterprise_indicators WHERE uscc = '$S2' AND cycle_id = $last")"
# Only S2 gets a row of this cycle; everyone's current indicators are
# their newest row: S2's of this cycle, the other six's of earlier ones.
[ "$(q "SELECT count(*) || ' ' || string_agg(uscc, ',') FROM enterprise_indicators WHERE cycle_id = $last")" = "1 $S2" ] ||
    fail "an incremental cycle writes the stale enterprises' indicators only: $(q "SELECT uscc FROM enterprise_indicators WHERE cycle_id = $last")"
[ "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE cycle_id = $last) || ' ' || count(*) FILTER (WHERE cycle_id = $last AND uscc = '$S2') FROM (SELECT DISTINCT ON (uscc) uscc, cycle_id FROM enterprise_indicators ORDER BY uscc, computed_at DESC, cycle_id DESC) c")" = "7 1 1" ] ||
    fail "current indicators: S2's of this cycle, the other six's earlier"
# Only S2 is scored again (against the last full cycle's normalisation
# and weights); the others' current scores stay those of earlier cycles.
[ "$(q "SELECT count(*) || ' ' || string_agg(uscc, ',') FROM risk_scores WHERE cycle_id = $last")" = "1 $S2" ] ||
    fail "an incremental cycle scores the stale enterprises only: $(q "SELECT uscc FROM risk_scores WHERE cycle_id = $last")"
[ "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE cycle_id = $last) || ' ' || bool_and(cycle_id = $last OR uscc <> '$S2') FROM risk_scores_current")" = "7 1 true" ] ||
    fail "current scores: $(q "SELECT uscc, cycle_id FROM risk_scores_current")"
[ "$(q "SELECT count(*) FROM risk_aggregates WHERE cycle_id = $last AND kind IN ('province', 'city', 'industry_division', 'chain', 'chain_tier')")" -gt 0 ] ||
    fail "an incremental cycle rolls the current scores up"
# ... from two parts (the other enterprises' beside the cycle, the stale
# ones' in it), which add up to the roll-ups of every current score
jq -e '.aggregates_side' <<<"$log_line" >/dev/null || fail "no aggregates beside the cycle: $log_line"
# agg_same CYCLE - whether cycle CYCLE's roll-ups of provinces, industry
# divisions and chains are those of every current score (means within
# 1e-12: the parts' floating-point sums run in another order)
agg_same() {
    local r
    r=$(q "WITH c AS (SELECT c.uscc, c.score, c.level, e.region_code, e.industry_code
    FROM risk_scores_current c LEFT JOIN enterprises e ON e.uscc = c.uscc),
  want AS (SELECT 'province' AS kind, left(region_code, 2) || '0000' AS key, count(*) AS n,
      avg(score) AS mean, max(score) AS mx, count(*) FILTER (WHERE level IN ('orange', 'red')) AS no
    FROM c WHERE length(region_code) >= 2 GROUP BY 2
    UNION ALL SELECT 'industry_division', left(industry_code, 3), count(*), avg(score), max(score),
      count(*) FILTER (WHERE level IN ('orange', 'red'))
    FROM c WHERE length(industry_code) >= 3 GROUP BY 2
    UNION ALL SELECT 'chain', m.chain, count(*), avg(score), max(score),
      count(*) FILTER (WHERE level IN ('orange', 'red'))
    FROM chain_members m JOIN c ON c.uscc = m.uscc GROUP BY 2),
  got AS (SELECT * FROM risk_aggregates WHERE cycle_id = $1
    AND kind IN ('province', 'industry_division', 'chain'))
  SELECT count(*) >= 3 AND bool_and(got.n_members = want.n
    AND abs(got.score_mean - want.mean) <= 1e-12 * want.mean AND got.score_max = want.mx
    AND got.n_orange_or_worse = want.no)
  FROM want FULL JOIN got USING (kind, key)")
    [ "$r" = t ]
}
agg_same "$last" ||
    fail "the incremental roll-ups differ from those of every current score: $(q "SELECT kind, key, n_members, score_mean, score_max FROM risk_aggregates WHERE cycle_id = $last ORDER BY 1, 2")"
note "no scoring basis: an incremental cycle scores everyone from their current indicators"
# S2's order stored again (same facts), so S2 alone is stale; without a
# basis the cycle copies the others' newest rows into its own and scores
# all seven, as a full cycle does.
q "DELETE FROM risk_score_bases;
   UPDATE orders SET updated_at = now() WHERE order_id = 'PO-LATE';
   INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
   VALUES ('$B2', 'o-late-again', 'cs.order.v1', 'cs.orders', 0, 3)"
ran_nb() { [ "$(metric cs_analyst_cycles_total "$m")" -ge 4 ]; }
wait_for 60 "a cycle without a scoring basis" ran_nb
nb=$(q "SELECT max(cycle_id) FROM analyst_cycles")
grep '"msg":"cycle done"' "$TEST_TMP/analyst.log" | tail -n 1 | grep -q '"full":false,"enterprises":7,.*"recomputed":1,' ||
    fail "no basis: $(grep '"msg":"cycle done"' "$TEST_TMP/analyst.log" | tail -n 1)"
[ "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE (i.on_time_rate, i.lead_time_mean_days, i.lead_time_cv, i.fill_rate, i.supplier_hhi, i.single_source, i.customer_hhi, i.production_drop_z, i.utilisation, i.event_exposure, i.criticality, i.n_deliveries) IS NOT DISTINCT FROM (p.on_time_rate, p.lead_time_mean_days, p.lead_time_cv, p.fill_rate, p.supplier_hhi, p.single_source, p.customer_hhi, p.production_drop_z, p.utilisation, p.event_exposure, p.criticality, p.n_deliveries)) FROM enterprise_indicators i, LATERAL (SELECT * FROM enterprise_indicators j WHERE j.uscc = i.uscc AND j.cycle_id < $nb ORDER BY j.computed_at DESC, j.cycle_id DESC LIMIT 1) p WHERE i.cycle_id = $nb")" = "7 7" ] ||
    fail "no basis: every enterprise's current indicators as the cycle's rows"
[ "$(q "SELECT count(*) FROM risk_scores WHERE cycle_id = $nb")" = 7 ] || fail "no basis: everyone scored"
# everyone scored: the roll-ups from every current score, not in parts
grep '"msg":"cycle done"' "$TEST_TMP/analyst.log" | tail -n 1 | jq -e '.aggregates_side == false' >/dev/null ||
    fail "no basis: roll-ups in parts"
agg_same "$nb" || fail "no basis: the roll-ups differ from those of every current score"
q "INSERT INTO analyst_requests (kind) VALUES ('full')"
ran2() { [ "$(metric cs_analyst_cycles_total "$m")" -ge 5 ]; }
wait_for 60 "a cycle on the queued request" ran2
[ "$(q "SELECT is_full FROM analyst_cycles ORDER BY cycle_id DESC LIMIT 1")" = t ] || fail "a queued full request"
[ "$(q "SELECT count(*) FROM analyst_requests WHERE done_at IS NULL")" = 0 ] || fail "request not taken"
# The incremental statement (each stale enterprise by index) computes
# what the full one does: S2's row of the incremental cycle equals its
# row of this full cycle (no fact changed in between; floating-point sums
# may run in another order).
full=$(q "SELECT max(cycle_id) FROM analyst_cycles")
same_ind=$(q "SELECT count(*) FILTER (WHERE (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-12 * greatest(abs(a), abs(b)))
  FROM enterprise_indicators i JOIN enterprise_indicators f ON f.uscc = i.uscc AND f.cycle_id = $full,
  LATERAL (VALUES (i.on_time_rate, f.on_time_rate), (i.lead_time_mean_days, f.lead_time_mean_days),
    (i.lead_time_cv, f.lead_time_cv), (i.fill_rate, f.fill_rate), (i.supplier_hhi, f.supplier_hhi),
    (i.single_source, f.single_source), (i.customer_hhi, f.customer_hhi),
    (i.production_drop_z, f.production_drop_z), (i.utilisation, f.utilisation),
    (i.event_exposure, f.event_exposure), (i.criticality, f.criticality),
    (i.n_deliveries, f.n_deliveries)) v(a, b)
  WHERE i.uscc = '$S2' AND i.cycle_id = $last")
[ "$same_ind" = 12 ] || fail "S2's incremental indicators differ from the full cycle's ($same_ind of 12 equal): $(q "SELECT * FROM enterprise_indicators WHERE uscc = '$S2' AND cycle_id IN ($last, $full)")"
stop_service analyst

note "incremental alerts: the same as evaluating every current score"
# The level and single-source rules over every current score give these
# live alerts; an incremental cycle evaluates them for the enterprises it
# scored only, which must come to the same (nobody else's score moved).
alerts_as_rules() {
    q "WITH cur AS (SELECT * FROM risk_scores_current WHERE level IN ('orange', 'red')),
       want AS (SELECT 'level:' || uscc || ':' || level AS k FROM cur
        UNION ALL SELECT 'single_source:' || l.supplier || ':' || l.buyer || ':' || l.sku || ':' || c.level
        FROM supply_links l JOIN cur c ON c.uscc = l.supplier WHERE l.active
         AND NOT EXISTS (SELECT 1 FROM supply_links o WHERE o.buyer = l.buyer AND o.sku = l.sku
          AND o.active AND o.supplier <> l.supplier)),
       have AS (SELECT dedup_key AS k FROM alerts WHERE kind IN ('level', 'single_source') AND status <> 'resolved')
       SELECT (SELECT count(*) FROM (SELECT k FROM want EXCEPT SELECT k FROM have) x) || ' '
           || (SELECT count(*) FROM (SELECT k FROM have EXCEPT SELECT k FROM want) y)"
}
[ "$(alerts_as_rules)" = "0 0" ] || fail "after the full cycle, live alerts differ from the rules: $(alerts_as_rules)"
# 40 orders S2 delivers 25 days after ordering, wanted after 5.
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE late AS SELECT k, 'PO-S2LATE-' || k AS order_id,
  timestamptz '2026-10-01' + k * interval '12 hours' AS t FROM generate_series(1, 40) AS k;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
SELECT '$B2', order_id, '$B2', '$S2', t, 'CNY', 1, 'o2-' || k, now(), 'test' FROM late;
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, currency, requested_time, event_id, event_time)
SELECT '$B2', order_id, 1, t, '$B2', '$S2', 'MOT', 10, 'PCS', 'CNY', t + interval '5 days', 'o2-' || k, now() FROM late;
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at, delivered_at, n_lines, event_id, event_time, source)
SELECT '$S2', 'ASN-' || order_id, '$S2', '$B2', order_id, t + interval '23 days', t + interval '25 days', 1, 's2-' || k, now(), 'test' FROM late;
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
SELECT '$S2', 'ASN-' || order_id, 1, t + interval '23 days', '$S2', '$B2', order_id, 1, 'MOT', 10, 'PCS', 's2-' || k, now() FROM late;
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
SELECT '$B2', 'o2-' || k, 'cs.order.v1', 'cs.orders', 0, 100 + k FROM late;
SQL
"$CS_BIN/cs-analyst" --once --incremental >"$TEST_TMP/incr1.out" 2>"$TEST_TMP/incr1.log" ||
    fail "incremental cycle: $(cat "$TEST_TMP/incr1.log")"
jq -e '.full == false and .enterprises == 1' "$TEST_TMP/incr1.out" >/dev/null || fail "not an incremental cycle of S2: $(cat "$TEST_TMP/incr1.out")"
last=$(jq -r .cycle_id "$TEST_TMP/incr1.out")
[ "$(q "SELECT level FROM risk_scores_current WHERE uscc = '$S2' AND cycle_id = $last")" = orange ] ||
    fail "S2 after 40 late deliveries: $(q "SELECT explanation FROM risk_scores_current WHERE uscc = '$S2'")"
# raised by this cycle: S2's level, and the buyers it single-sources
[ "$(q "SELECT string_agg(kind || ':' || subject, ' ' ORDER BY kind, subject) FROM alerts WHERE cycle_id = $last AND status = 'open'")" = "level:$S2 single_source:$B2 single_source:$B1" ] ||
    fail "alerts of the incremental cycle: $(q "SELECT dedup_key FROM alerts WHERE cycle_id = $last")"
[ "$(alerts_as_rules)" = "0 0" ] || fail "after the incremental cycle, live alerts differ from the rules: $(alerts_as_rules)"
# Revised: wanted 30 days later, so every one was on time; S2 calms down
# and its alerts resolve, again as the rules over every score say.
q "UPDATE order_lines SET requested_time = requested_time + interval '30 days' WHERE order_id LIKE 'PO-S2LATE-%';
   UPDATE orders SET updated_at = now() WHERE order_id LIKE 'PO-S2LATE-%';
   INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition, kafka_offset)
   VALUES ('$B2', 'o2-rev', 'cs.order.v1', 'cs.orders', 0, 200)"
"$CS_BIN/cs-analyst" --once --incremental >"$TEST_TMP/incr2.out" 2>"$TEST_TMP/incr2.log" ||
    fail "incremental cycle: $(cat "$TEST_TMP/incr2.log")"
jq -e '.full == false and .enterprises == 1 and .alerts_resolved == 3' "$TEST_TMP/incr2.out" >/dev/null ||
    fail "S2 on time again: $(cat "$TEST_TMP/incr2.out") $(q "SELECT explanation FROM risk_scores_current WHERE uscc = '$S2'")"
[ "$(q "SELECT count(*) FROM alerts WHERE status <> 'resolved' AND '$S2' IN (subject, about) AND kind IN ('level', 'single_source')")" = 0 ] ||
    fail "S2's alerts were not resolved"
[ "$(alerts_as_rules)" = "0 0" ] || fail "after the second incremental cycle, live alerts differ from the rules: $(alerts_as_rules)"

note "an alternative that reports no production: spare capacity unknown, counted 0.25"
S6=91330105MA2N0PR0D6 # Hangzhou (Gongshu): S1's industry, no production
q "INSERT INTO tenants (tenant_id, enterprise) VALUES ('$S6', '$S6');
   INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon, tenant_id)
   VALUES ('$S6', 'Gongshu Cells', '330105', 'C3841', 30.32, 120.18, '$S6')"
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/s6.out" 2>"$TEST_TMP/s6.log" || fail "run with S6: $(cat "$TEST_TMP/s6.log")"
[ "$(q "SELECT (spare_share IS NULL) || ' ' || (reason LIKE '%; spare capacity unknown; %') FROM alternative_suppliers
        WHERE candidate = '$S6' AND cycle_id = (SELECT max(cycle_id) FROM analyst_cycles)")" = "true true" ] ||
    fail "S6: $(q "SELECT spare_share, reason FROM alternative_suppliers WHERE candidate = '$S6'")"
# the stored score is the documented sum, with 0.25 for the unknown share
[ "$(q "SELECT abs(score - (0.1 + 0.3 * (1 - coalesce(risk_score, 50) / 100) + 0.2 * coalesce(on_time_rate, 0.5)
        + 0.15 * 0.25 + 0.15 * (1 - least(coalesce(distance_km, 1000), 2000) / 2000))) < 1e-9
        FROM alternative_suppliers WHERE candidate = '$S6' AND cycle_id = (SELECT max(cycle_id) FROM analyst_cycles)")" = t ] ||
    fail "S6 score: $(q "SELECT score, risk_score, on_time_rate, distance_km FROM alternative_suppliers WHERE candidate = '$S6'")"

note "the daily roll-ups follow revised and late facts"
# S4 delivered its ten orders 12 days after ordering, 2 before they were
# wanted: 10 deliveries, all on time. Each step stores facts as the
# ingest does (a revision replaces the lines and updates the header in
# place), runs a cycle, and checks S4's indicators, which the cycle now
# reads from the roll-ups it keeps (built once, then recomputed where
# facts changed: the log says it did not rebuild them).
s4() { q "SELECT n_deliveries || ' ' || round(on_time_rate::numeric, 4) || ' ' || round(lead_time_mean_days::numeric, 2)
          || ' ' || round(fill_rate::numeric, 4) FROM enterprise_indicators
          WHERE uscc = '$S4' AND cycle_id = (SELECT max(cycle_id) FROM analyst_cycles)"; }
roll_cycle() {
    "$CS_BIN/cs-analyst" --once >"$TEST_TMP/roll.out" 2>"$TEST_TMP/roll.log" || fail "$1: $(cat "$TEST_TMP/roll.log")"
    grep '"msg":"cycle done"' "$TEST_TMP/roll.log" | grep -q '"rollup_built":false' ||
        fail "$1: the roll-ups were rebuilt: $(grep '"msg":"cycle done"' "$TEST_TMP/roll.log")"
}
[ "$(s4)" = "10 1.0000 12.00 1.0000" ] || fail "S4 before: $(s4)"
# 1. The shipment of its last order (delivered 2026-11-14, wanted on the
# 16th) is revised: delivered on the 24th. Its old day must lose it.
PO9="PO-${S4:0:4}${S4: -5}-$B1-9"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
DELETE FROM shipment_lines WHERE tenant_id = '$S4' AND shipment_id = 'ASN-$PO9';
UPDATE shipments SET delivered_at = '2026-11-24', event_time = now(), updated_at = now()
 WHERE tenant_id = '$S4' AND shipment_id = 'ASN-$PO9';
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
VALUES ('$S4', 'ASN-$PO9', 1, '2026-11-12', '$S4', '$B1', '$PO9', 1, 'GLS', 100, 'PCS', 's-rev', now());
SQL
roll_cycle "revised shipment"
# 9 of 10 on time; lead times 12 x 9 and 22 days
[ "$(s4)" = "10 0.9000 13.00 1.0000" ] || fail "S4 after the revised shipment: $(s4)"
# 2. A delivery whose order is not stored yet counts nowhere; the order
# arrives later (ordered on the 5th, wanted on the 15th, delivered on
# the 20th: late, after 15 days) and the delivery's day is recomputed.
# ship_x ID SHIPPED DELIVERED QUANTITY: a shipment of S4 against PO-X.
ship_x() {
    psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at, delivered_at, n_lines, event_id, event_time, source)
VALUES ('$S4', '$1', '$S4', '$B1', 'PO-X', '$2', '$3', 1, 's-$1', now(), 'test');
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
VALUES ('$S4', '$1', 1, '$2', '$S4', '$B1', 'PO-X', 1, 'GLS', $4, 'PCS', 's-$1', now());
SQL
}
ship_x ASN-X 2026-11-18 2026-11-20 100
roll_cycle "delivery before its order"
[ "$(s4)" = "10 0.9000 13.00 1.0000" ] || fail "S4 with an unmatched delivery: $(s4)"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
VALUES ('$B1', 'PO-X', '$B1', '$S4', '2026-11-05', 'CNY', 1, 'o-x', now(), 'test');
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, currency, requested_time, event_id, event_time)
VALUES ('$B1', 'PO-X', 1, '2026-11-05', '$B1', '$S4', 'GLS', 100, 'PCS', 'CNY', '2026-11-15', 'o-x', now());
SQL
roll_cycle "late order"
# 9 of 11 on time; lead times 12 x 9, 22, 15: 145 / 11 days
[ "$(s4)" = "11 0.8182 13.18 1.0000" ] || fail "S4 after the late order: $(s4)"
# 3. The order is revised after its delivery: wanted on the 25th (so
# the delivery was on time), 200 ordered (100 shipped).
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
DELETE FROM order_lines WHERE tenant_id = '$B1' AND order_id = 'PO-X';
UPDATE orders SET event_time = now(), updated_at = now() WHERE tenant_id = '$B1' AND order_id = 'PO-X';
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, currency, requested_time, event_id, event_time)
VALUES ('$B1', 'PO-X', 1, '2026-11-05', '$B1', '$S4', 'GLS', 200, 'PCS', 'CNY', '2026-11-25', 'o-x2', now());
SQL
roll_cycle "revised order"
# 10 of 11 on time; 1,100 of 1,200 shipped
[ "$(s4)" = "11 0.9091 13.18 0.9167" ] || fail "S4 after the revised order: $(s4)"
[ "$(q "SELECT count(*) FROM analyst_roll_dirty")" = 0 ] || fail "the logged old keys were not taken"
# 4. Cycles add what new facts contribute (each fact once, though the
# cycles look two minutes back: the roll-ups' snapshot says which facts
# they hold) and recompute the logged keys: what they kept equals the
# roll-ups built from the facts.
rolls() { q "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT 'd' || row(r.*)::text AS x FROM analyst_roll_deliveries r
    UNION ALL SELECT 'f' || row(r.*)::text FROM analyst_roll_fill r
    UNION ALL SELECT 'c' || row(r.*)::text FROM analyst_roll_customers r) z"; }
[ "$(q "SELECT snap_cycle = cycle_id FROM analyst_roll_state")" = t ] ||
    fail "the roll-ups' snapshot is not the last cycle's"
ship_x ASN-Y 2026-11-19 2026-11-21 50
roll_cycle "a second shipment"
roll_cycle "the same facts again (inside the two minutes)"
# 11 of 12 on time (ASN-Y: ordered on the 5th, delivered on the 21st,
# wanted on the 25th); 1,150 of 1,200 shipped
[ "$(s4)" = "12 0.9167 13.42 0.9583" ] || fail "S4 after a second shipment: $(s4)"
kept=$(rolls)
q "UPDATE analyst_roll_state SET from_day = NULL" >/dev/null
"$CS_BIN/cs-analyst" --once >"$TEST_TMP/roll.out" 2>"$TEST_TMP/roll.log" || fail "rebuild: $(cat "$TEST_TMP/roll.log")"
grep '"msg":"cycle done"' "$TEST_TMP/roll.log" | grep -q '"rollup_built":true' || fail "the roll-ups were not rebuilt"
[ "$(rolls)" = "$kept" ] || fail "the roll-ups kept differ from those built from the facts"
[ "$(s4)" = "12 0.9167 13.42 0.9583" ] || fail "S4 after the rebuild: $(s4)"

note "the data clock: as of the newest event time stored"
# A simulator's clock runs ahead of the wall: its newest shipment is
# dated 2027-03-01, so the analyst's "now" is that.
q "UPDATE shipments SET event_time = '2027-03-01T00:00:00Z' WHERE shipment_id = 'ASN-LATE'"
CS_ANALYST_AS_OF= CS_ANALYST_CLOCK=data "$CS_BIN/cs-analyst" --once >"$TEST_TMP/clock.out" 2>"$TEST_TMP/clock.log" ||
    fail "data clock: $(cat "$TEST_TMP/clock.log")"
[ "$(q "SELECT as_of = '2027-03-01T00:00:00Z' FROM analyst_cycles ORDER BY cycle_id DESC LIMIT 1")" = t ] ||
    fail "as of: $(q "SELECT as_of FROM analyst_cycles ORDER BY cycle_id DESC LIMIT 1")"
rc=0
CS_ANALYST_CLOCK=sundial "$CS_BIN/cs-analyst" --once >/dev/null 2>"$TEST_TMP/clock2.log" || rc=$?
[ $rc = 78 ] && grep -q 'analyst.clock must be wall or data' "$TEST_TMP/clock2.log" ||
    fail "a bad clock must exit 78 naming the option ($rc): $(cat "$TEST_TMP/clock2.log")"
stop_service devbroker
note "ok"
