#!/usr/bin/env bash
# test.sh - README command 2: installs what is missing, builds with
# AddressSanitizer + UndefinedBehaviorSanitizer, and runs every test
# (unit, db, kafka, e2e; benchmarks are separate: tests/bench/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
deploy/local/install-deps.sh
cmake --preset asan
cmake --build --preset asan
tests/e2e/setup.sh # the dashboard tests' npm packages (npm ci, when changed)
tests/lib/node20.sh >/dev/null # Node >= 20 for them (Debian 12 has 18)
ctest --preset asan -j "$(nproc)"
