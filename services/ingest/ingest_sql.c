/* ingest_sql.c - every statement cs-ingest runs, in one place. A batch is
 * COPYed into a per-session staging table, then moved in one transaction:
 * new event ids are recorded (replays are skipped), the newest event per
 * order wins, and a revised order replaces its lines. */
#include "ingest_int.h"

/* Run once per connection: staging tables emptied at each commit. */
const char cs_ingest_setup_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_order ("
    " tenant_id text, event_id text, event_type text, source text,"
    " event_time timestamptz, topic text, kafka_partition integer,"
    " kafka_offset bigint, order_id text, buyer text, supplier text,"
    " order_time timestamptz, currency text, n_lines integer,"
    " line_no integer, sku text, quantity numeric, unit text,"
    " unit_price numeric, requested_time timestamptz"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_fresh ("
    " tenant_id text, event_id text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_win ("
    " tenant_id text, order_id text, event_id text, event_time timestamptz"
    ") ON COMMIT DELETE ROWS";

const char cs_ingest_copy_sql[] =
    "COPY stage_order (tenant_id, event_id, event_type, source, event_time,"
    " topic, kafka_partition, kafka_offset, order_id, buyer, supplier,"
    " order_time, currency, n_lines, line_no, sku, quantity, unit,"
    " unit_price, requested_time) FROM STDIN";

const cs_pg_stmt cs_ingest_stmts[] = {
    {"tenants",
     "INSERT INTO tenants (tenant_id) SELECT DISTINCT tenant_id "
     "FROM stage_order ON CONFLICT DO NOTHING",
     0},
    /* Event ids not seen before; their count is the batch's new events. */
    {"fresh",
     "WITH n AS ("
     " INSERT INTO ingested_events (tenant_id, event_id, event_type, topic,"
     "  kafka_partition, kafka_offset)"
     " SELECT DISTINCT ON (tenant_id, event_id) tenant_id, event_id,"
     "  event_type, topic, kafka_partition, kafka_offset"
     " FROM stage_order ORDER BY tenant_id, event_id, kafka_offset"
     " ON CONFLICT DO NOTHING RETURNING tenant_id, event_id)"
     "INSERT INTO stage_fresh SELECT tenant_id, event_id FROM n",
     0},
    /* The newest new event of each order ... */
    {"winners",
     "INSERT INTO stage_win "
     "SELECT DISTINCT ON (s.tenant_id, s.order_id) s.tenant_id, s.order_id,"
     " s.event_id, s.event_time "
     "FROM stage_order s JOIN stage_fresh f USING (tenant_id, event_id) "
     "ORDER BY s.tenant_id, s.order_id, s.event_time DESC,"
     " s.kafka_offset DESC",
     0},
    /* ... unless the stored version is newer still. */
    {"drop_stale",
     "DELETE FROM stage_win w USING orders o "
     "WHERE o.tenant_id = w.tenant_id AND o.order_id = w.order_id"
     " AND o.event_time > w.event_time",
     0},
    /* A revision replaces all lines of the stored version. */
    {"drop_old_lines",
     "DELETE FROM order_lines l USING orders o, stage_win w "
     "WHERE o.tenant_id = w.tenant_id AND o.order_id = w.order_id"
     " AND l.tenant_id = o.tenant_id AND l.order_id = o.order_id"
     " AND l.order_time = o.order_time",
     0},
    {"upsert_orders",
     "INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time,"
     " currency, n_lines, event_id, event_time, source, updated_at) "
     "SELECT DISTINCT ON (s.tenant_id, s.order_id) s.tenant_id, s.order_id,"
     " s.buyer, s.supplier, s.order_time, s.currency, s.n_lines, s.event_id,"
     " s.event_time, s.source, now() "
     "FROM stage_order s JOIN stage_win w USING (tenant_id, event_id) "
     "ORDER BY s.tenant_id, s.order_id "
     "ON CONFLICT (tenant_id, order_id) DO UPDATE SET"
     " buyer = EXCLUDED.buyer, supplier = EXCLUDED.supplier,"
     " order_time = EXCLUDED.order_time, currency = EXCLUDED.currency,"
     " n_lines = EXCLUDED.n_lines, event_id = EXCLUDED.event_id,"
     " event_time = EXCLUDED.event_time, source = EXCLUDED.source,"
     " updated_at = now()",
     0},
    {"insert_lines",
     "INSERT INTO order_lines (tenant_id, order_id, line_no, order_time,"
     " buyer, supplier, sku, quantity, unit, unit_price, currency,"
     " requested_time, event_id, event_time) "
     "SELECT s.tenant_id, s.order_id, s.line_no, s.order_time, s.buyer,"
     " s.supplier, s.sku, s.quantity, s.unit, s.unit_price, s.currency,"
     " s.requested_time, s.event_id, s.event_time "
     "FROM stage_order s JOIN stage_win w USING (tenant_id, event_id)",
     0},
};
const size_t cs_ingest_n_stmts =
    sizeof(cs_ingest_stmts) / sizeof(cs_ingest_stmts[0]);

/* The order the statements run in, after the COPY. */
const char *const cs_ingest_steps[] = {
    "tenants",        "fresh",         "winners",      "drop_stale",
    "drop_old_lines", "upsert_orders", "insert_lines",
};
const size_t cs_ingest_n_steps =
    sizeof(cs_ingest_steps) / sizeof(cs_ingest_steps[0]);
