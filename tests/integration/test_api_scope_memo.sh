#!/usr/bin/env bash
# test_api_scope_memo.sh - an enterprise's scope is computed once per
# transaction and kept in the session (migration 0053): within one
# database session, as cs_api_app, the kept set never outlives its
# transaction nor serves another principal or the other with_orders, and
# a link added between two transactions shows in the next one.
source "$CS_SRC/tests/lib/testlib.sh"
S1=91330106MA2LATE01Y
S2=91320100MA2G00D02X
S3=91440300MA2F100D33
S4=91350100MA2G00D04G
B1=91330200MA2CAR0012
B2=91310000MA2PH0NE1Q
T2=91330400MA2AN0DE0L
dsn=$(pg_test_db scope_memo)

psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO tenants (tenant_id, enterprise)
SELECT u, u FROM unnest(ARRAY['$S1','$S2','$S3','$S4','$B1','$B2','$T2']) AS u;
INSERT INTO enterprises (uscc, name, region_code, industry_code, tenant_id)
SELECT u, 'E ' || u, r, 'C3610', u
FROM (VALUES ('$S1', '330106'), ('$S2', '320100'), ('$S3', '440300'), ('$S4', '350100'),
             ('$B1', '330200'), ('$B2', '310000'), ('$T2', '330400')) AS v(u, r);
-- T2 -> S1 -> B1 (B1's chain), S3 -> B2 (another chain); B1 orders
-- from S4 without a link (a counterparty through orders only)
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
VALUES ('$T2', '$S1', 'ANODE', 1, 14, '$S1', 'l1', now()),
       ('$S1', '$B1', 'BAT', 1, 14, '$B1', 'l2', now()),
       ('$S3', '$B2', 'CHP', 1, 14, '$B2', 'l3', now());
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency, n_lines, event_id, event_time, source)
VALUES ('$B1', 'PO-1', '$B1', '$S4', now(), 'CNY', 1, 'o1', now(), 'test');
SQL

# as() ENTERPRISE - the principal, as cs-api sets it (transaction-local)
as() {
    echo "DO \$\$ BEGIN PERFORM set_config('cs.principal_role', 'enterprise', true),
        set_config('cs.principal_regions', '', true), set_config('cs.principal_enterprise', '$1', true); END \$\$;"
}
sc() { echo "SELECT string_agg(u, ',' ORDER BY u) FROM cs_scope_enterprises($1) AS s(u);"; }
rows() { echo "SELECT coalesce(string_agg(uscc, ',' ORDER BY uscc), 'none') FROM enterprises;"; }
sorted() { printf '%s\n' "$@" | sort | paste -sd,; }

note "one session, several transactions and principals"
out=$(psql "$dsn" -qAt -v ON_ERROR_STOP=1 <<SQL
SET ROLE cs_api_app;
BEGIN READ ONLY; $(as "$B1") $(rows) $(sc true) $(sc false) $(rows) COMMIT;
BEGIN READ ONLY; $(as "$B2") $(rows) $(sc true) COMMIT;
BEGIN READ ONLY; $(as "$B1") $(sc false) $(sc true) $(as "$B2") $(sc true) $(rows) COMMIT;
RESET ROLE;
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id, event_id, event_time)
VALUES ('$S2', '$T2', 'GRAPHITE', 1, 14, '$T2', 'l4', now());
SET ROLE cs_api_app;
BEGIN READ ONLY; $(as "$B1") $(rows) COMMIT;
BEGIN READ ONLY; $(rows) COMMIT;
SQL
)
mapfile -t got <<<"$out"
b1=$(sorted "$B1" "$S1" "$T2" "$S4")     # chain and the order counterparty
b1_links=$(sorted "$B1" "$S1" "$T2")     # with_orders false: no S4
b2=$(sorted "$B2" "$S3")
want=("$b1" "$b1" "$b1_links" "$b1"      # the second read of the set is the kept one
    "$b2" "$b2"                          # another principal: its own set
    "$b1_links" "$b1" "$b2" "$b2"        # with_orders apart; principal changed inside a transaction
    "$(sorted "$B1" "$S1" "$T2" "$S4" "$S2")"  # the new link, in the next transaction
    none)                                # no principal: nothing, whatever the session kept
[ "${#got[@]}" = "${#want[@]}" ] || fail "expected ${#want[@]} lines, got ${#got[@]}: $out"
for i in "${!want[@]}"; do
    [ "${got[$i]}" = "${want[$i]}" ] || fail "line $((i + 1)): got '${got[$i]}', want '${want[$i]}' (all: $out)"
done

note "a bureau's set is not kept and follows its regions"
out=$(psql "$dsn" -qAt -v ON_ERROR_STOP=1 <<SQL
SET ROLE cs_api_app;
BEGIN READ ONLY; $(as "$B1") $(rows)
DO \$\$ BEGIN PERFORM set_config('cs.principal_role', 'bureau', true), set_config('cs.principal_regions', '330000', true),
    set_config('cs.principal_enterprise', '', true); END \$\$;
$(rows) COMMIT;
SQL
)
[ "$out" = "$(sorted "$B1" "$S1" "$T2" "$S4" "$S2")
$(sorted "$B1" "$S1" "$T2")" ] || fail "bureau 330000: $out"
echo "PASS test_api_scope_memo"
