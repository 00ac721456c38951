-- province.sql - a generated province for the analyst benchmark
-- (tests/bench/analyst/run), written straight into the tables with
-- INSERT ... SELECT (no Kafka: the analyst only reads tables).
-- psql variables: n (enterprises), opl (orders per link and year),
-- prod_every (every prod_every-th enterprise reports daily production),
-- series (sales series). As of 2026-11-30; facts cover the year before.
--
-- Shape: enterprises in Zhejiang (11 cities x 10 districts), 5 tiers
-- (i % 5); each buyer of tier t >= 1 buys 6 items from two suppliers
-- of tier t - 1 each, and every other buyer a 7th from one supplier
-- (single-sourced): 12 or 13 links a buyer, 10 n links in all;
-- every link gets `opl` one-line orders a year, each shipped and
-- delivered (1 in 8 suppliers late); `series` final-tier enterprises
-- have 30 months of sales and an inventory snapshot; 12 risk events.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';

CREATE TEMP TABLE ent AS
SELECT i, '91' || '33' || lpad((i % 11 + 1)::text, 2, '0')
          || lpad(((i / 11) % 10 + 1)::text, 2, '0') || 'BN'
          || lpad(i::text, 8, '0') AS uscc,
       '33' || lpad((i % 11 + 1)::text, 2, '0')
            || lpad(((i / 11) % 10 + 1)::text, 2, '0') AS region,
       'C' || (13 + (i / 5) % 31)::text || lpad((1 + (i / 155) % 6)::text, 2, '0')
           AS industry,
       i % 5 AS tier
FROM generate_series(0, :n - 1) AS i;

INSERT INTO tenants (tenant_id, enterprise) SELECT uscc, uscc FROM ent;
INSERT INTO enterprises (uscc, name, region_code, industry_code, lat, lon,
                         capacity, tenant_id, event_time, updated_at)
SELECT uscc, 'Enterprise ' || i, region, industry,
       27.2 + 3.6 * ((i::bigint * 7919) % 1000) / 1000.0,
       118.1 + 4.6 * ((i::bigint * 104729) % 1000) / 1000.0,
       1000 + (i % 7) * 250, uscc, '2025-11-01', '2025-11-01'
FROM ent;

-- Links: buyer b (tier >= 1), link k: supplier from tier t - 1 chosen by
-- a hash, item k % 6 (two suppliers each), link 12 item 6 (one).
CREATE TEMP TABLE lnk AS
SELECT DISTINCT ON (s.uscc, b.uscc, 'P' || b.tier || '-' || CASE WHEN k < 12 THEN k % 6 ELSE 6 END)
       s.uscc AS supplier, b.uscc AS buyer, 'P' || b.tier || '-' || CASE WHEN k < 12 THEN k % 6 ELSE 6 END AS sku,
       s.i AS si, b.i AS bi, k
FROM ent b
CROSS JOIN LATERAL generate_series(0, 11 + b.i % 2) AS k
JOIN ent s ON s.i = ((((b.i::bigint * 2654435761 + k * 40503) % (:n / 5)) * 5
                      + b.tier - 1))::int
WHERE b.tier >= 1;
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
SELECT e.uscc, e.uscc, 'P' || (e.tier + 1) || '-' || (e.i % 8), d::date,
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
