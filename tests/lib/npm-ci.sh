#!/usr/bin/env bash
# npm-ci.sh DIR - installs DIR's npm packages, pinned by its
# package-lock.json, with `npm ci` into DIR/node_modules, only when they
# are missing or the lock file changed since. For test tools that come
# from npm (deploy/local/install-deps.sh installs npm itself).
set -euo pipefail
dir=$(cd "${1:?usage: npm-ci.sh DIR}" && pwd)
if [ -f "$dir/node_modules/.package-lock.json" ] &&
    [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    exit 0
fi
command -v npm >/dev/null || {
    echo "npm-ci: npm is missing (deploy/local/install-deps.sh installs it)" >&2
    exit 1
}
echo "npm-ci: npm ci in $dir" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
