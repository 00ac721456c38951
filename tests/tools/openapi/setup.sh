#!/usr/bin/env bash
# setup.sh - installs the OpenAPI tools (swagger-parser, swagger-ui-dist;
# pinned by package-lock.json) into tests/tools/openapi/node_modules, only
# when they are missing or the lock file changed. Called by
# test_openapi.sh and vendor.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../lib/npm-ci.sh" "$here"
