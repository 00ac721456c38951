#!/usr/bin/env bash
# test_ingest_faults.sh - nothing lost, nothing doubled: cs-ingest killed
# with SIGKILL mid-stream, PostgreSQL restarted mid-stream, and two
# consumers sharing one group through a rebalance. Rows are counted and
# checksummed against what was produced (with kcat).
source "$CS_SRC/tests/lib/testlib.sh"

N=2000
A=91350100M000100Y43
B=91110000802100433B

# A private cluster: this test restarts it.
export CS_PG_TCP=0
"$CS_SRC/deploy/local/pg.sh" start "$TEST_TMP/pg" 5432 2>/dev/null
at_exit '"$CS_SRC/deploy/local/pg.sh" stop "$TEST_TMP/pg" >/dev/null 2>&1'
dsn="host=$TEST_TMP/pg/run port=5432 dbname=chainsight user=postgres"
"$CS_BIN/cs-admin" migrate --pg-dsn "$dsn" --log-level warn
q() { psql "$dsn" -qAt -c "$1"; }

start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_KAFKA_EXTRA=fetch.wait.max.ms=10,session.timeout.ms=6000,heartbeat.interval.ms=500
export CS_BATCH_MAX_EVENTS=100 CS_BATCH_MAX_WAIT_MS=20

# events PREFIX - N orders, quantity i for order i (the checksum)
events() {
    for i in $(seq 1 $N); do
        printf '%s/%s-%d|{"specversion":"1.0","id":"%s-%d","source":"erp://t","type":"cs.order.v1","time":"2026-11-01T00:00:00Z","tenantid":"%s","data":{"order_id":"%s-%d","buyer":"%s","supplier":"%s","order_date":"2026-11-01","lines":[{"line_no":1,"sku":"X","quantity":%d,"unit":"PCS"}]}}\n' \
            "$A" "$1" "$i" "$1" "$i" "$A" "$1" "$i" "$A" "$B" "$i"
    done
}
produce() { kcat -P -b "$BROKERS" -t cs.orders -K '|'; }
# produce_slowly PREFIX - the same events in 20 parts a tenth of a second
# apart, in the background ($producer): the stream still flows when the
# test strikes (cs-ingest stores 2,000 events faster than kcat sends them
# in one go)
produce_slowly() {
    events "$1" | split -l $((N / 20)) \
        --filter="kcat -P -b '$BROKERS' -t cs.orders -K '|'; sleep 0.1" &
    producer=$!
}
count() { q "SELECT count(*) FROM orders WHERE order_id LIKE '$1-%'"; }
all_in() { [ "$(count "$1")" = "$N" ]; }
# exactly N orders, N lines, N ledger entries, and sum(quantity) = N(N+1)/2
check_exact() {
    local want=$((N * (N + 1) / 2))
    [ "$(count "$1")" = "$N" ] || fail "$1: $(count "$1") orders, want $N"
    [ "$(q "SELECT count(*) FROM order_lines WHERE order_id LIKE '$1-%'")" = "$N" ] ||
        fail "$1: order lines doubled or lost"
    [ "$(q "SELECT count(*) FROM ingested_events WHERE event_id LIKE '$1-%'")" = "$N" ] ||
        fail "$1: ledger count"
    [ "$(q "SELECT sum(quantity) FROM order_lines WHERE order_id LIKE '$1-%'")" = "$want" ] ||
        fail "$1: checksum $(q "SELECT sum(quantity) FROM order_lines WHERE order_id LIKE '$1-%'") != $want"
}
ingest_up() { log_field "$1" "ingest ready" http_port >/dev/null && [ -n "$(log_field "$1" "ingest ready" http_port)" ]; }
metrics_of() { echo "http://127.0.0.1:$(log_field "$1" "ingest ready" http_port)/metrics"; }

note "SIGKILL mid-stream, then restart"
start_service ingest1 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest" ingest_up ingest1
produce_slowly kill
some_stored() { [ "$(count kill)" -ge $((N / 4)) ]; }
wait_for 60 "a quarter stored" some_stored
kill -KILL "${SVC_PID[ingest1]}"
wait "${SVC_PID[ingest1]}" 2>/dev/null || true
unset "SVC_PID[ingest1]"
killed_at=$(count kill)
note "killed with $killed_at of $N stored"
[ "$killed_at" -lt "$N" ] || fail "everything was stored before the kill: not mid-stream"
start_service ingest2 "$CS_BIN/cs-ingest"
wait "$producer" || fail "kcat could not produce"
wait_for 90 "every order after the kill" all_in kill
check_exact kill

note "PostgreSQL restarted mid-stream"
produce_slowly pgr
some_pgr() { [ "$(count pgr)" -ge $((N / 4)) ]; }
wait_for 60 "a quarter stored" some_pgr
"$CS_SRC/deploy/local/pg.sh" stop "$TEST_TMP/pg" 2>/dev/null
retried() { grep -q '"msg":"could not store batch, retrying"' "$TEST_TMP/ingest2.log"; }
wait_for 30 "cs-ingest to notice" retried
wait "$producer" || fail "kcat could not produce"
"$CS_SRC/deploy/local/pg.sh" start "$TEST_TMP/pg" 5432 2>/dev/null
wait_for 90 "every order after the restart" all_in pgr
check_exact pgr
[ "$(metric cs_ingest_db_retries_total "$(metrics_of ingest2)")" -gt 0 ] || fail "no retry counted"
curl -sf "http://127.0.0.1:$(log_field ingest2 "ingest ready" http_port)/readyz" >/dev/null ||
    fail "/readyz should be ready again"

note "a batch fails mid-transaction while the next one is decoded"
# A session holding orders locked stops the writer's transaction part way
# (its ledger rows COPYed, the orders not yet written); then that backend
# is killed. The batch must be retried whole: nothing lost or doubled.
m2=$(metrics_of ingest2)
retries_before=$(metric cs_ingest_db_retries_total "$m2")
psql "$dsn" -qAt -c "BEGIN; LOCK TABLE orders IN EXCLUSIVE MODE; SELECT pg_sleep(600)" >/dev/null 2>&1 &
locker=$!
locked() { [ "$(q "SELECT count(*) FROM pg_locks WHERE relation = 'orders'::regclass AND mode = 'ExclusiveLock' AND granted")" = 1 ]; }
wait_for 30 "the lock on orders" locked
events mid | produce
blocked_pid() { q "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO orders%' LIMIT 1"; }
blocked() { [ -n "$(blocked_pid)" ]; }
wait_for 60 "a batch to wait on the lock" blocked
writer=$(blocked_pid)
[ "$(q "SELECT count(*) FROM pg_locks WHERE pid = $writer AND relation = 'ingested_events'::regclass")" -ge 1 ] ||
    fail "the blocked batch has not written its ledger rows yet: not mid-batch"
# the pipeline: a further batch is decoded while this one waits. More
# than one batch's worth of events is then polled and not yet stored (the
# further batch may be short: it closes after CS_BATCH_MAX_WAIT_MS; one
# of 88 events made ">= 2 batches" fail on a slower machine).
ahead() {
    [ $(($(metric cs_ingest_messages_total "$m2") - $(metric cs_ingest_events_stored_total "$m2") -
        $(metric cs_ingest_events_duplicate_total "$m2"))) -gt "$CS_BATCH_MAX_EVENTS" ]
}
wait_for 30 "the next batch to be decoded meanwhile" ahead
q "SELECT pg_terminate_backend($writer)" >/dev/null
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker" 2>/dev/null || true
wait_for 90 "every order after the failed batch" all_in mid
check_exact mid
[ "$(metric cs_ingest_db_retries_total "$m2")" -gt "$retries_before" ] || fail "the failed batch was not retried"

note "an order stored by another writer between a batch's check and its insert"
# cs-ingest inserts the headers of keys it found unstored without merging
# them. Here another session stores order race-1 (an older version, two
# lines in October) while the batch that holds race-1 waits on the lock
# that session holds: the insert then fails, the batch is stored again
# event by event, and race-1 ends as a revision: the event's header and
# its one line, the other version's lines gone.
psql "$dsn" -qAt -v ON_ERROR_STOP=1 >"$TEST_TMP/race.out" 2>&1 <<SQL &
BEGIN;
LOCK TABLE orders IN EXCLUSIVE MODE;
DO \$\$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity
                          WHERE wait_event_type = 'Lock'
                            AND query LIKE 'INSERT INTO orders%');
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time,
                    currency, n_lines, event_id, event_time, source)
VALUES ('$A', 'race-1', '$A', '$B', '2026-10-05', 'CNY', 2, 'other-1',
        '2026-10-06', 'erp://other');
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer,
                         supplier, sku, quantity, unit, currency, event_id,
                         event_time)
SELECT '$A', 'race-1', n, '2026-10-05', '$A', '$B', 'X', 100, 'PCS', 'CNY',
       'other-1', '2026-10-06' FROM generate_series(1, 2) n;
COMMIT;
SQL
racer=$!
race_locked() { [ "$(q "SELECT count(*) FROM pg_locks WHERE relation = 'orders'::regclass AND mode = 'ExclusiveLock' AND granted")" = 1 ]; }
wait_for 30 "the other writer's lock on orders" race_locked
refused_before=$(grep -c '"msg":"database refused the batch; storing its events one by one"' "$TEST_TMP/ingest2.log" || true)
printf '%s/race-1|{"specversion":"1.0","id":"race-1","source":"erp://t","type":"cs.order.v1","time":"2026-11-02T00:00:00Z","tenantid":"%s","data":{"order_id":"race-1","buyer":"%s","supplier":"%s","order_date":"2026-11-01","lines":[{"line_no":1,"sku":"X","quantity":5,"unit":"PCS"}]}}\n' \
    "$A" "$A" "$A" "$B" | produce
wait "$racer" || fail "the other writer failed: $(cat "$TEST_TMP/race.out")"
race_done() { [ "$(q "SELECT event_id FROM orders WHERE order_id = 'race-1'")" = race-1 ]; }
wait_for 60 "race-1 stored over the other version" race_done
[ "$(q "SELECT string_agg(line_no || ':' || quantity || ':' || event_id, ' ' ORDER BY line_no) FROM order_lines WHERE order_id = 'race-1'")" = "1:5:race-1" ] ||
    fail "race-1's lines: $(q "SELECT string_agg(line_no || ':' || quantity || ':' || event_id || ':' || order_time, ' ' ORDER BY line_no) FROM order_lines WHERE order_id = 'race-1'")"
[ "$(q "SELECT n_lines FROM orders WHERE order_id = 'race-1'")" = 1 ] || fail "race-1's header"
[ "$(grep -c '"msg":"database refused the batch; storing its events one by one"' "$TEST_TMP/ingest2.log")" -gt "$refused_before" ] ||
    fail "the batch was not refused: the race did not happen"
[ "$(metric 'cs_ingest_rejected_total{reason="db_rejected"}' "$m2")" = 0 ] || fail "an event was dead-lettered"

note "two consumers in one group, and a rebalance"
start_service ingest3 "$CS_BIN/cs-ingest"
wait_for 30 "the second consumer" ingest_up ingest3
events two | produce
wait_for 90 "every order with two consumers" all_in two
check_exact two
# one partition set per consumer: each must have read some of the events
both_read() {
    [ "$(metric cs_ingest_messages_total "$(metrics_of ingest2)")" -gt 0 ] &&
        [ "$(metric cs_ingest_messages_total "$(metrics_of ingest3)")" -gt 0 ]
}
events two2 >"$TEST_TMP/two2.txt"
produce <"$TEST_TMP/two2.txt"
wait_for 90 "the second wave" all_in two2
both_read || fail "one consumer held every partition: the group did not share them"
stop_service ingest3
events after | produce
wait_for 90 "every order after the rebalance" all_in after
check_exact two2
check_exact after
# six runs of N orders, and race-1
[ "$(q "SELECT count(*) FROM ingested_events")" = $((6 * N + 1)) ] || fail "ledger total: $(q "SELECT count(*) FROM ingested_events")"

note "the broker goes down mid-stream and comes back"
admin="http://127.0.0.1:$(log_field devbroker "devbroker ready" http_port)"
events brk | produce
kafka_errors() { grep -c '"msg":"librdkafka"' "$TEST_TMP/ingest2.log" || true; }
errors_before=$(kafka_errors)
curl -sf -X POST "$admin/brokers/1/down" >/dev/null || fail "could not take the broker down"
saw_down() { [ "$(kafka_errors)" -gt "$errors_before" ]; }
wait_for 30 "cs-ingest to see the broker down" saw_down
curl -sf -X POST "$admin/brokers/1/up" >/dev/null || fail "could not bring the broker up"
wait_for 120 "every order after the outage" all_in brk
check_exact brk

note "SIGTERM while the broker is killed"
# The batch in flight is stored and cs-ingest exits 0 within
# stop_service's 30 s, though Kafka takes neither the offset commit nor
# the leaving of the group; what Kafka did not answer is logged. A
# consumer with librdkafka's default session timeout (45 s; cs-ingest
# sets 10 s) waited that long before.
stop_service ingest2
CS_KAFKA_EXTRA=fetch.wait.max.ms=10 start_service ingest4 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest" ingest_up ingest4
events term | produce
some_term() { [ "$(count term)" -ge 1 ]; }
wait_for 60 "some orders stored" some_term
kill -KILL "${SVC_PID[devbroker]}"
wait "${SVC_PID[devbroker]}" 2>/dev/null || true
unset "SVC_PID[devbroker]"
stop_service ingest4
grep -Eq '"msg":"(offsets not committed on stop|the consumer did not leave its group in time)' \
    "$TEST_TMP/ingest4.log" || fail "cs-ingest did not log what Kafka did not answer"
# whole batches only: every stored order has its line and its ledger row
stored=$(count term)
[ "$(q "SELECT count(*) FROM order_lines WHERE order_id LIKE 'term-%'")" = "$stored" ] ||
    fail "term: orders and lines disagree"
[ "$(q "SELECT count(*) FROM ingested_events WHERE event_id LIKE 'term-%'")" = "$stored" ] ||
    fail "term: orders and ledger disagree"
note "ok"
