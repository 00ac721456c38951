#!/usr/bin/env bash
# setup.sh - installs the end-to-end tests' npm packages (playwright-core,
# pinned by package-lock.json) into tests/e2e/node_modules with `npm ci`,
# only when they are missing or the lock file changed. Called by
# deploy/local/test.sh and, when needed, by test_dashboard.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/node_modules/.package-lock.json" ] &&
    [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    exit 0
fi
command -v npm >/dev/null || {
    echo "e2e setup: npm is missing (deploy/local/install-deps.sh installs it)" >&2
    exit 1
}
echo "e2e setup: npm ci in tests/e2e" >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
