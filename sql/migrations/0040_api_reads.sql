-- 0040_api_reads.sql - aggregates cs-api serves from rows its principals
-- may not read one by one: the volume shipped along supply links (for the
-- chain graph) and the production, order and sales indices of a region
-- (态势感知). Both are SECURITY DEFINER functions that apply the scope
-- themselves, from the same principal settings the policies of 0003 use,
-- and return only sums: a bureau never reads an order line or a price.

-- Whether the principal may see an enterprise's own facts in aggregate:
-- admin; a bureau when it lies in its regions; an enterprise only itself
-- (not its counterparties: their production and sales are theirs).
CREATE FUNCTION cs_api_facts_in_scope(e text, region text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cs_principal_role() = 'admin'
        OR cs_region_in_scope(region)
        OR (cs_principal_role() = 'enterprise'
            AND e = cs_principal_enterprise())
$$;

-- Great-circle distance in km (haversine, mean Earth radius), as the
-- analyst's event exposure uses it.
CREATE FUNCTION cs_api_km(lat1 double precision, lon1 double precision,
                          lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 2 * 6371.0088 * asin(least(1.0, sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2))
          * power(sin(radians(lon2 - lon1) / 2), 2))))
$$;

-- Quantity shipped along each of the given links (suppliers[i] ->
-- buyers[i]) since `since`, by item, for the links the principal may see
-- (as the supply_links policy: admin; an enterprise at either end; a
-- bureau when either end lies in its regions). Others are left out.
CREATE FUNCTION cs_api_link_volumes(suppliers text[], buyers text[],
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
               AND (cs_enterprise_in_scope(p.s)
                    OR cs_enterprise_in_scope(p.b))))
    SELECT l.supplier::text, l.buyer::text, l.sku, sum(l.quantity),
           min(l.unit)
    FROM pairs JOIN shipment_lines l ON l.supplier = pairs.s
        AND l.buyer = pairs.b AND l.shipped_at >= since
    GROUP BY 1, 2, 3
$$;

-- Production (output), orders received (quantity of order lines whose
-- supplier is in scope) and sales (quantity) of the enterprises in scope
-- and in `region` (NULL: the whole scope), per week or month of the `n`
-- periods ending with the one holding `until`. Each series is an index:
-- 100 = its mean over the periods with data; k_* count the enterprises
-- that contributed. Quantities of different items are summed as they
-- are, so an index follows volume, not value.
CREATE FUNCTION cs_api_situation_indices(region text, period text, n integer,
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
    ents AS (
        SELECT e.uscc::text AS uscc FROM enterprises e
        WHERE (region IS NULL
               OR e.region_code LIKE cs_region_prefix(region) || '%')
          AND cs_api_facts_in_scope(e.uscc, e.region_code)),
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

REVOKE ALL ON FUNCTION cs_api_link_volumes(text[], text[], timestamptz)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION cs_api_situation_indices(text, text, integer, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_api_link_volumes(text[], text[], timestamptz)
    TO cs_api;
GRANT EXECUTE ON FUNCTION cs_api_situation_indices(text, text, integer, date)
    TO cs_api;
