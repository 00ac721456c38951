-- 0022_analyst_data_clock.sql - the analyst's data clock
-- (CS_ANALYST_CLOCK=data, docs/analyst.md "Time"): the newest event time
-- of the orders and shipments stored, found with two index probes. Both
-- are header tables (one row per order or shipment, not per line).
CREATE INDEX orders_event_time_idx ON orders (event_time);
CREATE INDEX shipments_event_time_idx ON shipments (event_time);
