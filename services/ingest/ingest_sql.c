/* ingest_sql.c - every statement cs-ingest runs, in one place.
 *
 * Each family has a session staging table whose columns are the
 * CloudEvents envelope, then (for families with lines) the line count,
 * then the family's fields in cs_family.c order, then (unless the family
 * is in cs_ingest_direct_lines, whose lines are COPYed straight into
 * their table) its line fields. A batch is COPYed into the staging tables
 * and moved in one transaction: new event ids go into the ledger
 * (replays are skipped), and the newest event (by `time`, then offset)
 * wins per key; for families with lines a revision replaces all lines of
 * the stored version. */
#include "ingest_int.h"

#define ENVELOPE_COLS                                                          \
    "tenant_id text, event_id text, event_type text, source text,"             \
    " event_time timestamptz, topic text, kafka_partition integer,"            \
    " kafka_offset bigint"

/* Statements every family has: for a batch with replayed ids (its
 * ledger COPY failed) the ledger insert that skips them and the prune
 * that drops them from staging. (The batch's tenants are registered once,
 * by "tenants", before anything else.) */
#define COMMON_STMTS(stage)                                                    \
    {"fresh_" stage,                                                           \
     "WITH n AS (INSERT INTO ingested_events (tenant_id, event_id,"            \
     " event_type, topic, kafka_partition, kafka_offset)"                      \
     " SELECT DISTINCT ON (tenant_id, event_id) tenant_id, event_id,"          \
     " event_type, topic, kafka_partition, kafka_offset FROM "                 \
     "stage_" stage " ORDER BY tenant_id, event_id, kafka_offset"              \
     " ON CONFLICT DO NOTHING RETURNING tenant_id, event_id)"                  \
     "INSERT INTO stage_fresh SELECT tenant_id, event_id FROM n",              \
     0},                                                                       \
    {                                                                          \
        "prune_" stage,                                                        \
            "DELETE FROM stage_" stage " s WHERE NOT EXISTS (SELECT 1 FROM"    \
            " stage_fresh f WHERE f.tenant_id = s.tenant_id AND f.event_id ="  \
            " s.event_id)",                                                    \
            0                                                                  \
    }

/* The newest new event per key, as an ORDER BY tail. Staging holds only
 * new events (replays are pruned), so FRESH is the staging table. */
#define NEWEST       "event_time DESC, kafka_offset DESC"
#define FRESH(stage) " FROM stage_" stage " s "

/* How many events of the batch won their key, and which (their lines are
 * COPYed; see ingest_direct_lines in ingest_int.h). */
#define WINNERS(stage)                                                         \
    {"winners_count_" stage, "SELECT count(*) FROM stage_" stage "_win", 0},   \
    {                                                                          \
        "winners_" stage,                                                      \
            "SELECT tenant_id, event_id FROM stage_" stage "_win", 0           \
    }

/* The ledger rows cs-ingest builds (batch.c), COPYed first. */
const char cs_ingest_ledger_copy_sql[] =
    "COPY ingested_events (tenant_id, event_id, event_type, topic,"
    " kafka_partition, kafka_offset) FROM STDIN";

const char cs_ingest_setup_sql[] =
    /* A batch's DISTINCT ON sorts spilled to disk at the default 4 MB. */
    "SET work_mem = '64MB';"
    "CREATE TEMP TABLE IF NOT EXISTS stage_fresh (tenant_id text,"
    " event_id text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_order (" ENVELOPE_COLS
    ", n_lines integer, order_id text, buyer text, supplier text,"
    " order_time timestamptz, currency text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_order_win (tenant_id text,"
    " order_id text, event_id text, event_time timestamptz)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_shipment (" ENVELOPE_COLS
    ", n_lines integer, shipment_id text, supplier text, buyer text,"
    " order_id text, shipped_at timestamptz, delivered_at timestamptz)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_shipment_win (tenant_id text,"
    " shipment_id text, event_id text, event_time timestamptz)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_production (" ENVELOPE_COLS
    ", enterprise text, site text, sku text, day date, output numeric,"
    " capacity numeric, unit text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_sales (" ENVELOPE_COLS
    ", enterprise text, sku text, period_start date, period_end date,"
    " quantity numeric, unit text, revenue numeric, currency text,"
    " channel text, region_code text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_demand_plan (" ENVELOPE_COLS
    ", buyer text, supplier text, sku text, period_start date,"
    " period_end date, quantity numeric, unit text, firm boolean,"
    " forecast_code text, schedule_type text, schedule_ref text,"
    " issued_date date) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_inventory (" ENVELOPE_COLS
    ", enterprise text, site text, sku text, as_of timestamptz,"
    " on_hand numeric, on_order numeric, unit text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_enterprise (" ENVELOPE_COLS
    ", uscc text, name text, region_code text, industry_code text,"
    " lat double precision, lon double precision, capacity numeric,"
    " capacity_unit text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_product (" ENVELOPE_COLS
    ", sku text, name text, category text, unit text, identifier text)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_supply_link (" ENVELOPE_COLS
    ", supplier text, buyer text, sku text, share numeric,"
    " lead_time_days integer, active boolean) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_risk_event (" ENVELOPE_COLS
    ", risk_id text, kind text, severity smallint, regions text[],"
    " lat double precision, lon double precision,"
    " radius_km double precision, starts_at timestamptz,"
    " expected_end timestamptz, description text) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_order_response (" ENVELOPE_COLS
    ", n_lines integer, order_id text, buyer text, supplier text,"
    " responded_at timestamptz, status text, status_code text,"
    " response_id text, order_time timestamptz, currency text)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_order_response_win (tenant_id"
    " text, buyer text, order_id text, event_id text,"
    " event_time timestamptz) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_invoice (" ENVELOPE_COLS
    ", n_lines integer, invoice_id text, supplier text, buyer text,"
    " invoice_time timestamptz, order_id text, order_time timestamptz,"
    " currency text, total_amount numeric) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_invoice_win (tenant_id text,"
    " invoice_id text, event_id text, event_time timestamptz)"
    " ON COMMIT DELETE ROWS";

/* The header rows of the keys a batch's events won (stage_*_win): as
 * they are when none of those keys is stored (insert_*), else merged
 * over the stored ones (upsert_*; store.c, run_revisions). */
#define ORDER_HEADERS                                                          \
    "INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time,"    \
    " currency, n_lines, event_id, event_time, source, updated_at) "           \
    "SELECT DISTINCT ON (s.tenant_id, s.order_id) s.tenant_id, s.order_id,"    \
    " s.buyer, s.supplier, s.order_time, s.currency, s.n_lines, s.event_id,"   \
    " s.event_time, s.source, now() "                                          \
    "FROM stage_order s JOIN stage_order_win w USING (tenant_id, event_id) "   \
    "ORDER BY s.tenant_id, s.order_id "
#define SHIPMENT_HEADERS                                                       \
    "INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer,"          \
    " order_id, shipped_at, delivered_at, n_lines, event_id, event_time,"      \
    " source, updated_at) "                                                    \
    "SELECT DISTINCT ON (s.tenant_id, s.shipment_id) s.tenant_id,"             \
    " s.shipment_id, s.supplier, s.buyer, s.order_id, s.shipped_at,"           \
    " s.delivered_at, s.n_lines, s.event_id, s.event_time, s.source, now() "   \
    "FROM stage_shipment s JOIN stage_shipment_win w"                          \
    " USING (tenant_id, event_id) ORDER BY s.tenant_id, s.shipment_id "
#define ORDER_RESPONSE_HEADERS                                                 \
    "INSERT INTO order_responses (tenant_id, buyer, order_id, supplier,"       \
    " responded_at, status, status_code, response_id, order_time,"             \
    " currency, n_lines, event_id, event_time, source, updated_at) "           \
    "SELECT DISTINCT ON (s.tenant_id, s.buyer, s.order_id) s.tenant_id,"       \
    " s.buyer, s.order_id, s.supplier, s.responded_at, s.status,"              \
    " s.status_code, s.response_id, s.order_time, s.currency, s.n_lines,"      \
    " s.event_id, s.event_time, s.source, now() "                              \
    "FROM stage_order_response s JOIN stage_order_response_win w"              \
    " USING (tenant_id, event_id) ORDER BY s.tenant_id, s.buyer,"              \
    " s.order_id "
#define INVOICE_HEADERS                                                        \
    "INSERT INTO invoices (tenant_id, invoice_id, supplier, buyer,"            \
    " invoice_time, order_id, order_time, currency, total_amount, n_lines,"    \
    " event_id, event_time, source, updated_at) "                              \
    "SELECT DISTINCT ON (s.tenant_id, s.invoice_id) s.tenant_id,"              \
    " s.invoice_id, s.supplier, s.buyer, s.invoice_time, s.order_id,"          \
    " s.order_time, s.currency, s.total_amount, s.n_lines, s.event_id,"        \
    " s.event_time, s.source, now() "                                          \
    "FROM stage_invoice s JOIN stage_invoice_win w"                            \
    " USING (tenant_id, event_id) ORDER BY s.tenant_id, s.invoice_id "

const cs_pg_stmt cs_ingest_stmts[] = {
    /* the tenants of a batch that are not known to be stored: $1 text[] */
    {"tenants",
     "INSERT INTO tenants (tenant_id) SELECT unnest($1::text[])"
     " ON CONFLICT DO NOTHING",
     1},

    /* ---- orders: header + lines, a revision replaces the lines */
    COMMON_STMTS("order"),
    {"win_order",
     "INSERT INTO stage_order_win SELECT DISTINCT ON (tenant_id, order_id)"
     " tenant_id, order_id, event_id, event_time" FRESH(
         "order") "ORDER BY tenant_id, order_id, " NEWEST,
     0},
    {"revised_order",
     "SELECT count(*) FROM stage_order_win w JOIN orders o"
     " USING (tenant_id, order_id)",
     0},
    {"stale_order",
     "DELETE FROM stage_order_win w USING orders o WHERE o.tenant_id ="
     " w.tenant_id AND o.order_id = w.order_id AND o.event_time >"
     " w.event_time",
     0},
    {"old_keys_order",
     "SELECT array_agg(o.tenant_id)::text, array_agg(o.order_id)::text,"
     " array_agg(o.order_time)::text FROM stage_order_win w JOIN orders o"
     " USING (tenant_id, order_id)",
     0},
    {"old_lines_order",
     "DELETE FROM order_lines l USING unnest($1::text[], $2::text[],"
     " $3::timestamptz[]) AS k (tenant_id, order_id, order_time) WHERE"
     " l.order_time = ANY ($3::timestamptz[]) AND l.tenant_id = k.tenant_id"
     " AND l.order_id = k.order_id AND l.order_time = k.order_time",
     3},
    {"insert_order", ORDER_HEADERS, 0},
    {"upsert_order",
     ORDER_HEADERS
     "ON CONFLICT (tenant_id, order_id) DO UPDATE SET buyer ="
     " EXCLUDED.buyer, supplier = EXCLUDED.supplier, order_time ="
     " EXCLUDED.order_time, currency = EXCLUDED.currency, n_lines ="
     " EXCLUDED.n_lines, event_id = EXCLUDED.event_id, event_time ="
     " EXCLUDED.event_time, source = EXCLUDED.source, updated_at = now()",
     0},
    WINNERS("order"),

    /* ---- shipments: the same shape */
    COMMON_STMTS("shipment"),
    {"win_shipment",
     "INSERT INTO stage_shipment_win SELECT DISTINCT ON (tenant_id,"
     " shipment_id) tenant_id, shipment_id, event_id, event_time" FRESH(
         "shipment") "ORDER BY tenant_id, shipment_id, " NEWEST,
     0},
    {"revised_shipment",
     "SELECT count(*) FROM stage_shipment_win w JOIN shipments o"
     " USING (tenant_id, shipment_id)",
     0},
    {"stale_shipment",
     "DELETE FROM stage_shipment_win w USING shipments o WHERE o.tenant_id"
     " = w.tenant_id AND o.shipment_id = w.shipment_id AND o.event_time >"
     " w.event_time",
     0},
    {"old_keys_shipment",
     "SELECT array_agg(o.tenant_id)::text, array_agg(o.shipment_id)::text,"
     " array_agg(o.shipped_at)::text FROM stage_shipment_win w"
     " JOIN shipments o USING (tenant_id, shipment_id)",
     0},
    {"old_lines_shipment",
     "DELETE FROM shipment_lines l USING unnest($1::text[], $2::text[],"
     " $3::timestamptz[]) AS k (tenant_id, shipment_id, shipped_at) WHERE"
     " l.shipped_at = ANY ($3::timestamptz[]) AND l.tenant_id = k.tenant_id"
     " AND l.shipment_id = k.shipment_id AND l.shipped_at = k.shipped_at",
     3},
    {"insert_shipment", SHIPMENT_HEADERS, 0},
    {"upsert_shipment",
     SHIPMENT_HEADERS
     "ON CONFLICT (tenant_id, shipment_id) DO UPDATE SET supplier ="
     " EXCLUDED.supplier, buyer = EXCLUDED.buyer, order_id ="
     " EXCLUDED.order_id, shipped_at = EXCLUDED.shipped_at, delivered_at ="
     " EXCLUDED.delivered_at, n_lines = EXCLUDED.n_lines, event_id ="
     " EXCLUDED.event_id, event_time = EXCLUDED.event_time, source ="
     " EXCLUDED.source, updated_at = now()",
     0},
    WINNERS("shipment"),

    /* ---- facts with one row per key: newest event wins */
    COMMON_STMTS("production"),
    {"merge_production",
     "INSERT INTO production (tenant_id, enterprise, site, sku, day, output,"
     " capacity, unit, event_id, event_time) "
     "SELECT DISTINCT ON (tenant_id, enterprise, site, sku, day) tenant_id,"
     " enterprise, site, sku, day, output, capacity, unit, event_id,"
     " event_time" FRESH(
         "production") "ORDER BY tenant_id, enterprise, site, sku, day, " NEWEST
                       " "
                       "ON CONFLICT (tenant_id, enterprise, site, sku, day) DO "
                       "UPDATE SET"
                       " output = EXCLUDED.output, capacity = "
                       "EXCLUDED.capacity, unit ="
                       " EXCLUDED.unit, event_id = EXCLUDED.event_id, "
                       "event_time ="
                       " EXCLUDED.event_time WHERE production.event_time <="
                       " EXCLUDED.event_time",
     0},
    COMMON_STMTS("sales"),
    {"merge_sales",
     "INSERT INTO sales (tenant_id, enterprise, sku, period_start,"
     " period_end, quantity, unit, revenue, currency, channel, region_code,"
     " event_id, event_time) "
     "SELECT DISTINCT ON (tenant_id, enterprise, sku, period_start,"
     " period_end, channel) tenant_id, enterprise, sku, period_start,"
     " period_end, quantity, unit, revenue, currency, channel, region_code,"
     " event_id, event_time" FRESH(
         "sales") "ORDER BY tenant_id, enterprise, sku, period_start, "
                  "period_end,"
                  " channel, " NEWEST " "
                  "ON CONFLICT (tenant_id, enterprise, sku, period_start, "
                  "period_end,"
                  " channel) DO UPDATE SET quantity = EXCLUDED.quantity, unit ="
                  " EXCLUDED.unit, revenue = EXCLUDED.revenue, currency ="
                  " EXCLUDED.currency, region_code = EXCLUDED.region_code, "
                  "event_id ="
                  " EXCLUDED.event_id, event_time = EXCLUDED.event_time"
                  " WHERE sales.event_time <= EXCLUDED.event_time",
     0},
    COMMON_STMTS("demand_plan"),
    /* one row per buyer, supplier, item and period; the newest wins */
    {"merge_demand_plan",
     "INSERT INTO demand_plans (tenant_id, buyer, supplier, sku,"
     " period_start, period_end, quantity, unit, firm, forecast_code,"
     " schedule_type, schedule_ref, issued_date, event_id, event_time) "
     "SELECT DISTINCT ON (tenant_id, buyer, supplier, sku, period_start,"
     " period_end) tenant_id, buyer, supplier, sku, period_start,"
     " period_end, quantity, unit, firm, forecast_code, schedule_type,"
     " schedule_ref, issued_date, event_id, event_time" FRESH(
         "demand_plan") "ORDER BY tenant_id, buyer, supplier, sku,"
                        " period_start, period_end, " NEWEST " "
                        "ON CONFLICT (tenant_id, buyer, supplier, sku,"
                        " period_start, period_end) DO UPDATE SET quantity ="
                        " EXCLUDED.quantity, unit = EXCLUDED.unit, firm ="
                        " EXCLUDED.firm, forecast_code ="
                        " EXCLUDED.forecast_code,"
                        " schedule_type = EXCLUDED.schedule_type, schedule_ref"
                        " = EXCLUDED.schedule_ref, issued_date ="
                        " EXCLUDED.issued_date, event_id = EXCLUDED.event_id,"
                        " event_time = EXCLUDED.event_time"
                        " WHERE demand_plans.event_time <= EXCLUDED.event_time",
     0},
    COMMON_STMTS("inventory"),
    {"merge_inventory",
     "INSERT INTO inventory (tenant_id, enterprise, site, sku, as_of,"
     " on_hand, on_order, unit, event_id, event_time) "
     "SELECT DISTINCT ON (tenant_id, enterprise, site, sku, as_of)"
     " tenant_id, enterprise, site, sku, as_of, on_hand, on_order, unit,"
     " event_id, event_time" FRESH(
         "inventory") "ORDER BY tenant_id, enterprise, site, sku, "
                      "as_of, " NEWEST " "
                      "ON CONFLICT (tenant_id, enterprise, site, sku, as_of) "
                      "DO UPDATE SET"
                      " on_hand = EXCLUDED.on_hand, on_order = "
                      "EXCLUDED.on_order, unit ="
                      " EXCLUDED.unit, event_id = EXCLUDED.event_id, "
                      "event_time ="
                      " EXCLUDED.event_time WHERE inventory.event_time <="
                      " EXCLUDED.event_time",
     0},

    /* ---- master data: upserts, newest event time wins */
    COMMON_STMTS("enterprise"),
    {"merge_enterprise",
     "INSERT INTO enterprises (uscc, name, region_code, industry_code, lat,"
     " lon, capacity, capacity_unit, tenant_id, event_id, event_time,"
     " updated_at) "
     "SELECT DISTINCT ON (uscc) uscc, name, region_code, industry_code, lat,"
     " lon, capacity, capacity_unit, tenant_id, event_id, event_time, "
     "now()" FRESH(
         "enterprise") "ORDER BY uscc, " NEWEST " "
                       "ON CONFLICT (uscc) DO UPDATE SET name = EXCLUDED.name, "
                       "region_code ="
                       " EXCLUDED.region_code, industry_code = "
                       "EXCLUDED.industry_code, lat ="
                       " EXCLUDED.lat, lon = EXCLUDED.lon, capacity = "
                       "EXCLUDED.capacity,"
                       " capacity_unit = EXCLUDED.capacity_unit, tenant_id ="
                       " EXCLUDED.tenant_id, event_id = EXCLUDED.event_id, "
                       "event_time ="
                       " EXCLUDED.event_time, updated_at = now()"
                       " WHERE enterprises.event_time IS NULL OR "
                       "enterprises.event_time <="
                       " EXCLUDED.event_time",
     0},
    COMMON_STMTS("product"),
    {"merge_product",
     "INSERT INTO products (tenant_id, sku, name, category, unit,"
     " identifier, event_id, event_time) "
     "SELECT DISTINCT ON (tenant_id, sku) tenant_id, sku, name, category,"
     " unit, identifier, event_id, event_time" FRESH(
         "product") "ORDER BY tenant_id, sku, " NEWEST " "
                    "ON CONFLICT (tenant_id, sku) DO UPDATE SET name = "
                    "EXCLUDED.name,"
                    " category = EXCLUDED.category, unit = EXCLUDED.unit, "
                    "identifier ="
                    " EXCLUDED.identifier, event_id = EXCLUDED.event_id, "
                    "event_time ="
                    " EXCLUDED.event_time, updated_at = now()"
                    " WHERE products.event_time <= EXCLUDED.event_time",
     0},
    COMMON_STMTS("supply_link"),
    {"merge_supply_link",
     "INSERT INTO supply_links (supplier, buyer, sku, share,"
     " lead_time_days, active, tenant_id, event_id, event_time) "
     "SELECT DISTINCT ON (supplier, buyer, sku) supplier, buyer, sku, share,"
     " lead_time_days, active, tenant_id, event_id, event_time" FRESH(
         "supply_link") "ORDER BY supplier, buyer, sku, " NEWEST " "
                        "ON CONFLICT (supplier, buyer, sku) DO UPDATE SET "
                        "share ="
                        " EXCLUDED.share, lead_time_days = "
                        "EXCLUDED.lead_time_days, active ="
                        " EXCLUDED.active, tenant_id = EXCLUDED.tenant_id, "
                        "event_id ="
                        " EXCLUDED.event_id, event_time = EXCLUDED.event_time, "
                        "updated_at ="
                        " now() WHERE supply_links.event_time <= "
                        "EXCLUDED.event_time",
     0},
    COMMON_STMTS("risk_event"),
    {"merge_risk_event",
     "INSERT INTO risk_events (tenant_id, risk_id, kind, severity, regions,"
     " lat, lon, radius_km, starts_at, expected_end, description, event_id,"
     " event_time) "
     "SELECT DISTINCT ON (tenant_id, risk_id) tenant_id, risk_id, kind,"
     " severity, regions, lat, lon, radius_km, starts_at, expected_end,"
     " description, event_id, event_time" FRESH(
         "risk_event") "ORDER BY tenant_id, risk_id, " NEWEST " "
                       "ON CONFLICT (tenant_id, risk_id) DO UPDATE SET kind = "
                       "EXCLUDED.kind,"
                       " severity = EXCLUDED.severity, regions = "
                       "EXCLUDED.regions, lat ="
                       " EXCLUDED.lat, lon = EXCLUDED.lon, radius_km = "
                       "EXCLUDED.radius_km,"
                       " starts_at = EXCLUDED.starts_at, expected_end = "
                       "EXCLUDED.expected_end,"
                       " description = EXCLUDED.description, event_id = "
                       "EXCLUDED.event_id,"
                       " event_time = EXCLUDED.event_time, updated_at = now()"
                       " WHERE risk_events.event_time <= EXCLUDED.event_time",
     0},

    /* ---- order responses: per (buyer, order), a revision replaces the
     * lines; a response without lines stores its header only */
    COMMON_STMTS("order_response"),
    {"win_order_response",
     "INSERT INTO stage_order_response_win SELECT DISTINCT ON (tenant_id,"
     " buyer, order_id) tenant_id, buyer, order_id, event_id,"
     " event_time" FRESH("order_response") "ORDER BY tenant_id, buyer,"
                                           " order_id, " NEWEST,
     0},
    {"revised_order_response",
     "SELECT count(*) FROM stage_order_response_win w JOIN order_responses"
     " o USING (tenant_id, buyer, order_id)",
     0},
    {"stale_order_response",
     "DELETE FROM stage_order_response_win w USING order_responses o WHERE"
     " o.tenant_id = w.tenant_id AND o.buyer = w.buyer AND o.order_id ="
     " w.order_id AND o.event_time > w.event_time",
     0},
    {"old_keys_order_response",
     "SELECT array_agg(o.tenant_id)::text, array_agg(o.buyer)::text,"
     " array_agg(o.order_id)::text, array_agg(o.responded_at)::text"
     " FROM stage_order_response_win w JOIN order_responses o"
     " USING (tenant_id, buyer, order_id)",
     0},
    {"old_lines_order_response",
     "DELETE FROM order_response_lines l USING unnest($1::text[],"
     " $2::text[], $3::text[], $4::timestamptz[]) AS k (tenant_id, buyer,"
     " order_id, responded_at) WHERE l.responded_at = ANY"
     " ($4::timestamptz[]) AND l.tenant_id = k.tenant_id AND l.buyer ="
     " k.buyer AND l.order_id = k.order_id AND l.responded_at ="
     " k.responded_at",
     4},
    {"insert_order_response", ORDER_RESPONSE_HEADERS, 0},
    {"upsert_order_response",
     ORDER_RESPONSE_HEADERS
     "ON CONFLICT (tenant_id, buyer, order_id) DO UPDATE SET supplier ="
     " EXCLUDED.supplier, responded_at = EXCLUDED.responded_at, status ="
     " EXCLUDED.status, status_code = EXCLUDED.status_code, response_id ="
     " EXCLUDED.response_id, order_time = EXCLUDED.order_time, currency ="
     " EXCLUDED.currency, n_lines = EXCLUDED.n_lines, event_id ="
     " EXCLUDED.event_id, event_time = EXCLUDED.event_time, source ="
     " EXCLUDED.source, updated_at = now()",
     0},
    WINNERS("order_response"),

    /* ---- invoices: the shape of shipments */
    COMMON_STMTS("invoice"),
    {"win_invoice",
     "INSERT INTO stage_invoice_win SELECT DISTINCT ON (tenant_id,"
     " invoice_id) tenant_id, invoice_id, event_id, event_time" FRESH(
         "invoice") "ORDER BY tenant_id, invoice_id, " NEWEST,
     0},
    {"revised_invoice",
     "SELECT count(*) FROM stage_invoice_win w JOIN invoices o"
     " USING (tenant_id, invoice_id)",
     0},
    {"stale_invoice",
     "DELETE FROM stage_invoice_win w USING invoices o WHERE o.tenant_id ="
     " w.tenant_id AND o.invoice_id = w.invoice_id AND o.event_time >"
     " w.event_time",
     0},
    {"old_keys_invoice",
     "SELECT array_agg(o.tenant_id)::text, array_agg(o.invoice_id)::text,"
     " array_agg(o.invoice_time)::text FROM stage_invoice_win w"
     " JOIN invoices o USING (tenant_id, invoice_id)",
     0},
    {"old_lines_invoice",
     "DELETE FROM invoice_lines l USING unnest($1::text[], $2::text[],"
     " $3::timestamptz[]) AS k (tenant_id, invoice_id, invoice_time) WHERE"
     " l.invoice_time = ANY ($3::timestamptz[]) AND l.tenant_id ="
     " k.tenant_id AND l.invoice_id = k.invoice_id AND l.invoice_time ="
     " k.invoice_time",
     3},
    {"insert_invoice", INVOICE_HEADERS, 0},
    {"upsert_invoice",
     INVOICE_HEADERS
     "ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET supplier ="
     " EXCLUDED.supplier, buyer = EXCLUDED.buyer, invoice_time ="
     " EXCLUDED.invoice_time, order_id = EXCLUDED.order_id, order_time ="
     " EXCLUDED.order_time, currency = EXCLUDED.currency, total_amount ="
     " EXCLUDED.total_amount, n_lines = EXCLUDED.n_lines, event_id ="
     " EXCLUDED.event_id, event_time = EXCLUDED.event_time, source ="
     " EXCLUDED.source, updated_at = now()",
     0},
    WINNERS("invoice"),
};
const size_t cs_ingest_n_stmts =
    sizeof(cs_ingest_stmts) / sizeof(cs_ingest_stmts[0]);

#define STEPS(stage, ...)                                                      \
    (const char *const[])                                                      \
    {                                                                          \
        "fresh_" stage, "prune_" stage, __VA_ARGS__, NULL                      \
    }

#define LIST(...)                                                              \
    (const char *const[])                                                      \
    {                                                                          \
        __VA_ARGS__, NULL                                                      \
    }

/* The columns of each line table cs-ingest COPYs into, and where their
 * values come from (ingest_int.h, ingest_direct_lines). */
#define ORDER_LINES                                                            \
    "COPY order_lines (tenant_id, order_id, line_no, order_time, buyer,"       \
    " supplier, sku, quantity, unit, unit_price, currency, requested_time,"    \
    " event_id, event_time) FROM STDIN",                                       \
        LIST("e.tenant_id", "h.order_id", "l.line_no", "h.order_date",         \
             "h.buyer", "h.supplier", "l.sku", "l.quantity", "l.unit",         \
             "l.unit_price", "h.currency", "l.requested_date", "e.id",         \
             "e.time")
#define SHIPMENT_LINES                                                         \
    "COPY shipment_lines (tenant_id, shipment_id, line_no, shipped_at,"        \
    " supplier, buyer, order_id, order_line_no, sku, quantity, unit, batch,"   \
    " lot, identifier, event_id, event_time) FROM STDIN",                      \
        LIST("e.tenant_id", "h.shipment_id", "l.line_no", "h.shipped_at",      \
             "h.supplier", "h.buyer", "h.order_id", "l.order_line_no",         \
             "l.sku", "l.quantity", "l.unit", "l.batch", "l.lot",              \
             "l.identifier", "e.id", "e.time")
#define ORDER_RESPONSE_LINES                                                   \
    "COPY order_response_lines (tenant_id, buyer, order_id, line_no,"          \
    " responded_at, supplier, sku, quantity, unit, unit_price, currency,"      \
    " promised_time, status, status_code, event_id, event_time) FROM STDIN",   \
        LIST("e.tenant_id", "h.buyer", "h.order_id", "l.line_no",              \
             "h.responded_at", "h.supplier", "l.sku", "l.quantity", "l.unit",  \
             "l.unit_price", "h.currency", "l.promised_date", "l.status",      \
             "l.status_code", "e.id", "e.time")
#define INVOICE_LINES                                                          \
    "COPY invoice_lines (tenant_id, invoice_id, line_no, invoice_time,"        \
    " supplier, buyer, order_id, sku, quantity, unit, unit_price, amount,"     \
    " currency, event_id, event_time) FROM STDIN",                             \
        LIST("e.tenant_id", "h.invoice_id", "l.line_no", "h.invoice_date",     \
             "h.supplier", "h.buyer", "h.order_id", "l.sku", "l.quantity",     \
             "l.unit", "l.unit_price", "l.amount", "h.currency", "e.id",       \
             "e.time")

/* In cs_families[] order (services/common/cs_family.c). */
const ingest_family_sql cs_ingest_families[] = {
    {"cs.order.v1", "COPY stage_order FROM STDIN", STEPS("order", "win_order"),
     "revised_order", LIST("stale_order", "old_keys_order", "old_lines_order"),
     LIST("upsert_order"), LIST("insert_order")},
    {"cs.shipment.v1", "COPY stage_shipment FROM STDIN",
     STEPS("shipment", "win_shipment"), "revised_shipment",
     LIST("stale_shipment", "old_keys_shipment", "old_lines_shipment"),
     LIST("upsert_shipment"), LIST("insert_shipment")},
    {"cs.production.v1", "COPY stage_production FROM STDIN",
     STEPS("production", "merge_production"), NULL, NULL, NULL, NULL},
    {"cs.sales.v1", "COPY stage_sales FROM STDIN",
     STEPS("sales", "merge_sales"), NULL, NULL, NULL, NULL},
    {"cs.inventory.v1", "COPY stage_inventory FROM STDIN",
     STEPS("inventory", "merge_inventory"), NULL, NULL, NULL, NULL},
    {"cs.enterprise.v1", "COPY stage_enterprise FROM STDIN",
     STEPS("enterprise", "merge_enterprise"), NULL, NULL, NULL, NULL},
    {"cs.product.v1", "COPY stage_product FROM STDIN",
     STEPS("product", "merge_product"), NULL, NULL, NULL, NULL},
    {"cs.supply_link.v1", "COPY stage_supply_link FROM STDIN",
     STEPS("supply_link", "merge_supply_link"), NULL, NULL, NULL, NULL},
    {"cs.risk_event.v1", "COPY stage_risk_event FROM STDIN",
     STEPS("risk_event", "merge_risk_event"), NULL, NULL, NULL, NULL},
    {"cs.order_response.v1", "COPY stage_order_response FROM STDIN",
     STEPS("order_response", "win_order_response"), "revised_order_response",
     LIST("stale_order_response", "old_keys_order_response",
          "old_lines_order_response"),
     LIST("upsert_order_response"), LIST("insert_order_response")},
    {"cs.invoice.v1", "COPY stage_invoice FROM STDIN",
     STEPS("invoice", "win_invoice"), "revised_invoice",
     LIST("stale_invoice", "old_keys_invoice", "old_lines_invoice"),
     LIST("upsert_invoice"), LIST("insert_invoice")},
    {"cs.demand_plan.v1", "COPY stage_demand_plan FROM STDIN",
     STEPS("demand_plan", "merge_demand_plan"), NULL, NULL, NULL, NULL},
};
const size_t cs_ingest_n_families =
    sizeof(cs_ingest_families) / sizeof(cs_ingest_families[0]);

const ingest_direct_lines cs_ingest_direct_lines[] = {
    {"cs.order.v1", ORDER_LINES, "winners_count_order", "winners_order"},
    {"cs.shipment.v1", SHIPMENT_LINES, "winners_count_shipment",
     "winners_shipment"},
    {"cs.order_response.v1", ORDER_RESPONSE_LINES,
     "winners_count_order_response", "winners_order_response"},
    {"cs.invoice.v1", INVOICE_LINES, "winners_count_invoice",
     "winners_invoice"},
};
const size_t cs_ingest_n_direct_lines =
    sizeof(cs_ingest_direct_lines) / sizeof(cs_ingest_direct_lines[0]);

/* Facts COPYed straight into their tables (ingest_int.h,
 * ingest_direct_rows): production, sales and inventory, whose tables have
 * no foreign key (a key check in the savepoint would lock the tenant row
 * in a subtransaction, see store.c). */
const ingest_direct_lines cs_ingest_direct_rows[] = {
    {"cs.production.v1",
     "COPY production (tenant_id, enterprise, site, sku, day, output,"
     " capacity, unit, event_id, event_time) FROM STDIN",
     LIST("e.tenant_id", "h.enterprise", "h.site", "h.sku", "h.date",
          "h.output", "h.capacity", "h.unit", "e.id", "e.time"),
     NULL, NULL},
    {"cs.sales.v1",
     "COPY sales (tenant_id, enterprise, sku, period_start, period_end,"
     " quantity, unit, revenue, currency, channel, region_code, event_id,"
     " event_time) FROM STDIN",
     LIST("e.tenant_id", "h.enterprise", "h.sku", "h.period_start",
          "h.period_end", "h.quantity", "h.unit", "h.revenue", "h.currency",
          "h.channel", "h.region_code", "e.id", "e.time"),
     NULL, NULL},
    {"cs.inventory.v1",
     "COPY inventory (tenant_id, enterprise, site, sku, as_of, on_hand,"
     " on_order, unit, event_id, event_time) FROM STDIN",
     LIST("e.tenant_id", "h.enterprise", "h.site", "h.sku", "h.as_of",
          "h.on_hand", "h.on_order", "h.unit", "e.id", "e.time"),
     NULL, NULL},
};
const size_t cs_ingest_n_direct_rows =
    sizeof(cs_ingest_direct_rows) / sizeof(cs_ingest_direct_rows[0]);
