-- 0063_ingest_ledger_brin.sql - the ledger's ingested_at indexed by block
-- range (BRIN) instead of a btree (docs/ingest-performance.md, "Fifth
-- round").
--
-- The ledger (ingested_events) gets one row per event and is never
-- updated or deleted from; ingested_at defaults to the writing
-- transaction's start, so the rows lie on disk nearly in ingested_at
-- order and a block range's minimum and maximum say where the new ones
-- are. The btree of 0004 cost about a tenth of the ledger's COPY (one
-- entry per event); a BRIN entry covers 32 pages (some 2,000 events) and
-- an insert into the unsummarised tail touches nothing.
--
-- Its readers are the analyst's "what is new since the watermark"
-- questions (ingested_at > watermark - 2 minutes, with an event type or
-- tenants): a bitmap scan of the ranges that can hold such rows plus the
-- unsummarised tail. autosummarize asks autovacuum to summarise a range
-- once the inserts have moved past it, so the tail stays short. The
-- analyst's newest-event question (max(ingested_at)), which a BRIN index
-- cannot answer alone, now asks only above the watermark (analyst_sql.c,
-- "state"): the same answer whenever anything is newer, none (as before:
-- nothing new) otherwise.
DROP INDEX ingested_events_at_idx;
CREATE INDEX ingested_events_at_brin ON ingested_events
    USING brin (ingested_at) WITH (pages_per_range = 32, autosummarize = on);
