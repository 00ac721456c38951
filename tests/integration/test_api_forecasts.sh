#!/usr/bin/env bash
# test_api_forecasts.sh - GET /v1/forecasts (the real cs-analyst's
# forecast of the fixture's 41 months of seasonal sales: points with
# intervals, backtest, stock recommendation, actual sales) and GET
# /v1/risk-events (events active at a date that touch an enterprise in
# view, by region or radius), each with its scope: forecasts are the
# enterprise's own, events follow the enterprises a principal may see.
source "$CS_SRC/tests/lib/testlib.sh"
source "$CS_SRC/tests/integration/api_chain_fixture.sh" api_forecasts

note "GET /v1/forecasts: B1's car sales"
expect 200 "$T_B1" /v1/forecasts
[ "$(body '.items | length')" = 1 ] && [ "$(body '.items[0].sku')" = CAR ] && [ "$(body .truncated)" = false ] ||
    fail "B1's forecasts: $(cat "$TEST_TMP/body.json")"
f=".items[0]"
[ "$(body "$f.first_period")" = "$(q "SELECT first_period FROM forecasts WHERE enterprise = '$B1'")" ] &&
    [ "$(body "$f.first_period")" = 2026-11-01 ] || fail "first period: $(body "$f.first_period")"
[ "$(body "[$f.points[].period_start] | join(\",\")")" = 2026-11-01,2026-12-01,2027-01-01,2027-02-01,2027-03-01,2027-04-01 ] ||
    fail "points: $(body "$f.points")"
jq -e --argjson m "$(q "SELECT array_to_json(mean) FROM forecasts WHERE enterprise = '$B1'")" \
    '[.items[0].points[].mean] == $m' "$TEST_TMP/body.json" >/dev/null || fail "means differ from the stored ones"
jq -e '.items[0].points | all(.lo95 <= .lo80 and .lo80 <= .mean and .mean <= .hi80 and .hi80 <= .hi95)' \
    "$TEST_TMP/body.json" >/dev/null || fail "intervals nest: $(body "$f.points")"
jq -e --argjson b "$(q "SELECT backtest_mase FROM forecasts WHERE enterprise = '$B1'")" '.items[0].backtest.mase == $b' \
    "$TEST_TMP/body.json" >/dev/null || fail "backtest"
[ "$(body "$f.stock.on_hand")" = 150 ] && [ "$(body "$f.model_version")" = 1 ] && [ "$(body "$f.model | length > 0")" = true ] ||
    fail "stock and model: $(body "$f")"
[ "$(body "$f.actuals | length")" = 24 ] && [ "$(body "$f.actuals[23].period_start")" = 2026-10-01 ] ||
    fail "24 months of actuals: $(body "$f.actuals")"
[ "$(body "$f.actuals[23].quantity")" = "$(q "SELECT quantity FROM sales WHERE enterprise = '$B1' AND period_start = '2026-10-01'")" ] ||
    fail "the last actual"
expect 200 "$T_B1" "/v1/forecasts?product=CAR&history_months=0"
[ "$(body '.items[0].actuals | length')" = 0 ] || fail "history_months=0"
expect 200 "$T_B1" "/v1/forecasts?product=NOPE"
[ "$(body '.items | length')" = 0 ] || fail "unknown product"
expect 200 "$T_ADMIN" "/v1/forecasts?enterprise=$B1"
[ "$(body '.items | length')" = 1 ] || fail "admin"
note "nobody else sees B1's forecast"
for t in "$T_B2" "$T_ZJ" "$T_S5"; do
    expect 200 "$t" "/v1/forecasts?enterprise=$B1"
    [ "$(body '.items | length')" = 0 ] || fail "a forecast leaked: $(cat "$TEST_TMP/body.json")"
done
expect 200 "$T_ZJ" /v1/forecasts
[ "$(body '.items | length')" = 0 ] || fail "a bureau reads no enterprise forecast"
expect 400 "$T_B1" "/v1/forecasts?enterprise=XYZ" && problem invalid enterprise
expect 400 "$T_B1" "/v1/forecasts?product=%01" && problem invalid product
expect 400 "$T_B1" "/v1/forecasts?limit=0" && problem invalid limit
expect 400 "$T_B1" "/v1/forecasts?history_months=121" && problem invalid history_months
expect 400 "$T_B1" "/v1/forecasts?sku=CAR" && problem invalid sku
expect 403 "$T_CONN" /v1/forecasts && problem forbidden

note "GET /v1/forecast-aggregates: sector and region forecasts, by scope"
aggs() { q "SELECT coalesce(string_agg(kind || ':' || key, ',' ORDER BY kind, key), '')
    FROM (SELECT DISTINCT kind, key FROM forecast_aggregates WHERE $1) x"; }
api_aggs() { body '[.items[] | "\(.kind):\(.key)"] | join(",")'; }
[ -n "$(aggs true)" ] || fail "the analyst stored no aggregate forecasts"
expect 200 "$T_ADMIN" /v1/forecast-aggregates
[ "$(api_aggs)" = "$(aggs true)" ] || fail "admin: $(api_aggs) vs $(aggs true)"
first=$(body '.items[0] | "\(.kind) \(.key)"')
jq -e --argjson m "$(q "SELECT array_to_json(mean) FROM forecast_aggregates WHERE kind || ' ' || key = '$first'
        ORDER BY computed_at DESC, cycle_id DESC LIMIT 1")" '[.items[0].points[].mean] == $m' "$TEST_TMP/body.json" >/dev/null ||
    fail "the newest stored means: $(body '.items[0]')"
jq -e '[.items[].points[]] | all(.lo95 <= .lo80 and .lo80 <= .mean and .mean <= .hi80 and .hi80 <= .hi95)' \
    "$TEST_TMP/body.json" >/dev/null || fail "intervals nest"
expect 200 "$T_ZJ" /v1/forecast-aggregates
[ "$(api_aggs)" = "$(aggs "kind = 'industry_division' OR key LIKE '33%'")" ] || fail "Zhejiang bureau: $(api_aggs)"
expect 200 "$T_SZ" /v1/forecast-aggregates
[ "$(api_aggs)" = "$(aggs "kind = 'industry_division'")" ] || fail "Shenzhen bureau: $(api_aggs)"
expect 200 "$T_B1" "/v1/forecast-aggregates?kind=city"
[ "$(body '.items | length')" = 0 ] || fail "an enterprise read a regional aggregate: $(api_aggs)"
expect 200 "$T_B1" "/v1/forecast-aggregates?kind=industry_division"
[ "$(api_aggs)" = "$(aggs "kind = 'industry_division'")" ] || fail "B1: $(api_aggs)"
expect 400 "$T_B1" "/v1/forecast-aggregates?kind=country" && problem invalid kind
expect 400 "$T_B1" "/v1/forecast-aggregates?key=%01" && problem invalid key
expect 400 "$T_B1" "/v1/forecast-aggregates?region=330000" && problem invalid region
expect 403 "$T_CONN" /v1/forecast-aggregates && problem forbidden

note "GET /v1/risk-events: active events touching enterprises in view"
expect 200 "$T_ZJ" "/v1/risk-events?until=2026-11-29"
[ "$(body '[.items[] | "\(.risk_id):\(.n_enterprises):\(.enterprises[0].uscc)"] | join(",")')" = "FIRE-1:1:$S1" ] ||
    fail "Zhejiang: $(cat "$TEST_TMP/body.json")"
[ "$(body '.items[0].enterprises[0].distance_km < 20')" = true ] && [ "$(body '.items[0].radius_km')" = 20 ] || fail "distance"
expect 200 "$T_SZ" "/v1/risk-events?until=2026-11-29"
[ "$(body '[.items[] | "\(.risk_id):\(.enterprises[0].uscc):\(.enterprises[0].distance_km)"] | join(",")')" = "FLOOD-9:$S3:null" ] ||
    fail "Shenzhen: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_B2" "/v1/risk-events?until=2026-11-29"
[ "$(body '[.items[].risk_id] | join(",")')" = FLOOD-9 ] || fail "B2's supplier is flooded"
expect 200 "$T_S5" "/v1/risk-events?until=2026-11-29"
[ "$(body '.items | length')" = 0 ] || fail "S5 lies outside the fire's radius"
expect 200 "$T_ADMIN" "/v1/risk-events?until=2026-11-26"
[ "$(body '[.items[].risk_id] | join(",")')" = FLOOD-9 ] || fail "the fire starts on the 28th"
expect 200 "$T_ADMIN" "/v1/risk-events?until=2026-11-29&kind=fire"
[ "$(body '[.items[].risk_id] | join(",")')" = FIRE-1 ] || fail "kind filter"
expect 200 "$T_ADMIN" "/v1/risk-events?until=2026-11-29&region=330100"
[ "$(body '[.items[].risk_id] | join(",")')" = FIRE-1 ] || fail "region filter"
expect 400 "$T_ADMIN" "/v1/risk-events?kind=meteor" && problem invalid kind
expect 400 "$T_ADMIN" "/v1/risk-events?until=2026-13-01" && problem invalid until
expect 400 "$T_ADMIN" "/v1/risk-events?region=3300" && problem invalid region

note "clean shutdown"
stop_service api
note "ok"
