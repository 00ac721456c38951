-- 0061_analyst_rollup_delta.sql - the analyst's daily roll-ups (0023) are
-- kept by adding what new facts contribute, not by recomputing every key
-- they touch (docs/analyst.md, "Daily roll-ups"). A fact must then be
-- added exactly once, although the cycles look at an overlap of two
-- minutes of updated_at (for transactions that committed late): a fact
-- is new to a cycle when the snapshot that last brought the roll-ups up
-- to date did not see it. analyst_roll_state keeps that snapshot (snap)
-- and the cycle that took it (snap_cycle): only when snap_cycle is the
-- cycle that brought them up to date (cycle_id) was every fact the
-- snapshot saw rolled up; else (a cycle of an older cs-analyst since)
-- the next cycle recomputes the touched keys as before. UNLOGGED with
-- the table (0057): a crash empties both.
ALTER TABLE analyst_roll_state ADD COLUMN snap pg_snapshot,
    ADD COLUMN snap_cycle bigint;

-- The 64-bit id (epoch and xid) of a row version's xmin, for
-- pg_visible_in_snapshot: the epoch of the current snapshot's xmax, one
-- less when that would put the xid after it. Row versions recent enough
-- to be asked about (updated within minutes) are never more than 2^31
-- transactions old; an xid that would fall before the first epoch is
-- taken as 0 (visible to every snapshot).
CREATE FUNCTION cs_xid8(x xid) RETURNS xid8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT (CASE
    WHEN (pg_snapshot_xmax(pg_current_snapshot())::text::bigint
          & ~4294967295::bigint) | x::text::bigint
         <= pg_snapshot_xmax(pg_current_snapshot())::text::bigint
    THEN (pg_snapshot_xmax(pg_current_snapshot())::text::bigint
          & ~4294967295::bigint) | x::text::bigint
    WHEN pg_snapshot_xmax(pg_current_snapshot())::text::bigint
         >= 4294967296
    THEN ((pg_snapshot_xmax(pg_current_snapshot())::text::bigint
           & ~4294967295::bigint) | x::text::bigint) - 4294967296
    ELSE 0 END)::text::xid8
$$;

-- A line updated in place (the ingest replaces lines; other writers may
-- update them) is a revision like a deleted one: its old keys are
-- logged, so that the next cycle recomputes them instead of adding the
-- new version to what the old one added.
CREATE TRIGGER order_lines_roll_dirty_update AFTER UPDATE ON order_lines
FOR EACH ROW EXECUTE FUNCTION cs_analyst_roll_dirty_line('ordered');
CREATE TRIGGER shipment_lines_roll_dirty_update AFTER UPDATE ON shipment_lines
FOR EACH ROW EXECUTE FUNCTION cs_analyst_roll_dirty_line('shipped');
