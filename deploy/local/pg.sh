#!/usr/bin/env bash
# pg.sh - a private PostgreSQL 15 cluster for the demo and the tests.
#
#   deploy/local/pg.sh start   [DIR] [PORT]   initdb if needed, then start
#   deploy/local/pg.sh stop    [DIR]          fast shutdown ($CS_PG_STOP_MODE:
#                                             fast, or immediate for a
#                                             throwaway cluster)
#   deploy/local/pg.sh status  [DIR]
#   deploy/local/pg.sh dsn     [DIR] [PORT]   print the libpq connection string
#
# DIR defaults to $CS_PG_DIR or var/pg under the project; PORT to
# $CS_PG_PORT or 55432. The server listens on a Unix socket inside DIR/run
# and, unless CS_PG_TCP=0, on 127.0.0.1:PORT, with trust authentication: a
# development cluster, never a production one. `dsn` prints the socket
# form, which works in both cases. PostgreSQL refuses to run as root, so when this
# runs as root the cluster belongs to the unprivileged `postgres` account
# (created by Debian's package, or here if missing).
set -euo pipefail

# the comment block above, as help
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
top=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:-}
case "$cmd" in -h | --help) usage; exit 0 ;; esac
dir=${2:-${CS_PG_DIR:-$top/var/pg}}
port=${3:-${CS_PG_PORT:-55432}}
bin=/usr/lib/postgresql/15/bin

die() { echo "pg.sh: $*" >&2; exit 1; }
[ -x "$bin/pg_ctl" ] || die "PostgreSQL 15 is not installed (run deploy/local/install-deps.sh)"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
sock=$dir/run

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

ensure_owner() {
    [ "$(id -u)" -eq 0 ] || return 0
    id postgres >/dev/null 2>&1 ||
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown -R postgres: "$dir"
    # The server must reach DIR through every parent folder.
    as_owner test -x "$dir" ||
        die "the postgres account cannot enter $dir (a parent folder is private); set CS_PG_DIR to a folder under /tmp or /var"
}

case "$cmd" in
start)
    ensure_owner
    mkdir -p "$sock"
    chown --reference="$dir" "$sock"
    if [ ! -s "$data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
            die "initdb failed, see $dir/initdb.log"
        listen=127.0.0.1
        [ "${CS_PG_TCP:-1}" = 0 ] && listen=
        cat >>"$data/postgresql.conf" <<CONF
# ChainSight development cluster (deploy/local/pg.sh)
listen_addresses = '$listen'
unix_socket_directories = '$sock'
timezone = 'UTC'
max_connections = 200
shared_buffers = 256MB
synchronous_commit = on
logging_collector = off
CONF
    fi
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "pg.sh: already running in $data" >&2
        exit 0
    fi
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port" start >/dev/null ||
        die "could not start PostgreSQL on port $port, see $dir/server.log"
    as_owner "$bin/psql" -h "$sock" -p "$port" -U postgres -d postgres -qAt \
        -c "SELECT 1 FROM pg_database WHERE datname = 'chainsight'" |
        grep -q 1 ||
        as_owner "$bin/createdb" -h "$sock" -p "$port" -U postgres chainsight
    echo "pg.sh: PostgreSQL running on 127.0.0.1:$port (data $data)" >&2
    ;;
stop)
    if [ -s "$data/PG_VERSION" ] &&
        as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -m "${CS_PG_STOP_MODE:-fast}" -w stop >/dev/null
        echo "pg.sh: stopped" >&2
    fi
    ;;
status)
    as_owner "$bin/pg_ctl" -D "$data" status
    ;;
dsn)
    echo "host=$sock port=$port dbname=chainsight user=postgres"
    ;;
*)
    usage >&2
    exit 64
    ;;
esac
