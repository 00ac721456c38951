#!/usr/bin/env bash
# pg-fixture.sh start|stop STATE_FILE - the throwaway PostgreSQL cluster
# shared by the db / e2e tests of one ctest run (a CTest fixture). It lives
# in a fresh folder under /tmp (reachable by the postgres account when we
# run as root), listens only on its Unix socket, runs with fsync off, and
# holds a migrated template database `cs_template` that each test clones.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?start or stop}
state=${2:?state file}
: "${CS_BIN:?CS_BIN must name the folder of the built programs}"

case "$cmd" in
start)
    if [ -s "$state" ]; then "$0" stop "$state" || true; fi
    dir=$(mktemp -d /tmp/cs-test-pg.XXXXXX)
    chmod 755 "$dir"
    CS_PG_TCP=0 "$src/deploy/local/pg.sh" start "$dir" 5432
    echo "$dir" >"$state"
    echo "fsync = off" >>"$dir/data/postgresql.conf"
    sock=$dir/run
    psql "host=$sock port=5432 dbname=postgres user=postgres" -qAt \
        -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" >/dev/null
    createdb -h "$sock" -p 5432 -U postgres cs_template
    "$CS_BIN/cs-admin" migrate \
        --pg-dsn "host=$sock port=5432 dbname=cs_template user=postgres" \
        --log-level warn
    ;;
stop)
    [ -s "$state" ] || exit 0
    dir=$(cat "$state")
    # immediate: no shutdown checkpoint for data about to be deleted (a
    # fast stop of a cluster full of test databases took minutes on a
    # loaded machine)
    CS_PG_STOP_MODE=immediate "$src/deploy/local/pg.sh" stop "$dir" || true
    rm -rf "$dir" "$state"
    ;;
*)
    echo "usage: pg-fixture.sh start|stop STATE_FILE" >&2
    exit 64
    ;;
esac
