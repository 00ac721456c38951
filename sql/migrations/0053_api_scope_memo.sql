-- 0053_api_scope_memo.sql - an enterprise's scope computed once per
-- transaction, not once per policy.
--
-- Since 0050 an enterprise's scope (cs_scope_enterprises) holds its whole
-- chain, a recursive walk of the supply links upstream and downstream of
-- it (cs_scope_chain). Every policy that reads the set runs the function
-- anew: the supplier-tier read of cs-api (enterprises, risk_scores and an
-- existence check of the start) walked the chain three times per request,
-- about 4 of its 6.6 ms of execution on the bench's province of 20,000
-- enterprises (a chain of 175), and the walk grows with the chain.
--
-- Here the enterprise branch keeps its members, once computed, in the
-- session setting cs.scope_memo, keyed by the enterprise, with_orders and
-- the transaction's start time (transaction_timestamp()): the next policy
-- of the same transaction reads the list back, and any other transaction
-- (or principal) finds the key different and computes its own. Visibility
-- is unchanged: the same set, from the same rules as 0044 and 0050; the
-- policies are not touched. A setting the caller wrote itself could forge
-- the list, but a caller that can run set_config can as well set
-- cs.principal_role to 'admin': the policies guard against wrong queries,
-- not against a compromised API (docs/api.md, "Scope is enforced by
-- PostgreSQL"). Bureaus' sets come from an index-only range scan and are
-- not kept (a province is 20,000 codes to parse back).
CREATE OR REPLACE FUNCTION cs_scope_enterprises(
    with_orders boolean DEFAULT true)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
ROWS 1000 AS $$
DECLARE
    role text := cs_principal_role();
    me text := cs_principal_enterprise();
    key text;
    memo text;
    members text[];
BEGIN
    IF role = 'bureau' THEN
        RETURN QUERY
        SELECT DISTINCT e.uscc::text
        FROM (SELECT DISTINCT cs_region_prefix(r.c) AS p
              FROM unnest(string_to_array(
                       current_setting('cs.principal_regions', true), ','))
                   AS r(c)
              WHERE r.c ~ '^[1-8][0-9]{5}$') AS g
        JOIN enterprises e
          ON e.region_code::text ~>=~ g.p
         AND e.region_code::text ~<~ (g.p || ':');
        RETURN;
    END IF;
    IF role IS DISTINCT FROM 'enterprise' OR me IS NULL THEN
        RETURN;
    END IF;
    key := me || '/' || with_orders::text || '/'
           || transaction_timestamp()::text || ':';
    memo := current_setting('cs.scope_memo', true);
    IF memo IS NOT NULL AND starts_with(memo, key) THEN
        RETURN QUERY
        SELECT m FROM unnest(string_to_array(substr(memo, length(key) + 1),
                                             ',')) AS m;
        RETURN;
    END IF;
    SELECT coalesce(array_agg(DISTINCT x.u), '{}') INTO members
    FROM (SELECT me AS u
          UNION ALL
          SELECT l.supplier FROM supply_links l WHERE l.buyer = me
          UNION ALL
          SELECT l.buyer FROM supply_links l WHERE l.supplier = me
          UNION ALL
          SELECT o.supplier FROM orders o
          WHERE with_orders AND o.buyer = me
          UNION ALL
          SELECT o.buyer FROM orders o
          WHERE with_orders AND o.supplier = me
          UNION ALL
          SELECT c.u FROM cs_scope_chain() AS c(u)) AS x
    WHERE x.u IS NOT NULL;
    -- not local: a SET LOCAL made inside a function with a SET clause
    -- ends with the function; this one ends with the transaction's key
    PERFORM set_config('cs.scope_memo',
                       key || array_to_string(members, ','), false);
    RETURN QUERY SELECT m FROM unnest(members) AS m;
END
$$;
REVOKE ALL ON FUNCTION cs_scope_enterprises(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_scope_enterprises(boolean) TO cs_api;
