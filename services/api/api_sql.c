/* api_sql.c - every statement cs-api runs. Times leave the database as
 * RFC 3339 UTC text; numerics as their exact decimal text. */
#include "api_int.h"

#define RFC3339(col)                                                           \
    "to_char(" col " AT TIME ZONE 'UTC', "                                     \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

const cs_pg_stmt cs_api_stmts[] = {
    {"ping", "SELECT 1", 0},
    /* $2 NULL: any tenant (the caller reports ambiguity) */
    {
        "order_header",
        "SELECT tenant_id, order_id, buyer, supplier, " RFC3339("order_time") ", currency, n_lines, event_id, " RFC3339(
            "event_time") ", source, " RFC3339("updated_at") ", "
                                                             "order_time::text "
                                                             "FROM orders "
                                                             "WHERE order_id = "
                                                             "$1 AND ($2::text "
                                                             "IS NULL OR "
                                                             "tenant_id = $2) "
                                                             "ORDER BY "
                                                             "tenant_id LIMIT "
                                                             "2",
        2},
    {"order_lines",
     "SELECT line_no, sku, quantity::text, unit, unit_price::text, " RFC3339(
         "requested_time") " "
                           "FROM order_lines WHERE tenant_id = $1 AND order_id "
                           "= $2 "
                           "AND order_time = $3::timestamptz ORDER BY line_no",
     3},
};
const size_t cs_api_n_stmts = sizeof(cs_api_stmts) / sizeof(cs_api_stmts[0]);
