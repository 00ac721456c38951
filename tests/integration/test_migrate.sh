#!/usr/bin/env bash
# test_migrate.sh - cs-admin migrate applies pending migrations once, in a
# transaction each, records them, refuses an edited applied migration and
# leaves nothing behind when one fails.
source "$CS_SRC/tests/lib/testlib.sh"

dir=$(cat "$CS_TEST_PG_STATE")
db="t_migrate_$$"
createdb -h "$dir/run" -p 5432 -U postgres "$db"
dsn="host=$dir/run port=5432 dbname=$db user=postgres"
q() { psql "$dsn" -qAt -c "$1"; }
migrate() { "$CS_BIN/cs-admin" migrate --pg-dsn "$dsn" "$@"; }

note "fresh database: every migration applied"
n_files=$(ls "$CS_SRC"/sql/migrations/[0-9][0-9][0-9][0-9]_*.sql | wc -l)
migrate 2>"$TEST_TMP/m1.log"
[ "$(q 'SELECT count(*) FROM schema_migrations')" = "$n_files" ] ||
    fail "schema_migrations should hold $n_files rows"
grep -q '"msg":"applied migration","migration":"0001_foundation.sql"' "$TEST_TMP/m1.log" ||
    fail "no log line for 0001"
[ "$(q "SELECT to_regclass('order_lines') IS NOT NULL")" = t ] || fail "order_lines missing"
[ "$(q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'order_lines'::regclass")" -gt 100 ] ||
    fail "order_lines should have monthly partitions"

note "re-run: nothing to do"
migrate 2>"$TEST_TMP/m2.log"
grep -q '"applied":0' "$TEST_TMP/m2.log" || fail "second run applied something"
migrate --status >"$TEST_TMP/status.txt" 2>/dev/null
grep -q '^0001_foundation.sql .*20[0-9][0-9]-' "$TEST_TMP/status.txt" ||
    fail "--status does not show 0001 as applied"

note "a failing migration rolls back whole and stops the run"
mig=$TEST_TMP/migrations
mkdir "$mig"
cp "$CS_SRC"/sql/migrations/*.sql "$mig/"
cat >"$mig/9998_good.sql" <<'SQL'
CREATE TABLE t_good (x int);
SQL
cat >"$mig/9999_broken.sql" <<'SQL'
CREATE TABLE t_half (x int);
CREATE TABLE t_oops (x nosuchtype);
SQL
rc=0
migrate --migrations-dir "$mig" 2>"$TEST_TMP/m3.log" || rc=$?
[ $rc -ne 0 ] || fail "a broken migration should fail"
grep -q '9999_broken.sql' "$TEST_TMP/m3.log" || fail "error does not name the file"
grep -q 'nosuchtype' "$TEST_TMP/m3.log" || fail "error does not give the reason"
[ "$(q "SELECT to_regclass('t_good') IS NOT NULL")" = t ] || fail "9998 should have landed"
[ "$(q "SELECT to_regclass('t_half') IS NULL")" = t ] || fail "9999 left a table behind"
[ "$(q "SELECT count(*) FROM schema_migrations WHERE version = '9999'")" = 0 ] ||
    fail "9999 recorded although it failed"

note "an edited, already-applied migration is refused"
echo "-- edited" >>"$mig/9998_good.sql"
rm "$mig/9999_broken.sql"
rc=0
migrate --migrations-dir "$mig" 2>"$TEST_TMP/m4.log" || rc=$?
[ $rc -eq 78 ] || fail "edited migration: exit $rc, want 78"
grep -q 'was applied with other contents' "$TEST_TMP/m4.log" || fail "no clear message"

note "bad names and unreachable databases have clear exits"
touch "$mig/12_bad.sql"
rc=0
migrate --migrations-dir "$mig" 2>"$TEST_TMP/m5.log" || rc=$?
[ $rc -eq 78 ] && grep -q 'not named NNNN_what.sql' "$TEST_TMP/m5.log" ||
    fail "bad file name: exit $rc"
rc=0
"$CS_BIN/cs-admin" migrate --pg-dsn "host=$TEST_TMP port=1 dbname=x user=x" \
    2>"$TEST_TMP/m6.log" || rc=$?
[ $rc -eq 69 ] || fail "unreachable database: exit $rc, want 69"
rc=0
"$CS_BIN/cs-admin" frobnicate 2>/dev/null || rc=$?
[ $rc -eq 64 ] || fail "unknown command: exit $rc, want 64"
"$CS_BIN/cs-admin" migrate --help | grep -q CS_PG_DSN || fail "--help lacks CS_PG_DSN"
note "ok"
