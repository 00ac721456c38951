#!/usr/bin/env bash
# run.sh [SECONDS] - fuzz fuzz_connectors_edi for SECONDS (default 60)
# outside CTest: builds it in the clang fuzz build (tests/fuzz/
# build_fuzz.cmake: ASan, UBSan, libFuzzer instrumentation; folder
# $CS_FUZZ_BUILD, default build/fuzz-clang) and starts from the kept
# corpus. New inputs go to a scratch corpus, crashes to ./crash-*.
# In CTest the same target runs as fuzz_connectors_edi (label fuzz).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${CS_FUZZ_BUILD:-$top/build/fuzz-clang}
secs=${1:-60}
cmake -DSRC="$top" -DBIN="$bin" -DCLANG="$(command -v clang)" \
    -DGENERATOR=Ninja -DTARGETS=fuzz_connectors_edi \
    -P "$top/tests/fuzz/build_fuzz.cmake"
scratch=${TMPDIR:-/tmp}/fuzz_connectors_edi.corpus
mkdir -p "$scratch"
exec "$bin/tests/fuzz_connectors_edi" -max_total_time="$secs" -timeout=10 \
    -max_len=8192 -dict="$here/edi.dict" "$scratch" "$here/corpus" "$top/tests/data/edi"
