-- 0050_chain_scores.sql - an enterprise sees the risk scores of its whole
-- chain, not only of its direct counterparties (issue 7's rule: "an
-- enterprise sees its own data and the scores of its suppliers and
-- customers, not theirs"; issue 10's supplier table, tier 1...n).
--
-- Until now an enterprise saw itself and its direct counterparties
-- (supply links and orders either way, cs_scope_enterprises of 0044), so
-- its supplier table stopped at tier 1. Here its scope grows by its
-- chain: every enterprise upstream of it (its suppliers, their suppliers,
-- ...) and every one downstream (its customers, theirs, ...) over active
-- supply links, at any depth. Not its suppliers' other customers nor its
-- customers' other suppliers (siblings are another chain).
--
-- What the chain adds is the risk output and the directory row of each
-- member: enterprises (name, codes, site, capacity), risk_scores (score,
-- level, components, explanation, history), enterprise_indicators (the
-- same raw indicator values the components carry) and the impacts of the
-- enterprise's own scenarios. Nothing else: orders, order and shipment
-- lines, shipments, production, sales, inventory, forecasts, alerts and
-- alternative suppliers keep their own policies (party to it, or the
-- enterprise itself), and supply_links stays "an enterprise at either
-- end", so the shares, items and lead times of links between other
-- enterprises stay private. Which members sit at which tier comes from
-- cs_chain_tiers below, which returns credit codes and tiers only.

-- The principal enterprise's chain: itself, everyone upstream and everyone
-- downstream over active supply links (UNION stops at cycles). Empty for
-- every other role. SECURITY DEFINER: it walks supply_links as their
-- owner; it reveals credit codes the enterprises policy then shows.
CREATE FUNCTION cs_scope_chain()
RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
ROWS 200 AS $$
    WITH RECURSIVE
    me(u) AS (SELECT cs_principal_enterprise()
              WHERE cs_principal_role() = 'enterprise'
                AND cs_principal_enterprise() IS NOT NULL),
    up(u) AS (SELECT u FROM me
              UNION
              SELECT l.supplier::text FROM up
              JOIN supply_links l ON l.buyer = up.u AND l.active),
    down(u) AS (SELECT u FROM me
                UNION
                SELECT l.buyer::text FROM down
                JOIN supply_links l ON l.supplier = down.u AND l.active)
    SELECT u FROM up
    UNION
    SELECT u FROM down
$$;
REVOKE ALL ON FUNCTION cs_scope_chain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_scope_chain() TO cs_api;

-- Supply links are walked from the buyer (index supply_links_buyer_idx)
-- and from the supplier (the primary key): both ways are indexed already.

-- The scope of 0044 plus the enterprise's chain. Same signature, so every
-- policy of 0044 that calls it (enterprises, enterprise_indicators,
-- risk_scores, propagation_impacts; the others use it for bureaus only)
-- picks the chain up without being rewritten.
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
          WHERE with_orders AND o.supplier = cs_principal_enterprise()
          UNION ALL
          SELECT c.u FROM cs_scope_chain() AS c(u)) AS x
    WHERE cs_principal_role() = 'enterprise' AND x.u IS NOT NULL
$$;

-- The members of start's chain on one side, by tier (the smallest number
-- of links away; start itself is tier 0), up to max_tier: its suppliers
-- when upstream, its customers otherwise. Over the active links the
-- caller may follow:
--   admin       every link;
--   bureau      a link with either end in its regions (its supply_links
--               policy);
--   enterprise  a link it is party to (its supply_links policy) or one
--               between two members of its chain (cs_scope_chain).
-- It returns credit codes and tiers, never a link's item, share or lead
-- time: those stay behind the supply_links policy. The caller still reads
-- each member through the enterprises and risk_scores policies.
CREATE FUNCTION cs_chain_tiers(start text, upstream boolean,
                               max_tier integer)
RETURNS TABLE (uscc text, tier integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
ROWS 100 AS $$
    WITH RECURSIVE
    chain AS MATERIALIZED (SELECT c.u FROM cs_scope_chain() AS c(u)),
    region AS MATERIALIZED (
        SELECT s.u FROM cs_scope_enterprises() AS s(u)
        WHERE cs_principal_role() = 'bureau'),
    t(u, tier) AS (
        SELECT start, 0
        UNION
        SELECT l.nxt, t.tier + 1
        FROM t
        CROSS JOIN LATERAL (
            SELECT x.supplier::text AS nxt, x.supplier::text AS s,
                   x.buyer::text AS b
            FROM supply_links x
            WHERE upstream AND x.buyer = t.u AND x.active
            UNION ALL
            SELECT x.buyer::text, x.supplier::text, x.buyer::text
            FROM supply_links x
            WHERE NOT upstream AND x.supplier = t.u AND x.active) AS l
        WHERE t.tier < max_tier
          AND (cs_principal_role() = 'admin'
               OR (cs_principal_role() = 'enterprise'
                   AND (cs_principal_enterprise() IN (l.s, l.b)
                        OR (l.s IN (SELECT u FROM chain)
                            AND l.b IN (SELECT u FROM chain))))
               OR (cs_principal_role() = 'bureau'
                   AND (l.s IN (SELECT u FROM region)
                        OR l.b IN (SELECT u FROM region)))))
    SELECT t.u, min(t.tier)::integer FROM t GROUP BY t.u
$$;
REVOKE ALL ON FUNCTION cs_chain_tiers(text, boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_chain_tiers(text, boolean, integer) TO cs_api;
