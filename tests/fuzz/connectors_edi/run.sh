#!/usr/bin/env bash
# run.sh [SECONDS] - build fuzz_connectors_edi with clang, libFuzzer, ASan
# and UBSan straight from the sources (no CMake preset needed) and fuzz
# for SECONDS (default 60), starting from the sample documents and the
# kept corpus. New inputs go to a scratch corpus; crashes to ./crash-*.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${TMPDIR:-/tmp}/fuzz_connectors_edi
secs=${1:-60}
common="$top/services/common"
clang -std=c11 -g -O1 -D_GNU_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/models/core" -I"$common" -I"$top/connectors/edi" \
    $(pkg-config --cflags yajl) \
    "$top/tests/fuzz/connectors_edi/fuzz_connectors_edi.c" \
    "$top"/connectors/edi/edi_*.c "$top/models/core/cs_err.c" \
    "$common/cs_event.c" "$common/cs_family.c" "$common/cs_json.c" \
    "$common/cs_ident.c" "$common/cs_str.c" "$common/cs_time.c" \
    $(pkg-config --libs yajl) -lm -o "$out"
mkdir -p "$out.corpus"
exec "$out" -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -dict="$top/tests/fuzz/connectors_edi/edi.dict" \
    "$out.corpus" "$top/tests/fuzz/connectors_edi/corpus" "$top/tests/data/edi"
