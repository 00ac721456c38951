-- 0060_situation_pruning.sql - the situation's indices planned for the
-- size of the caller's scope and the dates of its periods.
--
-- cs_api_situation_indices (0040, 0044) was one SQL statement whose
-- planner knew neither how many enterprises the caller sees (a
-- materialised CTE over cs_scope_enterprises(), guessed at about 200)
-- nor the dates (a one-row CTE joined to each fact table: no partition
-- pruning). On the API benchmark's province (20,000 enterprises, a year
-- of facts) a district's indices took 1.5-2.4 s (every production row of
-- the year scanned) and the whole province's, for a Zhejiang bureau,
-- 35-68 s under load (a nested loop of 20,000 index probes per fact
-- table, 728,000 production and 598,000 order rows sorted for their
-- distinct counts): past cs-api's statement timeout, so a province
-- bureau's uncached situation was a 503.
--
-- Now the set is computed first (the same three branches, the same
-- rules), then the statement runs with it and the bounds as constants:
-- the planner sizes unnest() of a constant array exactly and prunes the
-- partitions at plan time, so a district probes the index and a province
-- hashes the set over the year's partitions; the distinct counts come
-- from per-(period, enterprise) groups. Same sums (numeric), same counts,
-- same rows (md5 of five answers: bureau district, city by week,
-- province, no date; admin city over 24 months). On that province, as a
-- Zhejiang bureau, load 5-7: a district 1.4-2.4 s -> 0.21-0.37 s, a
-- city by week 2.0-2.4 -> 1.0-1.8 s, the province 35-68 -> 6-11 s
-- (JIT on; cs-api now turns it off: 5.9 s).
CREATE OR REPLACE FUNCTION cs_api_situation_indices(region text,
                                                    period text, n integer,
                                                    until date)
RETURNS TABLE (period_start date, production double precision,
               orders double precision, sales double precision,
               k_production integer, k_orders integer, k_sales integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    members text[];
    lo date;
    -- how each fact table's enterprise column (%I) meets the set: up to
    -- 2,000 are looked up in its index, more are joined (the planner
    -- knows unnest()'s size and hashes them against the partitions)
    pick text;
BEGIN
    IF period IS NULL OR period NOT IN ('week', 'month') OR n IS NULL
       OR until IS NULL THEN
        RETURN;
    END IF;
    lo := (date_trunc(period, until::timestamp)
           - (n - 1) * ('1 ' || period)::interval)::date;
    -- whose own facts the principal may see in aggregate (as
    -- cs_api_facts_in_scope): admin all, a bureau its regions, an
    -- enterprise only itself
    SELECT coalesce(array_agg(DISTINCT x.u), '{}') INTO members
    FROM (SELECT e.uscc::text AS u FROM enterprises e
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
                 OR e.region_code LIKE cs_region_prefix(region) || '%')) x;
    pick := CASE WHEN cardinality(members) <= 2000
                 THEN format('WHERE x.%%I = ANY (%L::text[])', members)
                 ELSE format('JOIN unnest(%L::text[]) AS m(u) ON m.u = x.%%I '
                             'WHERE true', members) END;
    RETURN QUERY EXECUTE format($q$
        WITH p AS (
            SELECT g::date AS ps
            FROM generate_series(%3$L::date, %4$L::date,
                                 ('1 ' || %1$L)::interval) AS g),
        prod AS (
            SELECT y.ps, sum(y.v) AS v, count(*)::integer AS k
            FROM (SELECT date_trunc(%1$L, x.day)::date AS ps, x.enterprise,
                         sum(x.output) AS v
                  FROM production x
                  %6$s AND x.day >= %3$L::date AND x.day < %5$L::date
                  GROUP BY 1, 2) y
            GROUP BY 1),
        ord AS (
            SELECT y.ps, sum(y.v) AS v, count(*)::integer AS k
            FROM (SELECT date_trunc(%1$L, x.order_time AT TIME ZONE 'UTC')::date
                         AS ps, x.supplier, sum(x.quantity) AS v
                  FROM order_lines x
                  %7$s AND x.order_time >= %3$L::date
                    AND x.order_time < %5$L::date
                  GROUP BY 1, 2) y
            GROUP BY 1),
        sal AS (
            SELECT y.ps, sum(y.v) AS v, count(*)::integer AS k
            FROM (SELECT date_trunc(%1$L, x.period_start)::date AS ps,
                         x.enterprise, sum(x.quantity) AS v
                  FROM sales x
                  %6$s AND x.period_start >= %3$L::date
                    AND x.period_start < %5$L::date
                  GROUP BY 1, 2) y
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
        $q$, period, NULL, lo, date_trunc(period, until::timestamp)::date,
        until + 1, format(pick, 'enterprise'), format(pick, 'supplier'));
END
$$;
