/* api_sql.c - every statement cs-api runs. Times leave the database as
 * RFC 3339 UTC text; numerics as their exact decimal text. Statements
 * never filter by principal themselves: row-level security does (see
 * sql/migrations/0003_security.sql), inside a transaction that api_begin
 * opened with the principal set. */
#include "api_int.h"

#define RFC3339(col)                                                           \
    "to_char(" col " AT TIME ZONE 'UTC', "                                     \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The json_build_object pairs a forecast row `x` shares with the
 * forecasts and forecast_aggregates tables' common columns: version,
 * times, monthly points with 80/95 % intervals, backtest. */
#define FORECAST_FIELDS                                                        \
    "'model_version', x.model_version, "                                       \
    "'computed_at', " RFC3339("x.computed_at") ", 'period', x.period, "      \
    "'first_period', x.first_period, 'n_history', x.n_history, "               \
    "'points', (SELECT json_agg(json_build_object('period_start', "            \
    "(x.first_period + make_interval(months => k - 1))::date, "                \
    "'mean', x.mean[k], 'lo80', x.lo80[k], 'hi80', x.hi80[k], "                \
    "'lo95', x.lo95[k], 'hi95', x.hi95[k]) ORDER BY k) "                       \
    "FROM generate_subscripts(x.mean, 1) AS k), "                              \
    "'backtest', json_build_object('mase', x.backtest_mase, "                  \
    "'smape', x.backtest_smape, 'coverage95', x.backtest_coverage95)"

#define ENTERPRISE_COLS                                                        \
    "enterprises.uscc, enterprises.name, enterprises.region_code, "            \
    "enterprises.industry_code, enterprises.lat::text, "                       \
    "enterprises.lon::text, enterprises.capacity::text, "                      \
    "enterprises.capacity_unit, " RFC3339("enterprises.updated_at")

/* An enterprise's current score is its newest score row: full analyst
 * cycles score everyone, incremental ones the stale enterprises only.
 * The analyst keeps it in risk_scores_current (migration 0051), one
 * narrow row per enterprise (score, level, its cycle), so it is one
 * primary-key probe under the reader's row-level security; the
 * components and explanation are in that row of risk_scores (alias h),
 * found by its primary key. */
#define CUR_DETAIL(h, s)                                                       \
    "LEFT JOIN risk_scores " h " ON " h ".uscc = " s ".uscc AND " h            \
    ".computed_at = " s ".computed_at AND " h ".cycle_id = " s ".cycle_id "

/* The network-criticality indicator of a score row (alias a): the raw
 * value of its "criticality" component (docs/analyst.md), as text. */
#define CRITICALITY(a)                                                         \
    "jsonb_path_query_first(" a ".components, "                                \
    "'$[*] ? (@.indicator == \"criticality\")') ->> 'raw'"

/* Suppliers (NEXT supplier, FROM buyer, UP true) or customers (NEXT
 * buyer, FROM supplier, UP false) of $1 by tier over the active supply
 * links the caller may follow (cs_chain_tiers, migration 0050: an
 * enterprise its whole chain): tier k is k links away (its smallest
 * distance), $2..$3 the tiers wanted, $4 the page size. Each node lists
 * the links into the nodes one step nearer that the caller may see,
 * flagged single_source when the link's buyer has no other active
 * supplier of the item (null: none of its links is visible). */
#define TIERS_SQL(DIR, NEXT, FROM, UP)                                         \
    "WITH n AS (SELECT c.uscc, c.tier FROM cs_chain_tiers($1::text, " UP       \
    ", $3::int) AS c), "                                                       \
    "i AS (SELECT n.uscc, n.tier, e.name, e.region_code, e.industry_code, "  \
    "s.score, s.level, k.links, k.single_source FROM n "                       \
    "LEFT JOIN enterprises e ON e.uscc = n.uscc "                              \
    "LEFT JOIN risk_scores_current s ON s.uscc = n.uscc "                      \
    "LEFT JOIN LATERAL (SELECT json_agg(json_build_object("                    \
    "'supplier', l.supplier, 'buyer', l.buyer, 'sku', l.sku, "                 \
    "'share', l.share, 'lead_time_days', l.lead_time_days, "                   \
    "'single_source', l.single) ORDER BY m.uscc, l.sku) AS links, "            \
    "bool_or(l.single) AS single_source "                                      \
    "FROM n m JOIN LATERAL (SELECT x.*, NOT EXISTS (SELECT 1 "                 \
    "FROM supply_links o WHERE o.buyer = x.buyer AND o.sku = x.sku "           \
    "AND o.active AND o.supplier <> x.supplier) AS single "                    \
    "FROM supply_links x WHERE x." NEXT " = n.uscc AND x." FROM " = m.uscc "   \
    "AND x.active) l ON true WHERE m.tier = n.tier - 1) k ON true "            \
    "WHERE n.tier BETWEEN greatest($2::int, 1) AND $3::int "                   \
    "ORDER BY n.tier, s.score DESC NULLS LAST, n.uscc "                        \
    "LIMIT $4::int + 1) "                                                      \
    "SELECT json_build_object('uscc', $1::text, 'direction', '" DIR "', "      \
    "'min_tier', $2::int, 'max_tier', $3::int, "                               \
    "'truncated', (SELECT count(*) > $4::int FROM i), "                        \
    "'items', coalesce((SELECT json_agg(json_build_object("                    \
    "'uscc', uscc, 'tier', tier, 'name', name, 'region_code', region_code, "   \
    "'industry_code', industry_code, 'score', score, 'level', level, "         \
    "'single_source', single_source, "                                         \
    "'links', coalesce(links, '[]'))) FROM (SELECT * FROM i "                  \
    "ORDER BY tier, score DESC NULLS LAST, uscc LIMIT $4::int) p), '[]'))"    \
    "::text WHERE EXISTS (SELECT 1 FROM enterprises WHERE uscc = $1) "         \
    "OR EXISTS (SELECT 1 FROM n WHERE tier > 0)"

/* Whether risk event r touches enterprise e: e lies in one of its
 * regions (prefix rule) or within its radius. */
#define EVENT_TOUCHES(r, e)                                                    \
    "(EXISTS (SELECT 1 FROM unnest(" r ".regions) AS g(c) "                    \
    "WHERE left(" e ".region_code, length(cs_region_prefix(g.c))) "            \
    "= cs_region_prefix(g.c)) OR (" r ".lat IS NOT NULL AND " e                \
    ".lat IS NOT NULL AND cs_api_km(" r ".lat, " r ".lon, " e ".lat, " e       \
    ".lon) <= " r ".radius_km))"

/* One alert row (alias a) as a JSON object. */
#define ALERT_JSON(a)                                                          \
    "json_build_object('alert_id', " a ".alert_id, 'kind', " a ".kind, "       \
    "'level', " a ".level, 'status', " a ".status, 'subject', " a              \
    ".subject, 'about', " a ".about, 'risk_id', " a ".risk_id, "               \
    "'message', " a ".message, 'details', " a ".details, "                     \
    "'opened_at', " RFC3339(a ".opened_at") ", "                               \
    "'last_seen_at', " RFC3339(a ".last_seen_at") ", "                         \
    "'acknowledged_at', " RFC3339(a ".acknowledged_at") ", "                   \
    "'acknowledged_by', " a ".acknowledged_by, "                               \
    "'resolved_at', " RFC3339(a ".resolved_at") ", "                           \
    "'model_version', " a ".model_version)"

/* SQL reads better laid out by hand than by clang-format. */
/* clang-format off */
const cs_pg_stmt cs_api_stmts[] = {
    {"ping", "SELECT 1", 0},
    /* Is the session's role one that row-level security binds? */
    {"role_check",
     "SELECT current_user, r.rolsuper OR r.rolbypassrls OR EXISTS ("
     "SELECT 1 FROM pg_class c WHERE c.relrowsecurity "
     "AND pg_has_role(current_user, c.relowner, 'USAGE')) "
     "FROM pg_roles r WHERE r.rolname = current_user",
     0},
    /* Runs before any principal is set; SECURITY DEFINER in the database. */
    {"auth_token",
     "SELECT token_id, name, role, regions, enterprise, tenant_id "
     "FROM cs_token_principal($1)",
     1},
    {"audit",
     "INSERT INTO audit_log (token_id, role, actor, action, target, client, "
     "outcome, status, detail) "
     "VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8::integer, $9)",
     9},
    /* $2 NULL: any tenant (the caller reports ambiguity) */
    {"order_header",
     "SELECT tenant_id, order_id, buyer, supplier, " RFC3339("order_time")
     ", currency, n_lines, event_id, " RFC3339("event_time")
     ", source, " RFC3339("updated_at") ", order_time::text "
     "FROM orders WHERE order_id = $1 "
     "AND ($2::text IS NULL OR tenant_id = $2) ORDER BY tenant_id LIMIT 2",
     2},
    {"order_lines",
     "SELECT line_no, sku, quantity::text, unit, unit_price::text, "
     RFC3339("requested_time")
     " FROM order_lines WHERE tenant_id = $1 AND order_id = $2 "
     "AND order_time = $3::timestamptz ORDER BY line_no",
     3},
    /* $1 region code (its prefix covers subdivisions), $2 industry code
     * prefix, $3 name substring with LIKE wildcards escaped, $4 cursor
     * (the last credit code seen), $5 page size + 1. */
    {"enterprise_list",
     "SELECT " ENTERPRISE_COLS ", s.score, s.level, " CRITICALITY("h") " "
     "FROM enterprises LEFT JOIN risk_scores_current s "
     "ON s.uscc = enterprises.uscc " CUR_DETAIL("h", "s")
     "WHERE ($1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR industry_code LIKE $2 || '%') "
     "AND ($3::text IS NULL OR name ILIKE '%' || $3 || '%') "
     "AND ($4::text IS NULL OR enterprises.uscc > $4) "
     "AND ($6::text IS NULL OR s.level = $6) "
     "ORDER BY enterprises.uscc LIMIT $5::integer",
     6},
    {"enterprise_one",
     "SELECT " ENTERPRISE_COLS ", s.score, s.level, " CRITICALITY("h") " "
     "FROM enterprises LEFT JOIN risk_scores_current s "
     "ON s.uscc = enterprises.uscc " CUR_DETAIL("h", "s")
     "WHERE enterprises.uscc = $1", 1},
    /* Identifier resolution (标识解析): products carrying the identifier,
     * shipped lines carrying it, and what they lead to. */
    {"resolve_products",
     "SELECT tenant_id, sku, name, category, unit, identifier, "
     RFC3339("updated_at")
     " FROM products WHERE identifier = $1 ORDER BY tenant_id, sku LIMIT 50",
     1},
    {"resolve_lines",
     "SELECT tenant_id, shipment_id, line_no, " RFC3339("shipped_at")
     ", supplier, buyer, order_id, order_line_no, sku, quantity::text, unit, "
     "batch, lot FROM shipment_lines WHERE identifier = $1 "
     "ORDER BY shipped_at, tenant_id, shipment_id, line_no LIMIT 500",
     1},
    {"resolve_shipments",
     "SELECT s.tenant_id, s.shipment_id, s.supplier, s.buyer, s.order_id, "
     RFC3339("s.shipped_at") ", " RFC3339("s.delivered_at")
     ", s.n_lines FROM shipments s "
     "WHERE (s.tenant_id, s.shipment_id) IN (SELECT l.tenant_id, "
     "l.shipment_id FROM shipment_lines l WHERE l.identifier = $1) "
     "ORDER BY s.shipped_at, s.tenant_id, s.shipment_id LIMIT 500",
     1},
    {"resolve_orders",
     "SELECT o.tenant_id, o.order_id, o.buyer, o.supplier, "
     RFC3339("o.order_time") ", o.currency, o.n_lines FROM orders o "
     "WHERE (o.buyer, o.order_id) IN (SELECT l.buyer, l.order_id "
     "FROM shipment_lines l WHERE l.identifier = $1 "
     "AND l.order_id IS NOT NULL) "
     "ORDER BY o.order_time, o.tenant_id, o.order_id LIMIT 500",
     1},
    {"resolve_suppliers",
     "SELECT " ENTERPRISE_COLS " FROM enterprises "
     "WHERE uscc IN (SELECT l.supplier FROM shipment_lines l "
     "WHERE l.identifier = $1) "
     "OR uscc::text IN (SELECT p.tenant_id FROM products p "
     "WHERE p.identifier = $1) ORDER BY uscc LIMIT 50",
     1},

    /* Risk (the analyst's tables). JSON is built here, in one statement
     * per request. */
    /* $1 credit code, $2 days of history (the last score of each day). */
    {"enterprise_risk",
     "WITH e AS (SELECT * FROM enterprises WHERE uscc = $1), "
     "s AS (SELECT r.*, h.components, h.explanation "
     "FROM risk_scores_current r " CUR_DETAIL("h", "r") "WHERE r.uscc = $1), "
     "h AS (SELECT DISTINCT ON (date_trunc('day', computed_at)) computed_at, "
     "cycle_id, score, level, model_version FROM risk_scores WHERE uscc = $1 "
     "AND computed_at >= now() - make_interval(days => $2::int) "
     "ORDER BY date_trunc('day', computed_at), computed_at DESC, "
     "cycle_id DESC) "
     "SELECT json_build_object('uscc', $1::text, "
     "'name', (SELECT name FROM e), "
     "'region_code', (SELECT region_code FROM e), "
     "'industry_code', (SELECT industry_code FROM e), "
     "'score', s.score, 'level', s.level, 'model_version', s.model_version, "
     "'cycle_id', s.cycle_id, 'computed_at', " RFC3339("s.computed_at") ", "
     "'explanation', s.explanation, 'components', s.components, "
     "'history', (SELECT coalesce(json_agg(json_build_object("
     "'at', " RFC3339("h.computed_at") ", 'score', h.score, "
     "'level', h.level, 'model_version', h.model_version) "
     "ORDER BY h.computed_at), '[]') FROM h))::text "
     "FROM (SELECT 1) one LEFT JOIN s ON true "
     "WHERE EXISTS (SELECT 1 FROM e) OR EXISTS (SELECT 1 FROM s) "
     "OR EXISTS (SELECT 1 FROM h)",
     2},
    {"enterprise_suppliers",
     TIERS_SQL("suppliers", "supplier", "buyer", "true"), 4},
    {"enterprise_customers",
     TIERS_SQL("customers", "buyer", "supplier", "false"), 4},
    /* The chain graph: focal enterprises ($1 region, $2 industry prefix,
     * at most $5), $3 tiers of suppliers (tier -1, -2, ...) and $4 of
     * customers (1, 2, ...) over the links in scope; each node at its
     * nearest tier, upstream first on a tie. At most $7 nodes, the
     * nearest tiers first (focal, then -1, +1, -2, ...; n, defined after
     * links, which WITH RECURSIVE allows), nodes_truncated when there were
     * more. Links between the nodes with the quantity shipped in the last
     * $6 days. */
    {"chain_graph",
     "WITH RECURSIVE f AS (SELECT uscc::text AS uscc FROM enterprises "
     "WHERE ($1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR industry_code LIKE $2 || '%') "
     "ORDER BY uscc LIMIT $5::int + 1), "
     "f1 AS (SELECT uscc FROM f ORDER BY uscc LIMIT $5::int), "
     "up(uscc, d) AS (SELECT uscc, 0 FROM f1 UNION "
     "SELECT l.supplier::text, up.d + 1 FROM up JOIN supply_links l "
     "ON l.buyer = up.uscc AND l.active WHERE up.d < $3::int), "
     "down(uscc, d) AS (SELECT uscc, 0 FROM f1 UNION "
     "SELECT l.buyer::text, down.d + 1 FROM down JOIN supply_links l "
     "ON l.supplier = down.uscc AND l.active WHERE down.d < $4::int), "
     "n0 AS (SELECT uscc, (array_agg(tier ORDER BY abs(tier), tier))[1] AS tier "
     "FROM (SELECT uscc, -d AS tier FROM up UNION ALL "
     "SELECT uscc, d FROM down) x GROUP BY uscc), "
     "nodes AS (SELECT n.uscc, n.tier, e.name, e.region_code, "
     "e.industry_code, e.lat, e.lon, s.score, s.level FROM n "
     "LEFT JOIN enterprises e ON e.uscc = n.uscc "
     "LEFT JOIN risk_scores_current s ON s.uscc = n.uscc), "
     "links AS (SELECT l.supplier::text AS supplier, l.buyer::text AS buyer, "
     "l.sku, l.share, l.lead_time_days, NOT EXISTS (SELECT 1 "
     "FROM supply_links o WHERE o.buyer = l.buyer AND o.sku = l.sku "
     "AND o.active AND o.supplier <> l.supplier) AS single "
     "FROM supply_links l JOIN n a ON a.uscc = l.supplier "
     "JOIN n b ON b.uscc = l.buyer WHERE l.active), "
     "n AS (SELECT uscc, tier FROM n0 "
     "ORDER BY abs(tier), tier, uscc LIMIT $7::int), "
     "vol AS (SELECT * FROM cs_api_link_volumes("
     "(SELECT array_agg(supplier) FROM links), "
     "(SELECT array_agg(buyer) FROM links), "
     "now() - make_interval(days => $6::int))) "
     "SELECT json_build_object('region', $1::text, 'industry', $2::text, "
     "'up', $3::int, 'down', $4::int, 'volume_days', $6::int, "
     "'truncated', (SELECT count(*) > $5::int FROM f), "
     "'max_nodes', $7::int, "
     "'nodes_truncated', (SELECT count(*) > $7::int FROM n0), "
     "'summary', (SELECT json_build_object("
     "'n_focal', count(*) FILTER (WHERE tier = 0), 'n_nodes', count(*), "
     "'score_mean', avg(score) FILTER (WHERE tier = 0), "
     "'score_max', max(score) FILTER (WHERE tier = 0), "
     "'levels', json_build_object("
     "'blue', count(*) FILTER (WHERE level = 'blue'), "
     "'yellow', count(*) FILTER (WHERE level = 'yellow'), "
     "'orange', count(*) FILTER (WHERE level = 'orange'), "
     "'red', count(*) FILTER (WHERE level = 'red')), "
     "'tiers', (SELECT json_object_agg(tier, k ORDER BY tier) FROM "
     "(SELECT tier, count(*) AS k FROM nodes GROUP BY tier) t)) FROM nodes), "
     "'nodes', coalesce((SELECT json_agg(json_build_object('uscc', uscc, "
     "'tier', tier, 'name', name, 'region_code', region_code, "
     "'industry_code', industry_code, 'lat', lat, 'lon', lon, "
     "'score', score, 'level', level) "
     "ORDER BY tier, score DESC NULLS LAST, uscc) FROM nodes), '[]'), "
     "'links', coalesce((SELECT json_agg(json_build_object("
     "'supplier', l.supplier, 'buyer', l.buyer, 'sku', l.sku, "
     "'share', l.share, 'lead_time_days', l.lead_time_days, "
     "'single_source', l.single, 'volume', coalesce(v.volume, 0), "
     "'unit', v.unit) ORDER BY l.supplier, l.buyer, l.sku) FROM links l "
     "LEFT JOIN vol v ON v.supplier = l.supplier AND v.buyer = l.buyer "
     "AND v.sku = l.sku), '[]'))::text",
     7},
    /* 态势感知 of $1 region (NULL: the whole scope): indices per $2
     * (week | month) over $3 periods ending at $4 (NULL: today); risk
     * levels, live alerts by level and status, risk events active at
     * the end of $4 (or now) that touch an enterprise in view. */
    {"situation",
     "WITH t AS (SELECT coalesce(($4::date + 1)::timestamptz, now()) AS at, "
     "coalesce($4::date, now()::date) AS until), "
     "ents AS (SELECT uscc, region_code, lat, lon FROM enterprises "
     "WHERE $1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%'), "
     "lv AS (SELECT s.level, count(*) AS k FROM ents CROSS JOIN LATERAL "
     "(SELECT level FROM risk_scores_current r WHERE r.uscc = ents.uscc) s "
     "GROUP BY 1), "
     "al AS (SELECT a.level, a.status, count(*) AS k FROM alerts a "
     "WHERE a.status <> 'resolved' AND ($1::text IS NULL "
     "OR a.subject IN (SELECT uscc FROM ents) "
     "OR a.about IN (SELECT uscc FROM ents)) "
     "GROUP BY 1, 2), "
     "ev AS (SELECT r.*, (SELECT count(*) FROM ents e WHERE "
     EVENT_TOUCHES("r", "e") ") AS n_touched FROM risk_events r, t "
     "WHERE r.starts_at <= t.at AND (r.expected_end IS NULL "
     "OR r.expected_end > t.at)), "
     "ix AS (SELECT * FROM cs_api_situation_indices($1, $2, $3::int, "
     "(SELECT until FROM t))) "
     "SELECT json_build_object('region', $1::text, 'period', $2::text, "
     "'until', (SELECT until FROM t), "
     "'n_enterprises', (SELECT count(*) FROM ents), "
     "'indices', (SELECT json_agg(json_build_object("
     "'period_start', period_start, 'production', production, "
     "'orders', orders, 'sales', sales, 'k_production', k_production, "
     "'k_orders', k_orders, 'k_sales', k_sales) ORDER BY period_start) "
     "FROM ix), "
     "'risk_levels', json_build_object("
     "'blue', coalesce((SELECT k FROM lv WHERE level = 'blue'), 0), "
     "'yellow', coalesce((SELECT k FROM lv WHERE level = 'yellow'), 0), "
     "'orange', coalesce((SELECT k FROM lv WHERE level = 'orange'), 0), "
     "'red', coalesce((SELECT k FROM lv WHERE level = 'red'), 0), "
     "'unscored', (SELECT count(*) FROM ents) "
     "- coalesce((SELECT sum(k) FROM lv), 0)), "
     "'alerts', (SELECT json_build_object("
     "'open', json_build_object("
     "'blue', coalesce(sum(k) FILTER (WHERE status = 'open' AND level = 'blue'), 0), "
     "'yellow', coalesce(sum(k) FILTER (WHERE status = 'open' AND level = 'yellow'), 0), "
     "'orange', coalesce(sum(k) FILTER (WHERE status = 'open' AND level = 'orange'), 0), "
     "'red', coalesce(sum(k) FILTER (WHERE status = 'open' AND level = 'red'), 0)), "
     "'acknowledged', json_build_object("
     "'blue', coalesce(sum(k) FILTER (WHERE status = 'acknowledged' AND level = 'blue'), 0), "
     "'yellow', coalesce(sum(k) FILTER (WHERE status = 'acknowledged' AND level = 'yellow'), 0), "
     "'orange', coalesce(sum(k) FILTER (WHERE status = 'acknowledged' AND level = 'orange'), 0), "
     "'red', coalesce(sum(k) FILTER (WHERE status = 'acknowledged' AND level = 'red'), 0))) "
     "FROM al), "
     "'risk_events', coalesce((SELECT json_agg(json_build_object("
     "'tenant_id', tenant_id, 'risk_id', risk_id, 'kind', kind, "
     "'severity', severity, 'regions', regions, 'lat', lat, 'lon', lon, "
     "'radius_km', radius_km, 'starts_at', " RFC3339("starts_at") ", "
     "'expected_end', " RFC3339("expected_end") ", "
     "'description', description, 'n_enterprises', n_touched) "
     "ORDER BY severity DESC, starts_at, tenant_id, risk_id) FROM ev "
     "WHERE n_touched > 0), '[]'))::text",
     4},
    /* Alerts, newest first: $1 level, $2 status ('live': not resolved),
     * $3 kind, $4 enterprise (as subject or about), $5 cursor (the last
     * alert_id seen), $6 page size. Column 1: the items; 2: the last id
     * when another page follows. */
    {"alert_list",
     "WITH x AS (SELECT a.*, row_number() OVER (ORDER BY a.alert_id DESC) "
     "AS rn FROM (SELECT * FROM alerts WHERE "
     "($1::text IS NULL OR level = $1) "
     "AND ($2::text IS NULL OR CASE WHEN $2 = 'live' THEN status <> 'resolved' "
     "ELSE status = $2 END) "
     "AND ($3::text IS NULL OR kind = $3) "
     "AND ($4::text IS NULL OR subject = $4 OR about = $4) "
     "AND ($5::bigint IS NULL OR alert_id < $5::bigint) "
     "ORDER BY alert_id DESC LIMIT $6::int + 1) a) "
     "SELECT coalesce((SELECT json_agg(" ALERT_JSON("x")
     " ORDER BY x.alert_id DESC) FROM x WHERE rn <= $6::int), '[]')::text, "
     "(SELECT alert_id FROM x WHERE rn = $6::int "
     "AND EXISTS (SELECT 1 FROM x WHERE rn > $6::int))::text",
     6},
    {"alert_one",
     "SELECT " ALERT_JSON("x") "::text FROM alerts x "
     "WHERE x.alert_id = $1::bigint",
     1},
    /* $1 alert id, $2 'acknowledge' | 'resolve', $3 who. Column 1: the
     * status before (NULL: not in scope), 2: the alert after (NULL: the
     * transition does not apply, or the principal may read but not act). */
    {"alert_transition",
     "WITH target AS (SELECT status FROM alerts WHERE alert_id = $1::bigint), "
     "x AS (UPDATE alerts a SET "
     "status = CASE WHEN $2 = 'acknowledge' THEN 'acknowledged' "
     "ELSE 'resolved' END, "
     "acknowledged_at = CASE WHEN $2 = 'acknowledge' THEN now() "
     "ELSE a.acknowledged_at END, "
     "acknowledged_by = CASE WHEN $2 = 'acknowledge' THEN $3 "
     "ELSE a.acknowledged_by END, "
     "resolved_at = CASE WHEN $2 = 'resolve' THEN now() END, "
     "published_at = NULL "
     "WHERE a.alert_id = $1::bigint AND CASE WHEN $2 = 'acknowledge' "
     "THEN a.status = 'open' ELSE a.status <> 'resolved' END RETURNING a.*) "
     "SELECT (SELECT status FROM target), "
     "(SELECT " ALERT_JSON("x") "::text FROM x)",
     3},
    /* Queues a scenario ($1 JSON) for $2 (the principal's enterprise, or
     * NULL) by $3, when every enterprise of $4 is visible. Column 1: the
     * run id, 2: the enterprises not in scope. */
    {"scenario_queue",
     "WITH missing AS (SELECT u FROM unnest($4::text[]) AS u "
     "WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = u)), "
     "ins AS (INSERT INTO propagation_runs (scenario, requested_for, "
     "requested_by) SELECT $1::jsonb, $2, $3 "
     "WHERE NOT EXISTS (SELECT 1 FROM missing) RETURNING run_id) "
     "SELECT (SELECT run_id FROM ins), "
     "(SELECT string_agg(u, ',' ORDER BY u) FROM missing)",
     4},
    /* A run with its impacts in scope: ranked by lost units, then the day
     * output first falls below plan; each node's time to survive (tts:
     * first day below plan) against the shocked enterprises' time to
     * recover (the latest day they are back at plan). */
    {"scenario_one",
     "WITH r AS (SELECT * FROM propagation_runs WHERE run_id = $1::bigint), "
     "i AS (SELECT i.*, e.name, e.region_code FROM propagation_impacts i "
     "LEFT JOIN enterprises e ON e.uscc = i.uscc "
     "WHERE i.run_id = $1::bigint), "
     "shock AS (SELECT max(coalesce(ttr_day, 2147483647)) AS ttr FROM i "
     "WHERE tier = 0) "
     "SELECT json_build_object('run_id', r.run_id, 'status', r.status, "
     "'error', r.error, 'scenario', r.scenario, "
     "'requested_for', r.requested_for, 'risk_id', r.risk_id, "
     "'requested_at', " RFC3339("r.requested_at") ", "
     "'finished_at', " RFC3339("r.finished_at") ", "
     "'model_version', r.model_version, 'n_impacted', r.n_impacted, "
     "'total_lost_units', r.total_lost_units, "
     "'total_lost_value', r.total_lost_value, "
     "'shock_ttr_day', nullif((SELECT ttr FROM shock), 2147483647), "
     "'impacted', coalesce((SELECT json_agg(json_build_object("
     "'rank', k.rank, 'uscc', k.uscc, 'name', k.name, "
     "'region_code', k.region_code, 'tier', k.tier, "
     "'tts_day', k.tts_day, 'ttr_day', k.ttr_day, "
     "'falls_before_recovery', k.tier > 0 AND k.tts_day < (SELECT ttr FROM shock), "
     "'min_level', k.min_level, 'lost_units', k.lost_units, "
     "'lost_value', k.lost_value) ORDER BY k.rank) "
     "FROM (SELECT i.*, row_number() OVER (ORDER BY lost_units DESC, "
     "tts_day, uscc) AS rank FROM i) k), '[]'))::text FROM r",
     1},
    /* The newest forecast of each series ($1 enterprise, $2 sku, $3 page
     * size), its monthly points with intervals, backtest, stock
     * recommendation and $4 months of actual sales before it. */
    {"forecast_list",
     "WITH f AS (SELECT DISTINCT ON (enterprise, sku) * FROM forecasts "
     "WHERE ($1::text IS NULL OR enterprise = $1) "
     "AND ($2::text IS NULL OR sku = $2) "
     "ORDER BY enterprise, sku, computed_at DESC, forecast_id DESC), "
     "p AS (SELECT * FROM f ORDER BY enterprise, sku LIMIT $3::int + 1) "
     "SELECT json_build_object('truncated', (SELECT count(*) > $3::int FROM p), "
     "'items', coalesce((SELECT json_agg(json_build_object("
     "'enterprise', x.enterprise, 'sku', x.sku, 'model', x.model, "
     FORECAST_FIELDS ", "
     "'stock', json_build_object('on_hand', x.on_hand, "
     "'safety_stock', x.safety_stock, 'reorder_point', x.reorder_point, "
     "'days_of_cover', x.days_of_cover, 'lead_time_days', x.lead_time_days), "
     "'actuals', (SELECT coalesce(json_agg(json_build_object("
     "'period_start', a.m, 'quantity', a.q) ORDER BY a.m), '[]') "
     "FROM (SELECT date_trunc('month', s.period_start)::date AS m, "
     "sum(s.quantity) AS q FROM sales s WHERE s.enterprise = x.enterprise "
     "AND s.sku = x.sku AND s.period_start >= x.first_period "
     "- make_interval(months => $4::int) AND s.period_start < x.first_period "
     "GROUP BY 1) a)) ORDER BY x.enterprise, x.sku) "
     "FROM (SELECT * FROM p ORDER BY enterprise, sku LIMIT $3::int) x), "
     "'[]'))::text",
     4},
    /* The newest forecast of each sector / region aggregate in view ($1
     * kind, $2 key): the analyst's forecasts of summed monthly sales per
     * province, city and industry division (forecast_aggregates). */
    {"forecast_aggregate_list",
     "WITH f AS (SELECT DISTINCT ON (kind, key) * FROM forecast_aggregates "
     "WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR key = $2) "
     "ORDER BY kind, key, computed_at DESC, cycle_id DESC) "
     "SELECT json_build_object('items', coalesce((SELECT json_agg("
     "json_build_object('kind', x.kind, 'key', x.key, 'n_series', x.n_series, "
     "'model', x.model, " FORECAST_FIELDS ") "
     "ORDER BY x.kind, x.key) FROM f x), '[]'))::text",
     2},
    /* Risk events active at $3 (a date's end, NULL: now) that touch an
     * enterprise in view ($1 region), $2 kind; with the enterprises they
     * touch (at most 50 each). */
    {"risk_event_list",
     "WITH t AS (SELECT coalesce(($3::date + 1)::timestamptz, now()) AS at), "
     "ents AS (SELECT uscc, name, region_code, lat, lon FROM enterprises "
     "WHERE $1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%'), "
     "ev AS (SELECT r.* FROM risk_events r, t WHERE r.starts_at <= t.at "
     "AND (r.expected_end IS NULL OR r.expected_end > t.at) "
     "AND ($2::text IS NULL OR r.kind = $2)), "
     "hit AS (SELECT ev.tenant_id, ev.risk_id, e.uscc, e.name, e.region_code, "
     "CASE WHEN ev.lat IS NOT NULL AND e.lat IS NOT NULL THEN "
     "cs_api_km(ev.lat, ev.lon, e.lat, e.lon) END AS km FROM ev "
     "JOIN ents e ON " EVENT_TOUCHES("ev", "e") ") "
     "SELECT json_build_object('at', (SELECT " RFC3339("at") " FROM t), "
     "'items', coalesce((SELECT json_agg(json_build_object("
     "'tenant_id', ev.tenant_id, 'risk_id', ev.risk_id, 'kind', ev.kind, "
     "'severity', ev.severity, 'regions', ev.regions, 'lat', ev.lat, "
     "'lon', ev.lon, 'radius_km', ev.radius_km, "
     "'starts_at', " RFC3339("ev.starts_at") ", "
     "'expected_end', " RFC3339("ev.expected_end") ", "
     "'description', ev.description, 'n_enterprises', h.n, "
     "'enterprises', h.list) "
     "ORDER BY ev.severity DESC, ev.starts_at, ev.tenant_id, ev.risk_id) "
     "FROM ev JOIN LATERAL (SELECT count(*) AS n, (SELECT json_agg("
     "json_build_object('uscc', z.uscc, 'name', z.name, "
     "'region_code', z.region_code, 'distance_km', round(z.km::numeric, 1)) "
     "ORDER BY z.km NULLS FIRST, z.uscc) FROM (SELECT * FROM hit y "
     "WHERE y.tenant_id = ev.tenant_id AND y.risk_id = ev.risk_id "
     "ORDER BY y.km NULLS FIRST, y.uscc LIMIT 50) z) AS list FROM hit "
     "WHERE hit.tenant_id = ev.tenant_id AND hit.risk_id = ev.risk_id) h "
     "ON h.n > 0), '[]'))::text",
     3},
    /* $1 buyer: the newest cycle's ranked alternatives for its items */
    {"enterprise_alternatives",
     "WITH last AS (SELECT cycle_id, computed_at FROM alternative_suppliers "
     "ORDER BY cycle_id DESC LIMIT 1), "
     "a AS (SELECT a.*, c.name AS candidate_name, "
     "c.region_code AS candidate_region, cs.name AS current_name "
     "FROM alternative_suppliers a "
     "LEFT JOIN enterprises c ON c.uscc = a.candidate "
     "LEFT JOIN enterprises cs ON cs.uscc = a.current_supplier "
     "WHERE a.cycle_id = (SELECT cycle_id FROM last) AND a.buyer = $1) "
     "SELECT json_build_object('uscc', $1::text, "
     "'cycle_id', (SELECT cycle_id FROM last), "
     "'computed_at', (SELECT " RFC3339("computed_at") " FROM last), "
     "'items', coalesce((SELECT json_agg(json_build_object('sku', sku, "
     "'current_supplier', current_supplier, "
     "'current_supplier_name', current_name, 'why', why, "
     "'rank', rank, 'candidate', candidate, 'candidate_name', candidate_name, "
     "'candidate_region', candidate_region, 'score', score, "
     "'reason', reason, 'risk_score', risk_score, "
     "'on_time_rate', on_time_rate, 'spare_share', spare_share, "
     "'distance_km', distance_km, 'model_version', model_version) "
     "ORDER BY sku, current_supplier, rank) FROM a), '[]'))::text "
     "WHERE EXISTS (SELECT 1 FROM enterprises WHERE uscc = $1) "
     "OR EXISTS (SELECT 1 FROM a)",
     1},
    /* $1 region, $2 industry prefix, $3 level, $4 how many */
    {"risk_top",
     "WITH t AS (SELECT s.uscc, e.name, e.region_code, "
     "e.industry_code, s.score, s.level, s.cycle_id, s.computed_at "
     "FROM enterprises e JOIN risk_scores_current s ON s.uscc = e.uscc "
     "WHERE ($1::text IS NULL OR e.region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR e.industry_code LIKE $2 || '%') "
     "AND ($3::text IS NULL OR s.level = $3) "
     "ORDER BY s.score DESC, s.uscc LIMIT $4::int), "
     "x AS (SELECT t.*, h.explanation, "
     "h.components->0->>'indicator' AS top_indicator FROM t "
     CUR_DETAIL("h", "t") ") "
     "SELECT json_build_object('cycle_id', (SELECT max(cycle_id) FROM x), "
     "'computed_at', (SELECT " RFC3339("max(computed_at)") " FROM x), "
     "'items', coalesce((SELECT json_agg(json_build_object('uscc', uscc, "
     "'name', name, 'region_code', region_code, "
     "'industry_code', industry_code, 'score', score, 'level', level, "
     "'top_indicator', top_indicator, 'explanation', explanation) "
     "ORDER BY score DESC, uscc) FROM x), '[]'))::text",
     4},
    /* $1 kinds (text[]), $2 one key or NULL, $3 days of its history */
    {"risk_aggregates",
     "WITH last AS (SELECT cycle_id, computed_at FROM risk_aggregates "
     "WHERE kind = ANY($1::text[]) ORDER BY cycle_id DESC LIMIT 1), "
     "cur AS (SELECT * FROM risk_aggregates WHERE "
     "cycle_id = (SELECT cycle_id FROM last) AND kind = ANY($1::text[]) "
     "AND ($2::text IS NULL OR key = $2)), "
     "h AS (SELECT DISTINCT ON (kind, date_trunc('day', computed_at)) * "
     "FROM risk_aggregates WHERE $2::text IS NOT NULL "
     "AND kind = ANY($1::text[]) AND key = $2 "
     "AND computed_at >= now() - make_interval(days => $3::int) "
     "ORDER BY kind, date_trunc('day', computed_at), computed_at DESC) "
     "SELECT json_build_object('cycle_id', (SELECT cycle_id FROM last), "
     "'computed_at', (SELECT " RFC3339("computed_at") " FROM last), "
     "'items', coalesce((SELECT json_agg(json_build_object('kind', kind, "
     "'key', key, 'n_members', n_members, 'score_mean', score_mean, "
     "'score_max', score_max, 'level', level, "
     "'n_orange_or_worse', n_orange_or_worse, "
     "'model_version', model_version) ORDER BY kind DESC, key) FROM cur), "
     "'[]'), 'history', CASE WHEN $2::text IS NOT NULL THEN "
     "coalesce((SELECT json_agg(json_build_object('at', "
     RFC3339("computed_at") ", 'score_mean', score_mean, "
     "'score_max', score_max, 'level', level, 'n_members', n_members, "
     "'n_orange_or_worse', n_orange_or_worse) ORDER BY computed_at) "
     "FROM h), '[]') END)::text "
     "WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM cur) "
     "OR EXISTS (SELECT 1 FROM h)",
     3},
};
/* clang-format on */
const size_t cs_api_n_stmts = sizeof(cs_api_stmts) / sizeof(cs_api_stmts[0]);
