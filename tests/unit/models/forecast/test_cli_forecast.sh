#!/usr/bin/env bash
# test_cli_forecast.sh CS_MODEL CS_FORECAST_EVAL DATA_DIR - the JSON front
# ends `cs-model forecast` / `cs-model stock` and the exit codes of
# cs-forecast-eval, checked from outside.
set -euo pipefail
model=$1 evalbin=$2 data=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # name input pattern [want_exit]
    local out rc=0
    out=$(printf '%s' "$2" | "$model" "${4:-forecast}" 2>/dev/null) || rc=$?
    [ "$rc" -eq "${5:-0}" ] || fail "$1: exit $rc, want ${5:-0}: $out"
    grep -q -- "$3" <<<"$out" || fail "$1: no '$3' in $out"
}
expect "auto seasonal" '{"y":[112,118,132,129,121,135,148,148,136,119,104,118,115,126,141,135,125,149,170,170,158,133,114,140],"h":3,"period":12}' '"model":"Auto: median of SNaive'
expect "fixed ets" '{"y":[3,5,4,6,8,7,9],"h":2,"method":"ETS(A,N,N)","alpha":1}' '"mean":\[9,9\]'
expect "croston" '{"y":[0,0,3,0,0,0,2,0,0,4],"h":1,"method":"sba","alpha_size":0.1,"alpha_interval":0.1}' '"mean":\[0.9254045307443'
expect "intervals off" '{"y":[1,2,3,4],"h":1,"method":"naive","intervals":false}' '^{"method":"naive","model":"Naive","mean":\[4\]}$'
expect "empty series" '{"y":[],"h":3}' '"field":"y"' forecast 65
expect "horizon 0" '{"y":[1,2],"h":0}' '"field":"h"' forecast 65
expect "negative demand" '{"y":[1,-2,3],"h":2,"method":"tsb"}' 'negative' forecast 65
expect "unknown method" '{"y":[1,2],"h":1,"method":"arima"}' '"field":"method"' forecast 65
expect "all zeros" '{"y":[0,0,0,0],"h":2}' '"model":"Zero"'
expect "stock csl" '{"demand_mean":2500,"demand_sd":500,"lead_time":7,"lead_time_sd":7,"service_level":0.9}' '"safety_stock":22491.1' stock
expect "stock fill rate" '{"demand_mean":2500,"demand_sd":500,"lead_time":2,"fill_rate":0.975,"order_qty":10000}' '"safety_stock":66.69' stock
expect "stock eoq" '{"demand_mean":1,"demand_sd":0,"lead_time":1,"annual_demand":12000,"order_cost":4000,"holding_cost":100}' '"eoq":979.79' stock
expect "stock from history" '{"y":[20,22,19,25,24,23,26,28,27,30,29,31],"lead_time":2,"service_level":0.95}' '"reorder_point"' stock
expect "stock bad level" '{"demand_mean":1,"demand_sd":1,"lead_time":1,"service_level":1.5}' '"field":"service_level"' stock 65

rc=0; "$evalbin" >/dev/null 2>&1 || rc=$?; [ $rc -eq 64 ] || fail "eval no args: exit $rc"
rc=0; "$evalbin" /nonexistent.csv --method naive >/dev/null 2>&1 || rc=$?; [ $rc -eq 66 ] || fail "eval missing file: exit $rc"
rc=0; "$evalbin" "$data/forecasting/m1/m1_long.csv" --method bogus >/dev/null 2>&1 || rc=$?; [ $rc -eq 64 ] || fail "eval bad method: exit $rc"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'series_id,period,horizon,split,t,value\nA,monthly,2,train,1,x\n' >"$tmp/bad.csv"
rc=0; "$evalbin" "$tmp/bad.csv" --method naive >/dev/null 2>&1 || rc=$?; [ $rc -eq 65 ] || fail "eval bad value: exit $rc"
out=$("$evalbin" "$data/forecasting/tourism/tourism_long.csv" --method snaive --forecasts-out "$tmp/f.csv" --threads 2)
grep -q "yearly       MAPE    1-4         23.61      23.61" <<<"$out" || fail "tourism naive MAPE: $out"
head -1 "$tmp/f.csv" | grep -qx 'series_id,h,value,lo80,hi80,lo95,hi95' || fail "forecasts header"
[ "$(wc -l <"$tmp/f.csv")" -eq $((518 * 4 + 427 * 8 + 366 * 24 + 1)) ] || fail "forecast rows"
echo "cli forecast checks passed"
