-- 0011_ingest_unused_indexes.sql - two indexes that no query reads, and
-- that every ingested shipment paid for (one entry per shipment, one per
-- shipment line). Checked against every statement of services/api,
-- services/analyst and sql/migrations on 2026-11-30:
-- - shipments_shipment_id_idx (shipment_id): shipments are looked up by
--   (tenant_id, shipment_id), the primary key, or by supplier, buyer or
--   order; never by shipment_id alone.
-- - shipment_lines_batch_idx (supplier, batch): no query filters on a
--   line's batch; identifier resolution reads shipment_lines_identifier_idx.
-- A later query that needs one creates it again in its own migration.
DROP INDEX shipments_shipment_id_idx;
DROP INDEX shipment_lines_batch_idx;
