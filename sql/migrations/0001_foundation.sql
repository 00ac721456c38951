-- 0001_foundation.sql - tenants, enterprises, orders and their lines, and
-- the event-id ledger that makes at-least-once delivery exactly-once in
-- effect. Applied in one transaction by `cs-admin migrate`.

-- Unified social credit code (GB 32100-2015): 18 characters from the
-- code's alphabet; the check character is verified by the services.
CREATE DOMAIN uscc AS text
    CHECK (VALUE ~ '^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$');

-- GB/T 2260 administrative division code.
CREATE DOMAIN region_code AS text CHECK (VALUE ~ '^[1-8][0-9]{5}$');

-- GB/T 4754-2017 industry code: section letter, then 0, 2, 3 or 4 digits.
CREATE DOMAIN industry_code AS text
    CHECK (VALUE ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$');

-- A tenant owns the records it pushed (data ownership). Its id is the
-- CloudEvents "tenantid" extension, usually the owning enterprise's
-- credit code.
CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    name        text,
    enterprise  uscc,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enterprises (
    uscc          uscc PRIMARY KEY,
    name          text NOT NULL,
    region_code   region_code NOT NULL,
    industry_code industry_code NOT NULL,
    lat           double precision CHECK (lat BETWEEN -90 AND 90),
    lon           double precision CHECK (lon BETWEEN -180 AND 180),
    capacity      numeric CHECK (capacity >= 0),
    tenant_id     text REFERENCES tenants,
    event_time    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enterprises_region_idx ON enterprises (region_code);
CREATE INDEX enterprises_industry_idx ON enterprises (industry_code);

-- Every event id ingested, per tenant: a replayed event is recognised here
-- and skipped. Kafka coordinates are kept for tracing.
CREATE TABLE ingested_events (
    tenant_id    text NOT NULL REFERENCES tenants,
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    topic        text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    ingested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);

-- One row per purchase order: the header, and the index that finds an
-- order's lines without scanning every partition.
CREATE TABLE orders (
    tenant_id   text NOT NULL REFERENCES tenants,
    order_id    text NOT NULL,
    buyer       uscc NOT NULL,
    supplier    uscc NOT NULL,
    order_time  timestamptz NOT NULL,
    currency    char(3) NOT NULL,
    n_lines     integer NOT NULL CHECK (n_lines > 0),
    event_id    text NOT NULL,
    event_time  timestamptz NOT NULL,
    source      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, order_id)
);
CREATE INDEX orders_order_id_idx ON orders (order_id);
CREATE INDEX orders_buyer_idx ON orders (buyer, order_time);
CREATE INDEX orders_supplier_idx ON orders (supplier, order_time);

-- Order lines, partitioned by month of the order time (native declarative
-- partitioning); the primary key includes the partition key, as
-- PostgreSQL requires.
CREATE TABLE order_lines (
    tenant_id      text NOT NULL,
    order_id       text NOT NULL,
    line_no        integer NOT NULL CHECK (line_no > 0),
    order_time     timestamptz NOT NULL,
    buyer          uscc NOT NULL,
    supplier       uscc NOT NULL,
    sku            text NOT NULL,
    quantity       numeric NOT NULL CHECK (quantity >= 0),
    unit           text NOT NULL,
    unit_price     numeric CHECK (unit_price >= 0),
    currency       char(3) NOT NULL,
    requested_time timestamptz,
    event_id       text NOT NULL,
    event_time     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, order_id, line_no, order_time)
) PARTITION BY RANGE (order_time);
CREATE INDEX order_lines_supplier_idx ON order_lines (supplier, order_time);
CREATE INDEX order_lines_buyer_idx ON order_lines (buyer, order_time);

-- Creates the monthly partitions of a table from month `first` for
-- `n_months` months, skipping those that exist. Later migrations and
-- operations call it to extend the range.
CREATE FUNCTION cs_create_month_partitions(parent regclass, first date,
                                           n_months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first)::date;
    made integer := 0;
    part text;
BEGIN
    FOR i IN 1..n_months LOOP
        part := format('%s_%s', parent::text, to_char(m, 'YYYYMM'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                part, parent::text, m, (m + interval '1 month')::date);
            made := made + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN made;
END $$;

SELECT cs_create_month_partitions('order_lines', date '2020-01-01', 144);
-- Anything outside 2020-2031 still lands, in the default partition.
CREATE TABLE order_lines_default PARTITION OF order_lines DEFAULT;
