#!/usr/bin/env bash
# accuracy_table.sh [BUILD_DIR] - the accuracy table of
# docs/models/forecasting.md: every method of cs-forecast-eval on M1 and
# on the tourism competition, as markdown. Default build: build/release
# (cmake --preset release && cmake --build --preset release).
# MAPE/sMAPE in %, pooled over all series and steps of a period; tourism
# MASE scaled over the whole series (the printed MASE's convention).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$top/build/release}
eval_bin=$build/bin/cs-forecast-eval
data=$top/tests/data/forecasting
methods="naive snaive naive2 drift ses holt damped theta ets comb auto"

[ -x "$eval_bin" ] || { echo "accuracy_table: no $eval_bin (build the release preset)" >&2; exit 66; }

row() { # dataset method
    # exit status 1 (some short series failed, e.g. damped) still prints
    { "$eval_bin" "$data/$1/$1_long.csv" --method "$2" --threads 2 \
          2>/dev/null || true; } |
        awk -v m="$2" -v ds="$1" '
        $1 == "period" && $2 == "series" { in_table = 1; next }
        in_table && NF == 0 { in_table = 0 }
        in_table && ($1 == "yearly" || $1 == "quarterly" || $1 == "monthly" ||
                     $1 == "all") {
            smape[$1] = $4; mape[$1] = $5; mase[$1] = $7; c80[$1] = $8; c95[$1] = $9 }
        END {
            if (!("all" in mape))
                printf "| %s | failed | | | | | |\n", m
            else if (ds == "m1")
                printf "| %s | %s | %s | %s | %s | %s | %s / %s |\n", m,
                    mape["yearly"], mape["quarterly"], mape["monthly"],
                    mape["all"], smape["all"], c80["all"], c95["all"]
            else
                printf "| %s | %s / %s | %s / %s | %s / %s | %s / %s |\n", m,
                    mape["yearly"], mase["yearly"], mape["quarterly"],
                    mase["quarterly"], mape["monthly"], mase["monthly"],
                    c80["all"], c95["all"]
        }'
}

echo "### M1 (1001 series): MAPE, horizons 1-18 pooled"
echo
echo "| method | yearly | quarterly | monthly | all (1-18) | sMAPE all | cover 80 / 95 |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for m in $methods; do row m1 "$m"; done
echo
echo "### Tourism (1311 series): MAPE / MASE, full horizon"
echo
echo "| method | yearly (h 1-4) | quarterly (h 1-8) | monthly (h 1-24) | cover 80 / 95 |"
echo "|---|---:|---:|---:|---:|"
for m in $methods; do row tourism "$m"; done
