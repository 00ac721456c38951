#!/usr/bin/env bash
# run.sh [SECONDS] - build fuzz_connectors_csv with clang, libFuzzer, ASan
# and UBSan straight from the sources and fuzz for SECONDS (default 60)
# from the kept corpus (first byte: which mapping, see the target).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${TMPDIR:-/tmp}/fuzz_connectors_csv
secs=${1:-60}
common="$top/services/common"
clang -std=c11 -g -O1 -D_GNU_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/models/core" -I"$common" -I"$top/connectors/csv" \
    $(pkg-config --cflags yajl) \
    "$top/tests/fuzz/connectors_csv/fuzz_connectors_csv.c" \
    "$top"/connectors/csv/csv_*.c "$top/models/core/cs_err.c" \
    "$common/cs_event.c" "$common/cs_family.c" "$common/cs_json.c" \
    "$common/cs_ident.c" "$common/cs_str.c" "$common/cs_time.c" \
    $(pkg-config --libs yajl) -lm -o "$out"
mkdir -p "$out.corpus"
exec "$out" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    "$out.corpus" "$top/tests/fuzz/connectors_csv/corpus"
