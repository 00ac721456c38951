/* api_sql.c - every statement cs-api runs. Times leave the database as
 * RFC 3339 UTC text; numerics as their exact decimal text. Statements
 * never filter by principal themselves: row-level security does (see
 * sql/migrations/0003_security.sql), inside a transaction that api_begin
 * opened with the principal set. */
#include "api_int.h"

#define RFC3339(col)                                                           \
    "to_char(" col " AT TIME ZONE 'UTC', "                                     \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define ENTERPRISE_COLS                                                        \
    "enterprises.uscc, enterprises.name, enterprises.region_code, "            \
    "enterprises.industry_code, enterprises.lat::text, "                       \
    "enterprises.lon::text, enterprises.capacity::text, "                      \
    "enterprises.capacity_unit, " RFC3339("enterprises.updated_at")

/* The analyst's newest cycle that wrote scores: every cycle rescores
 * everyone (scores are peer-relative), so an enterprise's current score
 * is its row of that cycle. Both keys are given so that only the
 * partition of that month is probed. */
#define CUR_CYCLE                                                              \
    "cur AS (SELECT cycle_id, computed_at FROM risk_scores "                   \
    "ORDER BY cycle_id DESC LIMIT 1)"
#define CUR_SCORE(alias)                                                       \
    alias ".cycle_id = (SELECT cycle_id FROM cur) AND " alias                  \
          ".computed_at = (SELECT computed_at FROM cur)"

/* Suppliers (NEXT supplier, FROM buyer) or customers (NEXT buyer, FROM
 * supplier) of $1 by tier over the active supply links the caller may
 * see: tier k is k links away (its smallest distance), $2..$3 the tiers
 * wanted, $4 the page size. Each node lists its links into the nodes one
 * step nearer, flagged single_source when the link's buyer has no other
 * active supplier of the item. */
#define TIERS_SQL(DIR, NEXT, FROM)                                             \
    "WITH RECURSIVE t(uscc, tier) AS (SELECT $1::text, 0 UNION "               \
    "SELECT l." NEXT "::text, t.tier + 1 FROM t JOIN supply_links l "          \
    "ON l." FROM " = t.uscc AND l.active WHERE t.tier < $3::int), "            \
    "n AS (SELECT uscc, min(tier) AS tier FROM t GROUP BY uscc), " CUR_CYCLE  \
    ", i AS (SELECT n.uscc, n.tier, e.name, e.region_code, e.industry_code, "  \
    "s.score, s.level, k.links, k.single_source FROM n "                       \
    "LEFT JOIN enterprises e ON e.uscc = n.uscc "                              \
    "LEFT JOIN risk_scores s ON s.uscc = n.uscc AND " CUR_SCORE("s") " "       \
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
    "'single_source', coalesce(single_source, false), "                        \
    "'links', coalesce(links, '[]'))) FROM (SELECT * FROM i "                  \
    "ORDER BY tier, score DESC NULLS LAST, uscc LIMIT $4::int) p), '[]'))"    \
    "::text WHERE EXISTS (SELECT 1 FROM enterprises WHERE uscc = $1) "         \
    "OR EXISTS (SELECT 1 FROM n WHERE tier > 0)"

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
    {"set_principal",
     "SELECT set_config('cs.principal_role', $1, true), "
     "set_config('cs.principal_regions', $2, true), "
     "set_config('cs.principal_enterprise', $3, true), "
     "set_config('cs.principal_tenant', $4, true), "
     "set_config('cs.principal_id', $5, true)",
     5},
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
     "WITH " CUR_CYCLE " SELECT " ENTERPRISE_COLS ", s.score, s.level "
     "FROM enterprises LEFT JOIN risk_scores s ON s.uscc = enterprises.uscc "
     "AND " CUR_SCORE("s") " "
     "WHERE ($1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR industry_code LIKE $2 || '%') "
     "AND ($3::text IS NULL OR name ILIKE '%' || $3 || '%') "
     "AND ($4::text IS NULL OR enterprises.uscc > $4) "
     "AND ($6::text IS NULL OR s.level = $6) "
     "ORDER BY enterprises.uscc LIMIT $5::integer",
     6},
    {"enterprise_one",
     "WITH " CUR_CYCLE " SELECT " ENTERPRISE_COLS ", s.score, s.level "
     "FROM enterprises LEFT JOIN risk_scores s ON s.uscc = enterprises.uscc "
     "AND " CUR_SCORE("s") " WHERE enterprises.uscc = $1", 1},
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
     "WITH " CUR_CYCLE ", "
     "e AS (SELECT * FROM enterprises WHERE uscc = $1), "
     "s AS (SELECT * FROM risk_scores r WHERE r.uscc = $1 AND "
     CUR_SCORE("r") "), "
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
    {"enterprise_suppliers", TIERS_SQL("suppliers", "supplier", "buyer"), 4},
    {"enterprise_customers", TIERS_SQL("customers", "buyer", "supplier"), 4},
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
     "WITH " CUR_CYCLE ", x AS (SELECT s.uscc, e.name, e.region_code, "
     "e.industry_code, s.score, s.level, s.explanation, "
     "s.components->0->>'indicator' AS top_indicator FROM risk_scores s "
     "LEFT JOIN enterprises e ON e.uscc = s.uscc WHERE " CUR_SCORE("s") " "
     "AND ($1::text IS NULL OR e.region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR e.industry_code LIKE $2 || '%') "
     "AND ($3::text IS NULL OR s.level = $3) "
     "ORDER BY s.score DESC, s.uscc LIMIT $4::int) "
     "SELECT json_build_object('cycle_id', (SELECT cycle_id FROM cur), "
     "'computed_at', (SELECT " RFC3339("computed_at") " FROM cur), "
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
