#!/bin/sh
# test_cli_risk.sh CS_MODEL - runs cs-model ahp, risk-index, iim, cascade
# and tts on small inputs and checks outputs, exit codes and error fields.
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
bin=$1
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# check NAME WANT_EXIT INPUT PATTERN... : every PATTERN (fixed string)
# must occur in stdout.
check() {
    name=$1 want=$2 cmd=$3 input=$4
    shift 4
    printf '%s' "$input" | "$bin" "$cmd" >"$out" 2>/dev/null
    got=$?
    ok=1
    [ "$got" -eq "$want" ] || { echo "FAIL $name: exit $got, want $want"; ok=0; }
    for pat in "$@"; do
        grep -qF -- "$pat" "$out" || { echo "FAIL $name: no '$pat' in $(cat "$out")"; ok=0; }
    done
    if [ $ok -eq 1 ]; then
        pass=$((pass + 1))
        echo "ok $name"
    else
        fail=$((fail + 1))
    fi
}

# AHP: textbook 3 x 3 matrix (weights 0.637 0.258 0.105, CR 0.033)
check ahp_weights 0 ahp '{"pairwise":[[1,3,5],[0.3333333333333333,1,3],[0.2,0.3333333333333333,1]]}' \
    '"weights":[0.6369855' '"lambda_max":3.03851' '"cr":0.0331992' '"ri":0.58'
check ahp_inconsistent 65 ahp '{"pairwise":[[1,9,0.1111111111111111],[0.1111111111111111,1,9],[9,0.1111111111111111,1]]}' \
    '"field":"pairwise"' 'inconsistent'
check ahp_not_square 65 ahp '{"pairwise":[[1,2]]}' '"field":"pairwise"'
check ahp_missing 65 ahp '{}' '"field":"pairwise"'

# IIM: Haimes & Jiang (2001) two-sector example, q = (0.571, 0.714)
check iim_static 0 iim '{"A":[[0,0.8],[0.2,0]],"c":[0,0.6]}' \
    '"q":[0.571428571428571' ',0.714285714285714' '"saturated":0'
# IIM: the 3-sector independent computation of test_iim.c, exact
# q = (159, 85, 214) / 778, loss x.q = (159, 170, 107)
check iim_three_sectors 0 iim '{"A":[[0,0.2,0.3],[0.4,0,0.1],[0.1,0.5,0]],"c":[0.1,0,0.2],"x":[778,1556,389]}' \
    '"q":[0.2043701799485' ',0.1092544987146' ',0.2750642673521' '"loss":[159.0000000000' ',170.0000000000'
# IIM: Hefferon, Linear Algebra, Topic: Input-Output Analysis (steel and
# auto, Leontief 1965 data; see test_iim.c): a*_ij = z_ij / x_i, steel's
# final demand 100 lower. The book prints s 25 698 -> 25 571 (127 lost)
# and a 30 311 -> 30 311; exact losses L (100, 0) = (126.9417, 0.3409).
check iim_hefferon_steel_auto 0 iim '{"A":[[0.2120009430996542,0.10468406161584408],[0.0015817570684768998,0.29756804850721674]],"c":[0.00392958189248664,0],"x":[25448,30346]}' \
    '"saturated":0' '"loss":[126.941679905' ',0.34086904551'
check iim_capped 0 iim '{"A":[[0.5,0],[0.6,0]],"c":[0.8,0],"x":[10,10]}' \
    '"q":[1,0.6' '"q_raw":[1.6,0.96' '"saturated":1' '"loss":[10,6'
check iim_dynamic 0 iim '{"A":[[0.2]],"c":[0],"k":[0.1],"q0":[0.5],"days":2}' \
    '"q_t":[[0.5],[0.4599999999' ',[0.4231999999'
check iim_c_length 65 iim '{"A":[[0,0.8],[0.2,0]],"c":[0]}' '"field":"c"'
check iim_not_square 65 iim '{"A":[[0,0.8]],"c":[0]}' '"field":"A"'
check iim_c_range 65 iim '{"A":[[0.1]],"c":[2]}' '"field":"c"'
check iim_singular 70 iim '{"A":[[1]],"c":[0.5]}' '"field":"A"' 'spectral radius 1,'
check iim_overshoot 65 iim '{"A":[[0]],"c":[0],"k":[3]}' '"field":"k"'
check iim_bad_json 65 iim '{"A":[[NaN]]' '"error"'

# risk index: three suppliers, entropy weights, groups by max
check risk_index 0 risk-index '{"indicators":["on_time_rate","lead_time_cv"],"directions":["safer","riskier"],"x":[[0.98,0.1],[0.71,0.4],[0.9,null]],"ids":["a","b","c"],"aggregate":{"groups":[0,0,1],"method":"max"}}' \
    '"weight_method":"entropy"' '"id":"b","score":100,"level":"red"' \
    '"explanation":"100, red: ' 'lead_time_cv missing' '"groups":[{"group":0,"score":100'
check risk_index_ahp 0 risk-index '{"directions":["safer","riskier"],"x":[[1,1],[0,0]],"weights":"ahp","pairwise":[[1,3],[0.3333333333333333,1]]}' \
    '"weight_method":"ahp"' '"weights":[0.7499999' '"id":0,"score":25,' '"id":1,"score":74.99999'
check risk_index_direction 65 risk-index '{"directions":["up"],"x":[[1],[2]]}' '"field":"directions"'
check risk_index_x 65 risk-index '{"directions":["up"],"x":[[1],["a"]]}' '"field":"x"'
check risk_index_weights 65 risk-index '{"directions":["safer"],"x":[[1],[2]],"weights":[-1]}' '"field":"weights"'

# cascade: supplier 0 down 10 days, buyer 1 has 5 days of stock
graph='"nodes":[{"output":100,"value":2},{"output":50,"value":10}],"links":[{"from":0,"to":1,"volume":100,"share":1,"cover_days":5}]'
check cascade 0 cascade "{$graph,\"shocks\":[{\"nodes\":[0],\"loss\":1,\"days\":10}],\"horizon_days\":30}" \
    '"n_impacted":2' '"node":1,"tier":1,"tts_day":6,"ttr_day":11' '"total_lost_value":4500'
check cascade_zero 0 cascade "{$graph,\"shocks\":[{\"nodes\":[0],\"loss\":0,\"days\":10}]}" \
    '"n_impacted":0' '"impacts":[]'
check cascade_cover 65 cascade '{"nodes":[{},{}],"links":[{"from":0,"to":1,"cover_days":-1}],"shocks":[]}' \
    '"field":"links"' 'coverage'
check cascade_node 65 cascade '{"nodes":[{},{}],"links":[{"from":0,"to":5}],"shocks":[]}' \
    '"field":"links[0].to"'
check cascade_shock 65 cascade "{$graph,\"shocks\":[{\"nodes\":[0],\"loss\":2,\"days\":1}]}" '"field":"shocks"'

# TTS: 70 units of stock + 5/day spare vs 10/day demand -> 14 days
# TTS through the tiers (test_tts.c: multi_tier_chain): 0 -> 1 -> 2, node
# 2's stock and an alternative supplier carry it to 10 days; first tier 5
chain='"nodes":[{"ttr":9},{},{},{"spare":2}],"links":[{"from":0,"to":1,"volume":10,"share":1,"cover_days":5},{"from":1,"to":2,"product":7,"volume":10,"share":1,"cover_days":3},{"from":3,"to":2,"product":7,"volume":1}],"targets":[0]'
check tts_tiers 0 tts "{$chain}" '"tts_days":10,' '"hidden_risk":false'
check tts_first_tier 0 tts "{$chain,\"max_tiers\":1}" '"tts_days":5,' '"hidden_risk":true'
check tts_bad_tiers 65 tts "{$chain,\"max_tiers\":0.5}" '"field":"max_tiers"'
check tts 0 tts '{"nodes":[{"ttr":30},{"spare":5,"ttr":10},{}],"links":[{"from":0,"to":2,"volume":10,"share":0.5,"cover_days":7},{"from":1,"to":2,"volume":10,"share":0.5,"cover_days":7}]}' \
    '"node":0,"tts_days":14,"ttr_days":30,"capped":false,"hidden_risk":true' '"n_hidden_risks":2'
check tts_targets 65 tts '{"nodes":[{}],"links":[],"targets":[3]}' '"field":"targets"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
