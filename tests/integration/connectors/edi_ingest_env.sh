# edi_ingest_env.sh - sourced by the EDI end-to-end tests after testlib.sh:
# a database named $1, a devbroker and cs-ingest started against them, the
# sample partner map for cs-edi, and the helpers the tests share (q: one
# SQL value; code: a partner's credit code; stored / dups: ingest counts;
# seen ENTERPRISE TABLE: the rows cs_api shows that enterprise).
data=$CS_SRC/tests/data/edi
dsn=$(pg_test_db "$1")
q() { psql "$dsn" -qAt -c "$1"; }
code() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$data/partners.tsv"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_BATCH_MAX_WAIT_MS=50
export CS_EDI_PARTNER_MAP=$data/partners.tsv
start_service ingest env CS_KAFKA_EXTRA=fetch.wait.max.ms=10 "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }
dups() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = "$1" ]; }
seen() {
    psql "$dsn" -qAt -v ON_ERROR_STOP=1 <<SQL | tail -n 1
BEGIN READ ONLY;
SET LOCAL ROLE cs_api;
SELECT set_config('cs.principal_role', 'enterprise', true),
       set_config('cs.principal_enterprise', '$1', true) \\g /dev/null
SELECT count(*) FROM $2;
COMMIT;
SQL
}
