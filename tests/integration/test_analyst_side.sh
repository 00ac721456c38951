#!/usr/bin/env bash
# test_analyst_side.sh - the work cs-analyst does beside a cycle, on more
# connections from the cycle's snapshot (the roll-up build ahead,
# criticality, forecasts, propagation runs; an incremental cycle's
# indicators and its roll-ups of the current scores), gives what the
# cycle computes on its one connection (CS_ANALYST_SIDE_CONNECTIONS=
# false): two copies of one generated province (the benchmark's
# generator, 1,000 enterprises), a full and an incremental cycle on each,
# every result compared. The aggregates of an incremental cycle beside
# it are summed in two parts: their means within 1e-12, the rest exactly.
source "$CS_SRC/tests/lib/testlib.sh"

dsn_a=$(pg_test_db side_a)
note "a generated province of 1,000 enterprises"
psql "$dsn_a" -qAt -v ON_ERROR_STOP=1 -v n=1000 -v opl=3 -v prod_every=10 -v series=20 \
    -f "$CS_SRC/tests/bench/analyst/province.sql" >"$TEST_TMP/gen.log" 2>&1 ||
    fail "generation: $(tail -5 "$TEST_TMP/gen.log")"
# the copy: the same rows, sequences and statistics
db_a=$(sed 's/.*dbname=\([^ ]*\).*/\1/' <<<"$dsn_a")
db_b="${db_a}_one"
createdb -h "$(sed 's/.*host=\([^ ]*\).*/\1/' <<<"$dsn_a")" -p 5432 -U postgres -T "$db_a" "$db_b" ||
    fail "could not copy the database"
dsn_b=${dsn_a/dbname=$db_a/dbname=$db_b}

# cycle SIDE DSN NAME ARGS... - one cs-analyst cycle; its log line in NAME.cycle
cycle() {
    local side=$1 dsn=$2 name=$3
    shift 3
    CS_PG_DSN=$dsn CS_KAFKA_BROKERS= CS_ANALYST_AS_OF=2026-11-30T00:00:00Z \
        CS_ANALYST_SIDE_CONNECTIONS=$side "$CS_BIN/cs-analyst" --once "$@" \
        >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.log" ||
        fail "cs-analyst ($name): $(tail -5 "$TEST_TMP/$name.log")"
    grep -F '"msg":"cycle done"' "$TEST_TMP/$name.log" | tail -n 1 >"$TEST_TMP/$name.cycle"
}
# dump DSN CYCLE NAME - the cycle's results, ordered, without times
dump() {
    local c=$2 out=$TEST_TMP/$3
    psql "$1" -qAt -v ON_ERROR_STOP=1 >"$out.tsv" <<SQL || fail "dump $3"
COPY (SELECT uscc, on_time_rate, lead_time_mean_days, lead_time_cv, fill_rate, supplier_hhi,
    single_source, customer_hhi, production_drop_z, utilisation, event_exposure, criticality,
    n_deliveries FROM enterprise_indicators WHERE cycle_id = $c ORDER BY uscc) TO STDOUT;
COPY (SELECT uscc, score, level, components, explanation FROM risk_scores
    WHERE cycle_id = $c ORDER BY uscc) TO STDOUT;
COPY (SELECT uscc, cycle_id, score, level FROM risk_scores_current ORDER BY uscc) TO STDOUT;
COPY (SELECT dedup_key, kind, level, status, subject, about, message, details, cycle_id
    FROM alerts ORDER BY dedup_key, alert_id) TO STDOUT;
COPY (SELECT enterprise, sku, model, first_period, mean, lo95, hi95, safety_stock
    FROM forecasts WHERE cycle_id = $c ORDER BY 1, 2) TO STDOUT;
COPY (SELECT kind, key, n_series, mean FROM forecast_aggregates WHERE cycle_id = $c ORDER BY 1, 2) TO STDOUT;
COPY (SELECT buyer, sku, current_supplier, candidate, rank, score, reason FROM alternative_suppliers
    WHERE cycle_id = $c ORDER BY 1, 2, 3, 5, 4) TO STDOUT;
COPY (SELECT chain, uscc, tier FROM chain_members ORDER BY 1, 2) TO STDOUT;
COPY (SELECT r.run_id, r.risk_id, i.uscc, i.tier, i.tts_day, i.ttr_day, i.min_level, i.lost_units FROM propagation_runs r
    JOIN propagation_impacts i USING (run_id) WHERE r.cycle_id = $c ORDER BY 1, 3) TO STDOUT;
COPY (SELECT * FROM analyst_roll_deliveries ORDER BY 1, 2) TO STDOUT;
COPY (SELECT * FROM analyst_roll_fill ORDER BY 1, 2, 3) TO STDOUT;
COPY (SELECT * FROM analyst_roll_customers ORDER BY 1, 2, 3) TO STDOUT;
SQL
    psql "$1" -qAt -v ON_ERROR_STOP=1 -c "COPY (SELECT kind, key, n_members, score_max,
        n_orange_or_worse, level, score_mean FROM risk_aggregates WHERE cycle_id = $c
        ORDER BY 1, 2) TO STDOUT" >"$out.agg" || fail "dump $3 aggregates"
}
last() { psql "$1" -qAt -c "SELECT max(cycle_id) FROM analyst_cycles"; }

note "a full cycle with work beside it, and one on one connection"
cycle true "$dsn_a" full_a
cycle false "$dsn_b" full_b
jq -e '.rollup_ahead_s > 0 and .criticality_side_s > 0 and .forecasts_side_s > 0
    and .propagation_side_s > 0 and .forecasts > 0 and .propagation_runs > 0' \
    "$TEST_TMP/full_a.cycle" >/dev/null || fail "not beside: $(cat "$TEST_TMP/full_a.cycle")"
jq -e '.rollup_ahead_s == 0 and .criticality_side_s == 0 and .forecasts_side_s == 0
    and .propagation_side_s == 0 and .rollup_built' \
    "$TEST_TMP/full_b.cycle" >/dev/null || fail "beside on one connection: $(cat "$TEST_TMP/full_b.cycle")"
[ "$(last "$dsn_a")" = "$(last "$dsn_b")" ] || fail "the cycles' numbers differ"
dump "$dsn_a" "$(last "$dsn_a")" full_a
dump "$dsn_b" "$(last "$dsn_b")" full_b
[ "$(wc -l <"$TEST_TMP/full_a.tsv")" -gt 5000 ] || fail "too little to compare: $(wc -l <"$TEST_TMP/full_a.tsv") rows"
cmp -s "$TEST_TMP/full_a.tsv" "$TEST_TMP/full_b.tsv" ||
    fail "the full cycles differ: $(diff "$TEST_TMP/full_a.tsv" "$TEST_TMP/full_b.tsv" | head -5)"
cmp -s "$TEST_TMP/full_a.agg" "$TEST_TMP/full_b.agg" ||
    fail "the full cycles' aggregates differ: $(diff "$TEST_TMP/full_a.agg" "$TEST_TMP/full_b.agg" | head -5)"

note "1,000 new events, then an incremental cycle on each"
for d in "$dsn_a" "$dsn_b"; do
    psql "$d" -qAt -v ON_ERROR_STOP=1 -v k=500 -v tag=side \
        -f "$CS_SRC/tests/bench/analyst/new_events.sql" >>"$TEST_TMP/new.log" 2>&1 ||
        fail "new events: $(tail -5 "$TEST_TMP/new.log")"
done
cycle true "$dsn_a" incr_a --incremental
cycle false "$dsn_b" incr_b --incremental
jq -e '.full == false and .recomputed > 100 and .indicators_side_s > 0 and .aggregates_side' \
    "$TEST_TMP/incr_a.cycle" >/dev/null || fail "not beside: $(cat "$TEST_TMP/incr_a.cycle")"
jq -e '.full == false and .indicators_side_s == 0 and (.aggregates_side | not)' \
    "$TEST_TMP/incr_b.cycle" >/dev/null || fail "beside on one connection: $(cat "$TEST_TMP/incr_b.cycle")"
dump "$dsn_a" "$(last "$dsn_a")" incr_a
dump "$dsn_b" "$(last "$dsn_b")" incr_b
cmp -s "$TEST_TMP/incr_a.tsv" "$TEST_TMP/incr_b.tsv" ||
    fail "the incremental cycles differ: $(diff "$TEST_TMP/incr_a.tsv" "$TEST_TMP/incr_b.tsv" | head -5)"
# the aggregates: all but the mean exactly, the mean within 1e-12
cut -f1-6 "$TEST_TMP/incr_a.agg" >"$TEST_TMP/incr_a.agg6"
cut -f1-6 "$TEST_TMP/incr_b.agg" >"$TEST_TMP/incr_b.agg6"
[ "$(wc -l <"$TEST_TMP/incr_a.agg6")" -gt 20 ] || fail "too few aggregates"
cmp -s "$TEST_TMP/incr_a.agg6" "$TEST_TMP/incr_b.agg6" ||
    fail "the incremental aggregates differ: $(diff "$TEST_TMP/incr_a.agg6" "$TEST_TMP/incr_b.agg6" | head -5)"
paste <(cut -f7 "$TEST_TMP/incr_a.agg") <(cut -f7 "$TEST_TMP/incr_b.agg") |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-12 * $2) bad++ } END { exit bad > 0 }' ||
    fail "the incremental aggregates' means differ by more than 1e-12"
