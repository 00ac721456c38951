#!/usr/bin/env bash
# test_families.sh - every event family round trip (kcat -> cs-ingest ->
# PostgreSQL), newest-wins upserts, a full replay from offset 0 changing
# nothing, and a dead letter for each class of bad input.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43
B=91110000802100433B
dsn=$(pg_test_db families)
q() { psql "$dsn" -qAt -c "$1"; }
start_devbroker
export CS_PG_DSN=$dsn CS_KAFKA_BROKERS=$BROKERS CS_HTTP_PORT=0
export CS_KAFKA_EXTRA=fetch.wait.max.ms=10 CS_BATCH_MAX_WAIT_MS=50
start_service ingest "$CS_BIN/cs-ingest"
wait_for 30 "cs-ingest to start" log_field ingest "ingest ready" http_port
m="http://127.0.0.1:$(log_field ingest "ingest ready" http_port)/metrics"

# ev ID TYPE TIME DATA - one CloudEvent on one line
ev() {
    printf '{"specversion":"1.0","id":"%s","source":"erp://test","type":"%s","time":"%s","tenantid":"%s","data":%s}\n' \
        "$1" "$2" "$3" "$A" "$4"
}
produce() { kcat -P -b "$BROKERS" -t "$1" -K '|'; }
stored() { [ "$(metric cs_ingest_events_stored_total "$m")" = "$1" ]; }

note "one event of every family, on its topic"
{
    echo "$A|$(ev m1 cs.enterprise.v1 2026-11-01T00:00:00Z '{"uscc":"'$A'","name":"Fuzhou Cells","region_code":"350100","industry_code":"C3841","lat":26.07,"lon":119.3,"capacity":1000,"capacity_unit":"PCS/day"}')"
    echo "$A/X|$(ev m2 cs.product.v1 2026-11-01T00:00:00Z '{"sku":"X","name":"21700 cell","unit":"PCS","identifier":"88.123.4567/X"}')"
    echo "$B/$A/X|$(ev m3 cs.supply_link.v1 2026-11-01T00:00:00Z '{"supplier":"'$B'","buyer":"'$A'","sku":"X","share":0.6,"lead_time_days":14}')"
} | produce cs.master
echo "$B/ASN-9|$(ev s1 cs.shipment.v1 2026-11-02T00:00:00Z '{"shipment_id":"ASN-9","supplier":"'$B'","buyer":"'$A'","order_id":"PO-1","shipped_at":"2026-11-02T10:00:00+08:00","delivered_at":"2026-11-03","lines":[{"line_no":1,"order_line_no":1,"sku":"X","quantity":"2.000","unit":"PCS","batch":"B-7","identifier":"88.123.4567/B-7"},{"line_no":2,"sku":"Y","quantity":5,"unit":"KG"}]}')" | produce cs.shipments
echo "$A/X|$(ev p1 cs.production.v1 2026-11-01T20:00:00Z '{"enterprise":"'$A'","sku":"X","date":"2026-11-01","output":100,"capacity":120,"unit":"PCS"}')" | produce cs.production
echo "$A/X|$(ev a1 cs.sales.v1 2026-11-01T00:00:00Z '{"enterprise":"'$A'","sku":"X","period_start":"2026-10-01","period_end":"2026-10-31","quantity":50,"unit":"PCS","revenue":"1000.00","channel":"online","region_code":"330100"}')" | produce cs.sales
echo "$A/X|$(ev i1 cs.inventory.v1 2026-11-01T00:00:00Z '{"enterprise":"'$A'","site":"WH-1","sku":"X","as_of":"2026-11-01T00:00:00Z","on_hand":10,"on_order":5,"unit":"PCS"}')" | produce cs.inventory
echo "R-1|$(ev r1 cs.risk_event.v1 2026-07-01T00:00:00Z '{"risk_id":"R-1","kind":"flood","severity":4,"regions":["330100","330106"],"starts_at":"2026-07-01T00:00:00Z","expected_end":"2026-07-10T00:00:00Z"}')" | produce cs.risk_events
wait_for 60 "8 events stored" stored 8

note "each lands where it belongs"
[ "$(q "SELECT name || '|' || region_code || '|' || industry_code || '|' || lat || '|' || capacity_unit FROM enterprises WHERE uscc = '$A'")" = "Fuzhou Cells|350100|C3841|26.07|PCS/day" ] || fail "enterprise"
[ "$(q "SELECT name || '|' || identifier FROM products WHERE tenant_id = '$A' AND sku = 'X'")" = "21700 cell|88.123.4567/X" ] || fail "product"
[ "$(q "SELECT share || '|' || lead_time_days || '|' || active FROM supply_links WHERE supplier = '$B' AND buyer = '$A'")" = "0.6|14|true" ] || fail "supply link"
[ "$(q "SELECT order_id || '|' || n_lines || '|' || to_char(shipped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || '|' || to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM shipments WHERE shipment_id = 'ASN-9'")" = "PO-1|2|2026-11-02 02:00|2026-11-03" ] || fail "shipment header"
[ "$(q "SELECT quantity || '|' || batch || '|' || identifier FROM shipment_lines WHERE shipment_id = 'ASN-9' AND line_no = 1")" = "2.000|B-7|88.123.4567/B-7" ] || fail "shipment line: identifier resolution"
[ "$(q "SELECT output || '|' || capacity FROM production WHERE enterprise = '$A' AND day = '2026-11-01'")" = "100|120" ] || fail "production"
[ "$(q "SELECT quantity || '|' || revenue || '|' || channel || '|' || currency || '|' || region_code FROM sales WHERE enterprise = '$A'")" = "50|1000.00|online|CNY|330100" ] || fail "sales"
[ "$(q "SELECT on_hand || '|' || on_order || '|' || site FROM inventory WHERE enterprise = '$A'")" = "10|5|WH-1" ] || fail "inventory"
[ "$(q "SELECT kind || '|' || severity || '|' || array_to_string(regions, ',') FROM risk_events WHERE risk_id = 'R-1'")" = "flood|4|330100,330106" ] || fail "risk event"
# partitioned facts land in their month's partition
[ "$(q "SELECT tableoid::regclass FROM production LIMIT 1")" = production_202611 ] || fail "production partition"

note "master data: the newest time wins, whatever the arrival order"
{
    echo "$A|$(ev m1b cs.enterprise.v1 2026-11-05T00:00:00Z '{"uscc":"'$A'","name":"Fuzhou Cells Ltd","region_code":"350100","industry_code":"C3841"}')"
    echo "$A|$(ev m1c cs.enterprise.v1 2026-10-01T00:00:00Z '{"uscc":"'$A'","name":"Old Name","region_code":"350100","industry_code":"C3841"}')"
} | produce cs.master
wait_for 60 "10 events stored" stored 10
[ "$(q "SELECT name FROM enterprises WHERE uscc = '$A'")" = "Fuzhou Cells Ltd" ] || fail "an older master record won"
# a newer production figure for the same day replaces the old one
echo "$A/X|$(ev p2 cs.production.v1 2026-11-02T08:00:00Z '{"enterprise":"'$A'","sku":"X","date":"2026-11-01","output":90,"unit":"PCS"}')" | produce cs.production
wait_for 60 "11 events stored" stored 11
[ "$(q "SELECT output FROM production WHERE enterprise = '$A' AND day = '2026-11-01'")" = 90 ] || fail "production correction"
[ "$(q "SELECT count(*) FROM production")" = 1 ] || fail "a correction must not add a row"

note "a replay of every topic from offset 0 changes nothing"
snapshot() {
    q "SELECT (SELECT count(*) FROM ingested_events) || ' ' || (SELECT count(*) FROM enterprises) || ' ' || (SELECT count(*) FROM shipment_lines) || ' ' || (SELECT count(*) FROM production) || ' ' || (SELECT sum(output) FROM production) || ' ' || (SELECT name FROM enterprises WHERE uscc = '$A')"
}
before=$(snapshot)
for t in cs.master cs.shipments cs.production cs.sales cs.inventory cs.risk_events; do
    kcat -C -b "$BROKERS" -t "$t" -o beginning -e -q -f '%k|%s\n' >"$TEST_TMP/replay.txt"
    produce "$t" <"$TEST_TMP/replay.txt"
done
dup() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = 11 ]; }
wait_for 60 "11 duplicates recognised" dup
[ "$(snapshot)" = "$before" ] || fail "replay changed the database: $before -> $(snapshot)"

note "replayed, new and repeated ids together: each new event stored once"
p3=$(ev p3 cs.production.v1 2026-11-03T00:00:00Z '{"enterprise":"'$A'","sku":"Y","date":"2026-11-02","output":7,"unit":"PCS"}')
{
    echo "$A/X|$(ev p2 cs.production.v1 2026-11-02T08:00:00Z '{"enterprise":"'$A'","sku":"X","date":"2026-11-01","output":90,"unit":"PCS"}')"
    echo "$A/Y|$p3"
    echo "$A/Y|$p3"
} | produce cs.production
wait_for 60 "12 events stored" stored 12
dup13() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = 13 ]; }
wait_for 60 "13 duplicates recognised" dup13
[ "$(q "SELECT count(*) || '|' || sum(output) FROM production")" = "2|97" ] || fail "production after the mixed batch: $(q "SELECT count(*) || '|' || sum(output) FROM production")"
[ "$(q "SELECT count(*) FROM ingested_events WHERE event_id IN ('p2', 'p3')")" = 2 ] || fail "ledger after the mixed batch"

note "lines: only the newest version's, whatever arrives with them"
# cs-ingest COPYs lines straight into their table for the events that
# won their key: here a replayed shipment (s1), an older revision of it
# (s9, stale against the stored one), and two versions of a new one in
# reverse order (s11 newer than s10).
asn() { ev "$1" cs.shipment.v1 "$2" '{"shipment_id":"'$3'","supplier":"'$B'","buyer":"'$A'","shipped_at":"2026-11-04T10:00:00Z","lines":'"$4"'}'; }
{
    kcat -C -b "$BROKERS" -t cs.shipments -o beginning -e -q -f '%k|%s\n' | grep -F '"id":"s1"' | head -n 1
    echo "$B/ASN-9|$(asn s9 2026-11-01T00:00:00Z ASN-9 '[{"line_no":1,"sku":"X","quantity":99,"unit":"PCS"}]')"
    echo "$B/ASN-10|$(asn s11 2026-11-05T00:00:00Z ASN-10 '[{"line_no":1,"sku":"X","quantity":3,"unit":"PCS"}]')"
    echo "$B/ASN-10|$(asn s10 2026-11-04T00:00:00Z ASN-10 '[{"line_no":1,"sku":"X","quantity":1,"unit":"PCS"},{"line_no":2,"sku":"Y","quantity":2,"unit":"PCS"}]')"
} | produce cs.shipments
wait_for 60 "15 events stored" stored 15
dup14() { [ "$(metric cs_ingest_events_duplicate_total "$m")" = 14 ]; }
wait_for 60 "the replayed shipment recognised" dup14
[ "$(q "SELECT count(*) || '|' || sum(quantity) || '|' || min(event_id) FROM shipment_lines WHERE shipment_id = 'ASN-9'")" = "2|7.000|s1" ] ||
    fail "ASN-9 lines: $(q "SELECT count(*) || '|' || sum(quantity) || '|' || min(event_id) FROM shipment_lines WHERE shipment_id = 'ASN-9'")"
[ "$(q "SELECT count(*) || '|' || sum(quantity) || '|' || min(event_id) FROM shipment_lines WHERE shipment_id = 'ASN-10'")" = "1|3|s11" ] ||
    fail "ASN-10 lines: $(q "SELECT count(*) || '|' || sum(quantity) || '|' || min(event_id) FROM shipment_lines WHERE shipment_id = 'ASN-10'")"
[ "$(q "SELECT n_lines || '|' || event_id FROM shipments WHERE shipment_id = 'ASN-10'")" = "1|s11" ] || fail "ASN-10 header"

note "facts: COPYed straight into their table; a repeated key is merged"
# cs-ingest COPYs production, sales and inventory rows straight into
# their tables when no key of the batch is stored or repeated; otherwise
# it undoes that COPY and merges through staging (newest time wins).
d0=$(metric cs_ingest_direct_copies_total "$m")
f0=$(metric cs_ingest_direct_fallbacks_total "$m")
inv() { ev "$1" cs.inventory.v1 "$2" '{"enterprise":"'$A'","site":"WH-1","sku":"'$3'","as_of":"2026-11-02T00:00:00Z","on_hand":'$4',"unit":"PCS"}'; }
echo "$A/Z|$(inv i2 2026-11-02T00:00:00Z Z 20)" | produce cs.inventory
wait_for 60 "16 events stored" stored 16
[ "$(metric cs_ingest_direct_copies_total "$m")" -gt "$d0" ] || fail "a new inventory key was not COPYed straight into inventory"
[ "$(metric cs_ingest_direct_fallbacks_total "$m")" = "$f0" ] || fail "a new inventory key fell back to staging"
# an older version of the stored key (i3), and two versions of a new key
# in reverse order (i5 newer than i4)
{
    echo "$A/Z|$(inv i3 2026-11-01T12:00:00Z Z 99)"
    echo "$A/W|$(inv i5 2026-11-03T00:00:00Z W 5)"
    echo "$A/W|$(inv i4 2026-11-02T12:00:00Z W 4)"
} | produce cs.inventory
wait_for 60 "19 events stored" stored 19
[ "$(metric cs_ingest_direct_fallbacks_total "$m")" -gt "$f0" ] || fail "a stored key did not send the family through staging"
[ "$(q "SELECT string_agg(sku || ':' || on_hand || ':' || event_id, ' ' ORDER BY sku) FROM inventory WHERE as_of = '2026-11-02T00:00:00Z'")" = "W:5:i5 Z:20:i2" ] ||
    fail "inventory after the merge: $(q "SELECT string_agg(sku || ':' || on_hand || ':' || event_id, ' ' ORDER BY sku) FROM inventory WHERE as_of = '2026-11-02T00:00:00Z'")"
[ "$(q "SELECT count(*) FROM ingested_events WHERE event_id IN ('i2', 'i3', 'i4', 'i5')")" = 4 ] || fail "ledger after the merge"

note "a revision of a stored key deletes its old lines, in whichever month they are"
# cs-ingest lists the stored keys a batch revises (as text[] literals:
# the id below needs quoting) and deletes their lines in the partitions
# of the stored times. Shipment 'ASN,"7"{x}\' is stored in October, then
# revised to November; ASN-9 (stored in November) moves to October in
# the same batch as an older, stale revision of ASN-10.
odd='ASN,\"7\"{x}\\'
odd_sql="ASN,\"7\"{x}\\"
asn_at() { ev "$1" cs.shipment.v1 "$2" '{"shipment_id":"'"$3"'","supplier":"'$B'","buyer":"'$A'","shipped_at":"'"$4"'","lines":'"$5"'}'; }
echo "$B/odd|$(asn_at s20 2026-11-06T00:00:00Z "$odd" 2026-10-20T10:00:00Z '[{"line_no":1,"sku":"X","quantity":1,"unit":"PCS"},{"line_no":2,"sku":"Y","quantity":2,"unit":"PCS"}]')" |
    produce cs.shipments
wait_for 60 "20 events stored" stored 20
[ "$(q "SELECT count(*) FROM shipment_lines WHERE shipment_id = \$\$$odd_sql\$\$ AND shipped_at < '2026-11-01'")" = 2 ] ||
    fail "the odd shipment's October lines: $(q "SELECT count(*) FROM shipment_lines WHERE shipment_id = \$\$$odd_sql\$\$")"
{
    echo "$B/odd|$(asn_at s21 2026-11-07T00:00:00Z "$odd" 2026-11-08T10:00:00Z '[{"line_no":1,"sku":"Z","quantity":7,"unit":"PCS"}]')"
    echo "$B/ASN-9|$(asn_at s22 2026-11-07T00:00:00Z ASN-9 2026-10-30T10:00:00Z '[{"line_no":3,"sku":"X","quantity":4,"unit":"PCS"}]')"
    echo "$B/ASN-10|$(asn_at s23 2026-11-04T12:00:00Z ASN-10 2026-10-01T10:00:00Z '[{"line_no":1,"sku":"Y","quantity":8,"unit":"PCS"}]')"
} | produce cs.shipments
wait_for 60 "23 events stored" stored 23
lines_of() { q "SELECT string_agg(line_no || ':' || sku || ':' || quantity || ':' || to_char(shipped_at AT TIME ZONE 'UTC', 'MM-DD') || ':' || event_id, ' ' ORDER BY line_no) FROM shipment_lines WHERE shipment_id = \$\$$1\$\$"; }
[ "$(lines_of "$odd_sql")" = "1:Z:7:11-08:s21" ] || fail "the odd shipment after its revision: $(lines_of "$odd_sql")"
[ "$(lines_of ASN-9)" = "3:X:4:10-30:s22" ] || fail "ASN-9 after its revision: $(lines_of ASN-9)"
[ "$(lines_of ASN-10)" = "1:X:3:11-04:s11" ] || fail "ASN-10 after a stale revision: $(lines_of ASN-10)"
[ "$(q "SELECT string_agg(shipment_id || ':' || n_lines || ':' || event_id, ' ' ORDER BY shipment_id) FROM shipments WHERE shipment_id IN ('ASN-9', 'ASN-10', \$\$$odd_sql\$\$)")" = "ASN,\"7\"{x}\\:1:s21 ASN-10:1:s11 ASN-9:1:s22" ] ||
    fail "headers after the revisions: $(q "SELECT string_agg(shipment_id || ':' || n_lines || ':' || event_id, ' ' ORDER BY shipment_id) FROM shipments")"

note "a dead letter for each class of bad input"
{
    echo 'k|{"specversion":"1.0","id":"trunc","source":"s","type":"cs.sales.v1"'
    echo "k|$(ev bad-type cs.sales.v1 2026-11-01T00:00:00Z '{"enterprise":"'$A'","sku":"X","period_start":"2026-10-01","period_end":"2026-10-31","quantity":[50],"unit":"PCS"}')"
    echo "k|$(ev bad-code cs.sales.v1 2026-11-01T00:00:00Z '{"enterprise":"91350100M000100Y44","sku":"X","period_start":"2026-10-01","period_end":"2026-10-31","quantity":50,"unit":"PCS"}')"
    echo "k|$(ev bad-kind cs.weather.v1 2026-11-01T00:00:00Z '{}')"
    echo "k|$(ev wrong-topic cs.order.v1 2026-11-01T00:00:00Z '{}')"
    printf 'k|{"pad":"%s"}\n' "$(head -c 70000 /dev/zero | tr '\0' 'x')"
} | produce cs.sales
reason_count() { [ "$(metric "cs_ingest_rejected_total{reason=\"$1\"}" "$m")" = "$2" ]; }
wait_for 60 "the truncated JSON" reason_count malformed_json 1
wait_for 60 "the two bad fields" reason_count invalid_data 2
wait_for 60 "the unknown type" reason_count unknown_type 1
wait_for 60 "the wrong topic" reason_count invalid_envelope 1
wait_for 60 "the oversize message" reason_count too_large 1
grep -q '"reason":"data.quantity: must be a number, got array"' "$TEST_TMP/ingest.log" || fail "wrong type reason"
grep -q '"reason":"data.enterprise: credit code check character is' "$TEST_TMP/ingest.log" || fail "credit code reason"
grep -q '"reason":"type: \\"cs.weather.v1\\" is not a known event type"' "$TEST_TMP/ingest.log" || fail "unknown type reason"
grep -q '"reason":"type: \\"cs.order.v1\\" does not belong on cs.sales"' "$TEST_TMP/ingest.log" || fail "wrong topic reason"
grep -q '"reason":"JSON document has 700[0-9]* bytes, limit is 65536"' "$TEST_TMP/ingest.log" || fail "too large reason"
dlq6() {
    kcat -C -b "$BROKERS" -t cs.dlq -o beginning -e -q -f '%h\n' >"$TEST_TMP/dlq.txt"
    [ "$(wc -l <"$TEST_TMP/dlq.txt")" -ge 6 ]
}
wait_for 30 "six dead letters" dlq6
for code in malformed_json invalid_data unknown_type invalid_envelope too_large; do
    grep -q "cs.reason_code=$code" "$TEST_TMP/dlq.txt" || fail "no dead letter with $code"
done
[ "$(q "SELECT count(*) FROM sales")" = 1 ] || fail "a bad record reached the sales table"

stop_service ingest
stop_service devbroker
note "ok"
