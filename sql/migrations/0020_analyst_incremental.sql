-- 0020_analyst_incremental.sql - what lets an incremental analyst cycle
-- find its work without scans (docs/analyst.md, "A cycle"): the previous
-- cycle's indicators by cycle, and what was stored or revised since the
-- watermark. BRIN: the updated_at of appended and upserted rows follows
-- their place in the heap, and a BRIN index costs ingest next to nothing.

CREATE INDEX enterprise_indicators_cycle_idx ON enterprise_indicators (cycle_id);
CREATE INDEX orders_updated_brin ON orders USING brin (updated_at);
CREATE INDEX shipments_updated_brin ON shipments USING brin (updated_at);
CREATE INDEX supply_links_updated_brin ON supply_links USING brin (updated_at);
CREATE INDEX enterprises_updated_brin ON enterprises USING brin (updated_at);
