-- province.sql - a generated province for the analyst benchmark
-- (tests/bench/analyst/run), written straight into the tables with
-- INSERT ... SELECT (no Kafka: the analyst only reads tables).
-- psql variables: n (enterprises), opl (orders per link and year),
-- prod_every (every prod_every-th enterprise reports daily production),
-- series (sales series). As of 2026-11-30; facts cover the year before.
--
-- Shape: enterprises in Zhejiang (11 cities x 10 districts), 31 industry
-- chains (GB/T 4754 divisions C13-C43, (i / 5) % 31) of 5 tiers (i % 5;
-- tier 4 the final producers), the industry class of each enterprise
-- naming its chain and tier (C<division><tier + 1><1-3>). Each buyer of
-- tier t >= 1 buys 6 items of its chain from two suppliers of its chain's
-- tier t - 1 each, and every other buyer a 7th from one supplier
-- (single-sourced): 12 or 13 links a buyer, 10 n links in all; 4 in 5
-- items come from suppliers in the buyer's city (suppliers mostly
-- regional, as the simulator picks them), the others from anywhere in
-- the province. Credit codes are valid (GB 11714 organisation code check
-- and GB 32100 check character, as the simulator makes them). Every link
-- gets `opl` one-line orders a year, each shipped and delivered (1 in 8
-- suppliers late); `series` final-tier enterprises have 30 months of
-- sales and an inventory snapshot; 12 risk events.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';

-- GB 32100 credit code: "91" + district + organisation code (8
-- characters and its GB 11714 check character) + the check character
-- (weights 3^(i-1) mod 31 over the 31-character alphabet).
CREATE FUNCTION pg_temp.uscc_of(district text, org8 text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    WITH o AS (
        SELECT org8 || CASE c9 WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE c9::text END AS org
        FROM (SELECT 11 - sum(CASE WHEN substr(org8, i, 1) BETWEEN '0' AND '9'
                                   THEN ascii(substr(org8, i, 1)) - 48
                                   ELSE ascii(substr(org8, i, 1)) - 55 END
                              * (ARRAY[3, 7, 9, 10, 5, 8, 4, 2])[i]) % 11 AS c9
              FROM generate_series(1, 8) AS i) x),
    f AS (SELECT '91' || district || org AS c17 FROM o)
    SELECT c17 || substr(a, (31 - sum((strpos(a, substr(c17, i, 1)) - 1)
                                      * ((3::bigint ^ (i - 1))::bigint % 31))::int % 31) % 31 + 1, 1)
    FROM f, (SELECT '0123456789ABCDEFGHJKLMNPQRTUWXY'::text AS a) al,
         generate_series(1, 17) AS i
    GROUP BY c17, a
$f$;

CREATE TEMP TABLE ent AS
SELECT i, pg_temp.uscc_of(region, 'BN' || lpad(i::text, 6, '0')) AS uscc, region,
       'C' || (13 + chain)::text || (tier + 1)::text || (1 + (i / 155) % 3)::text
           AS industry,
       chain, tier, city
FROM (SELECT i, i % 5 AS tier, (i / 5) % 31 AS chain, i % 11 AS city,
             '33' || lpad((i % 11 + 1)::text, 2, '0')
                  || lpad(((i / 11) % 10 + 1)::text, 2, '0') AS region
      FROM generate_series(0, :n - 1) AS i) x;
-- Suppliers by chain and tier, numbered in the province and in each city.
CREATE TEMP TABLE sup AS
SELECT i, uscc, chain, tier, city,
       row_number() OVER (PARTITION BY chain, tier ORDER BY i) - 1 AS pk,
       count(*) OVER (PARTITION BY chain, tier) AS pn,
       row_number() OVER (PARTITION BY chain, tier, city ORDER BY i) - 1 AS ck,
       count(*) OVER (PARTITION BY chain, tier, city) AS cn
FROM ent;
CREATE INDEX ON sup (chain, tier, pk);
CREATE INDEX ON sup (chain, tier, city, ck);
ANALYZE sup;

INSERT INTO tenants (tenant_id, enterprise) SELECT uscc, uscc FROM ent;
INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon,
                         capacity, tenant_id, event_time, updated_at)
SELECT uscc, 'Enterprise ' || i, region, industry,
       27.2 + 3.6 * ((i::bigint * 7919) % 1000) / 1000.0,
       118.1 + 4.6 * ((i::bigint * 104729) % 1000) / 1000.0,
       1000 + (i % 7) * 250, uscc, '2025-11-01', '2025-11-01'
FROM ent;

-- Links: buyer b (tier >= 1), link k: item k % 6 (two suppliers each,
-- consecutive in the numbering, so different ones), link 12 item 6 (one);
-- items whose hash h % 5 <> 0 come from the buyer's city when its chain
-- has suppliers of that tier there, else from the province.
CREATE TEMP TABLE pick AS
SELECT b.i, b.uscc, b.sku, b.k, b.chain, b.tier - 1 AS st, b.city,
       b.h % 5 <> 0 AND coalesce(cc.cn, 0) > 0 AS local,
       ((b.h + b.second) % CASE WHEN b.h % 5 <> 0 AND coalesce(cc.cn, 0) > 0
                               THEN cc.cn ELSE pc.pn END) AS idx
FROM (SELECT b.*, k, 'P' || b.chain || '.' || b.tier || '-'
                     || CASE WHEN k < 12 THEN k % 6 ELSE 6 END AS sku,
             (b.i::bigint * 2654435761 + (CASE WHEN k < 12 THEN k % 6 ELSE 6 END) * 40503)
               % 1000003 AS h,
             CASE WHEN k < 12 THEN k / 6 ELSE 0 END AS second
      FROM ent b CROSS JOIN LATERAL generate_series(0, 11 + b.i % 2) AS k
      WHERE b.tier >= 1) b
JOIN (SELECT DISTINCT chain, tier, pn FROM sup) pc ON pc.chain = b.chain AND pc.tier = b.tier - 1
LEFT JOIN (SELECT DISTINCT chain, tier, city, cn FROM sup) cc
  ON cc.chain = b.chain AND cc.tier = b.tier - 1 AND cc.city = b.city;
CREATE TEMP TABLE lnk AS
SELECT DISTINCT ON (supplier, buyer, sku) * FROM (
    SELECT s.uscc AS supplier, p.uscc AS buyer, p.sku, s.i AS si, p.i AS bi, p.k
    FROM pick p JOIN sup s ON s.chain = p.chain AND s.tier = p.st AND s.city = p.city
     AND s.ck = p.idx
    WHERE p.local
    UNION ALL
    SELECT s.uscc, p.uscc, p.sku, s.i, p.i, p.k
    FROM pick p JOIN sup s ON s.chain = p.chain AND s.tier = p.st AND s.pk = p.idx
    WHERE NOT p.local) x;
ALTER TABLE lnk ADD COLUMN id serial;
INSERT INTO supply_links (supplier, buyer, sku, share, lead_time_days, tenant_id,
                          event_id, event_time, updated_at)
SELECT supplier, buyer, sku,
       round(1.0 / count(*) OVER (PARTITION BY buyer, sku), 4),
       7 + id % 21, buyer, 'sl-' || id, '2025-11-01', '2025-11-01'
FROM lnk;

-- Orders: link l's j-th order of the year, one line each.
CREATE TEMP TABLE ord AS
SELECT l.id, l.supplier, l.buyer, l.sku, j,
       'PO-' || l.id || '-' || j AS order_id,
       timestamptz '2026-11-30' - make_interval(days => 365)
         + make_interval(days => (j * 365 / :opl + (l.id * 37) % (365 / :opl))::int) AS ot,
       7 + l.id % 21 AS lead,
       CASE WHEN l.si % 8 = 3 THEN 2 + (l.id + j) % 9 ELSE -((l.id + j) % 3) END AS late
FROM lnk l, generate_series(0, :opl - 1) AS j;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency,
                    n_lines, event_id, event_time, source, updated_at)
SELECT buyer, order_id, buyer, supplier, ot, 'CNY', 1, 'o-' || order_id, ot, 'bench', ot
FROM ord;
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier,
                         sku, quantity, unit, unit_price, currency, requested_time,
                         event_id, event_time)
SELECT buyer, order_id, 1, ot, buyer, supplier, sku, 100 + id % 50, 'PCS', 10, 'CNY',
       ot + make_interval(days => lead), 'o-' || order_id, ot
FROM ord;
-- Deliveries land `lead + late` days after the order (before as-of).
DELETE FROM ord WHERE ot + make_interval(days => lead + late) >= '2026-11-30';
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at,
                       delivered_at, n_lines, event_id, event_time, source, updated_at)
SELECT supplier, 'ASN-' || order_id, supplier, buyer, order_id,
       ot + make_interval(days => lead + late - 2),
       ot + make_interval(days => lead + late), 1, 's-' || order_id, ot, 'bench',
       ot + make_interval(days => lead + late)
FROM ord;
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier,
                            buyer, order_id, order_line_no, sku, quantity, unit,
                            event_id, event_time)
SELECT supplier, 'ASN-' || order_id, 1, ot + make_interval(days => lead + late - 2),
       supplier, buyer, order_id, 1, sku,
       CASE WHEN id % 10 = 0 THEN 80 ELSE 100 END + id % 50, 'PCS',
       's-' || order_id, ot
FROM ord;

-- Daily production of every prod_every-th enterprise; 1 in 20 of them
-- drops to 40 % in the last week.
INSERT INTO production (tenant_id, enterprise, sku, day, output, capacity, unit,
                        event_id, event_time)
SELECT e.uscc, e.uscc, 'P' || e.chain || '.' || (e.tier + 1) || '-' || (e.i % 7), d::date,
       round(((700 + (e.i % 7) * 150) * (0.9 + 0.1 * sin(extract(doy FROM d) / 9.0))
         * CASE WHEN (e.i / :prod_every) % 20 = 7 AND d >= '2026-11-23' THEN 0.4
           ELSE 1 END)::numeric, 1),
       1000 + (e.i % 7) * 250, 'PCS', 'p-' || e.i || '-' || d::date, d
FROM ent e,
     generate_series(timestamp '2025-11-30', timestamp '2026-11-29', interval '1 day') AS d
WHERE e.i % :prod_every = 0;

-- Monthly sales of `series` final-tier enterprises, 2024-05 .. 2026-10.
INSERT INTO sales (tenant_id, enterprise, sku, period_start, period_end, quantity,
                   unit, currency, channel, event_id, event_time)
SELECT e.uscc, e.uscc, 'F-' || (e.i % 3), m::date,
       (m + interval '1 month - 1 day')::date,
       round((200 + e.i % 100 + 2 * g + 50 * sin(2 * pi() * g / 12)
              + 6 * sin(g * 7.3 + e.i))::numeric, 1),
       'PCS', 'CNY', 'dealer', 'a-' || e.i || '-' || m::date, m
FROM (SELECT * FROM ent WHERE tier = 4 ORDER BY i LIMIT :series) e,
     generate_series(timestamp '2024-05-01', timestamp '2026-10-01',
                     interval '1 month') WITH ORDINALITY AS t(m, g);
INSERT INTO inventory (tenant_id, enterprise, site, sku, as_of, on_hand, unit,
                       event_id, event_time)
SELECT e.uscc, e.uscc, 'WH-1', 'F-' || (e.i % 3), '2026-11-20', 150 + e.i % 90, 'PCS',
       'i-' || e.i, '2026-11-20'
FROM (SELECT * FROM ent WHERE tier = 4 ORDER BY i LIMIT :series) e;

-- Risk events: floods over districts, fires and power cuts at points.
INSERT INTO risk_events (tenant_id, risk_id, kind, severity, regions, lat, lon,
                         radius_km, starts_at, expected_end, event_id, event_time,
                         updated_at)
SELECT (SELECT uscc FROM ent WHERE i = 0), 'RISK-' || k,
       (ARRAY['flood', 'fire', 'power_cut'])[1 + k % 3], 1 + k % 5,
       CASE WHEN k % 3 = 0 THEN ARRAY['33' || lpad((k % 11 + 1)::text, 2, '0') || '0' || (k % 9 + 1)] END,
       CASE WHEN k % 3 <> 0 THEN 28 + k * 0.2 END,
       CASE WHEN k % 3 <> 0 THEN 119 + k * 0.3 END,
       CASE WHEN k % 3 <> 0 THEN 15 + k END,
       timestamptz '2026-11-20' + make_interval(days => k),
       timestamptz '2026-11-28' + make_interval(days => 3 * k), 'r-' || k, '2026-11-20',
       '2026-11-20'
FROM generate_series(0, 11) AS k;

-- The ledger says everything so far was ingested a while ago (and every
-- updated_at above is older still).
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition,
                             kafka_offset, ingested_at)
VALUES ((SELECT uscc FROM ent WHERE i = 0), 'bench-seed', 'cs.enterprise.v1',
        'cs.enterprises', 0, 0, now() - interval '1 hour');
ANALYZE;
