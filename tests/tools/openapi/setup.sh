#!/usr/bin/env bash
# setup.sh - installs the OpenAPI tools (swagger-parser, swagger-ui-dist;
# pinned by package-lock.json) into tests/tools/openapi/node_modules with
# `npm ci`, only when they are missing or the lock file changed. Called by
# test_openapi.sh and vendor.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/node_modules/.package-lock.json" ] &&
    [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    exit 0
fi
command -v npm >/dev/null || {
    echo "openapi setup: npm is missing (deploy/local/install-deps.sh installs it)" >&2
    exit 1
}
echo "openapi setup: npm ci in tests/tools/openapi" >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
