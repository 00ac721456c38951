#!/usr/bin/env bash
# test_api_risk.sh - the risk read routes of cs-api over real HTTP on a
# chain scored by the real cs-analyst (api_chain_fixture.sh): an
# enterprise's score, components, explanation and history; suppliers
# and customers by tier with single-source flags; the enterprise list
# with scores and filters; top risks and region / industry roll-ups;
# alternative suppliers. Each route is checked for tenant isolation (an
# enterprise sees its own data and its counterparties' scores, a bureau
# its regions) and for problem+json on bad input.
source "$CS_SRC/tests/lib/testlib.sh"
source "$CS_SRC/tests/integration/api_chain_fixture.sh" api_risk
sorted() { printf '%s\n' "$@" | sort | paste -sd,; }

note "GET /v1/enterprises/{uscc}/risk: score, components, explanation, history"
expect 200 "$T_ZJ" "/v1/enterprises/$S1/risk"
[ "$(body .level)" = "$(q "SELECT level FROM risk_scores WHERE uscc = '$S1'")" ] || fail "level: $(cat "$TEST_TMP/body.json")"
jq -e --argjson s "$(q "SELECT score FROM risk_scores WHERE uscc = '$S1'")" '.score == $s' "$TEST_TMP/body.json" >/dev/null ||
    fail "score differs from the stored one: $(cat "$TEST_TMP/body.json")"
[ "$(body '.components[0].indicator')" = on_time_rate ] && [ "$(body '.components[0].raw')" = 0.3 ] ||
    fail "components: $(body .components)"
[ "$(body .explanation)" = "$(q "SELECT explanation FROM risk_scores WHERE uscc = '$S1'")" ] || fail "explanation"
[ "$(body .model_version)" = 1 ] && [ "$(body .name)" = "Xihu Cells" ] && [ "$(body .region_code)" = 330106 ] || fail "header fields"
[ "$(body '.history | length')" = 1 ] && [ "$(body '.history[0].score == .score')" = true ] || fail "history: $(body .history)"
# three days ago the analyst had scored S1 lower (a row as the analyst writes it)
q "INSERT INTO risk_scores SELECT 0, uscc, now() - interval '3 days', 1, 12.5, 'blue', components, explanation FROM risk_scores WHERE uscc = '$S1'"
expect 200 "$T_B1" "/v1/enterprises/$S1/risk"   # B1 buys from S1: sees its score
[ "$(body '[.history[] | .level] | join(",")')" = "blue,$(body .level)" ] && [ "$(body '.history[0].score')" = 12.5 ] ||
    fail "history oldest first: $(body .history)"
expect 200 "$T_B1" "/v1/enterprises/$S1/risk?days=2"
[ "$(body '.history | length')" = 1 ] || fail "days=2 keeps today only"
jq -e '.score != 12.5' "$TEST_TMP/body.json" >/dev/null || fail "the current score is the newest cycle's"
expect 404 "$T_B2" "/v1/enterprises/$S1/risk" && problem not_found uscc   # not its counterparty
expect 404 "$T_S5" "/v1/enterprises/$S1/risk"
expect 404 "$T_SZ" "/v1/enterprises/$S1/risk"
expect 404 "$T_B2" "/v1/enterprises/$B1/risk"
expect 200 "$T_B1" "/v1/enterprises/$B1/risk"
expect 403 "$T_CONN" "/v1/enterprises/$B1/risk" && problem forbidden
expect 400 "$T_ZJ" "/v1/enterprises/$S1/risk?days=0" && problem invalid days
expect 400 "$T_ZJ" "/v1/enterprises/$S1/risk?days=abc" && problem invalid days
expect 400 "$T_ZJ" "/v1/enterprises/$S1/risk?dayz=3" && problem invalid dayz
expect 400 "$T_ZJ" "/v1/enterprises/91330106MA2LATE01X/risk" && problem invalid uscc
expect 400 "$T_ZJ" "/v1/enterprises/XYZ/risk" && problem invalid uscc
expect 400 "$T_ZJ" "/v1/enterprises/%E4%B8%AD%01/risk" && problem invalid uscc
expect 404 "$T_ZJ" "/v1/enterprises/$S1/bogus" && problem not_found

note "suppliers and customers by tier, with scores and single-source flags"
expect 200 "$T_B1" "/v1/enterprises/$B1/suppliers"
[ "$(body '[.items[] | "\(.tier):\(.uscc)"] | sort | join(",")')" = "$(sorted "1:$S1" "1:$S2" "1:$S4" "2:$T2")" ] ||
    fail "B1 sees its whole upstream chain (T2 supplies S1): $(cat "$TEST_TMP/body.json")"
[ "$(body '.items[0].uscc')" = "$S1" ] || fail "riskiest first"
sel() { jq -r --arg u "$1" ".items[] | select(.uscc == \$u) | $2" "$TEST_TMP/body.json"; }
[ "$(sel "$S1" .single_source)" = true ] || fail "S1 is B1's only BAT source"
[ "$(sel "$S2" .single_source)" = false ] || fail "S2 shares MOT with S4"
[ "$(sel "$S4" '[.links[] | "\(.sku):\(.single_source)"] | join(",")')" = "GLS:true,MOT:false" ] ||
    fail "S4's links: $(sel "$S4" .links)"
[ "$(sel "$S2" .score)" = "$(q "SELECT score FROM risk_scores WHERE uscc = '$S2' ORDER BY cycle_id DESC LIMIT 1")" ] ||
    fail "B1 sees its supplier's score"
# Its chain's scores, not their raw data (migration 0050): the tier-2
# supplier's score and directory row, not the link T2 -> S1 (item, share,
# lead time) nor T2's orders.
expect 200 "$T_B1" "/v1/enterprises/$B1/suppliers?tier=2"
[ "$(body '[.items[] | "\(.tier):\(.uscc):\(.name)"] | join(",")')" = "2:$T2:Jiaxing Anodes" ] ||
    fail "B1 sees its supplier's supplier: $(cat "$TEST_TMP/body.json")"
[ "$(sel "$T2" .score)" = "$(q "SELECT score FROM risk_scores WHERE uscc = '$T2' ORDER BY cycle_id DESC LIMIT 1")" ] ||
    fail "B1 sees its tier-2 supplier's score"
[ "$(sel "$T2" '"\(.links | length) \(.single_source)"')" = "0 null" ] ||
    fail "B1 must not see the link T2 -> S1: $(sel "$T2" .)"
expect 200 "$T_B1" "/v1/enterprises/$T2/risk"
[ "$(body .uscc)" = "$T2" ] && [ "$(body '.components | length > 0')" = true ] || fail "T2's risk for B1: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_B1" "/v1/enterprises/$T2"
t2_order=$(q "SELECT order_id FROM orders WHERE supplier = '$T2' LIMIT 1")
[ -n "$t2_order" ] || fail "the fixture has no order of T2"
expect 200 "$T_ADMIN" "/v1/orders/$t2_order"
expect 404 "$T_B1" "/v1/orders/$t2_order"
expect 404 "$T_B1" "/v1/orders/$t2_order?tenant=$S1"
expect 200 "$T_B1" "/v1/enterprises/$S1/suppliers"
[ "$(body '[.items[].uscc] | join(",")')" = "$T2" ] && [ "$(body '.items[0].links | length')" = 0 ] ||
    fail "B1 sees who supplies S1, not the link: $(cat "$TEST_TMP/body.json")"
# downstream at every tier too: T2 sees S1 (tier 1) and B1 (tier 2), not
# B1's other suppliers (siblings are another chain)
T_T2=$(tok ent-t2 --role enterprise --enterprise "$T2")
expect 200 "$T_T2" "/v1/enterprises/$T2/customers"
[ "$(body '[.items[] | "\(.tier):\(.uscc)"] | join(",")')" = "1:$S1,2:$B1" ] ||
    fail "T2's customers by tier: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_T2" "/v1/enterprises/$B1/risk"
expect 404 "$T_T2" "/v1/enterprises/$S2/risk"
expect 404 "$T_T2" "/v1/enterprises/$S2"
expect 200 "$T_T2" "/v1/enterprises/$B1/suppliers?tier=1"
[ "$(body '[.items[].uscc] | join(",")')" = "$S1" ] || fail "T2 sees B1's supplier in its chain only: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_B2" "/v1/enterprises?limit=200"
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$(sorted "$B2" "$S2" "$S3")" ] ||
    fail "B2 sees its chain only: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_ZJ" "/v1/enterprises/$B1/suppliers?max_tier=2"
[ "$(body '[.items[] | "\(.tier):\(.uscc)"] | sort | join(",")')" = "$(sorted "1:$S1" "1:$S2" "1:$S4" "2:$T2")" ] ||
    fail "Zhejiang sees the tier-2 link inside its region: $(cat "$TEST_TMP/body.json")"
[ "$(sel "$T2" '.links[0].buyer')" = "$S1" ] || fail "T2 links to S1"
[ "$(sel "$S2" '"\(.name) \(.score)"')" = "null null" ] || fail "a bureau sees no name or score outside its regions: $(sel "$S2" .)"
[ "$(sel "$S1" .name)" = "Xihu Cells" ] || fail "in-region supplier's name"
expect 200 "$T_ADMIN" "/v1/enterprises/$S2/customers"
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$(sorted "$B2" "$B1")" ] || fail "S2's customers: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_B1" "/v1/enterprises/$S2/customers"
[ "$(body '[.items[].uscc] | join(",")')" = "$B1" ] || fail "B1 must not see S2's other customer: $(cat "$TEST_TMP/body.json")"
expect 404 "$T_B2" "/v1/enterprises/$S1/customers" && problem not_found uscc
expect 404 "$T_B2" "/v1/enterprises/$B1/suppliers"
expect 404 "$T_SZ" "/v1/enterprises/$B1/suppliers"
expect 200 "$T_ADMIN" "/v1/enterprises/$B1/suppliers?max_tier=2&limit=2"
[ "$(body '.items | length')" = 2 ] && [ "$(body .truncated)" = true ] || fail "limit and truncated"
expect 400 "$T_ZJ" "/v1/enterprises/$B1/suppliers?tier=0" && problem invalid tier
expect 400 "$T_ZJ" "/v1/enterprises/$B1/suppliers?tier=7" && problem invalid tier
expect 400 "$T_ZJ" "/v1/enterprises/$B1/suppliers?tier=1&max_tier=2" && problem invalid max_tier
expect 400 "$T_ZJ" "/v1/enterprises/$B1/customers?limit=-1" && problem invalid limit

note "GET /v1/enterprises: current score and level, filters level and q"
expect 200 "$T_ADMIN" "/v1/enterprises?level=$(q "SELECT level FROM risk_scores WHERE uscc = '$S1' ORDER BY cycle_id DESC LIMIT 1")"
[ "$(body '[.items[].uscc] | index("'"$S1"'") != null')" = true ] || fail "level filter: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.items[].level] | unique | length')" = 1 ] || fail "one level only"
expect 200 "$T_ZJ" "/v1/enterprises?q=cells"
[ "$(body '[.items[].uscc] | join(",")')" = "$S1,$S5" ] || fail "q=cells: $(cat "$TEST_TMP/body.json")"
jq -e '.items | all(.score != null and (.level | IN("blue","yellow","orange","red")))' "$TEST_TMP/body.json" >/dev/null ||
    fail "items carry score and level"
expect 200 "$T_B1" /v1/enterprises
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$(sorted "$S1" "$S2" "$S4" "$B1" "$T2")" ] ||
    fail "B1's list: itself and its suppliers at every tier: $(cat "$TEST_TMP/body.json")"
# criticality: the raw value of the score's criticality component
crit=$(q "SELECT c->>'raw' FROM risk_scores r, jsonb_array_elements(r.components) c
    WHERE r.uscc = '$T2' AND c->>'indicator' = 'criticality' ORDER BY r.cycle_id DESC LIMIT 1")
jq -e --arg u "$T2" --argjson c "$crit" '.items[] | select(.uscc == $u) | .criticality - $c | fabs < 1e-9' \
    "$TEST_TMP/body.json" >/dev/null || fail "T2's criticality is not its score's ($crit): $(cat "$TEST_TMP/body.json")"
jq -e --arg t "$T2" --arg b "$B1" '[.items[] | select(.uscc == $t or .uscc == $b) | .criticality] | .[0] != .[1]' \
    "$TEST_TMP/body.json" >/dev/null || fail "criticality is the same for a tier-2 supplier and the final buyer"
expect 400 "$T_ADMIN" "/v1/enterprises?level=purple" && problem invalid level
expect 400 "$T_ADMIN" "/v1/enterprises?lvl=red" && problem invalid lvl
expect 400 "$T_ADMIN" "/v1/enterprises?q=a&name=b" && problem invalid q

note "GET /v1/risk/top, /v1/risk/regions, /v1/risk/industries"
expect 200 "$T_ADMIN" "/v1/risk/top?limit=3"
[ "$(body '.items | length')" = 3 ] && [ "$(body '.items[0].uscc')" = "$(q "SELECT uscc FROM risk_scores ORDER BY cycle_id DESC, score DESC LIMIT 1")" ] ||
    fail "top 3: $(cat "$TEST_TMP/body.json")"
jq -e '[.items[].score] as $s | $s == ($s | sort | reverse)' "$TEST_TMP/body.json" >/dev/null || fail "ordered by score"
expect 200 "$T_ZJ" /v1/risk/top
[ "$(body '[.items[].region_code | startswith("33")] | all')" = true ] && [ "$(body '.items | length')" = 4 ] ||
    fail "Zhejiang's top risks: $(cat "$TEST_TMP/body.json")"
[ "$(body '.items[0].top_indicator')" = on_time_rate ] || fail "S1 leads Zhejiang, for on-time delivery"
expect 200 "$T_B2" /v1/risk/top
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$(sorted "$S2" "$S3" "$B2")" ] ||
    fail "B2's top: itself and its suppliers: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_ADMIN" "/v1/risk/top?region=330100&industry=C38"
[ "$(body '[.items[].uscc] | sort | join(",")')" = "$(sorted "$S1" "$S5")" ] || fail "filters: $(cat "$TEST_TMP/body.json")"
expect 400 "$T_ADMIN" "/v1/risk/top?limit=201" && problem invalid limit
expect 400 "$T_ADMIN" "/v1/risk/top?region=3301" && problem invalid region
expect 400 "$T_ADMIN" "/v1/risk/top?level=RED" && problem invalid level
expect 404 "$T_ADMIN" "/v1/risk/nope" && problem not_found
expect 200 "$T_ZJ" /v1/risk/regions
[ "$(body '[.items[] | "\(.kind):\(.key)"] | join(",")')" = "province:330000,city:330100,city:330200,city:330400" ] ||
    fail "Zhejiang's regions: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_ZJ" "/v1/risk/regions?region=330000"
[ "$(body '.items[0].n_members')" = 4 ] && [ "$(body '.items[0].n_orange_or_worse')" = 1 ] && [ "$(body '.history | length')" = 1 ] ||
    fail "Zhejiang's roll-up: $(cat "$TEST_TMP/body.json")"
jq -e --argjson m "$(q "SELECT score FROM risk_scores WHERE uscc = '$S1' ORDER BY cycle_id DESC LIMIT 1")" '.items[0].score_max == $m' \
    "$TEST_TMP/body.json" >/dev/null || fail "the province's worst is S1"
expect 404 "$T_ZJ" "/v1/risk/regions?region=440000" && problem not_found region
expect 404 "$T_HZ" "/v1/risk/regions?region=330000"
expect 400 "$T_ZJ" "/v1/risk/regions?region=330106" && problem invalid region
expect 200 "$T_B1" /v1/risk/regions
[ "$(body '.items | length')" = 0 ] || fail "an enterprise sees no regional roll-up"
expect 200 "$T_B1" "/v1/risk/industries?industry=C38"
[ "$(body '.items[0].n_members')" = 3 ] || fail "C38 benchmark (S1, S2, S5): $(cat "$TEST_TMP/body.json")"
expect 400 "$T_B1" "/v1/risk/industries?industry=C3841" && problem invalid industry
expect 400 "$T_B1" "/v1/risk/industries?region=330000" && problem invalid region

note "GET /v1/enterprises/{uscc}/alternatives"
expect 200 "$T_B1" "/v1/enterprises/$B1/alternatives"
[ "$(body '[.items[] | "\(.sku):\(.current_supplier):\(.rank):\(.candidate):\(.why)"] | join(",")')" = "BAT:$S1:1:$S5:supplier_at_risk" ] ||
    fail "B1's alternatives: $(cat "$TEST_TMP/body.json")"
body '.items[0].reason' | grep -q '^same industry class as the current supplier; ' || fail "reason"
expect 200 "$T_ZJ" "/v1/enterprises/$B1/alternatives"
[ "$(body '.items[0].candidate_name')" = "Yuhang Cells" ] || fail "bureau sees the candidate"
expect 200 "$T_S5" "/v1/enterprises/$S5/alternatives"
[ "$(body '.items | length')" = 0 ] || fail "S5 has no needs"
expect 404 "$T_S5" "/v1/enterprises/$B1/alternatives" && problem not_found uscc
expect 404 "$T_SZ" "/v1/enterprises/$B1/alternatives"

note "clean shutdown"
stop_service api
note "ok"
