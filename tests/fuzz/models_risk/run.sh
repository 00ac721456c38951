#!/usr/bin/env bash
# run.sh [SECONDS] - build fuzz_models_risk with clang, libFuzzer, ASan and
# UBSan straight from the sources (no CMake preset needed) and fuzz for
# SECONDS (default 60). Crashes land in ./crash-*.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${TMPDIR:-/tmp}/fuzz_models_risk
secs=${1:-60}
clang -std=c11 -g -O1 -D_GNU_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/models/core" -I"$top/models/risk" -I"$top/models/propagation" \
    "$top/tests/fuzz/models_risk/fuzz_models_risk.c" \
    "$top"/models/core/cs_err.c "$top"/models/risk/*.c \
    "$top"/models/propagation/*.c \
    $(pkg-config --cflags --libs gsl) -lglpk -lm -o "$out"
mkdir -p "$out.corpus"
exec "$out" -max_total_time="$secs" -max_len=2048 "$out.corpus"
