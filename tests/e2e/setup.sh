#!/usr/bin/env bash
# setup.sh - installs the end-to-end tests' npm packages (playwright-core,
# pinned by package-lock.json) into tests/e2e/node_modules, only when they
# are missing or the lock file changed. Called by deploy/local/test.sh
# and, when needed, by test_dashboard.sh.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../lib/npm-ci.sh" "$here"
