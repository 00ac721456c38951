-- 0054_analyst_stale_covering.sql - an incremental analyst cycle reads
-- each stale enterprise's rows by index (indicators_stale,
-- docs/analyst.md "Indicators"): its production of the window and its
-- supply links as buyer. Both tables are written in time order, not by
-- enterprise, so an enterprise's 90 days of production lie in 90 heap
-- blocks and its links in a dozen: at 10^5 enterprises, 4,860 stale
-- ones read 45,000 blocks, most of them outside shared buffers (0.94 ms
-- an enterprise for production alone, EXPLAIN (ANALYZE, BUFFERS)). The
-- same indexes, covering the columns the indicators read, answer from
-- their leaf pages (index-only scans: 0.15 ms). They replace the plain
-- ones (same keys, same names), so ingest keeps one index each.

DROP INDEX production_enterprise_idx;
CREATE INDEX production_enterprise_idx ON production (enterprise, day)
    INCLUDE (output, capacity);

DROP INDEX supply_links_buyer_idx;
CREATE INDEX supply_links_buyer_idx ON supply_links (buyer, sku)
    INCLUDE (supplier, share, active);
