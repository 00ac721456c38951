-- For tests/bench/ingest/run with CS_BENCH_SECONDARY_INDEXES=0 only, never
-- a migration: drops every index that backs no constraint and is not
-- unique, i.e. everything the API, the policies and the analyst read
-- through, keeping the keys that dedupe and revisions need. What is left
-- is the database's cost of the rows themselves; the figure answers "what
-- would giving up every read's index buy?"
CREATE TEMP VIEW secondary_index AS
SELECT ns.nspname, ci.relname,
       -- a partition's index goes with its parent's
       EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) AS of_partition
  FROM pg_index i
  JOIN pg_class ci ON ci.oid = i.indexrelid
  JOIN pg_namespace ns ON ns.oid = ci.relnamespace
 WHERE NOT i.indisunique
   AND ns.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN SELECT nspname, relname FROM secondary_index WHERE NOT of_partition LOOP
        EXECUTE format('DROP INDEX %I.%I', r.nspname, r.relname);
        n := n + 1;
    END LOOP;
    RAISE NOTICE 'secondary indexes dropped: %', n;
END $$;
-- what is left of them, partitions' included (the bench checks for 0)
SELECT count(*) FROM secondary_index;
