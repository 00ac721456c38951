#!/usr/bin/env bash
# test_api_situation.sh - the chain graph (GET /v1/chains) and the
# situation view (GET /v1/situation, 态势感知) over real HTTP on the chain
# of api_chain_fixture.sh scored by the real cs-analyst: tiers, links
# with shipped volumes, production / order / sales indices computed by
# hand from the fixture, risk levels, live alerts and nearby risk events;
# and that neither route shows an enterprise another's facts or a bureau
# anything outside its regions.
source "$CS_SRC/tests/lib/testlib.sh"
source "$CS_SRC/tests/integration/api_chain_fixture.sh" api_situation
sorted() { printf '%s\n' "$@" | sort | paste -sd,; }
sel() { jq -r --arg u "$1" ".nodes[] | select(.uscc == \$u) | $2" "$TEST_TMP/body.json"; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }'; }

note "GET /v1/chains: cells in Zhejiang, two tiers up and one down"
expect 200 "$T_ZJ" "/v1/chains?region=330000&industry=C38&volume_days=365"
[ "$(body '[.nodes[] | "\(.tier):\(.uscc)"] | sort | join(",")')" = "$(sorted "-1:$T2" "0:$S1" "0:$S5" "1:$B1")" ] ||
    fail "nodes: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.links[] | "\(.supplier)>\(.buyer):\(.sku):\(.volume):\(.single_source)"] | sort | join(",")')" = \
  "$(sorted "$S1>$B1:BAT:1000:true" "$T2>$S1:ANODE:1000:true")" ] || fail "links: $(body .links)"
[ "$(body '.summary.n_focal')" = 2 ] && [ "$(body '.summary.tiers["-1"]')" = 1 ] && [ "$(body .truncated)" = false ] ||
    fail "summary: $(body .summary)"
jq -e --argjson m "$(q "SELECT score FROM risk_scores WHERE uscc = '$S1'")" '.summary.score_max == $m' "$TEST_TMP/body.json" >/dev/null ||
    fail "the chain's worst is S1"
[ "$(sel "$S1" .level)" = "$(q "SELECT level FROM risk_scores WHERE uscc = '$S1'")" ] || fail "node level"
expect 200 "$T_ZJ" "/v1/chains?region=330000&industry=C38&up=0&down=0"
[ "$(body '[.nodes[].tier] | unique | join(",")')" = 0 ] && [ "$(body '.links | length')" = 0 ] || fail "up=0&down=0"
expect 200 "$T_ADMIN" "/v1/chains?industry=C38&limit=1"
[ "$(body .truncated)" = true ] && [ "$(body .summary.n_focal)" = 1 ] || fail "limit"
# max_nodes: the nearest tiers kept (focal, then upstream before downstream)
expect 200 "$T_ZJ" "/v1/chains?region=330000&industry=C38&volume_days=365&max_nodes=3"
[ "$(body '[.nodes[] | "\(.tier):\(.uscc)"] | sort | join(",")')" = "$(sorted "-1:$T2" "0:$S1" "0:$S5")" ] &&
    [ "$(body .nodes_truncated)" = true ] && [ "$(body .max_nodes)" = 3 ] && [ "$(body .summary.n_nodes)" = 3 ] ||
    fail "max_nodes=3: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.links[] | "\(.supplier)>\(.buyer)"] | join(",")')" = "$T2>$S1" ] || fail "links of the kept nodes only: $(body .links)"
expect 200 "$T_ZJ" "/v1/chains?region=330000&industry=C38&max_nodes=4"
[ "$(body '.nodes | length')" = 4 ] && [ "$(body .nodes_truncated)" = false ] || fail "max_nodes=4: $(cat "$TEST_TMP/body.json")"
expect 400 "$T_ZJ" "/v1/chains?industry=C38&max_nodes=0" && problem invalid max_nodes
expect 400 "$T_ZJ" "/v1/chains?industry=C38&max_nodes=20001" && problem invalid max_nodes
note "an enterprise sees only its own links of a chain"
expect 200 "$T_B2" "/v1/chains?industry=C38&volume_days=365"
[ "$(body '[.nodes[] | "\(.tier):\(.uscc)"] | sort | join(",")')" = "$(sorted "0:$S2" "1:$B2")" ] ||
    fail "B2 must not see S2's other customer: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.links[] | "\(.buyer):\(.volume)"] | join(",")')" = "$B2:1000" ] || fail "B2's link volume"
expect 200 "$T_SZ" "/v1/chains?industry=C38"
[ "$(body '.nodes | length')" = 0 ] || fail "no cells in Shenzhen"
expect 200 "$T_SZ" "/v1/chains?region=330000"
[ "$(body '.nodes | length')" = 0 ] || fail "a filter must not widen a bureau's scope"
expect 400 "$T_ZJ" /v1/chains && problem invalid industry
expect 400 "$T_ZJ" "/v1/chains?industry=C38&up=7" && problem invalid up
expect 400 "$T_ZJ" "/v1/chains?industry=c38" && problem invalid industry
expect 400 "$T_ZJ" "/v1/chains?industry=C38&tier=1" && problem invalid tier
expect 403 "$T_CONN" "/v1/chains?industry=C38" && problem forbidden

note "GET /v1/situation: Zhejiang, three months to 2026-11-29"
expect 200 "$T_ZJ" "/v1/situation?region=330000&period=month&periods=3&until=2026-11-29"
[ "$(body '[.indices[].period_start] | join(",")')" = 2026-09-01,2026-10-01,2026-11-01 ] || fail "periods: $(body .indices)"
# production: S1 100 a day (40 from 11-23) + S5 600 a day, from 09-01 to 11-29
# Sep 30 x 700 = 21000, Oct 31 x 700 = 21700, Nov 22 x 700 + 7 x 640 = 19880
near "$(body '.indices[2].production')" "$(awk 'BEGIN { printf "%.12f", 100 * 19880 / ((21000 + 21700 + 19880) / 3) }')" ||
    fail "production index: $(body .indices)"
[ "$(body '.indices[0].k_production')" = 2 ] || fail "two producers"
# orders received by S1 and T2: 3, 4 and 1 orders of 100 each per pair
[ "$(body '[.indices[].orders | . * 1000 | round / 1000] | join(",")')" = "112.5,150,37.5" ] || fail "order index: $(body .indices)"
[ "$(body '.indices[2].sales')" = null ] && [ "$(body '.indices[0].k_sales')" = 1 ] || fail "sales: B1 sold through October"
[ "$(body '.n_enterprises')" = 4 ] && [ "$(body '[.risk_levels[]] | add')" = 4 ] && [ "$(body .risk_levels.unscored)" = 0 ] ||
    fail "risk levels: $(body .risk_levels)"
lvl=$(q "SELECT level FROM risk_scores WHERE uscc = '$S1'")
[ "$(body ".risk_levels.$lvl")" -ge 1 ] || fail "S1's level counted"
zj="('$S1','$B1','$S5','$T2')"
for l in blue yellow orange red; do
    [ "$(body ".alerts.open.$l")" = "$(q "SELECT count(*) FROM alerts WHERE status = 'open' AND level = '$l' AND (subject IN $zj OR about IN $zj)")" ] ||
        fail "open $l alerts: $(body .alerts)"
done
[ "$(body '[.risk_events[] | "\(.risk_id):\(.n_enterprises)"] | join(",")')" = FIRE-1:1 ] ||
    fail "the fire near Xihu, not the Shenzhen flood: $(body .risk_events)"
[ "$(body '.risk_events[0].radius_km')" = 20 ] && [ "$(body '.risk_events[0].lat')" = 30.27 ] || fail "event geometry"
expect 200 "$T_SZ" "/v1/situation?until=2026-11-29"
[ "$(body '[.risk_events[] | .risk_id] | join(",")')" = FLOOD-9 ] && [ "$(body .risk_events[0].regions[0])" = 440300 ] ||
    fail "Shenzhen's flood: $(body .risk_events)"
[ "$(body '[.indices[].production] | map(select(. != null)) | length')" = 0 ] || fail "Shenzhen has no production data"
expect 200 "$T_SZ" "/v1/situation?region=330000&until=2026-11-29"
[ "$(body .n_enterprises)" = 0 ] && [ "$(body '[.indices[] | .orders, .production, .sales] | map(select(. != null)) | length')" = 0 ] &&
    [ "$(body '.risk_events | length')" = 0 ] || fail "a bureau outside Zhejiang sees nothing of it: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_ADMIN" "/v1/situation?until=2026-11-29&period=week&periods=4"
[ "$(body '.indices | length')" = 4 ] && [ "$(body '[.risk_events[].risk_id] | sort | join(",")')" = FIRE-1,FLOOD-9 ] ||
    fail "admin, weekly: $(cat "$TEST_TMP/body.json")"
note "an enterprise's indices are its own facts only"
expect 200 "$T_B1" "/v1/situation?until=2026-11-29&periods=3"
[ "$(body '[.indices[].production] | map(select(. != null)) | length')" = 0 ] || fail "B1 must not see S1's production"
[ "$(body '[.indices[].orders] | map(select(. != null)) | length')" = 0 ] || fail "B1 received no orders"
[ "$(body '.indices[0].k_sales')" = 1 ] || fail "B1's own sales"
expect 200 "$T_B2" "/v1/situation?until=2026-11-29&periods=3"
[ "$(body '[.indices[].sales] | map(select(. != null)) | length')" = 0 ] || fail "B2 must not see B1's sales"
expect 400 "$T_ZJ" "/v1/situation?period=day" && problem invalid period
expect 400 "$T_ZJ" "/v1/situation?periods=0" && problem invalid periods
expect 400 "$T_ZJ" "/v1/situation?until=2026-02-29" && problem invalid until
expect 400 "$T_ZJ" "/v1/situation?until=yesterday" && problem invalid until
expect 400 "$T_ZJ" "/v1/situation?region=12" && problem invalid region
expect 403 "$T_CONN" /v1/situation && problem forbidden

note "clean shutdown"
stop_service api
note "ok"
