/* analyst_sql.c - every statement cs-analyst runs, in one place. The
 * indicators are windowed aggregates over the partitioned fact tables,
 * computed where the data is; C only adds network criticality (a graph
 * walk) and the scoring. Parameters are always text, cast here. */
#include "analyst_int.h"

/* clang-format off */

/* Any constant works; it only has to be the same for every analyst. */
#define CYCLE_LOCK "7236823463782001"

/* Exposure of each enterprise to each risk event active in the event
 * window [$2, $2 + $3 days): severity / 5 x proximity x time overlap.
 * Proximity is 1 inside a listed region (GB/T 2260 prefix rule of
 * cs_region_prefix), else 1 - distance / radius for a point event
 * (haversine, mean Earth radius), whichever is larger. */
#define EVENT_EXPOSURE \
    "  (r.severity / 5.0)::float8 * greatest(" \
    "   CASE WHEN r.regions IS NOT NULL AND EXISTS (" \
    "     SELECT 1 FROM unnest(r.regions) AS g(c)" \
    "     WHERE left(e.region_code, length(cs_region_prefix(g.c)))" \
    "           = cs_region_prefix(g.c)) THEN 1.0 ELSE 0.0 END," \
    "   CASE WHEN r.lat IS NOT NULL AND e.lat IS NOT NULL THEN greatest(0.0," \
    "     1.0 - 2 * 6371.0088 * asin(least(1.0, sqrt(" \
    "       power(sin(radians(e.lat - r.lat) / 2), 2) + cos(radians(r.lat))" \
    "       * cos(radians(e.lat)) * power(sin(radians(e.lon - r.lon) / 2), 2))))" \
    "     / r.radius_km) ELSE 0.0 END)" \
    "  * greatest(0.0, extract(epoch FROM least(coalesce(r.expected_end," \
    "      'infinity'), $2::timestamptz + make_interval(days => $3::int))" \
    "      - greatest(r.starts_at, $2::timestamptz))::float8)" \
    "  / ($3::int * 86400.0)"
#define EVENT_ACTIVE \
    " r.starts_at < $2::timestamptz + make_interval(days => $3::int)" \
    "   AND coalesce(r.expected_end, 'infinity') > $2::timestamptz"
#define EVENT_PAIRS \
    "ev_pairs AS (" \
    " SELECT e.uscc::text AS uscc, r.tenant_id, r.risk_id, r.kind, r.severity," \
    EVENT_EXPOSURE " AS exposure" \
    " FROM risk_events r CROSS JOIN enterprises e" \
    " WHERE" EVENT_ACTIVE ")"

/* In the indicators statement: whether enterprise x is to be computed
 * ($8: the stale enterprises of an incremental cycle, NULL: all). The
 * cycle plans every statement for its parameters (force_custom_plan), so
 * this folds to true or to a hashed sub-plan; not to x = ANY($8), whose
 * selectivity the planner weighs code by code against each table's and
 * partition's statistics (0.5 s of planning for 6,000 codes at 10^4). */
#define ONLY(x) "($8::text[] IS NULL OR " x " IN (SELECT unnest($8::text[])))"
/* The same as one index scan of the keys (x leads an index; for the
 * roll-ups and the links, whose few statistics planning weighs quickly),
 * where a hashed filter would scan the whole table. */
#define ONLY_IX(x) "($8::text[] IS NULL OR " x " = ANY($8::text[]))"

/* In the indicators statement: whether this cycle brought the daily
 * roll-ups up to date (rollup.c), so they replace the raw facts; and the
 * window in whole UTC days [ROLL_FIRST, ROLL_END): the days up to the
 * one as-of ($2) falls in, or, at midnight, before it. */
#define ROLLED "(SELECT r_on FROM rolled)"
#define ROLL_END "(((" "$2::timestamptz - interval '1 microsecond')" \
    " AT TIME ZONE 'UTC')::date + 1)"
#define ROLL_WINDOW(day) \
    day " >= " ROLL_END " - $5::int AND " day " < " ROLL_END

/* The analyst's reference time ("as of"): $A a fixed time when given,
 * else with the data clock ($C = 'data') the newest event time of the
 * orders and shipments stored (a simulator's clock runs ahead of the
 * wall), else (or without data) the wall clock. */
#define AS_OF(A, C) \
    "coalesce(nullif(" A ", '')::timestamptz," \
    " CASE WHEN " C " = 'data' THEN greatest(" \
    "  (SELECT max(event_time) FROM orders)," \
    "  (SELECT max(event_time) FROM shipments)) END, now())"

/* The indicators statements' target and values (after cycle and
 * uscc; then criticality and deliveries) from their CTEs: d deliveries,
 * f fill, sh/ss links, ch customers, p production, ex events, en the
 * enterprise. */
#define IND_INSERT \
    " INSERT INTO enterprise_indicators (cycle_id, uscc, computed_at," \
    "  model_version, on_time_rate, lead_time_mean_days, lead_time_cv," \
    "  fill_rate, supplier_hhi, single_source, customer_hhi," \
    "  production_drop_z, utilisation, event_exposure, criticality," \
    "  n_deliveries)"
#define IND_PROD_DROP \
    "  CASE WHEN p.cur IS NULL OR p.hn < 2 THEN NULL" \
    "   WHEN p.hsd = 0 THEN CASE WHEN p.cur = p.hm THEN 0" \
    "    WHEN p.cur < p.hm THEN 10 ELSE -10 END" \
    "   ELSE (p.hm - p.cur) / p.hsd END"
#define IND_UTIL "  coalesce(p.util, p.out30 / nullif(en.capacity::float8, 0))"
#define IND_VALUES \
    " now(), $4::int, d.on_time_rate, d.lt_mean, d.lt_cv, f.fill_rate," \
    "  sh.supplier_hhi, ss.single_source, ch.customer_hhi," \
    IND_PROD_DROP "," IND_UTIL "," \
    "  coalesce(ex.event_exposure, 0)"
/* A supplier's delivery indicators from its roll-up rows: the same in
 * exact numeric sums (lead times in seconds), the sample standard
 * deviation from sum and sum of squares. */
#define ROLL_DELIV_AGG \
    " sum(n_on_time)::float8 / nullif(sum(n_requested), 0) AS on_time_rate," \
    "   (sum(lead_s) / sum(n_lines) / 86400)::float8 AS lt_mean," \
    "   CASE WHEN sum(n_lines) > 1 THEN (sqrt(greatest(0, sum(n_lines)" \
    "     * sum(lead_s2) - sum(lead_s) * sum(lead_s))" \
    "     / (sum(n_lines) * (sum(n_lines) - 1)))" \
    "    / nullif(sum(lead_s) / sum(n_lines), 0))::float8 END AS lt_cv," \
    "   sum(n_lines)::int AS n"

#define LEVEL_RANK(x) \
    "(array_position(ARRAY['blue','yellow','orange','red'], " x ") - 1)"

/* Resolves the live alerts of KIND whose COL (subject or about) is an
 * enterprise cycle $1 scored at another level than theirs: each
 * enterprise's alerts by index (an incremental cycle's few thousand). */
#define RESOLVE_SOME(COL, KIND) \
    "UPDATE alerts a SET status = 'resolved', resolved_at = now()," \
    " last_seen_at = now(), published_at = NULL" \
    " WHERE a.alert_id = ANY (ARRAY(SELECT x.alert_id FROM" \
    "  (SELECT uscc, level FROM risk_scores_current" \
    "   WHERE cycle_id = $1::bigint OFFSET 0) r" \
    "  CROSS JOIN LATERAL (SELECT alert_id FROM alerts x" \
    "   WHERE x." COL " = r.uscc AND x.kind = '" KIND "'" \
    "    AND x.status <> 'resolved' AND x.level <> r.level OFFSET 0) x))"

/* The pieces of an incremental cycle's indicators (indicators_stale):
 * the stale enterprises that are known, by index (OFFSET 0: no hashed
 * sub-plan, which would read all 10^5 enterprises or 10^6 links), and
 * one LATERAL subquery per source, each by index for one enterprise
 * (U.uscc). */
#define STALE_U STALE_U_OF("$6")
#define STALE_U_OF(P) \
     "WITH u AS MATERIALIZED (SELECT u.uscc FROM unnest(" P "::text[]) AS u(uscc)" \
     "  WHERE EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = u.uscc" \
     "    OFFSET 0)" \
     "   OR EXISTS (SELECT 1 FROM supply_links l WHERE l.supplier = u.uscc" \
     "    AND l.active OFFSET 0)" \
     "   OR EXISTS (SELECT 1 FROM supply_links l WHERE l.buyer = u.uscc" \
     "    AND l.active OFFSET 0))"
#define STALE_EN \
     " LEFT JOIN LATERAL (SELECT region_code, lat, lon, capacity" \
     "  FROM enterprises e WHERE e.uscc = u.uscc OFFSET 0) en ON true"
/* The three roll-ups ($2 as of, $5 window days). */
#define STALE_ROLLS(U) \
     " LEFT JOIN LATERAL (SELECT " ROLL_DELIV_AGG \
     "  FROM analyst_roll_deliveries" \
     "  WHERE supplier = " U ".uscc AND " ROLL_WINDOW("day") "" \
     "  HAVING sum(n_lines) > 0) d ON true" \
     " LEFT JOIN LATERAL (SELECT" \
     "   least(1.0, sum(shipped) / nullif(sum(ordered), 0))::float8 AS fill_rate" \
     "  FROM analyst_roll_fill WHERE supplier = " U ".uscc" \
     "   AND " ROLL_WINDOW("day") " AND order_day < " ROLL_END "" \
     "  HAVING count(*) > 0) f ON true" \
     " LEFT JOIN LATERAL (SELECT sum(v * v ORDER BY buyer)" \
     "   / nullif(sum(v ORDER BY buyer) ^ 2, 0) AS customer_hhi" \
     "  FROM (SELECT buyer, sum(quantity)::float8 AS v" \
     "   FROM analyst_roll_customers WHERE supplier = " U ".uscc" \
     "    AND " ROLL_WINDOW("day") " GROUP BY buyer) c" \
     "  HAVING count(*) > 0) ch ON true"
#define STALE_LINKS \
     " LEFT JOIN LATERAL (SELECT sum(v * v ORDER BY supplier)" \
     "   / nullif(sum(v ORDER BY supplier) ^ 2, 0) AS supplier_hhi" \
     "  FROM (SELECT supplier, sum(share)::float8 AS v FROM supply_links" \
     "   WHERE buyer = u.uscc AND active GROUP BY supplier) b" \
     "  HAVING count(*) > 0) sh ON true" \
     " LEFT JOIN LATERAL (SELECT" \
     "   count(*) FILTER (WHERE n = 1)::float8 AS single_source" \
     "  FROM (SELECT sku, count(*) AS n FROM supply_links" \
     "   WHERE buyer = u.uscc AND active GROUP BY sku) x" \
     "  HAVING count(*) > 0) ss ON true"
#define STALE_PROD \
     " LEFT JOIN LATERAL (SELECT" \
     "   avg(out ORDER BY day) FILTER (WHERE day >= $2::timestamptz::date - 7)" \
     "    AS cur," \
     "   avg(out ORDER BY day) FILTER (WHERE day < $2::timestamptz::date - 7)" \
     "    AS hm," \
     "   stddev_samp(out ORDER BY day)" \
     "    FILTER (WHERE day < $2::timestamptz::date - 7) AS hsd," \
     "   count(*) FILTER (WHERE day < $2::timestamptz::date - 7) AS hn," \
     "   sum(out_c ORDER BY day) FILTER (WHERE day >= $2::timestamptz::date - 30)" \
     "   / nullif(sum(cap ORDER BY day)" \
     "      FILTER (WHERE day >= $2::timestamptz::date - 30), 0) AS util," \
     "   avg(out ORDER BY day) FILTER (WHERE day >= $2::timestamptz::date - 30)" \
     "    AS out30" \
     "  FROM (SELECT day, sum(output)::float8 AS out," \
     "    (sum(output) FILTER (WHERE capacity IS NOT NULL))::float8 AS out_c," \
     "    sum(capacity)::float8 AS cap FROM production" \
     "   WHERE enterprise = u.uscc" \
     "    AND day >= ($2::timestamptz - make_interval(days => $5::int))::date" \
     "    AND day < $2::timestamptz::date" \
     /* the same days as constants ($9, $10), so that planning keeps \
      * the window's partitions only (the expressions above are not \
      * computed at planning: all 144 were planned) */ \
     "    AND day >= $9::date AND day < $10::date GROUP BY day) pd" \
     "  HAVING count(*) > 0) p ON true"
/* Each active event's exposure of the enterprise (0 without master
 * data), from its row in en: one lookup, not one per event. */
#define STALE_EVENTS \
     " LEFT JOIN LATERAL (SELECT sum(" EVENT_EXPOSURE ") AS event_exposure" \
     "  FROM risk_events r, (SELECT en.region_code, en.lat, en.lon) e" \
     "  WHERE" EVENT_ACTIVE ") ex ON true"
/* The last full cycle's criticality, by its key (OFFSET 0: joined as a
 * whole, that cycle's rows, which the statistics do not know, were
 * scanned once per enterprise; cycle_id + 0: not by the cycle_id index,
 * which the planner took while autoanalyze had not yet seen that cycle,
 * expecting one row, and read its 10^5 rows for each enterprise: 50-75 s
 * at 10^5 instead of 1 s). */
#define STALE_CRIT \
     " LEFT JOIN LATERAL (SELECT criticality FROM enterprise_indicators cr" \
     "  WHERE cr.uscc = u.uscc AND cr.cycle_id + 0 = $7::bigint" \
     "  AND cr.computed_at = $8::timestamptz OFFSET 0) cr ON true"

/* The roll-ups of current scores X (a relation of uscc, score, level)
 * as rows (kind, key, members, sum, max, orange or worse): provinces
 * (330000), cities (330100), industry sections (C) and divisions (C38)
 * of enterprises with master data, in one pass of hashed grouping sets
 * (a row per kind and enterprise took seven times as long at 10^5), and
 * chains and their tiers (chain_members: the last full cycle's). */
#define AGG_PARTS(X) \
     " SELECT CASE WHEN GROUPING(x.p) = 0 THEN 'province'" \
     "   WHEN GROUPING(x.ci) = 0 THEN 'city'" \
     "   WHEN GROUPING(x.sec) = 0 THEN 'industry_section'" \
     "   ELSE 'industry_division' END AS kind," \
     "  CASE WHEN GROUPING(x.p) = 0 THEN x.p || '0000'" \
     "   WHEN GROUPING(x.ci) = 0 THEN x.ci || '00'" \
     "   WHEN GROUPING(x.sec) = 0 THEN x.sec ELSE x.dv END AS key," \
     "  count(*) AS n, sum(x.score) AS s, max(x.score) AS mx," \
     "  count(*) FILTER (WHERE x.level IN ('orange', 'red')) AS no" \
     " FROM (SELECT c.score, c.level," \
     "   CASE WHEN length(e.region_code) >= 2 THEN left(e.region_code, 2) END" \
     "    AS p," \
     "   CASE WHEN length(e.region_code) >= 4 THEN left(e.region_code, 4) END" \
     "    AS ci," \
     "   CASE WHEN length(e.industry_code) >= 1 THEN left(e.industry_code, 1)" \
     "    END AS sec," \
     "   CASE WHEN length(e.industry_code) >= 3 THEN left(e.industry_code, 3)" \
     "    END AS dv" \
     "  FROM " X " c JOIN enterprises e ON e.uscc = c.uscc) x" \
     " GROUP BY GROUPING SETS ((x.p), (x.ci), (x.sec), (x.dv))" \
     " HAVING CASE WHEN GROUPING(x.p) = 0 THEN x.p" \
     "  WHEN GROUPING(x.ci) = 0 THEN x.ci" \
     "  WHEN GROUPING(x.sec) = 0 THEN x.sec ELSE x.dv END IS NOT NULL" \
     " UNION ALL SELECT CASE WHEN GROUPING(m.tier) = 1 THEN 'chain'" \
     "  ELSE 'chain_tier' END," \
     "  CASE WHEN GROUPING(m.tier) = 1 THEN m.chain" \
     "  ELSE m.chain || '/' || m.tier END, count(*), sum(r.score)," \
     "  max(r.score), count(*) FILTER (WHERE r.level IN ('orange', 'red'))" \
     " FROM chain_members m JOIN " X " r ON r.uscc = m.uscc" \
     " GROUP BY GROUPING SETS ((m.chain), (m.chain, m.tier))"

/* Cycle $1's rows (version $2, thresholds $3-$5 for the level of the
 * mean) from rows (kind, key, n, s, mx, no) of PARTS, summed per group:
 * the mean is the sum over the members. */
#define AGG_INSERT(PARTS) \
     " INSERT INTO risk_aggregates (cycle_id, kind, key, n_members," \
     " score_mean, score_max, level, n_orange_or_worse, model_version)" \
     " SELECT $1::bigint, kind, key, sum(n)::int," \
     "  sum(s) / sum(n)::float8, max(mx)," \
     "  CASE WHEN sum(s) / sum(n)::float8 >= $5::float8 THEN 'red'" \
     "   WHEN sum(s) / sum(n)::float8 >= $4::float8 THEN 'orange'" \
     "   WHEN sum(s) / sum(n)::float8 >= $3::float8 THEN 'yellow'" \
     "   ELSE 'blue' END," \
     "  sum(no)::int, $2::int" \
     " FROM (" PARTS ") z GROUP BY kind, key"

const cs_pg_stmt analyst_stmts[] = {
    {"lock_try", "SELECT pg_try_advisory_lock(" CYCLE_LOCK ")", 0},
    {"lock_wait", "SELECT pg_advisory_lock(" CYCLE_LOCK ")", 0},
    {"unlock", "SELECT pg_advisory_unlock(" CYCLE_LOCK ")", 0},

    /* A model version ($1, or the current one when ''), its JSON
     * configuration flattened. */
    {"model",
     "SELECT version, c->>'window_days', c->>'event_window_days',"
     " c->>'normalise', c->>'peer_group', c->'weights'->>'method',"
     " c->'weights'->>'alpha', c->'thresholds'->>'yellow',"
     " c->'thresholds'->>'orange', c->'thresholds'->>'red',"
     " c->'alerts'->>'min_level', c->'alerts'->>'event_min_exposure',"
     " c->'criticality'->>'damping', c->'criticality'->>'max_tiers',"
     " c->'forecast'->>'method', c->'forecast'->>'period',"
     " c->'forecast'->>'horizon', c->'forecast'->>'min_points',"
     " c->'forecast'->>'n_sims', c->'forecast'->>'seed',"
     " c->'stock'->>'service_level', c->'stock'->>'default_lead_time_days',"
     " (SELECT string_agg(v, ',' ORDER BY o) FROM"
     "   jsonb_array_elements_text(c->'indicators') WITH ORDINALITY AS a(v, o)),"
     " (SELECT string_agg(k || '=' || v, ',') FROM"
     "   jsonb_each_text(coalesce(c->'weights'->'expert', '{}')) AS x(k, v)),"
     " (SELECT string_agg(v, ',' ORDER BY o) FROM"
     "   jsonb_array_elements_text(coalesce(c->'weights'->'ahp_pairwise',"
     "   '[]')) WITH ORDINALITY AS a(v, o)),"
     " c->'event_floor'->>'exposure', c->'event_floor'->>'level'"
     " FROM model_versions, LATERAL (SELECT config AS c) AS cfg"
     " WHERE CASE WHEN $1 = '' THEN is_current ELSE version = $1::int END",
     1},

    /* The watermark, the newest ingested event, whether it is newer,
     * the age of the last finished cycle in seconds, and whether
     * propagation runs wait. The newest is looked for above the
     * watermark only: the ledger's ingested_at has a BRIN index (0063),
     * which finds the block ranges that can hold newer rows but cannot
     * give a maximum; when nothing is newer the answer is NULL, which
     * "is newer" and state_set read as "nothing new", as before. */
    {"state",
     "SELECT s.ingested_until::text, n.newest::text,"
     " coalesce(n.newest > s.ingested_until, false),"
     " (SELECT extract(epoch FROM now() - max(finished_at))::float8"
     "  FROM analyst_cycles WHERE finished_at IS NOT NULL),"
     " EXISTS (SELECT 1 FROM propagation_runs WHERE status = 'queued')"
     " FROM analyst_state s,"
     " LATERAL (SELECT max(ingested_at) AS newest FROM ingested_events"
     "  WHERE ingested_at > s.ingested_until) n"
     " FOR UPDATE OF s",
     0},
    /* The as-of time a cycle would take now (building roll-ups ahead). */
    {"as_of", "SELECT (" AS_OF("$1", "$2") ")::text", 2},
    {"cycle_begin",
     "INSERT INTO analyst_cycles (model_version, is_full, as_of, host)"
     " VALUES ($1::int, $2::boolean, " AS_OF("$3", "$5") ", $4)"
     " RETURNING cycle_id, as_of::text, now()::text",
     5},
    {"take_requests",
     "UPDATE analyst_requests SET done_cycle = $1::bigint, done_at = now()"
     " WHERE request_id IN (SELECT request_id FROM analyst_requests"
     "   WHERE done_at IS NULL ORDER BY request_id LIMIT 1000"
     "   FOR UPDATE SKIP LOCKED)"
     " RETURNING kind",
     1},
    {"cycle_end",
     "UPDATE analyst_cycles SET finished_at = clock_timestamp(),"
     " n_enterprises = $2::int, n_forecasts = $3::int, n_alerts = $4::int,"
     " n_model_errors = $5::int, is_full = $6::boolean"
     " WHERE cycle_id = $1::bigint",
     6},
    {"state_set",
     "UPDATE analyst_state SET last_cycle_id = $1::bigint,"
     " ingested_until = greatest(ingested_until,"
     "   coalesce(nullif($2, '')::timestamptz, ingested_until))",
     2},

    /* The supply graph for network criticality: active links with each
     * buyer's total share, so C can scale shares to sum to 1 at most
     * (summed by hash, not by a window over the links sorted by buyer:
     * one sort of 10^6 links less). Unsorted: C orders them by supplier
     * and buyer (a counting sort). */
    {"graph_links",
     "SELECT l.supplier::text, l.buyer::text, l.s::float8, t.s::float8,"
     " coalesce(left(e.industry_code, 3), '')"
     " FROM (SELECT supplier, buyer, sum(share) AS s FROM supply_links"
     "  WHERE active AND share > 0 GROUP BY supplier, buyer) l"
     " JOIN (SELECT buyer, sum(share) AS s FROM supply_links"
     "  WHERE active AND share > 0 GROUP BY buyer) t ON t.buyer = l.buyer"
     " LEFT JOIN enterprises e ON e.uscc = l.buyer",
     0},
    {"chains_clear", "DELETE FROM chain_members", 0},

    /* Raw indicators of every known enterprise over the window of $5
     * days before $2 (as of). $6/$7: criticality by enterprise from C.
     * $8: only these enterprises (an incremental cycle; NULL: all), whose
     * criticality is then that of the last full cycle $9 (started at
     * $10; no link changed since). */
    {"indicators",
     "WITH ents0 AS ("
     "  SELECT uscc::text AS uscc FROM enterprises"
     "  UNION SELECT supplier FROM supply_links WHERE active"
     "  UNION SELECT buyer FROM supply_links WHERE active),"
     /* Incremental: the stale ones that are known (by index). */
     " ents AS (SELECT uscc FROM ents0 WHERE $8::text[] IS NULL"
     "  UNION ALL SELECT u.uscc FROM unnest($8::text[]) AS u(uscc)"
     "  WHERE EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = u.uscc)"
     "   OR EXISTS (SELECT 1 FROM supply_links l WHERE l.supplier = u.uscc"
     "    AND l.active)"
     "   OR EXISTS (SELECT 1 FROM supply_links l WHERE l.buyer = u.uscc"
     "    AND l.active)),"
     " rolled AS (SELECT EXISTS (SELECT FROM analyst_roll_state"
     "  WHERE cycle_id = $1::bigint) AS r_on),"
     /* Materialised: the planner underestimates the delivered lines
      * and would probe every month of order_lines once per line. */
     " olw AS MATERIALIZED (SELECT buyer, supplier, order_id, line_no, sku,"
     "   quantity,"
     "   order_time, requested_time FROM order_lines"
     "  WHERE order_time >= $2::timestamptz - make_interval(days => $5::int + 365)"
     "   AND order_time < $2::timestamptz AND " ONLY("supplier") "),"
     /* Materialised too: the shipments delivered in the window, hashed
      * (the planner expected a handful of delivered lines and looked
      * each one's shipment up by index, 146,000 times at 10^4). */
     " sw AS MATERIALIZED (SELECT tenant_id, shipment_id, delivered_at"
     "  FROM shipments"
     "  WHERE delivered_at >= $2::timestamptz - make_interval(days => $5::int)"
     "   AND delivered_at < $2::timestamptz AND " ONLY("supplier") "),"
     " deliv AS ("
     "  SELECT sl.supplier::text AS uscc, ol.requested_time IS NOT NULL AS has_req,"
     "   s.delivered_at <= ol.requested_time AS on_time,"
     "   extract(epoch FROM s.delivered_at - ol.order_time)::float8 / 86400.0"
     "     AS lt"
     "  FROM shipment_lines sl"
     "  JOIN sw s ON s.tenant_id = sl.tenant_id"
     "   AND s.shipment_id = sl.shipment_id"
     "  JOIN olw ol ON ol.buyer = sl.buyer AND ol.supplier = sl.supplier"
     "   AND ol.order_id = sl.order_id"
     "   AND (ol.line_no = sl.order_line_no"
     "        OR (sl.order_line_no IS NULL AND ol.sku = sl.sku))"
     "  WHERE " ONLY("sl.supplier") " AND sl.shipped_at >= $2::timestamptz - make_interval(days => $5::int + 60)"
     "   AND sl.shipped_at < $2::timestamptz AND NOT " ROLLED "),"
     " d AS (SELECT uscc,"
     "   avg(on_time::int::float8) FILTER (WHERE has_req) AS on_time_rate,"
     "   avg(lt) AS lt_mean, stddev_samp(lt) / nullif(avg(lt), 0) AS lt_cv,"
     "   count(*)::int AS n FROM deliv GROUP BY uscc"
     /* From the roll-ups: the same in exact numeric sums (lead times in
      * seconds), the sample standard deviation from sum and sum of
      * squares. */
     "  UNION ALL SELECT supplier::text, " ROLL_DELIV_AGG
     "  FROM analyst_roll_deliveries"
     "  WHERE " ROLLED " AND " ROLL_WINDOW("day") " AND " ONLY_IX("supplier") ""
     "  GROUP BY 1 HAVING sum(n_lines) > 0),"
     /* Fill rate: shipped / ordered of the lines requested in the
      * window, each line's shipments within the year before as-of. */
     " olr AS (SELECT supplier, buyer, order_id, line_no, quantity FROM olw"
     "  WHERE requested_time >= $2::timestamptz - make_interval(days => $5::int)"
     "   AND requested_time < $2::timestamptz),"
     " fo AS (SELECT supplier, sum(quantity) AS q FROM olr GROUP BY 1),"
     " fs AS (SELECT o.supplier, sum(x.quantity) AS q FROM olr o"
     "  JOIN shipment_lines x ON x.supplier = o.supplier AND x.buyer = o.buyer"
     "   AND x.order_id = o.order_id AND x.order_line_no = o.line_no"
     "  WHERE x.shipped_at >= $2::timestamptz"
     "     - make_interval(days => $5::int + 365)"
     "   AND x.shipped_at < $2::timestamptz AND " ONLY("x.supplier") ""
     "  GROUP BY 1),"
     " f AS (SELECT fo.supplier::text AS uscc,"
     "   least(1.0, coalesce(fs.q, 0) / nullif(fo.q, 0))::float8 AS fill_rate"
     "  FROM fo LEFT JOIN fs USING (supplier) WHERE NOT " ROLLED ""
     "  UNION ALL SELECT supplier::text,"
     "   least(1.0, sum(shipped) / nullif(sum(ordered), 0))::float8"
     "  FROM analyst_roll_fill WHERE " ROLLED " AND " ROLL_WINDOW("day") ""
     "   AND order_day < " ROLL_END " AND " ONLY_IX("supplier") " GROUP BY 1),"
     /* The active links of the buyers computed: all of them, or (an
      * incremental cycle) each stale buyer's by index, where = ANY
      * read the whole table. */
     " lk AS NOT MATERIALIZED (SELECT buyer, supplier, sku, share"
     "  FROM supply_links WHERE active AND $8::text[] IS NULL"
     "  UNION ALL SELECT l.* FROM unnest($8::text[]) AS u(uscc)"
     "  CROSS JOIN LATERAL (SELECT buyer, supplier, sku, share"
     "   FROM supply_links WHERE buyer = u.uscc AND active OFFSET 0) l),"
     " base AS (SELECT buyer::text AS uscc, supplier, sum(share)::float8 AS v"
     "  FROM lk GROUP BY 1, 2),"
     " sh AS (SELECT uscc, sum(v * v) / nullif(sum(v) ^ 2, 0) AS supplier_hhi"
     "  FROM base GROUP BY uscc),"
     " ss AS (SELECT uscc, count(*) FILTER (WHERE n = 1)::float8 AS single_source"
     "  FROM (SELECT buyer::text AS uscc, sku, count(*) AS n FROM lk"
     "        GROUP BY 1, 2) x"
     "  GROUP BY uscc),"
     " cb AS (SELECT supplier::text AS uscc, buyer, sum(quantity)::float8 AS v"
     "  FROM shipment_lines"
     "  WHERE shipped_at >= $2::timestamptz - make_interval(days => $5::int)"
     "   AND shipped_at < $2::timestamptz AND " ONLY("supplier") ""
     "   AND NOT " ROLLED " GROUP BY 1, 2"
     "  UNION ALL SELECT supplier::text, buyer, sum(quantity)::float8"
     "  FROM analyst_roll_customers WHERE " ROLLED " AND " ROLL_WINDOW("day") ""
     "   AND " ONLY_IX("supplier") " GROUP BY 1, 2),"
     " ch AS (SELECT uscc, sum(v * v) / nullif(sum(v) ^ 2, 0) AS customer_hhi"
     "  FROM cb GROUP BY uscc),"
     " pd AS (SELECT enterprise::text AS uscc, day, sum(output)::float8 AS out,"
     "   (sum(output) FILTER (WHERE capacity IS NOT NULL))::float8 AS out_c,"
     "   sum(capacity)::float8 AS cap FROM production"
     "  WHERE day >= ($2::timestamptz - make_interval(days => $5::int))::date"
     "   AND day < $2::timestamptz::date AND " ONLY("enterprise") ""
     "  GROUP BY 1, 2),"
     " p AS (SELECT uscc,"
     "   avg(out) FILTER (WHERE day >= $2::timestamptz::date - 7) AS cur,"
     "   avg(out) FILTER (WHERE day < $2::timestamptz::date - 7) AS hm,"
     "   stddev_samp(out) FILTER (WHERE day < $2::timestamptz::date - 7) AS hsd,"
     "   count(*) FILTER (WHERE day < $2::timestamptz::date - 7) AS hn,"
     "   sum(out_c) FILTER (WHERE day >= $2::timestamptz::date - 30)"
     "   / nullif(sum(cap) FILTER (WHERE day >= $2::timestamptz::date - 30), 0)"
     "     AS util,"
     "   avg(out) FILTER (WHERE day >= $2::timestamptz::date - 30) AS out30"
     "  FROM pd GROUP BY uscc),"
     " " EVENT_PAIRS ","
     " ex AS (SELECT uscc, sum(exposure) AS event_exposure FROM ev_pairs"
     "  WHERE " ONLY("uscc") " GROUP BY uscc),"
     " cr AS (SELECT * FROM unnest($6::text[], $7::float8[]) AS c(uscc, crit)"
     "  UNION ALL SELECT uscc::text, criticality FROM enterprise_indicators"
     "  WHERE $8::text[] IS NOT NULL AND cycle_id = $9::bigint"
     "   AND computed_at = $10::timestamptz AND uscc::text = ANY($8::text[]))"
     IND_INSERT " SELECT $1::bigint, ents.uscc, " IND_VALUES ","
     "  coalesce(cr.crit, 0), coalesce(d.n, 0)"
     " FROM ents LEFT JOIN enterprises en ON en.uscc = ents.uscc"
     " LEFT JOIN d ON d.uscc = ents.uscc LEFT JOIN f ON f.uscc = ents.uscc"
     " LEFT JOIN sh ON sh.uscc = ents.uscc LEFT JOIN ss ON ss.uscc = ents.uscc"
     " LEFT JOIN ch ON ch.uscc = ents.uscc LEFT JOIN p ON p.uscc = ents.uscc"
     " LEFT JOIN ex ON ex.uscc = ents.uscc LEFT JOIN cr ON cr.uscc = ents.uscc",
     10},

    /* The indicators of an incremental cycle's stale enterprises ($6, a
     * text[]), as "indicators" computes them from the roll-ups (which
     * every cycle brings up to date before its indicators), but
     * enterprise by enterprise through indexes: each one's rows of the
     * three roll-ups (supplier first in their keys), its links as buyer,
     * its production of the window, its exposure to each active event
     * and its criticality in the last full cycle $7 (started at $8). The
     * work follows the stale set, not the tables: "indicators" scanned
     * the window of production and hashed the roll-ups (6.6 s for 4,858
     * of 10^5 enterprises, docs/analyst.md "Cost, measured"). HAVING
     * keeps an enterprise without rows without a value, as the outer
     * joins of grouped sets did; floating-point sums run in key order.
     * $1 cycle, $2 as of, $3 event window days, $4 version, $5 window
     * days. */
    {"indicators_stale",
     STALE_U IND_INSERT " SELECT $1::bigint, u.uscc, " IND_VALUES ","
     "  coalesce(cr.criticality, 0), coalesce(d.n, 0)"
     " FROM u" STALE_EN STALE_ROLLS("u") STALE_LINKS STALE_PROD STALE_EVENTS
     STALE_CRIT,
     10},
    /* The same in two parts, for the two cores: what the roll-ups do not
     * give (links, production, events, criticality; the parameters of
     * indicators_stale), read beside the cycle from its snapshot while
     * the cycle's connection brings the roll-ups up to date (its $1 and
     * $4 only so that the parameters are those of indicators_stale) ... */
    {"indicators_side",
     STALE_U " SELECT u.uscc, sh.supplier_hhi, ss.single_source,"
     IND_PROD_DROP "," IND_UTIL ", coalesce(ex.event_exposure, 0),"
     "  coalesce(cr.criticality, 0), $1::bigint, $4::int"
     " FROM u" STALE_EN STALE_LINKS STALE_PROD STALE_EVENTS STALE_CRIT,
     10},
    /* ... then, on the cycle's connection, the roll-ups' indicators, and
     * the rows: $3 the enterprises indicators_side gave, $6-$11 its
     * columns in its order (float8 as text: exact). */
    {"indicators_rolls",
     IND_INSERT " SELECT $1::bigint, u.uscc, now(), $4::int, d.on_time_rate,"
     "  d.lt_mean, d.lt_cv, f.fill_rate, u.supplier_hhi, u.single_source,"
     "  ch.customer_hhi, u.drop_z, u.util, u.ex, u.crit, coalesce(d.n, 0)"
     " FROM unnest($3::text[], $6::float8[], $7::float8[], $8::float8[],"
     "  $9::float8[], $10::float8[], $11::float8[])"
     "  AS u(uscc, supplier_hhi, single_source, drop_z, util, ex, crit)"
     STALE_ROLLS("u"),
     11},

    /* This cycle's indicators back, with the peer-group keys: of the
     * enterprises $2 (an incremental cycle's stale ones), NULL: all;
     * $3 the transaction's now(), which they were written at. */
    {"indicators_read",
     "SELECT i.uscc, coalesce(left(e.industry_code, 3), ''),"
     " coalesce(left(e.region_code, 2), ''), i.on_time_rate,"
     " i.lead_time_mean_days, i.lead_time_cv, i.fill_rate, i.supplier_hhi,"
     " i.single_source, i.customer_hhi, i.production_drop_z, i.utilisation,"
     " i.event_exposure, i.criticality, coalesce(e.region_code, ''),"
     " coalesce(e.industry_code, '')"
     " FROM enterprise_indicators i LEFT JOIN enterprises e ON e.uscc = i.uscc"
     " WHERE i.cycle_id = $1::bigint AND i.computed_at = $3::timestamptz"
     "  AND ($2::text[] IS NULL OR i.uscc::text = ANY($2::text[]))"
     " ORDER BY i.uscc",
     3},

    /* The basis a full cycle scored with ($1 cycle, $2 version, $3
     * indicators, $4 weights; then per peer group $2 its parameters),
     * and the newest one of version $1, which incremental cycles score
     * the stale enterprises against. */
    {"score_basis_insert",
     "INSERT INTO risk_score_bases (cycle_id, model_version, indicators,"
     " weights) VALUES ($1::bigint, $2::int, $3::text[], $4::float8[])",
     4},
    {"score_norm_insert",
     "INSERT INTO risk_score_norms (cycle_id, peer_key, lo, hi, fill)"
     " VALUES ($1::bigint, $2, $3::float8[], $4::float8[], $5::float8[])",
     5},
    {"score_basis",
     "SELECT cycle_id::text, indicators::text, weights::text"
     " FROM risk_score_bases WHERE model_version = $1::int"
     " ORDER BY cycle_id DESC LIMIT 1",
     1},
    {"score_norms",
     "SELECT peer_key, lo::text, hi::text, fill::text FROM risk_score_norms"
     " WHERE cycle_id = $1::bigint ORDER BY peer_key",
     1},
    /* This cycle's ($1) score rows become the current ones of their
     * enterprises. */
    {"scores_current",
     "INSERT INTO risk_scores_current AS c (uscc, cycle_id, computed_at,"
     " model_version, score, level)"
     " SELECT u, $1::bigint, now(), $2::int, s, l"
     " FROM unnest($3::text[], $4::float8[], $5::text[]) AS x(u, s, l)"
     " ON CONFLICT (uscc) DO UPDATE SET cycle_id = excluded.cycle_id,"
     "  computed_at = excluded.computed_at,"
     "  model_version = excluded.model_version, score = excluded.score,"
     "  level = excluded.level",
     5},
    /* An incremental cycle's roll-ups of the current scores ($1 its
     * stale enterprises), in parts, beside it from its snapshot: the
     * other enterprises' (the current scores it does not change) ... */
    {"aggregates_rest",
     STALE_U_OF("$1") ","
     " o AS MATERIALIZED (SELECT c.uscc, c.score, c.level"
     "  FROM risk_scores_current c LEFT JOIN u ON u.uscc = c.uscc::text"
     "  WHERE u.uscc IS NULL)"
     AGG_PARTS("o"),
     1},
    /* ... and the groups of the stale ones it scores (uscc, kind, key;
     * master data and chains do not change between full cycles) ... */
    {"aggregates_members",
     STALE_U_OF("$1")
     " SELECT u.uscc, k.kind, k.key FROM u"
     " JOIN enterprises e ON e.uscc = u.uscc CROSS JOIN LATERAL (VALUES"
     "  ('province', CASE WHEN length(e.region_code) >= 2"
     "   THEN left(e.region_code, 2) || '0000' END),"
     "  ('city', CASE WHEN length(e.region_code) >= 4"
     "   THEN left(e.region_code, 4) || '00' END),"
     "  ('industry_section', CASE WHEN length(e.industry_code) >= 1"
     "   THEN left(e.industry_code, 1) END),"
     "  ('industry_division', CASE WHEN length(e.industry_code) >= 3"
     "   THEN left(e.industry_code, 3) END)) AS k(kind, key)"
     " WHERE k.key IS NOT NULL"
     " UNION ALL SELECT u.uscc, k.kind, k.key FROM u"
     " JOIN chain_members m ON m.uscc = u.uscc CROSS JOIN LATERAL (VALUES"
     "  ('chain', m.chain), ('chain_tier', m.chain || '/' || m.tier))"
     "  AS k(kind, key)",
     1},
    /* ... then, as cycle $1's rows (version $2, thresholds $3-$5 for the
     * level of the mean), the others' part ($9-$14, in aggregates_rest's
     * order) with the scores the cycle has just written ($6-$8:
     * enterprise, score, level) in the groups aggregates_members gave
     * ($15-$17). The mean of the sum of two parts: equal to
     * aggregates_all's within rounding (the floating-point sum runs in
     * another order). */
    {"aggregates_merge",
     AGG_INSERT("SELECT * FROM unnest($9::text[], $10::text[],"
      " $11::bigint[], $12::float8[], $13::float8[], $14::bigint[])"
      " AS r(kind, key, n, s, mx, no)"
      " UNION ALL SELECT g.kind, g.key, count(*), sum(c.score),"
      "  max(c.score), count(*) FILTER (WHERE c.level IN ('orange', 'red'))"
      " FROM unnest($15::text[], $16::text[], $17::text[]) AS g(uscc, kind, key)"
      " JOIN unnest($6::text[], $7::float8[], $8::text[])"
      "  AS c(uscc, score, level) ON c.uscc = g.uscc GROUP BY g.kind, g.key"),
     17},
    /* A full cycle's (and an incremental one's that scored everyone)
     * roll-ups of every current score, as cycle $1's rows (version $2,
     * thresholds $3-$5). */
    {"aggregates_all", AGG_INSERT(AGG_PARTS("risk_scores_current")), 5},

    /* Incremental cycles. $1 the watermark: the previous cycle, its
     * model version and start (= its rows' computed_at), the age of the
     * last full cycle, and whether links, master data or risk events
     * changed since the watermark (less two minutes, as the forecasts):
     * those reach every enterprise's indicators, so make a full cycle.
     * Then the last full cycle's id and start: it wrote every
     * enterprise's indicators, later (incremental) cycles only the
     * stale ones', so an enterprise's current indicators are its newest
     * row from then on. */
    {"incr_check",
     "SELECT c.cycle_id::text, c.model_version::text, c.started_at::text,"
     " extract(epoch FROM now() - f.started_at)::float8,"
     " EXISTS (SELECT 1 FROM supply_links"
     "  WHERE updated_at > $1::timestamptz - interval '2 minutes')"
     " OR EXISTS (SELECT 1 FROM enterprises"
     "  WHERE updated_at > $1::timestamptz - interval '2 minutes')"
     " OR EXISTS (SELECT 1 FROM risk_events"
     "  WHERE updated_at > $1::timestamptz - interval '2 minutes'),"
     " f.cycle_id::text, f.started_at::text"
     " FROM analyst_state s JOIN analyst_cycles c ON c.cycle_id = s.last_cycle_id"
     " LEFT JOIN LATERAL (SELECT cycle_id, started_at FROM analyst_cycles"
     "  WHERE is_full AND finished_at IS NOT NULL"
     "  ORDER BY cycle_id DESC LIMIT 1) f ON true",
     1},
    /* The enterprises new orders, deliveries and production touch since
     * the watermark $1: suppliers of orders and shipments stored or
     * revised since, and the producers of tenants that sent production
     * ($2 as of, $3 window days), as a text[] literal. incr_stale_orders
     * leaves production out: planning the production branch loads the
     * partitions from the window on (0.07-0.15 s at 10^4), so it runs
     * only when incr_prod_due says production was sent. */
#define INCR_STALE_ORDERS \
    "SELECT coalesce(array_agg(DISTINCT u ORDER BY u), '{}')::text FROM (" \
    " SELECT supplier::text AS u FROM orders" \
    "  WHERE updated_at > $1::timestamptz - interval '2 minutes'" \
    " UNION ALL SELECT supplier::text FROM shipments" \
    "  WHERE updated_at > $1::timestamptz - interval '2 minutes'"
    {"incr_stale",
     INCR_STALE_ORDERS
     " UNION ALL SELECT p.enterprise::text FROM production p"
     "  WHERE p.tenant_id IN (SELECT tenant_id FROM ingested_events"
     "   WHERE ingested_at > $1::timestamptz - interval '2 minutes'"
     "    AND event_type = 'cs.production.v1')"
     "   AND p.day >= ($2::timestamptz - make_interval(days => $3::int))::date) x",
     3},
    {"incr_stale_orders", INCR_STALE_ORDERS ") x", 1},
    {"incr_prod_due",
     "SELECT EXISTS (SELECT 1 FROM ingested_events"
     " WHERE ingested_at > $1::timestamptz - interval '2 minutes'"
     "  AND event_type = 'cs.production.v1')",
     1},
    /* The current indicators (the newest row since the last full cycle
     * $3, which started at $4) of every enterprise not recomputed ($5),
     * as this cycle's ($1, version $2): only for an incremental cycle
     * that scores everyone (no scoring basis). */
    {"indicators_carry",
     "INSERT INTO enterprise_indicators (cycle_id, uscc, computed_at,"
     " model_version, on_time_rate, lead_time_mean_days, lead_time_cv,"
     " fill_rate, supplier_hhi, single_source, customer_hhi,"
     " production_drop_z, utilisation, event_exposure, criticality,"
     " n_deliveries)"
     " SELECT $1::bigint, uscc, now(), $2::int, on_time_rate,"
     "  lead_time_mean_days, lead_time_cv, fill_rate, supplier_hhi,"
     "  single_source, customer_hhi, production_drop_z, utilisation,"
     "  event_exposure, criticality, n_deliveries"
     " FROM (SELECT DISTINCT ON (uscc) * FROM enterprise_indicators"
     "  WHERE cycle_id >= $3::bigint AND computed_at >= $4::timestamptz"
     "   AND computed_at < now()"
     "  ORDER BY uscc, computed_at DESC, cycle_id DESC) i"
     " WHERE NOT (uscc::text = ANY($5::text[]))",
     5},

    /* Level alerts: one live alert per enterprise at its current level
     * when that is at least the minimum ($3, a rank); a level change
     * resolves the old one (and republishes it as resolved). Over the
     * enterprises cycle $1 scored (every one in a full cycle, the stale
     * ones in an incremental one): nobody else's score changed. Their
     * current rows are this cycle's; the narrow table is read, and the
     * 2 kB score rows only for the explanation of those alerted. */
    {"alerts_level_resolve",
     "UPDATE alerts a SET status = 'resolved', resolved_at = now(),"
     " last_seen_at = now(), published_at = NULL"
     " FROM risk_scores_current r"
     " WHERE a.kind = 'level' AND a.status <> 'resolved' AND r.uscc = a.subject"
     "  AND r.cycle_id = $1::bigint AND r.level <> a.level",
     1},
    /* The same, in an incremental cycle: the live level alerts of each
     * enterprise scored, looked up by subject (a few thousand), where
     * the join above hashed every live alert (0.7-1.2 s at 10^5). */
    {"alerts_level_resolve_some", RESOLVE_SOME("subject", "level"), 1},
    {"alerts_level_raise",
     "INSERT INTO alerts (dedup_key, kind, level, subject, message, details,"
     " cycle_id, model_version)"
     " SELECT 'level:' || r.uscc || ':' || r.level, 'level', r.level, r.uscc,"
     "  'risk score ' || r.explanation,"
     "  jsonb_build_object('score', round(r.score::numeric, 1),"
     "   'top_indicator', r.components->0->>'indicator'),"
     "  $1::bigint, $2::int"
     /* OFFSET 0 twice: the alerted first, then each one's score row by
      * its key. The planner, which knows no rows of this cycle yet,
      * read every score row of the cycle by cycle_id instead (2 kB
      * each: 10^5 of them in a full cycle at 10^5). */
     " FROM (SELECT uscc, computed_at, cycle_id FROM risk_scores_current"
     "  WHERE cycle_id = $1::bigint AND " LEVEL_RANK("level") " >= $3::int"
     "  OFFSET 0) c"
     " CROSS JOIN LATERAL (SELECT * FROM risk_scores r WHERE r.uscc = c.uscc"
     "  AND r.computed_at = c.computed_at AND r.cycle_id = c.cycle_id"
     /* the cycle's rows were written at its now(), $4: one partition
      * to plan, not all of them */
     "  AND r.computed_at = $4::timestamptz OFFSET 0) r"
     " ON CONFLICT (dedup_key) WHERE status <> 'resolved'"
     " DO UPDATE SET last_seen_at = now()"
     " RETURNING (xmax = 0)",
     4},

    /* A single-source supplier at or above the minimum level alerts its
     * buyer; a change of the supplier's level resolves it. */
    {"alerts_single_resolve",
     "UPDATE alerts a SET status = 'resolved', resolved_at = now(),"
     " last_seen_at = now(), published_at = NULL"
     " FROM risk_scores_current r"
     " WHERE a.kind = 'single_source' AND a.status <> 'resolved'"
     "  AND r.uscc = a.about AND r.cycle_id = $1::bigint"
     "  AND r.level <> a.level",
     1},
    /* The same by lookups of the suppliers scored (incremental). */
    {"alerts_single_resolve_some", RESOLVE_SOME("about", "single_source"), 1},
    {"alerts_single_raise",
     "INSERT INTO alerts (dedup_key, kind, level, subject, about, message,"
     " details, cycle_id, model_version)"
     " SELECT 'single_source:' || l.supplier || ':' || l.buyer || ':' || l.sku"
     "  || ':' || r.level, 'single_source', r.level, l.buyer, l.supplier,"
     "  format('single-source supplier %s of %s for %s is %s (score %s)',"
     "   l.supplier, l.buyer, l.sku, r.level, round(r.score::numeric)),"
     "  jsonb_build_object('sku', l.sku, 'score', round(r.score::numeric, 1)),"
     "  $1::bigint, $2::int"
     " FROM supply_links l JOIN risk_scores_current r ON r.uscc = l.supplier"
     "  AND r.cycle_id = $1::bigint"
     " WHERE l.active AND " LEVEL_RANK("r.level") " >= $3::int"
     "  AND NOT EXISTS (SELECT 1 FROM supply_links o WHERE o.buyer = l.buyer"
     "   AND o.sku = l.sku AND o.active AND o.supplier <> l.supplier)"
     " ON CONFLICT (dedup_key) WHERE status <> 'resolved'"
     " DO UPDATE SET last_seen_at = now()"
     " RETURNING (xmax = 0)",
     3},

    /* A risk event touching a supplier (exposure >= $5) alerts each of
     * its buyers; the level follows 100 x exposure on the model's
     * thresholds ($6-$8). Resolved when the exposure is gone. */
    {"alerts_event_raise",
     "WITH " EVENT_PAIRS
     " INSERT INTO alerts (dedup_key, kind, level, subject, about, risk_id,"
     "  message, details, cycle_id, model_version)"
     " SELECT 'event:' || p.tenant_id || '/' || p.risk_id || ':' || l.supplier"
     "  || ':' || l.buyer, 'event_near_supplier',"
     "  CASE WHEN 100 * p.exposure >= $8::float8 THEN 'red'"
     "   WHEN 100 * p.exposure >= $7::float8 THEN 'orange'"
     "   WHEN 100 * p.exposure >= $6::float8 THEN 'yellow' ELSE 'blue' END,"
     "  l.buyer, l.supplier, p.risk_id,"
     "  format('%s %s (severity %s) touches supplier %s of %s, exposure %s',"
     "   p.kind, p.risk_id, p.severity, l.supplier, l.buyer,"
     "   round(p.exposure::numeric, 2)),"
     "  jsonb_build_object('risk_tenant', p.tenant_id, 'exposure',"
     "   round(p.exposure::numeric, 4), 'skus', array_agg(l.sku ORDER BY l.sku),"
     "   'event_kind', p.kind, 'severity', p.severity),"
     "  $1::bigint, $4::int"
     " FROM ev_pairs p JOIN supply_links l ON l.supplier = p.uscc AND l.active"
     " WHERE p.exposure >= $5::float8"
     " GROUP BY p.tenant_id, p.risk_id, p.kind, p.severity, p.exposure,"
     "  l.supplier, l.buyer"
     " ON CONFLICT (dedup_key) WHERE status <> 'resolved'"
     " DO UPDATE SET last_seen_at = now()"
     " RETURNING (xmax = 0)",
     8},
    {"alerts_event_resolve",
     "WITH " EVENT_PAIRS
     " UPDATE alerts a SET status = 'resolved', resolved_at = now(),"
     "  last_seen_at = now(), published_at = NULL"
     " WHERE a.kind = 'event_near_supplier' AND a.status <> 'resolved'"
     "  AND NOT EXISTS (SELECT 1 FROM ev_pairs p WHERE p.uscc = a.about"
     "   AND p.risk_id = a.risk_id AND p.tenant_id = a.details->>'risk_tenant'"
     "   AND p.exposure >= $1::float8)",
     3},

    /* Monthly sales series to forecast: all when $2 (full), else those of
     * tenants with sales or inventory ingested since the watermark $3
     * (less two minutes for transactions that committed late), asked for
     * in the queue, or never forecast. Gaps are months without sales (0).
     * Also the newest on-hand stock per site and the inbound lead time. */
    /* Whether an incremental cycle has any series to forecast: the
     * three ways into forecast_series' "want" besides a full cycle ($1
     * as of, $2 the watermark, $3 this cycle). Planning forecast_series
     * over the partitions of sales costs 0.1-0.4 s; this is far cheaper,
     * and usually false. */
    {"forecast_due",
     "SELECT EXISTS (SELECT 1 FROM ingested_events"
     "  WHERE ingested_at > $2::timestamptz - interval '2 minutes'"
     "   AND event_type IN ('cs.sales.v1', 'cs.inventory.v1'))"
     " OR EXISTS (SELECT 1 FROM analyst_requests"
     "  WHERE done_cycle = $3::bigint AND kind = 'series')"
     " OR EXISTS (SELECT 1 FROM sales s WHERE s.period_start < $1::timestamptz"
     /* the same bound as a date ($4: the day after the one as-of
      * falls in, or at midnight that day), so that planning keeps the
      * partitions before it only (a date against a timestamptz is not
      * compared at planning: all 144 were planned, 0.1-0.2 s) */
     "  AND s.period_start < $4::date"
     "  AND NOT EXISTS (SELECT 1 FROM forecasts f"
     "   WHERE f.enterprise = s.enterprise AND f.sku = s.sku))",
     4},
    {"forecast_series",
     "WITH s AS (SELECT enterprise::text AS e, sku,"
     "   date_trunc('month', period_start)::date AS m, sum(quantity)::float8 AS q"
     "  FROM sales WHERE period_start < $1::timestamptz GROUP BY 1, 2, 3),"
     " ft AS (SELECT DISTINCT tenant_id FROM ingested_events"
     "  WHERE ingested_at > $3::timestamptz - interval '2 minutes'"
     "   AND event_type IN ('cs.sales.v1', 'cs.inventory.v1')),"
     " want AS ("
     "  SELECT DISTINCT e, sku FROM s WHERE $2::boolean"
     "  UNION SELECT enterprise::text, sku FROM sales"
     "   WHERE tenant_id IN (SELECT tenant_id FROM ft)"
     "    AND period_start < $1::timestamptz"
     "  UNION SELECT enterprise::text, sku FROM inventory"
     "   WHERE tenant_id IN (SELECT tenant_id FROM ft)"
     "    AND as_of < $1::timestamptz"
     "  UNION SELECT s.e, s.sku FROM analyst_requests r JOIN s"
     "   ON s.e = r.enterprise AND (r.sku IS NULL OR r.sku = s.sku)"
     "   WHERE r.done_cycle = $4::bigint AND r.kind = 'series'"
     "  UNION SELECT e, sku FROM s WHERE NOT EXISTS (SELECT 1 FROM forecasts f"
     "   WHERE f.enterprise = s.e AND f.sku = s.sku)),"
     " b AS (SELECT s.e, s.sku, min(s.m) AS m0, max(s.m) AS m1"
     "  FROM s JOIN want USING (e, sku) GROUP BY 1, 2),"
     " y AS (SELECT b.e, b.sku, b.m1,"
     "   array_agg(coalesce(s.q, 0) ORDER BY g.m) AS y"
     "  FROM b CROSS JOIN LATERAL generate_series(b.m0, b.m1,"
     "   interval '1 month') AS g(m)"
     "  LEFT JOIN s ON s.e = b.e AND s.sku = b.sku AND s.m = g.m::date"
     "  GROUP BY 1, 2, 3)"
     " SELECT y.e, y.sku, (y.m1 + interval '1 month')::date::text, y.y::text,"
     "  (SELECT sum(on_hand)::float8 FROM (SELECT DISTINCT ON (site) on_hand"
     "    FROM inventory i WHERE i.enterprise = y.e AND i.sku = y.sku"
     "     AND i.as_of < $1::timestamptz ORDER BY site, as_of DESC) z),"
     "  coalesce((SELECT avg(lead_time_days)::float8 FROM supply_links l"
     "   WHERE l.buyer = y.e AND l.sku = y.sku AND l.active), $5::float8)"
     " FROM y ORDER BY 1, 2",
     5},

    /* Summed monthly sales before $1 per province, city and industry
     * division of the selling enterprise: kind, key, sellers, the month
     * after the last, the series from the first month (gaps 0). */
    {"forecast_agg_series",
     "WITH s AS (SELECT enterprise, date_trunc('month', period_start)::date"
     "   AS m, sum(quantity)::float8 AS q FROM sales"
     "  WHERE period_start < $1::timestamptz GROUP BY 1, 2),"
     " k AS (SELECT x.kind, x.key, s.enterprise, s.m, s.q FROM s"
     "  JOIN enterprises e ON e.uscc = s.enterprise"
     "  CROSS JOIN LATERAL (VALUES"
     "   ('province', left(e.region_code, 2) || '0000'),"
     "   ('city', left(e.region_code, 4) || '00'),"
     "   ('industry_division', CASE WHEN length(e.industry_code) >= 3"
     "    THEN left(e.industry_code, 3) END)) AS x(kind, key)"
     "  WHERE x.key IS NOT NULL),"
     " b AS (SELECT kind, key, min(m) AS m0, max(m) AS m1,"
     "   count(DISTINCT enterprise) AS n FROM k GROUP BY 1, 2),"
     " t AS (SELECT kind, key, m, sum(q) AS q FROM k GROUP BY 1, 2, 3)"
     " SELECT b.kind, b.key, b.n::text, (b.m1 + interval '1 month')::date::text,"
     "  array_agg(coalesce(t.q, 0) ORDER BY g.m)::text"
     " FROM b CROSS JOIN LATERAL generate_series(b.m0, b.m1,"
     "  interval '1 month') AS g(m)"
     " LEFT JOIN t ON t.kind = b.kind AND t.key = b.key AND t.m = g.m::date"
     " GROUP BY b.kind, b.key, b.n, b.m1 ORDER BY 1, 2",
     1},

    /* Whether the demand rule can come out otherwise than in the last
     * cycle: sales ingested since the watermark (less two minutes, as
     * the forecasts), or forecasts the last cycle wrote (they were
     * written after its alerts). Read before this cycle moves either. */
    {"alerts_demand_due",
     "SELECT EXISTS (SELECT 1 FROM ingested_events i, analyst_state s"
     "  WHERE i.ingested_at > s.ingested_until - interval '2 minutes'"
     "   AND i.event_type = 'cs.sales.v1')"
     " OR EXISTS (SELECT 1 FROM forecasts f, analyst_state s"
     "  WHERE f.cycle_id = s.last_cycle_id)",
     0},
    /* Demand outside the forecast: for each series, the newest month
     * with sales against the latest earlier forecast ($1: cycles before
     * this one) that covered it; outside its 95 % interval alerts the
     * enterprise (yellow), once per series and month. $3: as of. */
    {"alerts_demand",
     "WITH act AS (SELECT enterprise::text AS e, sku,"
     "   date_trunc('month', period_start)::date AS m, sum(quantity)::float8 AS q"
     "  FROM sales WHERE period_start < $3::timestamptz GROUP BY 1, 2, 3),"
     " last AS (SELECT DISTINCT ON (e, sku) e, sku, m, q FROM act"
     "  ORDER BY e, sku, m DESC),"
     " f AS (SELECT DISTINCT ON (l.e, l.sku) l.e, l.sku, l.m, l.q,"
     "   f.lo95, f.hi95, f.mean, f.model,"
     "   (extract(year FROM age(l.m, f.first_period)) * 12"
     "    + extract(month FROM age(l.m, f.first_period)))::int + 1 AS k"
     "  FROM last l JOIN forecasts f ON f.enterprise = l.e AND f.sku = l.sku"
     "   AND f.first_period <= l.m AND f.cycle_id < $1::bigint"
     "  ORDER BY l.e, l.sku, f.first_period DESC, f.forecast_id DESC)"
     " INSERT INTO alerts (dedup_key, kind, level, subject, message, details,"
     "  cycle_id, model_version)"
     " SELECT 'demand:' || e || ':' || sku || ':' || m,"
     "  'demand_outside_forecast', 'yellow', e,"
     "  format('demand for %s in %s was %s, %s the forecast''s 95 %% interval"
     " [%s, %s]', sku, to_char(m, 'YYYY-MM'), round(q::numeric, 1),"
     "   CASE WHEN q > hi95[k] THEN 'above' ELSE 'below' END,"
     "   round(lo95[k]::numeric, 1), round(hi95[k]::numeric, 1)),"
     "  jsonb_build_object('sku', sku, 'month', m, 'actual', q,"
     "   'mean', mean[k], 'lo95', lo95[k], 'hi95', hi95[k], 'model', model),"
     "  $1::bigint, $2::int"
     " FROM f WHERE k BETWEEN 1 AND array_length(mean, 1)"
     "  AND (q < lo95[k] OR q > hi95[k])"
     " ON CONFLICT (dedup_key) WHERE status <> 'resolved'"
     " DO UPDATE SET last_seen_at = now()"
     " RETURNING (xmax = 0)",
     3},

    /* Alternative suppliers (alternatives.c ranks them): every
     * enterprise, scored or producing one ($1 cycle, $2 as of, $3
     * window days), ordered by credit code (C collation): has master
     * data, class (GB/T 4754, 5 characters), lat, lon, this cycle's score
     * and level (from the narrow current scores: this cycle's rows are
     * everyone's in a full cycle), on-time rate, spare share of the last
     * 30 days. */
    {"alt_nodes",
     "WITH r AS (SELECT uscc::text AS uscc, score, level"
     "  FROM risk_scores_current WHERE cycle_id = $1::bigint),"
     " ind AS (SELECT uscc::text AS uscc, on_time_rate"
     "  FROM enterprise_indicators"
     "  WHERE cycle_id = $1::bigint AND computed_at = now()),"
     " spare AS (SELECT enterprise::text AS uscc, 1 - sum(output)::float8"
     "   / nullif(sum(capacity), 0)::float8 AS s FROM production"
     "  WHERE day >= $2::timestamptz::date - 30 AND day < $2::timestamptz::date"
     "   AND capacity IS NOT NULL GROUP BY 1),"
     " u AS (SELECT uscc::text AS uscc FROM enterprises UNION SELECT uscc FROM r"
     "  UNION SELECT enterprise::text FROM production"
     "   WHERE day >= ($2::timestamptz - make_interval(days => $3::int))::date"
     "    AND day < $2::timestamptz::date)"
     " SELECT u.uscc, e.uscc IS NOT NULL, coalesce(left(e.industry_code, 5), ''),"
     "  e.lat, e.lon, r.score, r.level, i.on_time_rate, sp.s"
     " FROM u LEFT JOIN enterprises e ON e.uscc = u.uscc"
     " LEFT JOIN r ON r.uscc = u.uscc LEFT JOIN ind i ON i.uscc = u.uscc"
     " LEFT JOIN spare sp ON sp.uscc = u.uscc ORDER BY u.uscc COLLATE \"C\"",
     3},
    /* What each enterprise produced in the window ($1 as of, $2 days). */
    {"alt_made",
     "SELECT DISTINCT enterprise::text, sku FROM production"
     " WHERE day >= ($1::timestamptz - make_interval(days => $2::int))::date"
     "  AND day < $1::timestamptz::date",
     2},
    {"alt_links",
     "SELECT supplier::text, buyer::text, sku FROM supply_links WHERE active",
     0},

    /* TTS < TTR: buyers this cycle's standing runs ($1) show falling
     * below plan (tier >= 1) before the shocked supplier is back; the
     * level follows the lost share of output on the thresholds ($3-$5).
     * Resolved once the event is over ($1 of the resolve: as of). */
    {"alerts_tts_raise",
     "INSERT INTO alerts (dedup_key, kind, level, subject, risk_id, message,"
     " details, cycle_id, model_version)"
     " SELECT 'tts:' || r.risk_tenant || '/' || r.risk_id || ':' || i.uscc,"
     "  'tts_below_ttr',"
     "  CASE WHEN 100 * (1 - i.min_level) >= $5::float8 THEN 'red'"
     "   WHEN 100 * (1 - i.min_level) >= $4::float8 THEN 'orange'"
     "   WHEN 100 * (1 - i.min_level) >= $3::float8 THEN 'yellow'"
     "   ELSE 'blue' END,"
     "  i.uscc, r.risk_id,"
     "  format('%s would cut output from day %s to %s %% of plan, back on"
     " day %s', r.risk_id, i.tts_day, round(100 * i.min_level::numeric),"
     "   coalesce(i.ttr_day::text, 'beyond the horizon')),"
     "  jsonb_build_object('risk_tenant', r.risk_tenant, 'run_id', r.run_id,"
     "   'tier', i.tier, 'tts_day', i.tts_day, 'ttr_day', i.ttr_day,"
     "   'min_level', round(i.min_level::numeric, 4)),"
     "  $1::bigint, $2::int"
     " FROM propagation_runs r JOIN propagation_impacts i USING (run_id)"
     " WHERE r.cycle_id = $1::bigint AND r.risk_id IS NOT NULL"
     "  AND r.status = 'done' AND i.tier >= 1"
     " ON CONFLICT (dedup_key) WHERE status <> 'resolved'"
     " DO UPDATE SET last_seen_at = now()"
     " RETURNING (xmax = 0)",
     5},
    {"alerts_tts_resolve",
     "UPDATE alerts a SET status = 'resolved', resolved_at = now(),"
     " last_seen_at = now(), published_at = NULL"
     " WHERE a.kind = 'tts_below_ttr' AND a.status <> 'resolved'"
     "  AND NOT EXISTS (SELECT 1 FROM risk_events e"
     "   WHERE e.risk_id = a.risk_id AND e.tenant_id = a.details->>'risk_tenant'"
     "    AND coalesce(e.expected_end, 'infinity') > $1::timestamptz)",
     1},

    /* Propagation settings of the model version (defaults when absent). */
    {"model_propagation",
     "SELECT c->'propagation'->>'horizon_days',"
     " c->'propagation'->>'default_ttr_days', c->'propagation'->>'surge',"
     " c->'propagation'->>'production'"
     " FROM model_versions, LATERAL (SELECT config AS c) AS cfg"
     " WHERE version = $1::int",
     1},

    /* One standing run per active risk event and day ($1 as of, $2
     * horizon days): the event's enterprises (in its regions, or within
     * its radius) lose severity / 5 of their capacity while it lasts.
     * Events that have today's run already are skipped before their
     * enterprises are looked for (every cycle after the day's first). */
    {"prop_standing",
     "INSERT INTO propagation_runs (scenario, risk_tenant, risk_id, run_day)"
     " SELECT jsonb_build_object("
     "  'regions', coalesce(to_jsonb(r.regions), '[]'),"
     "  'enterprises', coalesce((SELECT jsonb_agg(e.uscc ORDER BY e.uscc)"
     "    FROM enterprises e WHERE r.lat IS NOT NULL AND e.lat IS NOT NULL"
     "    AND 2 * 6371.0088 * asin(least(1.0, sqrt("
     "     power(sin(radians(e.lat - r.lat) / 2), 2) + cos(radians(r.lat))"
     "     * cos(radians(e.lat)) * power(sin(radians(e.lon - r.lon) / 2), 2))))"
     "     <= r.radius_km), '[]'),"
     "  'capacity_loss', round(r.severity / 5.0, 4),"
     "  'start_day', greatest(0, ceil(extract(epoch FROM r.starts_at"
     "    - $1::timestamptz) / 86400)),"
     "  'duration_days', greatest(1, ceil(extract(epoch FROM"
     "    least(coalesce(r.expected_end, 'infinity'), $1::timestamptz"
     "     + make_interval(days => $2::int))"
     "    - greatest(r.starts_at, $1::timestamptz)) / 86400)),"
     "  'horizon_days', $2::int),"
     "  r.tenant_id, r.risk_id, $1::timestamptz::date"
     " FROM risk_events r"
     " WHERE r.starts_at < $1::timestamptz + make_interval(days => $2::int)"
     "  AND coalesce(r.expected_end, 'infinity') > $1::timestamptz"
     "  AND NOT EXISTS (SELECT 1 FROM propagation_runs x"
     "   WHERE x.risk_tenant = r.tenant_id AND x.risk_id = r.risk_id"
     "    AND x.run_day = $1::timestamptz::date)"
     " ON CONFLICT (risk_tenant, risk_id, run_day) DO NOTHING",
     2},

    /* Queued runs, the shocked enterprises resolved: listed ones and
     * those in the listed regions (prefix rule). */
    {"prop_take",
     "SELECT p.run_id::text,"
     " (SELECT string_agg(DISTINCT x, ',') FROM ("
     "   SELECT jsonb_array_elements_text(coalesce(p.scenario->'enterprises',"
     "    '[]')) AS x"
     "   UNION SELECT e.uscc FROM enterprises e,"
     "    jsonb_array_elements_text(coalesce(p.scenario->'regions', '[]'))"
     "     AS g(c)"
     "    WHERE left(e.region_code, length(cs_region_prefix(g.c)))"
     "          = cs_region_prefix(g.c)) s),"
     " p.scenario->>'capacity_loss', p.scenario->>'start_day',"
     " p.scenario->>'duration_days', p.scenario->>'horizon_days',"
     " p.scenario->>'production'"
     " FROM propagation_runs p WHERE p.status = 'queued'"
     " ORDER BY p.run_id LIMIT 100 FOR UPDATE SKIP LOCKED",
     0},

    /* The graph for a cascade ($1 as of, $2 window days): every
     * enterprise with its region and daily output, and those with
     * production in the window that are no enterprise (false: nodes only
     * when a link names them); C adds the links' other parties. */
    {"prop_nodes",
     "WITH o AS (SELECT enterprise::text AS uscc, sum(output)::float8"
     "   / count(DISTINCT day) AS per_day FROM production"
     "  WHERE day >= ($1::timestamptz - make_interval(days => $2::int))::date"
     "   AND day < $1::timestamptz::date GROUP BY 1)"
     " SELECT e.uscc::text, coalesce(e.region_code, '0'),"
     "  coalesce(o.per_day, e.capacity::float8, 1.0), true"
     " FROM enterprises e LEFT JOIN o ON o.uscc = e.uscc"
     " UNION ALL SELECT o.uscc, '0', o.per_day, false FROM o"
     " WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = o.uscc)",
     2},
    /* Active links, unsorted (C orders them and sums each buyer's daily
     * volume of an item over its suppliers): the buyer's total share,
     * the daily volume shipped in the window (quantities summed as
     * float8: exact for whole units) and the buyer's stock of the item.
     * Links without a share only make their parties nodes. */
    {"prop_links",
     "WITH v AS (SELECT supplier, buyer, sku, sum(quantity::float8) AS q"
     "  FROM shipment_lines"
     "  WHERE shipped_at >= $1::timestamptz - make_interval(days => $2::int)"
     "   AND shipped_at < $1::timestamptz GROUP BY 1, 2, 3),"
     " i AS (SELECT enterprise, sku, sum(on_hand)::float8 AS on_hand FROM ("
     "   SELECT DISTINCT ON (enterprise, site, sku) enterprise, sku, on_hand"
     "   FROM inventory WHERE as_of < $1::timestamptz"
     "    AND as_of >= $1::timestamptz - make_interval(days => $2::int)"
     "   ORDER BY enterprise, site, sku, as_of DESC) z GROUP BY 1, 2),"
     " t AS (SELECT buyer, sum(share)::float8 AS s FROM supply_links"
     "  WHERE active GROUP BY buyer)"
     " SELECT l.supplier::text, l.buyer::text, l.sku, l.share::float8, t.s,"
     "  coalesce(v.q / $2::int, 0), coalesce(i.on_hand, 0)"
     " FROM supply_links l JOIN t ON t.buyer = l.buyer"
     " LEFT JOIN v ON v.supplier = l.supplier AND v.buyer = l.buyer"
     "  AND v.sku = l.sku"
     " LEFT JOIN i ON i.enterprise = l.buyer AND i.sku = l.sku"
     " WHERE l.active",
     2},
    {"prop_done",
     "UPDATE propagation_runs SET status = $2, error = nullif($3, ''),"
     " cycle_id = $4::bigint, model_version = $5::int, finished_at = now(),"
     " n_impacted = nullif($6, '')::int,"
     " total_lost_units = nullif($7, '')::float8,"
     " total_lost_value = nullif($8, '')::float8"
     " WHERE run_id = $1::bigint",
     8},

    /* Model management: promote version $1 (the only current one). */
    /* Two statements: the unique index on is_current is checked row by
     * row, so the old version must step down first. */
    {"model_unset",
     "UPDATE model_versions SET is_current = false"
     " WHERE is_current AND version <> $1::int",
     1},
    {"model_promote",
     "UPDATE model_versions SET is_current = true, promoted_at = now()"
     " WHERE version = $1::int RETURNING version, is_current",
     1},
    /* Backtest outcome: per supplier, whether any line delivered in
     * [$1, $1 + $2 days) came after its requested time. */
    {"backtest_outcome",
     "SELECT sl.supplier::text,"
     " bool_or(s.delivered_at > ol.requested_time)"
     " FROM shipment_lines sl"
     " JOIN shipments s ON s.tenant_id = sl.tenant_id"
     "  AND s.shipment_id = sl.shipment_id"
     " JOIN order_lines ol ON ol.buyer = sl.buyer AND ol.supplier = sl.supplier"
     "  AND ol.order_id = sl.order_id"
     "  AND (ol.line_no = sl.order_line_no"
     "       OR (sl.order_line_no IS NULL AND ol.sku = sl.sku))"
     "  AND ol.order_time < $1::timestamptz + make_interval(days => $2::int)"
     " WHERE sl.shipped_at >= $1::timestamptz - interval '60 days'"
     "  AND sl.shipped_at < $1::timestamptz + make_interval(days => $2::int)"
     "  AND s.delivered_at >= $1::timestamptz"
     "  AND s.delivered_at < $1::timestamptz + make_interval(days => $2::int)"
     "  AND ol.requested_time IS NOT NULL"
     " GROUP BY 1 ORDER BY 1",
     2},
    {"cycle_scores",
     "SELECT uscc::text, score, level FROM risk_scores"
     " WHERE cycle_id = $1::bigint AND computed_at = now() ORDER BY uscc",
     1},
    {"as_of_minus",
     "SELECT (" AS_OF("$1", "$3") " - make_interval(days => $2::int))::text",
     3},

    /* The outbox: alerts not yet acknowledged by Kafka, as JSON. */
    {"alerts_pending",
     "SELECT alert_id::text, subject::text, json_build_object("
     " 'alert_id', alert_id, 'dedup_key', dedup_key, 'kind', kind,"
     " 'level', level, 'status', status, 'subject', subject, 'about', about,"
     " 'risk_id', risk_id, 'message', message, 'details', details,"
     " 'opened_at', opened_at, 'resolved_at', resolved_at,"
     " 'cycle_id', cycle_id, 'model_version', model_version)::text"
     " FROM alerts WHERE published_at IS NULL ORDER BY alert_id LIMIT 1000",
     0},
    {"alerts_mark",
     "UPDATE alerts SET published_at = now()"
     " WHERE alert_id = ANY($1::bigint[]) AND published_at IS NULL",
     1},
};

/* clang-format on */

const size_t analyst_n_stmts = sizeof(analyst_stmts) / sizeof(analyst_stmts[0]);

const char analyst_copy_scores[] =
    "COPY risk_scores (cycle_id, uscc, computed_at, model_version, score,"
    " level, components, explanation) FROM STDIN";

const char analyst_copy_impacts[] =
    "COPY propagation_impacts (run_id, uscc, tier, tts_day, ttr_day,"
    " min_level, lost_units, lost_value) FROM STDIN";

const char analyst_copy_aggregates[] =
    "COPY risk_aggregates (cycle_id, kind, key, n_members, score_mean,"
    " score_max, level, n_orange_or_worse, model_version) FROM STDIN";

const char analyst_copy_alternatives[] =
    "COPY alternative_suppliers (cycle_id, buyer, sku, current_supplier,"
    " candidate, rank, score, why, reason, spare_share, risk_score,"
    " distance_km, on_time_rate, model_version) FROM STDIN";

const char analyst_copy_chains[] =
    "COPY chain_members (chain, uscc, tier, cycle_id) FROM STDIN";

const char analyst_copy_fc_aggregates[] =
    "COPY forecast_aggregates (cycle_id, kind, key, model_version, n_series,"
    " model, first_period, n_history, mean, lo80, hi80, lo95, hi95,"
    " backtest_mase, backtest_smape, backtest_coverage95) FROM STDIN";

const char analyst_copy_forecasts[] =
    "COPY forecasts (cycle_id, enterprise, sku, model_version, model,"
    " first_period, n_history, mean, lo80, hi80, lo95, hi95, backtest_mase,"
    " backtest_smape, backtest_coverage95, on_hand, safety_stock,"
    " reorder_point, days_of_cover, lead_time_days) FROM STDIN";

/* Not prepared (they read ind_tmp, which a cycle makes): a full cycle's
 * indicators are computed into ind_tmp beside its criticality
 * (score.c), then stored with it: $1 and $2 the credit codes and their
 * values. (An UPDATE of the stored rows made the next incremental
 * cycle's lookups of them take 50 s at 10^5 until autovacuum came.) */
const char analyst_sql_ind_tmp[] =
    "CREATE TEMP TABLE ind_tmp ON COMMIT DROP AS SELECT * FROM"
    " enterprise_indicators WHERE false";
const char analyst_sql_ind_crit[] = IND_INSERT
    " SELECT t.cycle_id, t.uscc, t.computed_at, t.model_version,"
    " t.on_time_rate, t.lead_time_mean_days, t.lead_time_cv, t.fill_rate,"
    " t.supplier_hhi, t.single_source, t.customer_hhi, t.production_drop_z,"
    " t.utilisation, t.event_exposure, coalesce(c.crit, 0), t.n_deliveries"
    " FROM ind_tmp t LEFT JOIN unnest($1::text[], $2::float8[]) AS c(uscc,"
    "  crit) ON c.uscc = t.uscc::text";
