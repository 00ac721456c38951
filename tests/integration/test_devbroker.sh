#!/usr/bin/env bash
# test_devbroker.sh - cs-devbroker speaks Kafka to kcat, creates the
# topics and partitions it is told, holds a fixed port, refuses a second
# copy on the same port, reports dropped data, and stops cleanly.
source "$CS_SRC/tests/lib/testlib.sh"

note "help and bad configuration"
"$CS_BIN/cs-devbroker" --help | grep -q CS_BROKER_PORT || fail "--help lacks CS_BROKER_PORT"
rc=0
"$CS_BIN/cs-devbroker" --brokers 0 2>/dev/null || rc=$?
[ $rc -eq 78 ] || fail "--brokers 0: exit $rc, want 78"
rc=0
"$CS_BIN/cs-devbroker" --topics 'a:x' 2>/dev/null || rc=$?
[ $rc -eq 78 ] || fail "bad partition count: exit $rc, want 78"

note "a fixed port, topics and partitions as configured"
port=
for attempt in 1 2 3 4 5; do
    p=$((20000 + RANDOM % 30000))
    start_service devbroker "$CS_BIN/cs-devbroker" --port "$p" --brokers 2 \
        --topics 'cs.orders:2,cs.dlq,other:5' --partitions 4 --http-port 0 \
        --addr-file "$TEST_TMP/broker.addr"
    if wait_for 10 "devbroker on $p" test -s "$TEST_TMP/broker.addr" 2>/dev/null; then
        port=$p
        break
    fi
done 2>/dev/null || true
[ -n "$port" ] || fail "could not start a devbroker on a fixed port"
boot=$(cat "$TEST_TMP/broker.addr")
[ "$boot" = "127.0.0.1:$port,127.0.0.1:$((port + 1))" ] ||
    fail "bootstrap is $boot, want brokers on $port and $((port + 1))"
head -n 1 "$TEST_TMP/devbroker.out" | grep -qx "$boot" || fail "bootstrap not printed on stdout"

kcat -b "127.0.0.1:$port" -L >"$TEST_TMP/meta.txt"
grep -q ' 2 brokers:' "$TEST_TMP/meta.txt" || fail "metadata does not list 2 brokers"
grep -q 'topic "cs.orders" with 2 partitions' "$TEST_TMP/meta.txt" || fail "cs.orders partitions"
grep -q 'topic "cs.dlq" with 4 partitions' "$TEST_TMP/meta.txt" || fail "cs.dlq default partitions"
grep -q 'topic "other" with 5 partitions' "$TEST_TMP/meta.txt" || fail "other partitions"

note "produce and consume with kcat"
printf 'k1|hello\nk2|world\n' | kcat -P -b "$boot" -t cs.orders -K '|' -p 1
kcat -C -b "$boot" -t cs.orders -p 1 -o beginning -e -q -f '%k=%s\n' >"$TEST_TMP/got.txt"
[ "$(cat "$TEST_TMP/got.txt")" = "$(printf 'k1=hello\nk2=world')" ] ||
    fail "round trip returned: $(cat "$TEST_TMP/got.txt")"

note "a second copy on the same port refuses with a clear message"
rc=0
"$CS_BIN/cs-devbroker" --port "$port" --http-port 0 2>"$TEST_TMP/second.log" >/dev/null || rc=$?
[ $rc -eq 69 ] || fail "second devbroker: exit $rc, want 69"
grep -q 'port is in use' "$TEST_TMP/second.log" || fail "second devbroker gave no reason"

note "liveness and metrics"
hport=$(log_field devbroker "devbroker ready" http_port)
curl -sf "http://127.0.0.1:$hport/healthz" | grep -q '"ok"' || fail "/healthz"
[ "$(metric cs_devbroker_up "http://127.0.0.1:$hport/metrics")" = 1 ] || fail "cs_devbroker_up"
[ "$(metric cs_devbroker_brokers "http://127.0.0.1:$hport/metrics")" = 2 ] || fail "brokers gauge"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/brokers/1/down")
[ "$code" = 405 ] || fail "GET on a fault endpoint: $code, want 405"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$hport/brokers/9/down")
[ "$code" = 404 ] || fail "unknown broker: $code, want 404"

note "dropped data is reported (the mock keeps about 5 MiB per partition)"
head -c 1000 /dev/zero | tr '\0' 'x' >"$TEST_TMP/line"
for i in $(seq 1 7000); do cat "$TEST_TMP/line"; echo; done >"$TEST_TMP/bulk.txt"
kcat -P -b "$boot" -t other -p 0 -l "$TEST_TMP/bulk.txt"
has_dropped() {
    local v
    v=$(metric cs_devbroker_dropped_messages_total "http://127.0.0.1:$hport/metrics")
    [ "${v:-0}" -gt 0 ]
}
wait_for 20 "the dropped-messages counter" has_dropped
grep -q 'dropped its oldest messages' "$TEST_TMP/devbroker.log" || fail "no drop warning logged"

note "SIGTERM stops it cleanly and frees the port"
stop_service devbroker
start_service devbroker2 "$CS_BIN/cs-devbroker" --port "$port" --http-port 0 \
    --addr-file "$TEST_TMP/broker2.addr"
wait_for 10 "a restart on the same port" test -s "$TEST_TMP/broker2.addr"
stop_service devbroker2
note "ok"
