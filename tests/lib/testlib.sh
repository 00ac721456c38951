# testlib.sh - shared helpers of the shell integration tests; source it.
# Every service a test starts logs to $TEST_TMP/NAME.log, is stopped with
# SIGTERM and must exit 0 (under the sanitizer build a leak or any
# sanitizer report makes that fail). On failure the logs are printed.
set -euo pipefail
: "${CS_BIN:?CS_BIN must name the folder of the built programs}"
: "${CS_SRC:?CS_SRC must name the source tree}"

TEST_TMP=$(mktemp -d /tmp/cs-test.XXXXXX)
chmod 755 "$TEST_TMP"
declare -A SVC_PID=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

note() { echo "--- [${SECONDS}s] $*" >&2; }

# node ARGS... - runs a Node.js >= 20 (tests/lib/node20.sh: the system's,
# or a pinned one from npm where Debian's 18 is too old).
node() {
    if [ -z "${CS_NODE:-}" ]; then
        CS_NODE=$("$CS_SRC/tests/lib/node20.sh") || fail "no Node.js >= 20"
    fi
    "$CS_NODE" "$@"
}

# _dump_metrics - on failure, the cs_* samples of every service still up
# (found by the port in its log), to tell a stalled one from a slow one.
_dump_metrics() {
    local name port
    for name in "${!SVC_PID[@]}"; do
        port=$(grep -o '"\(http_\)\?port":[0-9]*' "$TEST_TMP/$name.log" 2>/dev/null |
            grep -v '"port":0' | head -n 1 | cut -d: -f2) || true
        [ -n "$port" ] || continue
        echo "===== $name /metrics (cs_* samples) =====" >&2
        curl -s -m 2 "http://127.0.0.1:$port/metrics" 2>/dev/null |
            grep '^cs_' | head -n 60 >&2 || true
    done
}

# at_exit COMMAND - runs COMMAND (with eval) when the test ends, after its
# services are killed, before TEST_TMP is removed; its status does not
# change the test's (a trap of the test's own would: _cleanup must see the
# test's status first).
_AT_EXIT=()
at_exit() { _AT_EXIT+=("$1"); }

_cleanup() {
    local rc=$?
    [ $rc -eq 0 ] || _dump_metrics
    for name in "${!SVC_PID[@]}"; do
        kill -KILL "${SVC_PID[$name]}" 2>/dev/null || true
    done
    if [ $rc -ne 0 ]; then
        for log in "$TEST_TMP"/*.log; do
            [ -f "$log" ] || continue
            echo "===== $(basename "$log") (last 40 lines) =====" >&2
            tail -n 40 "$log" >&2
        done
    fi
    for cmd in "${_AT_EXIT[@]}"; do
        eval "$cmd" || true
    done
    rm -rf "$TEST_TMP"
    exit $rc
}
trap _cleanup EXIT

# wait_for SECONDS DESCRIPTION COMMAND... - polls COMMAND every 0.1 s until
# it succeeds; fails the test after SECONDS.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            # the last attempt once more, with its output, to say why
            echo "last attempt of: $*" >&2
            "$@" >&2 || true
            fail "timed out after ${secs}s waiting for $what"
        fi
        sleep 0.1
    done
}

# pg_test_db NAME - clones the migrated template; prints its DSN.
pg_test_db() {
    local state=${CS_TEST_PG_STATE:?run under ctest: the pg fixture sets it}
    local dir
    dir=$(cat "$state") || fail "the PostgreSQL fixture is not running"
    local name="t_$1_$$"
    createdb -h "$dir/run" -p 5432 -U postgres -T cs_template "$name"
    echo "host=$dir/run port=5432 dbname=$name user=postgres"
}

# start_service NAME COMMAND... - runs in the background, logs captured.
start_service() {
    local name=$1
    shift
    "$@" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.log" &
    SVC_PID[$name]=$!
}

# stop_service NAME - SIGTERM, then the exit status must be 0.
stop_service() {
    kill -TERM "${SVC_PID[$1]}"
    await_exit "$1"
}

# await_exit NAME - waits (30 s at most) for NAME, already told to stop,
# to exit; its exit status must be 0. For a test that sent the signal
# itself: signalling again could find the process already gone.
await_exit() {
    local name=$1 pid=${SVC_PID[$1]} rc=0
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || fail "$name did not stop within 30s of SIGTERM"
        sleep 0.1
    done
    wait "$pid" || rc=$?
    unset "SVC_PID[$name]"
    [ $rc -eq 0 ] || fail "$name exited with status $rc after SIGTERM"
}

# log_field NAME MSG KEY - the integer KEY of the first log line of NAME
# whose msg is MSG.
log_field() {
    grep -F "\"msg\":\"$2\"" "$TEST_TMP/$1.log" | head -n 1 |
        grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# start_devbroker - a devbroker on free ports; sets BROKERS.
start_devbroker() {
    start_service devbroker "$CS_BIN/cs-devbroker" --port 0 --http-port 0 \
        --addr-file "$TEST_TMP/broker.addr" "$@"
    wait_for 20 "the devbroker's address" test -s "$TEST_TMP/broker.addr"
    BROKERS=$(cat "$TEST_TMP/broker.addr")
    export BROKERS
}

# now_ms - milliseconds since the epoch (for tests that reason about a
# cache's windows)
now_ms() { date +%s%3N; }

# pg_lock DSN TABLE - another session takes an exclusive lock on TABLE
# and holds it (every read of it waits) until pg_unlock.
pg_lock() {
    coproc PG_LOCKER { psql "$1" -qAt -v ON_ERROR_STOP=1; }
    echo "BEGIN; LOCK TABLE $2 IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&"${PG_LOCKER[1]}"
    local line
    read -r -t 20 line <&"${PG_LOCKER[0]}" && [ "$line" = locked ] || fail "could not lock $2"
}
pg_unlock() {
    echo "COMMIT;" >&"${PG_LOCKER[1]}"
    exec {PG_LOCKER[1]}>&-
    wait "$PG_LOCKER_PID" || fail "the locking session failed"
}

# metric NAME_WITH_LABELS URL - the value of one sample on a /metrics page.
metric() {
    curl -sf "$2" | awk -v m="$1" '$1 == m { print $2 }'
}
