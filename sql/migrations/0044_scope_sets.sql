-- 0044_scope_sets.sql - the principal's scope as one set per query
-- instead of a function call per row. The policies of 0003-0006, 0021 and
-- 0041 called cs_enterprise_in_scope(uscc) (SECURITY DEFINER, so never
-- inlined: an enterprises lookup and a regex over the bureau's regions
-- per row) or ran correlated EXISTS over supply_links and orders per row,
-- which made every route that scans a region take seconds on a province.
-- Here the same scopes are written as
--     uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))
-- an uncorrelated sub-select the planner runs once per query and probes
-- as a hashed SubPlan. Visibility is unchanged, table by table (database.md
-- has the table); only the way it is computed changes.

-- Range scans for a region prefix ('33' covers '33xxxx'): region codes
-- are six digits, so [p, p || ':') holds exactly the codes starting with
-- p (':' follows '9'), and the text_pattern_ops operators compare bytes.
-- It carries the credit code, so the set comes from the index alone.
CREATE INDEX enterprises_region_pattern_idx
    ON enterprises (region_code text_pattern_ops) INCLUDE (uscc);

-- The enterprises the principal may see in its own right:
--   bureau      those whose region lies under one of its regions (the
--               cs_region_in_scope rule: trailing "00" pairs trimmed);
--   enterprise  itself and its counterparties through supply links and,
--               when with_orders, through orders (either direction);
--   others      none (admin needs no set: every policy lets it through
--               first; connectors and the unset principal see nothing).
-- SECURITY DEFINER: it reads enterprises, supply_links and orders as
-- their owner, so policies can use it without recursing into each other.
-- It reveals nothing the enterprises policy does not show the caller.
CREATE OR REPLACE FUNCTION cs_scope_enterprises(
    with_orders boolean DEFAULT true)
RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
ROWS 1000 AS $$
    SELECT e.uscc::text
    FROM (SELECT DISTINCT cs_region_prefix(r.c) AS p
          FROM unnest(string_to_array(
                   current_setting('cs.principal_regions', true), ',')) AS r(c)
          WHERE r.c ~ '^[1-8][0-9]{5}$') AS g
    JOIN enterprises e
      ON e.region_code::text ~>=~ g.p AND e.region_code::text ~<~ (g.p || ':')
    WHERE cs_principal_role() = 'bureau'
    UNION
    SELECT x.u
    FROM (SELECT cs_principal_enterprise() AS u
          UNION ALL
          SELECT l.supplier FROM supply_links l
          WHERE l.buyer = cs_principal_enterprise()
          UNION ALL
          SELECT l.buyer FROM supply_links l
          WHERE l.supplier = cs_principal_enterprise()
          UNION ALL
          SELECT o.supplier FROM orders o
          WHERE with_orders AND o.buyer = cs_principal_enterprise()
          UNION ALL
          SELECT o.buyer FROM orders o
          WHERE with_orders AND o.supplier = cs_principal_enterprise()) AS x
    WHERE cs_principal_role() = 'enterprise' AND x.u IS NOT NULL
$$;
REVOKE ALL ON FUNCTION cs_scope_enterprises(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_scope_enterprises(boolean) TO cs_api;

-- enterprises (0003): admin; a bureau its regions; an enterprise itself
-- and its counterparties (supply links, orders).
DROP POLICY enterprises_read ON enterprises;
CREATE POLICY enterprises_read ON enterprises FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)));

-- supply_links (0003): admin; an enterprise at either end (not links
-- between its counterparties); a bureau when either end lies in its
-- regions.
DROP POLICY supply_links_read ON supply_links;
CREATE POLICY supply_links_read ON supply_links FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (supplier, buyer))
    OR (cs_principal_role() = 'bureau'
        AND (supplier IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))
             OR buyer IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)))));

-- enterprise_indicators, risk_scores (0004): as enterprises.
DROP POLICY enterprise_indicators_read ON enterprise_indicators;
CREATE POLICY enterprise_indicators_read ON enterprise_indicators FOR SELECT
TO cs_api USING (
    cs_principal_role() = 'admin'
    OR uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)));
DROP POLICY risk_scores_read ON risk_scores;
CREATE POLICY risk_scores_read ON risk_scores FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)));

-- alerts (0004, 0041): admin; a bureau when the enterprise alerted or the
-- one it is about lies in its regions; an enterprise reads those where
-- it is either (not its counterparties'), and acts on those addressed
-- to it.
DROP POLICY alerts_read ON alerts;
CREATE POLICY alerts_read ON alerts FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (subject, about))
    OR (cs_principal_role() = 'bureau'
        AND (subject IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))
             OR about IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)))));
DROP POLICY alerts_act ON alerts;
CREATE POLICY alerts_act ON alerts FOR UPDATE TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND subject = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau'
        AND (subject IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))
             OR about IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)))))
WITH CHECK (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND subject = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau'
        AND (subject IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))
             OR about IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)))));

-- propagation_runs (0005): admin; an enterprise its own; a bureau the
-- standing runs and those asked for by enterprises in its regions.
DROP POLICY propagation_runs_read ON propagation_runs;
CREATE POLICY propagation_runs_read ON propagation_runs FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND requested_for = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau'
        AND (requested_for IS NULL
             OR requested_for IN (SELECT s.u
                                  FROM cs_scope_enterprises() AS s(u)))));

-- propagation_impacts (0005): the run visible, and the impacted
-- enterprise: a bureau's region, or an enterprise itself and its
-- supply-link counterparties (not those through orders alone).
DROP POLICY propagation_impacts_read ON propagation_impacts;
CREATE POLICY propagation_impacts_read ON propagation_impacts FOR SELECT
TO cs_api USING (
    run_id IN (SELECT r.run_id FROM propagation_runs r)
    AND (cs_principal_role() = 'admin'
         OR uscc IN (SELECT s.u FROM cs_scope_enterprises(false) AS s(u))));

-- alternative_suppliers (0006): admin; a bureau when the buyer lies in
-- its regions; an enterprise its own purchases.
DROP POLICY alternative_suppliers_read ON alternative_suppliers;
CREATE POLICY alternative_suppliers_read ON alternative_suppliers
FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND buyer = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau'
        AND buyer IN (SELECT s.u FROM cs_scope_enterprises() AS s(u))));

-- chain_members (0021): admin; a bureau the members in its regions; an
-- enterprise itself.
DROP POLICY chain_members_read ON chain_members;
CREATE POLICY chain_members_read ON chain_members FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'bureau'
        AND uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)))
    OR (cs_principal_role() = 'enterprise'
        AND uscc = cs_principal_enterprise()));

-- The 0040 aggregates, same results, the scope taken once as a set.
CREATE OR REPLACE FUNCTION cs_api_link_volumes(suppliers text[],
                                               buyers text[],
                                               since timestamptz)
RETURNS TABLE (supplier text, buyer text, sku text, volume numeric,
               unit text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH pairs AS (
        SELECT DISTINCT p.s, p.b FROM unnest(suppliers, buyers) AS p(s, b)
        WHERE cs_principal_role() = 'admin'
           OR (cs_principal_role() = 'enterprise'
               AND cs_principal_enterprise() IN (p.s, p.b))
           OR (cs_principal_role() = 'bureau'
               AND (p.s IN (SELECT x.u FROM cs_scope_enterprises() AS x(u))
                    OR p.b IN (SELECT x.u
                               FROM cs_scope_enterprises() AS x(u)))))
    SELECT l.supplier::text, l.buyer::text, l.sku, sum(l.quantity),
           min(l.unit)
    FROM pairs JOIN shipment_lines l ON l.supplier = pairs.s
        AND l.buyer = pairs.b AND l.shipped_at >= since
    GROUP BY 1, 2, 3
$$;

CREATE OR REPLACE FUNCTION cs_api_situation_indices(region text,
                                                    period text, n integer,
                                                    until date)
RETURNS TABLE (period_start date, production double precision,
               orders double precision, sales double precision,
               k_production integer, k_orders integer, k_sales integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH p AS (
        SELECT g::date AS ps
        FROM generate_series(
            date_trunc(period, until::timestamp)
                - (n - 1) * ('1 ' || period)::interval,
            date_trunc(period, until::timestamp),
            ('1 ' || period)::interval) AS g),
    bounds AS (SELECT min(ps) AS lo, until + 1 AS hi FROM p),
    -- whose own facts the principal may see in aggregate (as
    -- cs_api_facts_in_scope): admin all, a bureau its regions, an
    -- enterprise only itself. One branch per role, so that the planner
    -- sizes the set from the scope (and hashes it) instead of guessing
    -- one row from an OR of role tests.
    ents AS MATERIALIZED (
        SELECT e.uscc::text AS uscc FROM enterprises e
        WHERE cs_principal_role() = 'admin'
          AND (region IS NULL
               OR e.region_code LIKE cs_region_prefix(region) || '%')
        UNION ALL
        SELECT e.uscc::text FROM cs_scope_enterprises() AS s(u)
        JOIN enterprises e ON e.uscc = s.u
        WHERE cs_principal_role() = 'bureau'
          AND (region IS NULL
               OR e.region_code LIKE cs_region_prefix(region) || '%')
        UNION ALL
        SELECT e.uscc::text FROM enterprises e
        WHERE cs_principal_role() = 'enterprise'
          AND e.uscc = cs_principal_enterprise()
          AND (region IS NULL
               OR e.region_code LIKE cs_region_prefix(region) || '%')),
    prod AS (
        SELECT date_trunc(period, x.day)::date AS ps, sum(x.output) AS v,
               count(DISTINCT x.enterprise)::integer AS k
        FROM production x, bounds
        WHERE x.enterprise IN (SELECT uscc FROM ents)
          AND x.day >= bounds.lo AND x.day < bounds.hi
        GROUP BY 1),
    ord AS (
        SELECT date_trunc(period, x.order_time AT TIME ZONE 'UTC')::date AS ps,
               sum(x.quantity) AS v,
               count(DISTINCT x.supplier)::integer AS k
        FROM order_lines x, bounds
        WHERE x.supplier IN (SELECT uscc FROM ents)
          AND x.order_time >= bounds.lo AND x.order_time < bounds.hi
        GROUP BY 1),
    sal AS (
        SELECT date_trunc(period, x.period_start)::date AS ps,
               sum(x.quantity) AS v,
               count(DISTINCT x.enterprise)::integer AS k
        FROM sales x, bounds
        WHERE x.enterprise IN (SELECT uscc FROM ents)
          AND x.period_start >= bounds.lo AND x.period_start < bounds.hi
        GROUP BY 1)
    SELECT p.ps,
           (100 * prod.v / nullif(avg(prod.v) OVER (), 0))::double precision,
           (100 * ord.v / nullif(avg(ord.v) OVER (), 0))::double precision,
           (100 * sal.v / nullif(avg(sal.v) OVER (), 0))::double precision,
           coalesce(prod.k, 0), coalesce(ord.k, 0), coalesce(sal.k, 0)
    FROM p
    LEFT JOIN prod ON prod.ps = p.ps
    LEFT JOIN ord ON ord.ps = p.ps
    LEFT JOIN sal ON sal.ps = p.ps
    ORDER BY p.ps
$$;
