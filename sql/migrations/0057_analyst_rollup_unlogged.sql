-- 0057_analyst_rollup_unlogged.sql - the analyst's daily roll-ups (0023)
-- are derived data: cs-analyst builds them from the facts when they are
-- empty and keeps them up to date in each cycle (docs/analyst.md, "Daily
-- roll-ups"). Writing them to the WAL bought nothing but time: a first
-- cycle at 10^5 enterprises spent 61 s building them, much of it writing
-- WAL and checkpointing (docs/analyst.md, "Cost, measured").
--
-- UNLOGGED tables are emptied by crash recovery (and are empty on a
-- promoted standby). analyst_roll_state, which says what they hold and
-- which cycle brought them up to date, becomes UNLOGGED with them, so
-- after a crash it is empty too and cannot claim roll-ups that are gone:
-- the next cycle finds no state row, puts the empty one back and builds
-- them (rollup.c); until then the indicators read the raw facts (their
-- statement asks whether a state row names its cycle).
ALTER TABLE analyst_roll_deliveries SET UNLOGGED;
ALTER TABLE analyst_roll_fill SET UNLOGGED;
ALTER TABLE analyst_roll_customers SET UNLOGGED;
ALTER TABLE analyst_roll_state SET UNLOGGED;
