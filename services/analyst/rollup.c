/* rollup.c - the daily roll-ups the indicators read (docs/analyst.md,
 * "Indicators"; schema sql/migrations/0023_analyst_rollup.sql): per
 * supplier and UTC day, the delivered lines with their on-time counts and
 * lead-time sums (analyst_roll_deliveries), the ordered and shipped
 * quantity of lines by requested and order day (analyst_roll_fill), the
 * shipped quantity per customer (analyst_roll_customers).
 *
 * Each cycle, inside its transaction and before the indicators: when the
 * roll-ups are empty or do not reach back to the first day of this
 * cycle's window, rebuild them from that day on; else add what the lines
 * stored since the snapshot that last brought them up to date contribute
 * (0061; their headers found by updated_at, BRIN-indexed), and recompute
 * the rows the old versions of revised facts were rolled up under
 * (analyst_roll_dirty, written by triggers). Without that snapshot (an
 * older cs-analyst kept them last), recompute every key the facts stored
 * or revised since the watermark touch. Then mark them as this cycle's,
 * with its snapshot: the indicators statement reads them when
 * analyst_roll_state.cycle_id is its cycle, and the raw facts otherwise
 * (a backtest at an earlier date).
 *
 * Matching follows what the ingest stores: an order's or a shipment's
 * lines carry its header's order time, shipped time, parties and order
 * id, so a line's order is found through the header's indexes. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_log.h"

/* clang-format off */

/* The UTC day of a timestamptz, and the timestamptz a UTC day starts. */
#define UTC_DAY(x) "((" x ") AT TIME ZONE 'UTC')::date"
#define DAY_START(d) "((" d ")::timestamp AT TIME ZONE 'UTC')"

/* Joins: JH, a plain join (building the roll-ups: hashes over whole
 * windows); JL, an index lookup per row (recomputing a few keys: a
 * LATERAL subquery that OFFSET 0 keeps from being flattened, so the
 * planner cannot turn it into a scan of the whole table). */
#define JH(TABLE, ALIAS, ON) " JOIN " TABLE " " ALIAS " ON " ON
#define JL(TABLE, ALIAS, ON) \
    " JOIN LATERAL (SELECT * FROM " TABLE " " ALIAS " WHERE " ON \
    " OFFSET 0) " ALIAS " ON true"
/* The same with the row version's xmin as column x. */
#define JLX(TABLE, ALIAS, ON) \
    " JOIN LATERAL (SELECT *, " ALIAS ".xmin AS x FROM " TABLE " " ALIAS \
    " WHERE " ON " OFFSET 0) " ALIAS " ON true"

/* The order line o, ol a shipment line SL delivers: through the order
 * header (buyer, supplier, order id; ordered in [O_LO, O_HI) days), its
 * line by number, or by sku when the shipment line has none; OL_LO and
 * OL_HI bound the order lines' partitions. */
#define ORDER_LINE_OF(J, SL, O_LO, O_HI, OL_LO, OL_HI) \
    J("orders", "o", "o.order_id = " SL ".order_id AND o.buyer = " SL ".buyer" \
      "  AND o.supplier = " SL ".supplier" \
      "  AND o.order_time >= " DAY_START(O_LO) \
      "  AND o.order_time < " DAY_START(O_HI)) \
    J("order_lines", "ol", "ol.tenant_id = o.tenant_id" \
      "  AND ol.order_id = o.order_id AND ol.order_time = o.order_time" \
      "  AND ol.order_time >= " DAY_START(OL_LO) \
      "  AND ol.order_time < " DAY_START(OL_HI) \
      "  AND ol.buyer = " SL ".buyer AND ol.supplier = " SL ".supplier" \
      "  AND (ol.line_no = " SL ".order_line_no" \
      "       OR (" SL ".order_line_no IS NULL AND ol.sku = " SL ".sku))")

/* Delivered lines of the shipments s (tenant_id, shipment_id, supplier,
 * shipped_at, delivered_at, dday = the UTC day delivered) per supplier
 * and day: each line of the shipment (shipped at most 150 days before
 * dday) matched to its order line (through the order header: buyer,
 * supplier, order id; line number, or sku without one; ordered at most
 * 455 days before dday and not after it). LO, HI: the earliest and the
 * latest dday, so that planning prunes the partitions of the lines:
 * a LATERAL lookup into a partitioned table visits every partition it
 * kept on each rescan (145 monthly ones: most of the time of 5,000
 * keys). */
#define DELIV_ROWS(SRC, LO, HI, J) \
    "SELECT s.supplier, s.dday, count(*)::int, count(ol.requested_time)::int," \
    " count(*) FILTER (WHERE s.delivered_at <= ol.requested_time)::int," \
    " sum(x.e), sum(x.e * x.e)" \
    " FROM " SRC \
    J("shipment_lines", "sl", "sl.tenant_id = s.tenant_id" \
      "  AND sl.shipment_id = s.shipment_id AND sl.shipped_at = s.shipped_at" \
      "  AND sl.shipped_at >= " DAY_START(LO " - 150") \
      "  AND sl.shipped_at < " DAY_START(HI " + 1")) \
    ORDER_LINE_OF(J, "sl", "s.dday - 455", "s.dday + 1", LO " - 455", \
                  HI " + 1") \
    " CROSS JOIN LATERAL (SELECT extract(epoch FROM s.delivered_at" \
    "  - ol.order_time) AS e) x" \
    " WHERE s.shipped_at >= " DAY_START("s.dday - 150") \
    " GROUP BY s.supplier, s.dday"

/* Order lines ol (of SRC) requested on day rd >= $1 and at most 365 days
 * after their order day od, per supplier, od and rd: ordered quantity
 * and the quantity of the shipment lines delivering them (order line
 * number; shipped no earlier than 150 days before od). LO: the earliest
 * order day, for partition pruning. */
#define FILL_ROWS(SRC, LO, J) \
    "WITH ol AS MATERIALIZED (SELECT * FROM (SELECT ol.supplier, ol.buyer," \
    "   ol.order_id, ol.line_no, ol.quantity, " UTC_DAY("ol.order_time") " AS od," \
    "   " UTC_DAY("ol.requested_time") " AS rd FROM " SRC ") z" \
    "  WHERE rd >= $1::date AND rd <= od + 365)" \
    " INSERT INTO analyst_roll_fill (supplier, order_day, day, ordered, shipped)" \
    " SELECT supplier, od, rd, sum(o), sum(s) FROM (" \
    "  SELECT supplier, od, rd, quantity AS o, 0::numeric AS s FROM ol" \
    "  UNION ALL SELECT ol.supplier, ol.od, ol.rd, 0, sl.quantity FROM ol" \
    J("shipments", "s", "s.buyer = ol.buyer AND s.order_id = ol.order_id" \
      "   AND s.supplier = ol.supplier AND s.shipped_at >= " DAY_START("ol.od - 150")) \
    J("shipment_lines", "sl", "sl.tenant_id = s.tenant_id" \
      "   AND sl.shipment_id = s.shipment_id AND sl.shipped_at = s.shipped_at" \
      "   AND sl.shipped_at >= " DAY_START(LO " - 150") \
      "   AND sl.order_id = ol.order_id AND sl.order_line_no = ol.line_no" \
      "   AND sl.buyer = ol.buyer AND sl.supplier = ol.supplier") \
    " ) x GROUP BY 1, 2, 3"

#define INS_DELIV \
    "INSERT INTO analyst_roll_deliveries (supplier, day, n_lines," \
    " n_requested, n_on_time, lead_s, lead_s2) "
#define INS_CUST \
    "INSERT INTO analyst_roll_customers (supplier, day, buyer, quantity) "

/* $1 the cycle's as of, $2 window days, $3 the watermark: the first day of the window
 * (the window is the window_days whole UTC days up to the one as-of
 * falls in, or, at midnight, before it), what the roll-ups cover, and
 * whether to rebuild (not built, or not back far enough) or prune
 * (holding more than 30 days before the window). */
static const char sql_state[] =
    "SELECT w.first::text, coalesce(s.from_day::text, ''),"
    " s.from_day IS NULL OR w.first < s.from_day,"
    " coalesce(s.from_day < w.first - 30, false),"
    " coalesce(s.snap IS NOT NULL AND s.snap_cycle = s.cycle_id, false),"
    /* the watermark ($3) of the delta; built ahead of this cycle: what
     * was stored since the build */
    " CASE WHEN s.snap_cycle = 0 THEN greatest(nullif($3, '')::timestamptz,"
    "  s.built_at)::text ELSE $3 END"
    " FROM analyst_roll_state s, LATERAL (SELECT " UTC_DAY("$1::timestamptz"
    "  - interval '1 microsecond'") " + 1 - $2::int AS first) w"
    " FOR UPDATE OF s";

/* The state row; after a crash it is gone with the roll-ups (0057: both
 * UNLOGGED), and put back empty: not built. */
static const char sql_state_row[] =
    "INSERT INTO analyst_roll_state DEFAULT VALUES ON CONFLICT DO NOTHING";

/* The roll-ups' primary keys (0023), dropped while the rows are built
 * and made after: one sort each instead of a b-tree insert per row. */
#define ROLL_KEYS(OP, DEF_D, DEF_F, DEF_C) \
    "ALTER TABLE analyst_roll_deliveries " OP \
    " analyst_roll_deliveries_pkey" DEF_D ";" \
    " ALTER TABLE analyst_roll_fill " OP " analyst_roll_fill_pkey" DEF_F ";" \
    " ALTER TABLE analyst_roll_customers " OP \
    " analyst_roll_customers_pkey" DEF_C

/* Rebuild from day $1. TRUNCATE: no dead rows left behind (only cycles,
 * which hold the cycle lock, read these tables); the log is emptied with
 * DELETE, so the ingest's triggers never wait for the cycle. The rows end
 * in key order, so that a supplier's days lie together (the incremental
 * cycles' indicators read them by supplier): the deliveries come sorted
 * from their grouping; the other two are hash-aggregated and CLUSTERed
 * by their new keys (an ORDER BY of their rows took 33 and 17 s at 10^5,
 * the keys and CLUSTER about 10 s, docs/analyst.md "Cost, measured"). */
#define BUILD_DELIV \
    INS_DELIV DELIV_ROWS( \
        "(SELECT tenant_id, shipment_id, supplier, shipped_at, delivered_at," \
        " " UTC_DAY("delivered_at") " AS dday FROM shipments" \
        " WHERE delivered_at >= " DAY_START("$1::date") ") s", "$1::date", \
        "'infinity'::date", JH) " ORDER BY 1, 2"
/* Building, FILL_ROWS joined the other way round: the window's order
 * lines to their shipment lines first (about 750,000 of 2.9 million at
 * 10^5), then those to their headers (the same conditions; a line has
 * one header, shipments' key), so that the 2.9 million shipments are
 * scanned against a hash of the matched lines instead of being hashed
 * themselves (about 400 MB, most of the statement's time). */
#define BUILD_FILL \
    "WITH ol AS MATERIALIZED (SELECT * FROM (SELECT ol.supplier, ol.buyer," \
    "   ol.order_id, ol.line_no, ol.quantity, " UTC_DAY("ol.order_time") " AS od," \
    "   " UTC_DAY("ol.requested_time") " AS rd FROM order_lines ol" \
    "   WHERE ol.order_time >= " DAY_START("$1::date - 365") ") z" \
    "  WHERE rd >= $1::date AND rd <= od + 365)," \
    " m AS MATERIALIZED (SELECT ol.supplier, ol.buyer, ol.order_id, ol.od," \
    "  ol.rd, sl.quantity, sl.tenant_id, sl.shipment_id, sl.shipped_at" \
    "  FROM ol JOIN shipment_lines sl ON sl.order_id = ol.order_id" \
    "   AND sl.order_line_no = ol.line_no AND sl.buyer = ol.buyer" \
    "   AND sl.supplier = ol.supplier" \
    "   AND sl.shipped_at >= " DAY_START("$1::date - 365 - 150") ")" \
    " INSERT INTO analyst_roll_fill (supplier, order_day, day, ordered, shipped)" \
    " SELECT supplier, od, rd, sum(o), sum(s) FROM (" \
    "  SELECT supplier, od, rd, quantity AS o, 0::numeric AS s FROM ol" \
    "  UNION ALL SELECT m.supplier, m.od, m.rd, 0, m.quantity FROM m" \
    "  JOIN shipments s ON s.tenant_id = m.tenant_id" \
    "   AND s.shipment_id = m.shipment_id AND s.shipped_at = m.shipped_at" \
    "   AND s.buyer = m.buyer AND s.order_id = m.order_id" \
    "   AND s.supplier = m.supplier" \
    "   AND s.shipped_at >= " DAY_START("m.od - 150") \
    " ) x GROUP BY 1, 2, 3"
#define BUILD_CUST \
    INS_CUST "SELECT supplier, " UTC_DAY("shipped_at") ", buyer, sum(quantity)" \
    " FROM shipment_lines WHERE shipped_at >= " DAY_START("$1::date") \
    " GROUP BY 1, 2, 3"

static const char *const sql_rebuild[] = {
    "DELETE FROM analyst_roll_dirty",
    "TRUNCATE analyst_roll_deliveries, analyst_roll_fill,"
    " analyst_roll_customers",
    ROLL_KEYS("DROP CONSTRAINT", "", "", ""),
    BUILD_DELIV,
    BUILD_FILL,
    BUILD_CUST,
    ROLL_KEYS("ADD CONSTRAINT", " PRIMARY KEY (supplier, day)",
              " PRIMARY KEY (supplier, order_day, day)",
              " PRIMARY KEY (supplier, day, buyer)"),
    "CLUSTER analyst_roll_fill USING analyst_roll_fill_pkey;"
    " CLUSTER analyst_roll_customers USING analyst_roll_customers_pkey",
    "UPDATE analyst_roll_state SET from_day = $1::date, built_at = now()",
    /* The indicators statement is planned right after. */
    "ANALYZE analyst_roll_deliveries, analyst_roll_fill,"
    " analyst_roll_customers",
};

/* Drop the days before $1. */
static const char *const sql_prune[] = {
    "DELETE FROM analyst_roll_deliveries WHERE day < $1::date",
    "DELETE FROM analyst_roll_fill WHERE day < $1::date",
    "DELETE FROM analyst_roll_customers WHERE day < $1::date",
    "UPDATE analyst_roll_state SET from_day = $1::date",
};

/* The keys to recompute ($1: the watermark, then the first day rolled up).
 * Shipments and orders stored or revised since the watermark (less two
 * minutes, for transactions that committed late, as incr_stale), and the
 * old keys the triggers logged. An order touches its lines' fill rows and
 * the delivery days of the shipments against it; a shipment its delivery
 * and shipping days and its order. Temporary tables, dropped at commit. */
static const char *const sql_keys_wm[] = {
    "CREATE TEMP TABLE roll_ship ON COMMIT DROP AS"
    " SELECT supplier, buyer, order_id, shipped_at, delivered_at FROM shipments"
    " WHERE updated_at > $1::timestamptz - interval '2 minutes'",
    /* Rows logged after this snapshot stay for the next cycle. */
    "CREATE TEMP TABLE roll_log ON COMMIT DROP AS"
    " SELECT * FROM analyst_roll_dirty",
    "DELETE FROM analyst_roll_dirty",
    "CREATE TEMP TABLE roll_refs ON COMMIT DROP AS"
    " SELECT supplier, buyer, order_id, bool_or(logged) AS logged FROM ("
    "  SELECT supplier, buyer, order_id, false AS logged FROM orders"
    "  WHERE updated_at > $1::timestamptz - interval '2 minutes'"
    "  UNION ALL SELECT supplier, buyer, order_id, false FROM roll_ship"
    "  WHERE order_id IS NOT NULL"
    "  UNION ALL SELECT supplier, buyer, order_id, true FROM roll_log"
    "  WHERE order_id IS NOT NULL AND buyer IS NOT NULL) x"
    " GROUP BY 1, 2, 3",
    "ANALYZE roll_refs",
};
static const char *const sql_keys_day[] = {
    "CREATE TEMP TABLE roll_kd ON COMMIT DROP AS"
    " SELECT supplier, day, bool_or(logged) AS logged FROM ("
    "  SELECT supplier, " UTC_DAY("delivered_at") " AS day, false AS logged"
    "  FROM roll_ship WHERE delivered_at IS NOT NULL"
    "  UNION ALL SELECT supplier, delivered_day, true FROM roll_log"
    "  WHERE delivered_day IS NOT NULL"
    "  UNION ALL SELECT s.supplier, " UTC_DAY("s.delivered_at") ", r.logged"
    "  FROM roll_refs r"
    JL("shipments", "s", "s.buyer = r.buyer AND s.order_id = r.order_id"
       " AND s.supplier = r.supplier AND s.delivered_at IS NOT NULL") ") x"
    " WHERE day >= $1::date GROUP BY 1, 2",
    "CREATE TEMP TABLE roll_kf ON COMMIT DROP AS"
    " SELECT supplier, order_day, bool_or(logged) AS logged FROM ("
    "  SELECT o.supplier, " UTC_DAY("o.order_time") " AS order_day, r.logged"
    "  FROM roll_refs r"
    JL("orders", "o", "o.order_id = r.order_id AND o.buyer = r.buyer"
       " AND o.supplier = r.supplier")
    "  UNION ALL SELECT supplier, order_day, true FROM roll_log"
    "  WHERE order_day IS NOT NULL) x"
    " WHERE order_day >= $1::date - 365 GROUP BY 1, 2",
    "CREATE TEMP TABLE roll_kc ON COMMIT DROP AS"
    " SELECT supplier, day, bool_or(logged) AS logged FROM ("
    "  SELECT supplier, " UTC_DAY("shipped_at") " AS day, false AS logged"
    "  FROM roll_ship"
    "  UNION ALL SELECT supplier, shipped_day, true FROM roll_log"
    "  WHERE shipped_day IS NOT NULL) x"
    " WHERE day >= $1::date GROUP BY 1, 2",
    "ANALYZE roll_kd",
    "ANALYZE roll_kf",
    "ANALYZE roll_kc",
};

/* Recompute the keyed rows. A key's rows lose a fact's contribution only
 * when a fact is revised or deleted, and the triggers log each such key
 * (analyst_roll_dirty): only those keys ("logged") are deleted before
 * their rows are computed again. Every other key was reached from facts
 * stored since the watermark, which only add to its rows (a new order
 * makes earlier deliveries match, a new shipment adds lines): its rows
 * are upserted, one index probe each instead of a delete and an insert
 * (the three keyed deletes took 0.2-0.45 s each for 5,000 keys at 10^5).
 * Seeing a fact twice (the watermark's overlap) recomputes the same
 * values. */
#define UPSERT_DELIV \
    " ON CONFLICT (supplier, day) DO UPDATE SET n_lines = excluded.n_lines," \
    " n_requested = excluded.n_requested, n_on_time = excluded.n_on_time," \
    " lead_s = excluded.lead_s, lead_s2 = excluded.lead_s2"
#define UPSERT_FILL \
    " ON CONFLICT (supplier, order_day, day) DO UPDATE" \
    " SET ordered = excluded.ordered, shipped = excluded.shipped"
#define UPSERT_CUST \
    " ON CONFLICT (supplier, day, buyer) DO UPDATE" \
    " SET quantity = excluded.quantity"

/* The first day and the last of the keys ($1,
 * $2; of the fill rows' keys $2, $3 after $1, the first day rolled up),
 * each statement's bounds read by sql_bounds (same order). */
static const char *const sql_bounds[] = {
    NULL,
    "SELECT min(day)::text, max(day)::text FROM roll_kd",
    NULL,
    "SELECT min(order_day)::text, max(order_day)::text FROM roll_kf",
    NULL,
    "SELECT min(day)::text, max(day)::text FROM roll_kc",
};
static const char *const sql_refresh[] = {
    "DELETE FROM analyst_roll_deliveries r USING roll_kd k"
    " WHERE k.logged AND r.supplier = k.supplier AND r.day = k.day",
    INS_DELIV DELIV_ROWS(
        /* By supplier and delivery day (0024's index); the shipped
         * bounds outside the lookup, so that it cannot take the
         * supplier's shipments of 150 days instead. */
        "(SELECT s.tenant_id, s.shipment_id, s.supplier, s.shipped_at,"
        " s.delivered_at, k.day AS dday FROM roll_kd k"
        JL("shipments", "s", "s.supplier = k.supplier"
           " AND s.delivered_at >= " DAY_START("k.day")
           " AND s.delivered_at < " DAY_START("k.day + 1"))
        " WHERE s.shipped_at >= " DAY_START("k.day - 150")
        " AND s.shipped_at < " DAY_START("k.day + 1") ") s",
        "$1::date", "$2::date", JL) UPSERT_DELIV,
    "DELETE FROM analyst_roll_fill r USING roll_kf k"
    " WHERE k.logged AND r.supplier = k.supplier"
    " AND r.order_day = k.order_day",
    FILL_ROWS("roll_kf k" JL("order_lines", "ol", "ol.supplier = k.supplier"
              " AND ol.order_time >= " DAY_START("k.order_day")
              " AND ol.order_time < " DAY_START("k.order_day + 1")
              " AND ol.order_time >= " DAY_START("$2::date")
              " AND ol.order_time < " DAY_START("$3::date + 1")),
              "$2::date", JL) UPSERT_FILL,
    "DELETE FROM analyst_roll_customers r USING roll_kc k"
    " WHERE k.logged AND r.supplier = k.supplier AND r.day = k.day",
    INS_CUST "SELECT sl.supplier, k.day, sl.buyer, sum(sl.quantity)"
    " FROM roll_kc k" JL("shipment_lines", "sl", "sl.supplier = k.supplier"
    " AND sl.shipped_at >= " DAY_START("k.day")
    " AND sl.shipped_at < " DAY_START("k.day + 1")
    " AND sl.shipped_at >= " DAY_START("$1::date")
    " AND sl.shipped_at < " DAY_START("$2::date + 1"))
    " GROUP BY 1, 2, 3" UPSERT_CUST,
};

/* Adding what new facts contribute (0061; docs/analyst.md, "Daily
 * roll-ups"). The roll-ups hold what the facts seen by the snapshot that
 * last brought them up to date (analyst_roll_state.snap) add up to. A
 * line is new when its header was stored or revised since the watermark
 * (less two minutes, found by the BRIN index) and that snapshot saw
 * neither the header's row version nor the line's: the overlap of two
 * minutes, which the recomputing upkeep read twice, is read once, and a
 * header stored again without new lines adds nothing (the ingest stores
 * a header and its lines in one transaction; lines added later to a
 * header that is not stored again are not found, as before). Each new pair of an order line and a
 * shipment line is counted from one side only: from the shipment when
 * its line is new (against every order line), else from the order (a
 * new order line against old shipment lines: a late order makes earlier
 * deliveries match). Keys the triggers logged (revised or deleted facts,
 * and through them every current key of the revised order or shipment)
 * are recomputed instead (EXCL: their rows are left to sql_refresh).
 * Counts and sums are exact (integers and numeric), so the sums added
 * equal the sums recomputed. $1 the watermark, $2 the first day rolled
 * up; the bounds of the partitions to plan after them (sql_delta_bounds). */
#define FRESH(A) A ".updated_at > $1::timestamptz - interval '2 minutes'"
#define UNSEEN(X) \
    "NOT pg_visible_in_snapshot(cs_xid8(" X "), (SELECT snap FROM analyst_roll_state))"
#define NEW_SHIPMENTS \
    "ns AS MATERIALIZED (SELECT s.tenant_id, s.shipment_id, s.supplier," \
    " s.buyer, s.order_id, s.shipped_at, s.delivered_at FROM shipments s" \
    " WHERE " FRESH("s") " AND " UNSEEN("s.xmin") ")"
#define NEW_ORDERS \
    "no AS MATERIALIZED (SELECT o.tenant_id, o.order_id, o.buyer," \
    " o.supplier, o.order_time FROM orders o WHERE " FRESH("o") \
    " AND " UNSEEN("o.xmin") ")"
/* The shipments s against the orders of SRC (buyer, order_id,
 * supplier), with COND; fresh: whether their lines can be new. */
#define SHIPMENTS_OF(SRC, COND) \
    " JOIN LATERAL (SELECT s.*, " FRESH("s") " AND " UNSEEN("s.xmin") \
    "  AS fresh FROM shipments s" \
    "  WHERE s.buyer = " SRC ".buyer AND s.order_id = " SRC ".order_id" \
    "  AND s.supplier = " SRC ".supplier AND " COND " OFFSET 0) s ON true"

#define ADD_DELIV \
    " ON CONFLICT (supplier, day) DO UPDATE" \
    " SET n_lines = analyst_roll_deliveries.n_lines + excluded.n_lines," \
    " n_requested = analyst_roll_deliveries.n_requested + excluded.n_requested," \
    " n_on_time = analyst_roll_deliveries.n_on_time + excluded.n_on_time," \
    " lead_s = analyst_roll_deliveries.lead_s + excluded.lead_s," \
    " lead_s2 = analyst_roll_deliveries.lead_s2 + excluded.lead_s2"
#define ADD_FILL \
    " ON CONFLICT (supplier, order_day, day) DO UPDATE" \
    " SET ordered = analyst_roll_fill.ordered + excluded.ordered," \
    " shipped = analyst_roll_fill.shipped + excluded.shipped"
#define ADD_CUST \
    " ON CONFLICT (supplier, day, buyer) DO UPDATE" \
    " SET quantity = analyst_roll_customers.quantity + excluded.quantity"

/* One statement for the three roll-ups, so that each new line is looked
 * up once. nsl: the new lines of fresh shipments (tenant, shipment and
 * shipped time of the header: one partition each); nslo: each matched
 * to its order lines through the order header (as the build matches
 * them; filtered for each roll-up below, as the build filters them);
 * nol: the new lines of fresh orders; os, osl: the shipments against
 * fresh orders and their old lines (a new shipment line is counted from
 * the shipment's side), matched to nol in memory. $1 the watermark, $2
 * the first day rolled up, $3 and $4 the first and last shipped day of
 * the shipments in ns and os, $5 and $6 the first and last order day of
 * the fresh orders (sql_delta_bounds): the partitions planned. EXCL
 * leaves out the logged keys. */
#define DELTA_ALL(EXCL) \
    "WITH " NEW_SHIPMENTS ", " NEW_ORDERS "," \
    " nsl AS MATERIALIZED (SELECT ns.supplier AS s_supplier," \
    "  ns.buyer AS s_buyer, ns.order_id AS s_order, ns.shipped_at AS s_shipped," \
    "  ns.delivered_at, sl.supplier, sl.buyer, sl.order_id, sl.order_line_no," \
    "  sl.sku, sl.quantity, sl.shipped_at FROM ns" \
    JLX("shipment_lines", "sl", "sl.tenant_id = ns.tenant_id" \
        " AND sl.shipment_id = ns.shipment_id AND sl.shipped_at = ns.shipped_at" \
        " AND sl.shipped_at >= " DAY_START("$3::date") \
        " AND sl.shipped_at < " DAY_START("$4::date + 1")) \
    "  WHERE " UNSEEN("sl.x") ")," \
    " nslo AS MATERIALIZED (SELECT nsl.*, ol.order_time AS o_time," \
    "  ol.requested_time FROM nsl" \
    ORDER_LINE_OF(JL, "nsl", "$2::date - 455", "$4::date + 151", \
                  "$2::date - 455", "$4::date + 151") ")," \
    " nol AS MATERIALIZED (SELECT no.buyer AS h_buyer, no.supplier AS h_supplier," \
    "  ol.supplier, ol.buyer, ol.order_id, ol.line_no, ol.sku, ol.quantity," \
    "  ol.order_time, ol.requested_time, " UTC_DAY("ol.order_time") " AS od," \
    "  " UTC_DAY("ol.requested_time") " AS rd FROM no" \
    JLX("order_lines", "ol", "ol.tenant_id = no.tenant_id" \
        " AND ol.order_id = no.order_id AND ol.order_time = no.order_time" \
        " AND ol.order_time >= " DAY_START("$2::date - 455") \
        " AND ol.order_time >= " DAY_START("$5::date") \
        " AND ol.order_time < " DAY_START("$6::date + 1")) \
    "  WHERE " UNSEEN("ol.x") ")," \
    " os AS MATERIALIZED (SELECT DISTINCT ON (s.tenant_id, s.shipment_id)" \
    "  s.tenant_id, s.shipment_id, s.supplier, s.buyer, s.order_id," \
    "  s.shipped_at, s.delivered_at, s.fresh FROM no" \
    SHIPMENTS_OF("no", "true") ")," \
    " osl AS MATERIALIZED (SELECT os.supplier AS s_supplier," \
    "  os.buyer AS s_buyer, os.order_id AS s_order, os.shipped_at AS s_shipped," \
    "  os.delivered_at, sl.supplier, sl.buyer, sl.order_id, sl.order_line_no," \
    "  sl.sku, sl.quantity FROM os" \
    JLX("shipment_lines", "sl", "sl.tenant_id = os.tenant_id" \
        " AND sl.shipment_id = os.shipment_id AND sl.shipped_at = os.shipped_at" \
        " AND sl.shipped_at >= " DAY_START("$3::date") \
        " AND sl.shipped_at < " DAY_START("$4::date + 1")) \
    "  WHERE NOT (os.fresh AND " UNSEEN("sl.x") "))," \
    /* delivered lines: (supplier, delivery day, delivered, requested, \
     * ordered); from new shipment lines, and old ones against new \
     * order lines */ \
    " dl AS (SELECT * FROM (" \
    "  SELECT s_supplier AS supplier, " UTC_DAY("delivered_at") " AS dday," \
    "   s_shipped, delivered_at, requested_time, o_time FROM nslo" \
    "  UNION ALL SELECT osl.s_supplier, " UTC_DAY("osl.delivered_at") "," \
    "   osl.s_shipped, osl.delivered_at, nol.requested_time, nol.order_time" \
    "  FROM osl JOIN nol ON nol.order_id = osl.order_id" \
    "   AND nol.h_buyer = osl.buyer AND nol.h_supplier = osl.supplier" \
    "   AND nol.buyer = osl.buyer AND nol.supplier = osl.supplier" \
    "   AND (nol.line_no = osl.order_line_no" \
    "        OR (osl.order_line_no IS NULL AND nol.sku = osl.sku))) z" \
    "  WHERE delivered_at IS NOT NULL AND dday >= $2::date" \
    "   AND s_shipped >= " DAY_START("dday - 150") \
    "   AND o_time >= " DAY_START("dday - 455") \
    "   AND o_time < " DAY_START("dday + 1") \
    EXCL("supplier", "dday", "roll_kd", "day") ")," \
    " d AS (" INS_DELIV "SELECT supplier, dday, count(*)::int," \
    "  count(requested_time)::int," \
    "  count(*) FILTER (WHERE delivered_at <= requested_time)::int," \
    "  sum(e), sum(e * e) FROM (SELECT supplier, dday, delivered_at," \
    "   requested_time, extract(epoch FROM delivered_at - o_time) AS e" \
    "   FROM dl) y GROUP BY supplier, dday" ADD_DELIV " RETURNING 1)," \
    /* fill: new order lines (ordered, and shipped by old shipment \
     * lines) and the order lines new shipment lines deliver */ \
    " fl AS (SELECT * FROM (" \
    "  SELECT supplier, od, rd, quantity AS o, 0::numeric AS s FROM nol" \
    "  UNION ALL SELECT nol.supplier, nol.od, nol.rd, 0, osl.quantity" \
    "  FROM osl JOIN nol ON osl.s_buyer = nol.buyer" \
    "   AND osl.s_order = nol.order_id AND osl.s_supplier = nol.supplier" \
    "   AND osl.order_id = nol.order_id AND osl.order_line_no = nol.line_no" \
    "   AND osl.buyer = nol.buyer AND osl.supplier = nol.supplier" \
    "  WHERE osl.s_shipped >= " DAY_START("nol.od - 150") \
    "  UNION ALL SELECT supplier, " UTC_DAY("o_time") "," \
    "   " UTC_DAY("requested_time") ", 0, quantity FROM nslo" \
    "  WHERE order_line_no IS NOT NULL AND order_id = s_order" \
    "   AND buyer = s_buyer AND supplier = s_supplier" \
    "   AND s_shipped >= " DAY_START(UTC_DAY("o_time") " - 150") ") z" \
    "  WHERE od >= $2::date - 365 AND rd >= $2::date AND rd <= od + 365" \
    EXCL("supplier", "od", "roll_kf", "order_day") ")," \
    " f AS (INSERT INTO analyst_roll_fill (supplier, order_day, day, ordered," \
    "  shipped) SELECT supplier, od, rd, sum(o), sum(s) FROM fl" \
    "  GROUP BY 1, 2, 3" ADD_FILL " RETURNING 1)," \
    /* customers: the new shipment lines */ \
    " c AS (" INS_CUST "SELECT supplier, " UTC_DAY("shipped_at") ", buyer," \
    "  sum(quantity) FROM nsl WHERE " UTC_DAY("shipped_at") " >= $2::date" \
    EXCL("supplier", UTC_DAY("shipped_at"), "roll_kc", "day") \
    "  GROUP BY 1, 2, 3" ADD_CUST " RETURNING 1)" \
    " SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM f)," \
    " (SELECT count(*) FROM c)"

/* The days the statements above look up lines of partitioned tables
 * on, so that planning keeps only those partitions (with 'infinity' as
 * the last day it planned some 60 empty future ones of each, 0.4 s at
 * 10^4): the shipped days of the fresh shipments and of those against
 * fresh orders; their delivery days from $2 on; the order days of the
 * fresh orders. NULL when there are none: the statements then plan to
 * nothing. */
static const char sql_delta_bounds[] =
    "WITH " NEW_SHIPMENTS ", " NEW_ORDERS ","
    " sh AS (SELECT shipped_at, delivered_at FROM ns"
    "  UNION ALL SELECT s.shipped_at, s.delivered_at FROM no"
    SHIPMENTS_OF("no", "true") ")"
    " SELECT min(" UTC_DAY("shipped_at") ")::text,"
    "  max(" UTC_DAY("shipped_at") ")::text,"
    "  min(" UTC_DAY("delivered_at") ") FILTER (WHERE"
    "   " UTC_DAY("delivered_at") " >= $2::date)::text,"
    "  max(" UTC_DAY("delivered_at") ") FILTER (WHERE"
    "   " UTC_DAY("delivered_at") " >= $2::date)::text,"
    "  (SELECT min(" UTC_DAY("order_time") ")::text FROM no),"
    "  (SELECT max(" UTC_DAY("order_time") ")::text FROM no)"
    " FROM sh";

/* Without logged keys, and without the ones in the key tables (which
 * then hold only logged keys). */
#define NO_EXCL(SUP, DAY, TABLE, COL) ""
#define EXCL_LOGGED(SUP, DAY, TABLE, COL) \
    " AND NOT EXISTS (SELECT 1 FROM " TABLE " k WHERE k.supplier = " SUP \
    " AND k." COL " = " DAY ")"

static const char sql_delta[] = DELTA_ALL(NO_EXCL);
static const char sql_delta_logged[] = DELTA_ALL(EXCL_LOGGED);

/* The logged keys alone (for sql_keys_day and sql_refresh, which then
 * delete and recompute them): no shipments or orders of the watermark
 * ($1, unused but for the statements' shape). */
static const char *const sql_keys_log[] = {
    "CREATE TEMP TABLE roll_ship ON COMMIT DROP AS"
    " SELECT supplier, buyer, order_id, shipped_at, delivered_at FROM shipments"
    " WHERE false",
    "CREATE TEMP TABLE roll_log ON COMMIT DROP AS"
    " SELECT * FROM analyst_roll_dirty",
    "DELETE FROM analyst_roll_dirty",
    "CREATE TEMP TABLE roll_refs ON COMMIT DROP AS"
    " SELECT supplier, buyer, order_id, true AS logged FROM roll_log"
    " WHERE order_id IS NOT NULL AND buyer IS NOT NULL GROUP BY 1, 2, 3",
    "ANALYZE roll_refs",
};

/* clang-format on */

/* Runs n statements, those with a parameter with p as $1. */
static cs_status run_all(analyst *a, const char *const *sql, size_t n,
                         const char *p, cs_err *err)
{
    for (size_t i = 0; i < n; i++) {
        cs_status rc = strchr(sql[i], '$') != NULL
                           ? cs_pg_query(a->db, sql[i], 1, &p, NULL, err)
                           : cs_pg_exec(a->db, sql[i], err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not update the roll-ups");
    }
    return CS_OK;
}

#define N_OF(x) (sizeof(x) / sizeof((x)[0]))

/* Runs sql_refresh: each statement with its keys' bounds (NULL without
 * keys: then it plans to nothing), the fill rows' after from. */
static cs_status refresh(analyst *a, const char *from, cs_err *err)
{
    cs_status rc = CS_OK;

    for (size_t i = 0; i < N_OF(sql_refresh) && rc == CS_OK; i++) {
        PGresult *b = NULL;
        const char *p[3];
        int n = 0;

        if (sql_bounds[i] == NULL) {
            rc = run_all(a, &sql_refresh[i], 1, from, err);
            continue;
        }
        rc = cs_pg_query(a->db, sql_bounds[i], 0, NULL, &b, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not update the roll-ups");
        if (strstr(sql_refresh[i], "$3") != NULL)
            p[n++] = from;
        p[n++] = PQgetisnull(b, 0, 0) ? NULL : PQgetvalue(b, 0, 0);
        p[n++] = PQgetisnull(b, 0, 1) ? NULL : PQgetvalue(b, 0, 1);
        rc = cs_pg_query(a->db, sql_refresh[i], n, p, NULL, err);
        if (rc != CS_OK)
            rc = analyst_pg_error(rc, err, "could not update the roll-ups");
        PQclear(b);
    }
    return rc;
}

static const char *const sql_drop_keys[] = {
    "DROP TABLE roll_ship, roll_log, roll_refs, roll_kd, roll_kf, roll_kc",
};

/* Recomputes every key the facts stored or revised since the watermark
 * touch (before 0061, and while the roll-ups' snapshot is not known:
 * the first cycle after an older cs-analyst kept them). */
static cs_status upkeep_recompute(analyst *a, const char *watermark,
                                  const char *from, cs_err *err)
{
    cs_status rc = run_all(a, sql_keys_wm, N_OF(sql_keys_wm), watermark, err);

    if (rc == CS_OK)
        rc = run_all(a, sql_keys_day, N_OF(sql_keys_day), from, err);
    if (rc == CS_OK)
        rc = refresh(a, from, err);
    if (rc == CS_OK)
        rc = run_all(a, sql_drop_keys, 1, NULL, err);
    return rc;
}

/* Adds what the facts the roll-ups' snapshot did not see contribute;
 * the keys the triggers logged, if any, are deleted and recomputed. */
static cs_status upkeep_delta(analyst *a, const char *watermark,
                              const char *from, cs_err *err)
{
    const char *p[6] = {watermark, from};
    const char *delta = sql_delta;
    PGresult *res = NULL;
    bool logged;
    cs_status rc =
        cs_pg_query(a->db, "SELECT EXISTS (SELECT 1 FROM analyst_roll_dirty)",
                    0, NULL, &res, err);

    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not update the roll-ups");
    logged = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    res = NULL;
    if (logged) {
        rc = run_all(a, sql_keys_log, N_OF(sql_keys_log), watermark, err);
        if (rc == CS_OK)
            rc = run_all(a, sql_keys_day, N_OF(sql_keys_day), from, err);
        if (rc == CS_OK)
            rc = refresh(a, from, err);
        delta = sql_delta_logged;
    }
    if (rc == CS_OK)
        rc = cs_pg_query(a->db, sql_delta_bounds, 2, p, &res, err);
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not update the roll-ups");
    /* shipped days (first, last), order days (first, last) */
    p[2] = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
    p[3] = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
    p[4] = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4);
    p[5] = PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5);
    rc = cs_pg_query(a->db, delta, 6, p, NULL, err);
    if (rc != CS_OK)
        rc = analyst_pg_error(rc, err, "could not update the roll-ups");
    PQclear(res);
    if (rc == CS_OK && logged)
        rc = run_all(a, sql_drop_keys, 1, NULL, err);
    return rc;
}

/* Building the roll-ups ahead of the cycle (analyst_rollup_prebuild):
 * each table in a transaction of its own on a connection of its own,
 * all three at once, each from the snapshot of the transaction that
 * coordinates them (exported; docs/analyst.md, "Daily roll-ups"). The
 * key is dropped while the rows go in and made after them, fill and
 * customers CLUSTERed by it; work_mem 512MB, so that the fill rows'
 * hash aggregate (1.6 million rows into 880,000 groups at 10^5, 524 MB)
 * does not spill; client_connection_check_interval ends a
 * builder whose analyst died (its script would otherwise run on to its
 * COMMIT). */
typedef struct roll_table {
    const char *name, *key, *rows;
    bool cluster;
} roll_table;

static const roll_table roll_tables[] = {
    {"analyst_roll_deliveries", "(supplier, day)", BUILD_DELIV, false},
    {"analyst_roll_fill", "(supplier, order_day, day)", BUILD_FILL, true},
    {"analyst_roll_customers", "(supplier, day, buyer)", BUILD_CUST, true},
};

#define N_ROLL (sizeof(roll_tables) / sizeof(roll_tables[0]))

/* The builder's script for table t: snapshot snap, the rows from day
 * first (a date literal, put where the statements say $1). NULL when out
 * of memory. */
static char *builder_script(const roll_table *t, const char *snap,
                            const char *first)
{
    char lit[48], clus[128] = "", *rows, *out;
    size_t n = 0, n_params = 0, l;
    int k;

    snprintf(lit, sizeof(lit), "'%s'", first);
    l = strlen(lit);
    for (const char *q = strstr(t->rows, "$1"); q != NULL;
         q = strstr(q + 2, "$1"))
        n_params++;
    rows = malloc(strlen(t->rows) + n_params * l + 1);
    if (rows == NULL)
        return NULL;
    for (const char *q = t->rows; *q != '\0';) {
        if (q[0] == '$' && q[1] == '1') {
            memcpy(rows + n, lit, l);
            n += l;
            q += 2;
        } else {
            rows[n++] = *q++;
        }
    }
    rows[n] = '\0';
    if (t->cluster)
        snprintf(clus, sizeof(clus), " CLUSTER %s USING %s_pkey;", t->name,
                 t->name);
#define BUILDER_SCRIPT                                                         \
    "SET client_connection_check_interval = '1s';"                             \
    " BEGIN ISOLATION LEVEL REPEATABLE READ;"                                  \
    " SET TRANSACTION SNAPSHOT '%s';"                                          \
    " SET LOCAL jit = off; SET LOCAL work_mem = '512MB';"                      \
    " SET LOCAL max_parallel_workers_per_gather = 0;"                          \
    " SET LOCAL enable_nestloop = off;"                                        \
    " SET LOCAL maintenance_work_mem = '256MB';"                               \
    " TRUNCATE %s;"                                                            \
    " ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s_pkey;"                       \
    " %s;"                                                                     \
    " ALTER TABLE %s ADD CONSTRAINT %s_pkey PRIMARY KEY %s;%s"                 \
    " ANALYZE %s;"                                                             \
    " COMMIT"
#define BUILDER_ARGS                                                           \
    snap, t->name, t->name, t->name, rows, t->name, t->name, t->key, clus,     \
        t->name
    /* sized by the same format and arguments */
    k = snprintf(NULL, 0, BUILDER_SCRIPT, BUILDER_ARGS) + 1;
    out = malloc((size_t)k);
    if (out != NULL)
        snprintf(out, (size_t)k, BUILDER_SCRIPT, BUILDER_ARGS);
#undef BUILDER_ARGS
#undef BUILDER_SCRIPT
    free(rows);
    return out;
}

/* Runs the builders at once and waits for them all; the first error in
 * err. secs[i]: when builder i finished, from start. */
static cs_status run_builders(analyst *a, const char *snap, const char *first,
                              double *secs, cs_err *err)
{
    cs_pg *db[N_ROLL] = {0};
    bool busy[N_ROLL] = {0};
    cs_status rc = CS_OK;
    double t0 = analyst_clock();

    for (size_t i = 0; i < N_ROLL && rc == CS_OK; i++) {
        char *script = builder_script(&roll_tables[i], snap, first);

        if (script == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            break;
        }
        rc = cs_pg_connect(a->cfg->pg_dsn, NULL, NULL, 0, &db[i], err);
        if (rc == CS_OK && !PQsendQuery(db[i]->conn, script)) {
            rc = cs_err_set(err, CS_E_DB_DOWN, "could not send a build: %s",
                            PQerrorMessage(db[i]->conn));
        }
        busy[i] = rc == CS_OK;
        free(script);
    }
    for (;;) {
        struct pollfd pfd[N_ROLL];
        nfds_t n = 0;

        for (size_t i = 0; i < N_ROLL; i++) {
            if (!busy[i])
                continue;
            if (!PQconsumeInput(db[i]->conn)) {
                if (rc == CS_OK)
                    rc = cs_err_set(err, CS_E_DB_DOWN, "building %s: %s",
                                    roll_tables[i].name,
                                    PQerrorMessage(db[i]->conn));
                busy[i] = false;
                continue;
            }
            while (busy[i] && !PQisBusy(db[i]->conn)) {
                PGresult *r = PQgetResult(db[i]->conn);
                if (r == NULL) {
                    busy[i] = false;
                    secs[i] = analyst_clock() - t0;
                    break;
                }
                if (PQresultStatus(r) != PGRES_COMMAND_OK &&
                    PQresultStatus(r) != PGRES_TUPLES_OK && rc == CS_OK)
                    rc = cs_err_set(err, cs_pg_status_of(r, db[i]->conn),
                                    "building %s: %s", roll_tables[i].name,
                                    PQresultErrorMessage(r));
                PQclear(r);
            }
            if (busy[i])
                pfd[n++] = (struct pollfd){.fd = PQsocket(db[i]->conn),
                                           .events = POLLIN};
        }
        if (n == 0)
            break;
        if (poll(pfd, n, -1) < 0 && errno != EINTR) {
            if (rc == CS_OK)
                rc =
                    cs_err_set(err, CS_E_INTERNAL, "poll: %s", strerror(errno));
            break;
        }
    }
    for (size_t i = 0; i < N_ROLL; i++)
        cs_pg_close(db[i]); /* a failed builder's transaction rolls back */
    return rc;
}

/* Before the cycle's transaction, under the cycle lock: when the
 * roll-ups must be built (empty, or short of the window of the model's
 * as-of), build them in committed transactions of their own, three at
 * once (the cycle's transaction could only build them one statement
 * after the other, on one core). First the state row says "not built"
 * (committed), so that a kill anywhere after leaves it honest; then a
 * coordinating transaction exports its snapshot, empties the revision
 * log as of it, waits for the builders and marks the roll-ups built as
 * of that snapshot (snap_cycle = cycle_id = 0: built ahead of a cycle),
 * so the cycle adds what was stored since (its delta, from built_at on).
 * Without a build to do, nothing happens. On failure the state says
 * "not built" and the cycle builds them in its own transaction. */
cs_status analyst_rollup_prebuild(analyst *a, analyst_summary *sum, cs_err *err)
{
    PGresult *st = NULL, *ao = NULL, *ex = NULL;
    analyst_model m;
    char window[16], first[32];
    double secs[N_ROLL] = {0}, t = analyst_clock();
    bool rebuild = false, open = false;
    cs_status rc;

    if (!a->cfg->side_connections)
        return CS_OK; /* the cycle builds them itself */
    rc = cs_pg_exec(a->db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    open = rc == CS_OK;
    if (rc == CS_OK)
        rc = analyst_model_load(a, &m, err);
    if (rc == CS_OK) {
        const char *p[] = {a->cfg->as_of, a->cfg->clock};
        snprintf(window, sizeof(window), "%u", (unsigned)m.window_days);
        rc = cs_pg_run(a->db, "as_of", 2, p, &ao, err);
    }
    if (rc == CS_OK)
        rc = cs_pg_exec(a->db, sql_state_row, err);
    if (rc == CS_OK) {
        const char *p[] = {PQgetvalue(ao, 0, 0), window, ""};
        rc = cs_pg_query(a->db, sql_state, 3, p, &st, err);
    }
    if (rc == CS_OK) {
        rebuild = strcmp(PQgetvalue(st, 0, 2), "t") == 0;
        snprintf(first, sizeof(first), "%s", PQgetvalue(st, 0, 0));
    }
    if (rc == CS_OK && rebuild)
        rc = cs_pg_exec(a->db,
                        "UPDATE analyst_roll_state SET from_day = NULL,"
                        " built_at = NULL, cycle_id = NULL, snap = NULL,"
                        " snap_cycle = NULL",
                        err);
    if (rc == CS_OK) {
        rc = cs_pg_exec(a->db, "COMMIT", err);
        open = false;
    }
    PQclear(st);
    PQclear(ao);
    if (rc != CS_OK || !rebuild)
        goto out;
    cs_log_info("building the roll-ups", CS_KV_STR("from_day", first),
                CS_KV_STR("how", "ahead of the cycle, three at once"));
    rc = cs_pg_exec(a->db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    open = rc == CS_OK;
    if (rc == CS_OK)
        rc = cs_pg_query(a->db, "SELECT pg_export_snapshot()", 0, NULL, &ex,
                         err);
    /* Revisions this snapshot saw are in what is built from it. */
    if (rc == CS_OK)
        rc = cs_pg_exec(a->db, "DELETE FROM analyst_roll_dirty", err);
    if (rc == CS_OK)
        rc = run_builders(a, PQgetvalue(ex, 0, 0), first, secs, err);
    if (rc == CS_OK) {
        const char *p[] = {first};
        rc = cs_pg_query(a->db,
                         "UPDATE analyst_roll_state SET from_day = $1::date,"
                         " built_at = now(), cycle_id = 0,"
                         " snap = pg_current_snapshot(), snap_cycle = 0",
                         1, p, NULL, err);
    }
    if (rc == CS_OK) {
        rc = cs_pg_exec(a->db, "COMMIT", err);
        open = false;
    }
    PQclear(ex);
    if (rc == CS_OK) {
        sum->rollup_built = true;
        cs_log_info("roll-ups built", CS_KV_DBL("deliveries_s", secs[0]),
                    CS_KV_DBL("fill_s", secs[1]),
                    CS_KV_DBL("customers_s", secs[2]),
                    CS_KV_DBL("seconds", analyst_clock() - t));
    }
out:
    if (open) {
        cs_err uerr = {0};
        (void)cs_pg_exec(a->db, "ROLLBACK", &uerr);
    }
    sum->s_rollup_ahead = analyst_clock() - t;
    if (rc != CS_OK)
        rc = analyst_pg_error(rc, err, "could not build the roll-ups");
    return rc;
}

cs_status analyst_rollup(analyst *a, const analyst_model *m, int64_t cycle_id,
                         const char *as_of, const char *watermark,
                         analyst_summary *sum, cs_err *err)
{
    PGresult *st = NULL;
    cs_status rc;
    char window[16], cycle[24];
    const char *first;
    bool rebuild, prune, delta;
    double t = analyst_clock();

    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    {
        const char *p[] = {as_of, window, watermark};
        rc = cs_pg_exec(a->db, sql_state_row, err);
        if (rc == CS_OK)
            rc = cs_pg_query(a->db, sql_state, 3, p, &st, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not read the roll-ups");
    }
    first = PQgetvalue(st, 0, 0);
    rebuild = strcmp(PQgetvalue(st, 0, 2), "t") == 0;
    prune = strcmp(PQgetvalue(st, 0, 3), "t") == 0;
    delta = strcmp(PQgetvalue(st, 0, 4), "t") == 0;
    if (rebuild) {
        cs_log_info("building the roll-ups", CS_KV_STR("from_day", first));
        /* Large joins of whole windows: hashes, not loops; the keys'
         * sorts in memory. */
        rc = cs_pg_exec(a->db,
                        "SET LOCAL enable_nestloop = off;"
                        " SET LOCAL maintenance_work_mem = '256MB'",
                        err);
        if (rc == CS_OK)
            rc = run_all(a, sql_rebuild, N_OF(sql_rebuild), first, err);
        if (rc == CS_OK)
            rc = cs_pg_exec(a->db, "SET LOCAL enable_nestloop = on", err);
    } else {
        const char *from = PQgetvalue(st, 0, 1);

        /* A few thousand keys against tables of millions of rows: index
         * lookups, not hashes of whole tables (the planner hashed the
         * roll-ups to delete 5,000 keys: 0.65 s each at 10^5). */
        rc = cs_pg_exec(a->db,
                        "SET LOCAL enable_hashjoin = off;"
                        " SET LOCAL enable_mergejoin = off",
                        err);
        if (rc == CS_OK && delta)
            rc = upkeep_delta(a, PQgetvalue(st, 0, 5), from, err);
        else if (rc == CS_OK)
            rc = upkeep_recompute(a, watermark, from, err);
        if (rc == CS_OK && prune)
            rc = run_all(a, sql_prune, N_OF(sql_prune), first, err);
        if (rc == CS_OK)
            rc = cs_pg_exec(
                a->db, "RESET enable_hashjoin; RESET enable_mergejoin", err);
    }
    /* This cycle's snapshot saw every fact now rolled up: the next
     * cycle adds what it did not see (0061). */
    if (rc == CS_OK) {
        const char *p[] = {cycle};
        rc = cs_pg_query(
            a->db,
            "UPDATE analyst_roll_state SET cycle_id = $1::bigint,"
            " snap = pg_current_snapshot(), snap_cycle = $1::bigint",
            1, p, NULL, err);
        if (rc != CS_OK)
            rc = analyst_pg_error(rc, err, "could not update the roll-ups");
    }
    PQclear(st);
    sum->s_rollup = sum->s_rollup_ahead + analyst_clock() - t;
    sum->rollup_built = sum->rollup_built || rebuild;
    return rc;
}
