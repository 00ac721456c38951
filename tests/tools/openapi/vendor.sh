#!/usr/bin/env bash
# vendor.sh - copies Swagger UI (swagger-ui-dist, pinned by
# package-lock.json, integrity-checked by npm) into
# services/dashboard/vendor/swagger-ui, where cs-api serves it for the
# human-readable API page /api.html. The copies are committed, so cs-api
# needs no npm at run time; run this only to upgrade, then review the diff.
#   tests/tools/openapi/vendor.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=$here/../../../services/dashboard/vendor/swagger-ui
"$here/setup.sh"
src=$here/node_modules/swagger-ui-dist
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
    cp "$src/$f" "$dest/$f"
done
echo "vendor.sh: swagger-ui-dist $(node -p "require('$src/package.json').version") in $dest" >&2
