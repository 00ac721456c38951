-- 0052_analyst_alternatives_bulk.sql - the foreign keys of
-- alternative_suppliers (0006) checked each of the 200,000 rows a full
-- cycle writes at 10^5 enterprises (two index probes by a trigger per
-- row: 21.5 s of COPY under load, docs/analyst.md "Cost, measured"),
-- although every row of that COPY carries the same two values: the
-- cycle that writes them, inserted in the same transaction, and its
-- model version, which analyst_cycles already references. Nothing
-- deletes cycles. So the keys go; cs-analyst writes the rows in the
-- transaction of their cycle, and the cycle row (with its own checked
-- model version) is there whenever they are visible.
ALTER TABLE alternative_suppliers
    DROP CONSTRAINT alternative_suppliers_cycle_id_fkey,
    DROP CONSTRAINT alternative_suppliers_model_version_fkey;
