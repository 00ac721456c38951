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

note "the credit-code domain accepts exactly what the format regex of 0001 accepts"
# 0062 replaced the regex with byte checks (cheaper per row). 20,000
# strings: well-formed codes, and codes with one character replaced, cut
# short or made longer, from a wider alphabet (lower case, the letters GB
# 32100 leaves out, a backslash, non-ASCII), judged in two client
# encodings (the check reads textsend's bytes).
psql "$dsn" -qAt -v ON_ERROR_STOP=1 >"$TEST_TMP/uscc.out" 2>&1 <<'SQL' ||
SELECT setseed(0.2026);
CREATE TEMP TABLE cand AS
WITH codes AS (
    SELECT k, (SELECT string_agg(CASE WHEN p BETWEEN 3 AND 8
                   THEN substr('0123456789', 1 + floor(random() * 10)::int, 1)
                   ELSE substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
                               1 + floor(random() * 31)::int, 1) END, ''
                   ORDER BY p)
               FROM generate_series(1, 18) p WHERE k > 0) AS code
    FROM generate_series(1, 20000) k),
wide AS (SELECT '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\ -_éÉ中' AS w)
SELECT CASE k % 4
    WHEN 0 THEN code
    WHEN 1 THEN overlay(code PLACING substr(w, 1 + floor(random() * length(w))::int, 1)
                        FROM 1 + floor(random() * 18)::int FOR 1)
    WHEN 2 THEN left(code, floor(random() * 18)::int)
    ELSE code || substr(w, 1 + floor(random() * length(w))::int, 1)
    END AS s
FROM codes, wide;
CREATE FUNCTION pg_temp.judge() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; ok boolean; differ int := 0; yes int := 0; no int := 0;
BEGIN
    FOR r IN SELECT s FROM cand LOOP
        BEGIN
            PERFORM r.s::uscc;
            ok := true;
        EXCEPTION WHEN check_violation THEN
            ok := false;
        END;
        IF ok THEN yes := yes + 1; ELSE no := no + 1; END IF;
        IF ok <> (r.s ~ '^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$') THEN
            differ := differ + 1;
            RAISE WARNING 'judged differently: %', r.s;
        END IF;
    END LOOP;
    RETURN format('%s accepted %s rejected %s differ', yes, no, differ);
END $$;
SELECT pg_temp.judge();
SET client_encoding = 'GB18030';
SELECT pg_temp.judge();
SQL
    fail "the domain check failed: $(head -c 2000 "$TEST_TMP/uscc.out")"
grep -c ' 0 differ$' "$TEST_TMP/uscc.out" | grep -qx 2 ||
    fail "domain and regex differ: $(grep -v '^$' "$TEST_TMP/uscc.out" | head -20)"
read -r yes _ no _ < <(grep ' differ$' "$TEST_TMP/uscc.out" | head -1)
[ "$yes" -gt 4000 ] && [ "$no" -gt 4000 ] ||
    fail "the candidates should hold both kinds: $yes accepted, $no rejected"

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
