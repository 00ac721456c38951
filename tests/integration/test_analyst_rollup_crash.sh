#!/usr/bin/env bash
# test_analyst_rollup_crash.sh - the analyst's daily roll-ups and their
# state row are UNLOGGED (0057): crash recovery empties them together, so
# no state can claim roll-ups that are gone; the next cycle builds them
# again and computes the same indicators. A private cluster (the shared
# fixture's must not crash), stopped in immediate mode: no shutdown
# checkpoint, so the start recovers as after a crash.
source "$CS_SRC/tests/lib/testlib.sh"
at_exit '"$CS_SRC/deploy/local/pg.sh" stop "$TEST_TMP/pg" >/dev/null 2>&1'

S=91330106MA2CRXWH02 # Hangzhou, the supplier
B=91330200MA2CRXWH0G # Ningbo, its buyer
pg() { CS_PG_TCP=0 "$CS_SRC/deploy/local/pg.sh" "$@" "$TEST_TMP/pg" 5432; }
pg start 2>"$TEST_TMP/pgsh.log" || fail "PostgreSQL: $(cat "$TEST_TMP/pgsh.log")"
dsn=$(pg dsn)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# as the shared fixture: nothing here needs to survive the machine
q "ALTER SYSTEM SET fsync = off" && q "SELECT pg_reload_conf()" >/dev/null
"$CS_BIN/cs-admin" migrate --pg-dsn "$dsn" --log-level warn || fail "migrate"

note "a supplier with ten deliveries, three of them late"
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO tenants (tenant_id, enterprise) VALUES ('$S', '$S'), ('$B', '$B');
INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon, tenant_id) VALUES
 ('$S', 'Crash Cells', '330106', 'C3841', 30.26, 120.13, '$S'),
 ('$B', 'Crash Cars', '330200', 'C3610', 29.87, 121.54, '$B');
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
VALUES ('$S', '$B', 'BAT', 1, 14, '$B', 'sl-1', '2026-01-01');
CREATE TEMP TABLE o AS
SELECT k, 'PO-' || k AS order_id, timestamptz '2026-11-30' - make_interval(days => 100 - 8 * k) AS ot,
       CASE WHEN k >= 7 THEN 20 ELSE 12 END AS lead
FROM generate_series(0, 9) AS k;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
SELECT '$B', order_id, '$B', '$S', ot, 'CNY', 1, 'o-' || order_id, ot, 'test' FROM o;
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier, sku, quantity, unit, unit_price, currency, requested_time, event_id, event_time)
SELECT '$B', order_id, 1, ot, '$B', '$S', 'BAT', 100, 'PCS', 10, 'CNY', ot + interval '14 days', 'o-' || order_id, ot FROM o;
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at, delivered_at, n_lines, event_id, event_time, source)
SELECT '$S', 'ASN-' || order_id, '$S', '$B', order_id, ot + make_interval(days => lead - 2), ot + make_interval(days => lead), 1, 's-' || order_id, ot, 'test' FROM o;
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier, buyer, order_id, order_line_no, sku, quantity, unit, event_id, event_time)
SELECT '$S', 'ASN-' || order_id, 1, ot + make_interval(days => lead - 2), '$S', '$B', order_id, 1, 'BAT', 90, 'PCS', 's-' || order_id, ot FROM o;
SQL

export CS_PG_DSN=$dsn CS_KAFKA_BROKERS= CS_ANALYST_AS_OF=2026-11-30T00:00:00Z
export CS_HTTP_PORT=0 CS_LOG_LEVEL=info
cycle() {
    "$CS_BIN/cs-analyst" --once >"$TEST_TMP/$1.out" 2>"$TEST_TMP/$1.log" ||
        fail "cycle $1: $(cat "$TEST_TMP/$1.log")"
    grep '"msg":"cycle done"' "$TEST_TMP/$1.log" | grep -q "\"rollup_built\":$2" ||
        fail "cycle $1 should have rollup_built $2: $(grep '"msg":"cycle done"' "$TEST_TMP/$1.log")"
}
# 10 deliveries, 7 on time (12 days after ordering, 2 before wanted), 3
# late (20 days); 900 of 1,000 ordered shipped
ind() { q "SELECT n_deliveries || ' ' || round(on_time_rate::numeric, 4) || ' ' || round(lead_time_mean_days::numeric, 2)
           || ' ' || round(fill_rate::numeric, 4) || ' ' || round(customer_hhi::numeric, 4) FROM enterprise_indicators
           WHERE uscc = '$S' AND cycle_id = (SELECT max(cycle_id) FROM analyst_cycles)"; }
rolled() { q "SELECT (SELECT count(*) FROM analyst_roll_deliveries) || ' ' || (SELECT count(*) FROM analyst_roll_fill)
              || ' ' || (SELECT count(*) FROM analyst_roll_customers) || ' ' || (SELECT count(*) FROM analyst_roll_state)"; }
cycle first true
[ "$(ind)" = "10 0.7000 14.40 0.9000 1.0000" ] || fail "indicators of the first cycle: $(ind)"
[ "$(rolled)" = "10 10 10 1" ] || fail "roll-ups after the first cycle: $(rolled)"
[ "$(q "SELECT string_agg(relname || ':' || relpersistence::text, ' ' ORDER BY relname) FROM pg_class
        WHERE relname IN ('analyst_roll_deliveries', 'analyst_roll_fill', 'analyst_roll_customers', 'analyst_roll_state')")" = \
    "analyst_roll_customers:u analyst_roll_deliveries:u analyst_roll_fill:u analyst_roll_state:u" ] ||
    fail "the roll-ups and their state must be UNLOGGED together"
# the build drops the keys while it inserts and makes them again
[ "$(q "SELECT string_agg(conname, ' ' ORDER BY conname) FROM pg_constraint WHERE contype = 'p'
        AND conrelid::regclass::text LIKE 'analyst_roll_%'")" = \
    "analyst_roll_customers_pkey analyst_roll_deliveries_pkey analyst_roll_fill_pkey analyst_roll_state_pkey" ] ||
    fail "primary keys after the build"
cycle kept false
[ "$(ind)" = "10 0.7000 14.40 0.9000 1.0000" ] || fail "indicators with the roll-ups kept: $(ind)"

note "a crash empties the roll-ups and their state; the next cycle builds them"
CS_PG_STOP_MODE=immediate pg stop 2>/dev/null || fail "could not stop PostgreSQL"
pg start 2>"$TEST_TMP/pgsh.log" || fail "PostgreSQL after the crash: $(cat "$TEST_TMP/pgsh.log")"
grep -q 'database system was not properly shut down' "$TEST_TMP/pg/server.log" ||
    fail "the restart did not recover: $(tail -n 20 "$TEST_TMP/pg/server.log")"
[ "$(rolled)" = "0 0 0 0" ] || fail "after the crash: $(rolled)"
cycle after true
[ "$(ind)" = "10 0.7000 14.40 0.9000 1.0000" ] || fail "indicators after the crash: $(ind)"
[ "$(rolled)" = "10 10 10 1" ] || fail "roll-ups after the crash: $(rolled)"

note "the build runs ahead of the cycle, three tables at once; killed there, the state stays honest"
state() { q "SELECT coalesce(from_day::text, 'none') || ' ' || coalesce(cycle_id::text, 'none') FROM analyst_roll_state"; }
built_before=$(state)
[ "${built_before%% *}" != none ] || fail "the roll-ups should be built: $built_before"
q "UPDATE analyst_roll_state SET from_day = NULL" # as after a longer window: build again
cycles_before=$(q "SELECT count(*) FROM analyst_cycles")
# hold the fill roll-up: its builder waits at its TRUNCATE while the
# other two commit; kill the analyst there
psql "$dsn" -qAt -c "BEGIN" -c "LOCK TABLE analyst_roll_fill IN ACCESS SHARE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
have_lock() { [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                       WHERE c.relname = 'analyst_roll_fill' AND l.granted AND l.mode = 'AccessShareLock'")" = 1 ]; }
wait_for 10 "the lock" have_lock
start_service killed "$CS_BIN/cs-analyst" --once
# the fill builder waits; the others are done (the customers' and deliveries' scripts end idle)
blocked() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                    AND query LIKE '%TRUNCATE analyst_roll_fill%'")" = 1 ] &&
            [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'
                    AND query LIKE '%TRUNCATE analyst_roll_%' AND query NOT LIKE '%TRUNCATE analyst_roll_fill%'")" = 0 ]; }
wait_for 60 "the fill builder to wait" blocked
kill -KILL "${SVC_PID[killed]}"
wait "${SVC_PID[killed]}" 2>/dev/null || true
unset "SVC_PID[killed]"
[ "$(state)" = "none none" ] || fail "a build killed half way must leave the state saying not built: $(state)"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait $locker 2>/dev/null || true
# the orphaned builder ends (client_connection_check_interval) without committing a state
gone() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%TRUNCATE analyst_roll_%' AND pid <> pg_backend_pid()")" = 0 ]; }
wait_for 30 "the killed analyst's builders to end" gone
[ "$(state)" = "none none" ] || fail "after the builders ended: $(state)"
[ "$(q "SELECT count(*) FROM analyst_cycles")" = "$cycles_before" ] || fail "a killed build left a cycle row"
cycle rebuilt true
grep -q '"msg":"roll-ups built"' "$TEST_TMP/rebuilt.log" || fail "the roll-ups were not built ahead of the cycle"
[ "$(ind)" = "10 0.7000 14.40 0.9000 1.0000" ] || fail "indicators after the killed build: $(ind)"
[ "$(rolled)" = "10 10 10 1" ] || fail "roll-ups after the killed build: $(rolled)"
[ "$(state)" = "${built_before%% *} $(q "SELECT max(cycle_id) FROM analyst_cycles")" ] ||
    fail "the cycle should mark the roll-ups its own: $(state)"
[ "$(q "SELECT string_agg(conname, ' ' ORDER BY conname) FROM pg_constraint WHERE contype = 'p'
        AND conrelid::regclass::text LIKE 'analyst_roll_%'")" = \
    "analyst_roll_customers_pkey analyst_roll_deliveries_pkey analyst_roll_fill_pkey analyst_roll_state_pkey" ] ||
    fail "primary keys after the build ahead"
pg stop 2>/dev/null
note "ok"
