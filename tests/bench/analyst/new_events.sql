-- new_events.sql - 10,000 new events for the analyst benchmark's
-- incremental cycle (psql variables: k = events / 2, tag = a word that
-- makes the ids of this batch unique):
-- k links get one more order and its delivery (2 events each), dated
-- the day before as-of, and the ledger records 2 k events ingested now.
\set ON_ERROR_STOP on
CREATE TEMP TABLE nl AS
SELECT supplier, buyer, sku, row_number() OVER () AS r
FROM (SELECT supplier, buyer, sku FROM supply_links
      ORDER BY md5(supplier || buyer || sku || :'tag') LIMIT :k) x;
INSERT INTO orders (tenant_id, order_id, buyer, supplier, order_time, currency,
                    n_lines, event_id, event_time, source)
SELECT buyer, 'PO-' || :'tag' || '-' || r, buyer, supplier, '2026-11-10', 'CNY', 1,
       'o-' || :'tag' || '-' || r, '2026-11-10', 'bench' FROM nl;
INSERT INTO order_lines (tenant_id, order_id, line_no, order_time, buyer, supplier,
                         sku, quantity, unit, unit_price, currency, requested_time,
                         event_id, event_time)
SELECT buyer, 'PO-' || :'tag' || '-' || r, 1, '2026-11-10', buyer, supplier, sku, 100, 'PCS', 10,
       'CNY', '2026-11-24', 'o-' || :'tag' || '-' || r, '2026-11-10' FROM nl;
INSERT INTO shipments (tenant_id, shipment_id, supplier, buyer, order_id, shipped_at,
                       delivered_at, n_lines, event_id, event_time, source)
SELECT supplier, 'ASN-' || :'tag' || '-' || r, supplier, buyer, 'PO-' || :'tag' || '-' || r, '2026-11-27',
       '2026-11-29', 1, 's-' || :'tag' || '-' || r, '2026-11-27', 'bench' FROM nl;
INSERT INTO shipment_lines (tenant_id, shipment_id, line_no, shipped_at, supplier,
                            buyer, order_id, order_line_no, sku, quantity, unit,
                            event_id, event_time)
SELECT supplier, 'ASN-' || :'tag' || '-' || r, 1, '2026-11-27', supplier, buyer, 'PO-' || :'tag' || '-' || r, 1,
       sku, 100, 'PCS', 's-' || :'tag' || '-' || r, '2026-11-27' FROM nl;
INSERT INTO ingested_events (tenant_id, event_id, event_type, topic, kafka_partition,
                             kafka_offset)
SELECT buyer, 'o-' || :'tag' || '-' || r, 'cs.order.v1', 'cs.orders', 0, r FROM nl
UNION ALL
SELECT supplier, 's-' || :'tag' || '-' || r, 'cs.shipment.v1', 'cs.shipments', 0, r FROM nl;
