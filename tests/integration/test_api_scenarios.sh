#!/usr/bin/env bash
# test_api_scenarios.sh - POST /v1/scenarios queues a disruption for the
# real cs-analyst, whose next cycle runs it; GET /v1/scenarios/{id} shows
# the status, then the impacted enterprises in scope ranked with time to
# survive against time to recover (api_chain_fixture.sh's chain). Who may
# queue what, who may read which run, and problem+json on bad scenarios.
source "$CS_SRC/tests/lib/testlib.sh"
source "$CS_SRC/tests/integration/api_chain_fixture.sh" api_scenarios

note "B1 asks: what if S1 stops for 60 days?"
expect_post 202 "$T_B1" /v1/scenarios "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":60,\"horizon_days\":120}"
run=$(body .run_id)
[ "$(body .status)" = queued ] && [ "$(body .href)" = "/v1/scenarios/$run" ] || fail "202 body: $(cat "$TEST_TMP/body.json")"
[ "$(q "SELECT requested_for || ' ' || status || ' ' || (scenario->>'capacity_loss') || ' ' || (scenario->>'duration_days') || ' ' || requested_by FROM propagation_runs WHERE run_id = $run")" = \
  "$B1 queued 1 60 api:token:2 ent-b1" ] || fail "stored run: $(q "SELECT * FROM propagation_runs WHERE run_id = $run")"
[ "$(q "SELECT outcome || ' ' || status || ' ' || detail FROM audit_log WHERE action = 'POST /v1/scenarios' ORDER BY audit_id DESC LIMIT 1")" = "ok 202 scenario $run queued" ] ||
    fail "audit: $(q "SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT 2")"
expect 200 "$T_B1" "/v1/scenarios/$run"
[ "$(body .status)" = queued ] && [ "$(body '.impacted | length')" = 0 ] || fail "queued: $(cat "$TEST_TMP/body.json")"
expect 404 "$T_B2" "/v1/scenarios/$run" && problem not_found id
expect 404 "$T_SZ" "/v1/scenarios/$run"

note "a bureau queues a region; Zhejiang may not disrupt Shenzhen"
expect_post 202 "$T_ZJ" /v1/scenarios '{"regions":["330100"],"capacity_loss":0.5,"duration_days":10,"production":"leontief"}'
zrun=$(body .run_id)
[ "$(q "SELECT requested_for IS NULL FROM propagation_runs WHERE run_id = $zrun")" = t ] || fail "a bureau's run is for no enterprise"
expect_post 403 "$T_ZJ" /v1/scenarios '{"regions":["440300"],"capacity_loss":0.5,"duration_days":10}' && problem forbidden regions
expect_post 404 "$T_ZJ" /v1/scenarios "{\"regions\":[\"330000\"],\"enterprises\":[\"$S2\"],\"capacity_loss\":0.5,\"duration_days\":10}" &&
    problem not_found enterprises   # Nanjing is not Zhejiang's
expect_post 404 "$T_B1" /v1/scenarios "{\"enterprises\":[\"$S3\"],\"capacity_loss\":1,\"duration_days\":5}" && problem not_found enterprises
expect_post 403 "$T_CONN" /v1/scenarios "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":5}" && problem forbidden
[ "$(q "SELECT count(*) FROM propagation_runs WHERE requested_by LIKE 'api:%'")" = 2 ] || fail "refused scenarios were queued"

note "bad scenarios"
bad() { expect_post 400 "$T_B1" /v1/scenarios "$1" && problem invalid "$2"; }
bad "" body
bad '{"enterprises":' body
bad '[]' body
bad '{"capacity_loss":1,"duration_days":5}' enterprises
bad "{\"enterprises\":[\"$S1\"],\"duration_days\":5}" capacity_loss
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1.5,\"duration_days\":5}" capacity_loss
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":0,\"duration_days\":5}" capacity_loss
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":\"1\",\"duration_days\":5}" capacity_loss
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1}" duration_days
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":0}" duration_days
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":2.5}" duration_days
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":5,\"start_day\":10,\"horizon_days\":10}" horizon_days
bad '{"enterprises":["91330106MA2LATE01X"],"capacity_loss":1,"duration_days":5}' enterprises
bad '{"regions":["33"],"capacity_loss":1,"duration_days":5}' regions
bad '{"regions":"330000","capacity_loss":1,"duration_days":5}' regions
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":5,\"production\":\"magic\"}" production
bad "{\"enterprises\":[\"$S1\"],\"capacity_loss\":1,\"duration_days\":5,\"severity\":3}" severity
expect 405 "$T_B1" /v1/scenarios && problem method_not_allowed
expect_post 405 "$T_B1" "/v1/scenarios/$run" && problem method_not_allowed
expect 400 "$T_B1" /v1/scenarios/x1 && problem invalid id

note "the analyst's next cycle runs them"
analyst_once
[ "$(q "SELECT string_agg(status, ',' ORDER BY run_id) FROM propagation_runs WHERE requested_by LIKE 'api:%'")" = done,done ] ||
    fail "runs: $(q "SELECT run_id, status, error FROM propagation_runs")"
expect 200 "$T_B1" "/v1/scenarios/$run"
[ "$(body .status)" = done ] && [ "$(body .n_impacted)" = "$(q "SELECT n_impacted FROM propagation_runs WHERE run_id = $run")" ] ||
    fail "done: $(cat "$TEST_TMP/body.json")"
[ "$(body '[.impacted[] | "\(.uscc):\(.tier):\(.tts_day):\(.ttr_day)"] | sort | join(",")')" = \
  "$(q "SELECT string_agg(uscc || ':' || tier || ':' || tts_day || ':' || coalesce(ttr_day::text, 'null'), ',' ORDER BY uscc || ':' || tier) FROM propagation_impacts WHERE run_id = $run AND uscc IN ('$S1', '$B1', '$S2', '$S4')")" ] ||
    fail "B1 sees itself and its counterparties: $(body .impacted)"
[ "$(body '[.impacted[].rank] | join(",")')" = "$(seq -s, 1 "$(body '.impacted | length')")" ] || fail "ranks"
jq -e '[.impacted[].lost_units] as $l | $l == ($l | sort | reverse)' "$TEST_TMP/body.json" >/dev/null || fail "ranked by lost units"
# S1 is back on day 60; B1 runs out of batteries before that
[ "$(body .shock_ttr_day)" = 60 ] || fail "shock ttr: $(body .shock_ttr_day)"
[ "$(body ".impacted[] | select(.uscc == \"$B1\") | \"\(.tts_day < 60) \(.falls_before_recovery)\"")" = "true true" ] ||
    fail "B1 falls below plan before S1 recovers: $(body .impacted)"
[ "$(body ".impacted[] | select(.uscc == \"$S1\") | .falls_before_recovery")" = false ] || fail "the shocked node itself"
expect 200 "$T_ZJ" "/v1/scenarios/$run"
[ "$(body '[.impacted[].region_code | startswith("33")] | all')" = true ] || fail "a bureau sees impacts in its regions only"
expect 200 "$T_ZJ" "/v1/scenarios/$zrun"
[ "$(body .status)" = done ] && [ "$(body '.scenario.regions[0]')" = 330100 ] && [ "$(body .scenario.production)" = leontief ] ||
    fail "Zhejiang's run: $(cat "$TEST_TMP/body.json")"
expect 404 "$T_B1" "/v1/scenarios/$zrun"
flood=$(q "SELECT run_id FROM propagation_runs WHERE risk_id = 'FLOOD-9' LIMIT 1")
expect 200 "$T_SZ" "/v1/scenarios/$flood"   # standing runs of risk events: every bureau
[ "$(body .risk_id)" = FLOOD-9 ] && [ "$(body '[.impacted[].uscc] | join(",")')" = "$S3" ] || fail "the flood's run in Shenzhen: $(cat "$TEST_TMP/body.json")"

note "clean shutdown"
stop_service api
note "ok"
