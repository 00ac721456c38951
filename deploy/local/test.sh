#!/usr/bin/env bash
# test.sh - README command 2: installs what is missing, builds with
# AddressSanitizer + UndefinedBehaviorSanitizer (and the release build,
# warning-free), and runs every test
# (unit, db, kafka, e2e; benchmarks are separate: tests/bench/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
deploy/local/install-deps.sh
cmake --preset asan
cmake --build --preset asan
# the optimised build (the demo's and the benchmarks') warns differently
# (-Wmaybe-uninitialized, -Wformat-truncation after inlining): CI builds
# it with -Werror too
cmake --preset release -DCS_WERROR=ON
cmake --build --preset release
tests/e2e/setup.sh # the dashboard tests' npm packages (npm ci, when changed)
tests/lib/node20.sh >/dev/null # Node >= 20 for them (Debian 12 has 18)
ctest --preset asan -j "$(nproc)"
