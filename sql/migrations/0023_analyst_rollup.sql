-- 0023_analyst_rollup.sql - daily roll-ups of the fact tables for the
-- analyst's indicators (docs/analyst.md, "Indicators"): per supplier and
-- UTC day, what the on-time, lead-time, fill-rate and customer
-- concentration indicators sum, so a cycle reads at most one row per
-- supplier and day of its window instead of joining raw lines. The
-- analyst keeps them (services/analyst/rollup.c): each cycle recomputes
-- the rows that facts stored or revised since its watermark touch, and
-- builds them all when they are empty or do not reach back far enough.

-- Delivered lines by the UTC day of their shipment's delivered_at: lines
-- of the shipment (shipped at most 150 days before that day) matched to
-- their order line (buyer, supplier, order id and line number, or sku
-- when the line number is missing; ordered at most 455 days before).
CREATE TABLE analyst_roll_deliveries (
    supplier    uscc NOT NULL,
    day         date NOT NULL,
    n_lines     integer NOT NULL,  -- matched delivered lines
    n_requested integer NOT NULL,  -- of them with a requested time
    n_on_time   integer NOT NULL,  -- delivered_at <= requested_time
    lead_s      numeric NOT NULL,  -- sum of delivered_at - order_time, seconds
    lead_s2     numeric NOT NULL,  -- sum of its squares
    PRIMARY KEY (supplier, day)
);

-- Order lines by the UTC day they are requested for and the day they
-- were ordered (requested at most 365 days after): ordered quantity,
-- and the quantity of the shipment lines that deliver them (matched by
-- order line number, shipped no earlier than 150 days before the order
-- day).
CREATE TABLE analyst_roll_fill (
    supplier  uscc NOT NULL,
    order_day date NOT NULL,
    day       date NOT NULL,
    ordered   numeric NOT NULL,
    shipped   numeric NOT NULL,
    PRIMARY KEY (supplier, order_day, day)
);

-- Shipped quantity by supplier, UTC day of shipped_at and buyer.
CREATE TABLE analyst_roll_customers (
    supplier uscc NOT NULL,
    day      date NOT NULL,
    buyer    uscc NOT NULL,
    quantity numeric NOT NULL,
    PRIMARY KEY (supplier, day, buyer)
);

-- What the roll-ups cover: every day from from_day on (NULL: not built);
-- cycle_id: the cycle that last brought them up to date (its indicators
-- read them; any other transaction, e.g. a backtest, reads raw facts).
CREATE TABLE analyst_roll_state (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    from_day  date,
    built_at  timestamptz,
    cycle_id  bigint
);
INSERT INTO analyst_roll_state DEFAULT VALUES;

-- The old keys of revised or deleted facts: a revision replaces an
-- order's or a shipment's lines and updates its header in place, so the
-- day it was rolled up under is gone once the new version is stored.
-- Written by the triggers below (only on UPDATE and DELETE: new facts
-- are found by their header's updated_at), read and emptied by the next
-- cycle.
CREATE TABLE analyst_roll_dirty (
    supplier      uscc NOT NULL,
    buyer         uscc,
    order_id      text,
    delivered_day date,
    shipped_day   date,
    order_day     date,
    logged_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION cs_analyst_roll_dirty_shipment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analyst_roll_dirty (supplier, buyer, order_id, delivered_day,
                                    shipped_day)
    VALUES (OLD.supplier, OLD.buyer, OLD.order_id,
            (OLD.delivered_at AT TIME ZONE 'UTC')::date,
            (OLD.shipped_at AT TIME ZONE 'UTC')::date);
    RETURN NULL;
END $$;
CREATE TRIGGER shipments_roll_dirty AFTER UPDATE ON shipments FOR EACH ROW
WHEN (OLD.supplier IS DISTINCT FROM NEW.supplier
      OR OLD.buyer IS DISTINCT FROM NEW.buyer
      OR OLD.order_id IS DISTINCT FROM NEW.order_id
      OR OLD.shipped_at IS DISTINCT FROM NEW.shipped_at
      OR OLD.delivered_at IS DISTINCT FROM NEW.delivered_at)
EXECUTE FUNCTION cs_analyst_roll_dirty_shipment();
CREATE TRIGGER shipments_roll_dirty_delete AFTER DELETE ON shipments
FOR EACH ROW EXECUTE FUNCTION cs_analyst_roll_dirty_shipment();

-- The old lines of a revised order or shipment: their order (whose fill
-- rows and deliveries they counted in) and the day they were shipped or
-- ordered (TG_ARGV[0]: 'shipped' or 'ordered').
CREATE FUNCTION cs_analyst_roll_dirty_line() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'shipped' THEN
        INSERT INTO analyst_roll_dirty (supplier, buyer, order_id, shipped_day)
        VALUES (OLD.supplier, OLD.buyer, OLD.order_id,
                (OLD.shipped_at AT TIME ZONE 'UTC')::date);
    ELSE
        INSERT INTO analyst_roll_dirty (supplier, buyer, order_id, order_day)
        VALUES (OLD.supplier, OLD.buyer, OLD.order_id,
                (OLD.order_time AT TIME ZONE 'UTC')::date);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_lines_roll_dirty AFTER DELETE ON shipment_lines
FOR EACH ROW EXECUTE FUNCTION cs_analyst_roll_dirty_line('shipped');
CREATE TRIGGER order_lines_roll_dirty AFTER DELETE ON order_lines
FOR EACH ROW EXECUTE FUNCTION cs_analyst_roll_dirty_line('ordered');
