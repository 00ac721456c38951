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
    "uscc, name, region_code, industry_code, lat::text, lon::text, "           \
    "capacity::text, capacity_unit, " RFC3339("updated_at")

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
     "SELECT " ENTERPRISE_COLS " FROM enterprises "
     "WHERE ($1::text IS NULL OR region_code LIKE cs_region_prefix($1) || '%') "
     "AND ($2::text IS NULL OR industry_code LIKE $2 || '%') "
     "AND ($3::text IS NULL OR name ILIKE '%' || $3 || '%') "
     "AND ($4::text IS NULL OR uscc > $4) "
     "ORDER BY uscc LIMIT $5::integer",
     5},
    {"enterprise_one",
     "SELECT " ENTERPRISE_COLS " FROM enterprises WHERE uscc = $1", 1},
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
};
/* clang-format on */
const size_t cs_api_n_stmts = sizeof(cs_api_stmts) / sizeof(cs_api_stmts[0]);
