-- 0002_families.sql - every event family of docs/events.md: master data
-- (upserts, newest event time wins) and time-partitioned facts.

ALTER TABLE enterprises ADD COLUMN capacity_unit text;
ALTER TABLE enterprises ADD COLUMN event_id text;

CREATE TABLE products (
    tenant_id   text NOT NULL REFERENCES tenants,
    sku         text NOT NULL,
    name        text NOT NULL,
    category    text,
    unit        text NOT NULL,
    identifier  text,
    event_id    text NOT NULL,
    event_time  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sku)
);
CREATE INDEX products_identifier_idx ON products (identifier)
    WHERE identifier IS NOT NULL;

-- supplier -> buyer for one of the buyer's items; facts may name
-- enterprises before their master data arrives, so no foreign keys.
CREATE TABLE supply_links (
    supplier       uscc NOT NULL,
    buyer          uscc NOT NULL CHECK (buyer <> supplier),
    sku            text NOT NULL,
    share          numeric NOT NULL CHECK (share BETWEEN 0 AND 1),
    lead_time_days integer NOT NULL CHECK (lead_time_days BETWEEN 0 AND 3650),
    active         boolean NOT NULL DEFAULT true,
    tenant_id      text NOT NULL REFERENCES tenants,
    event_id       text NOT NULL,
    event_time     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier, buyer, sku)
);
CREATE INDEX supply_links_buyer_idx ON supply_links (buyer, sku);

CREATE TABLE shipments (
    tenant_id    text NOT NULL REFERENCES tenants,
    shipment_id  text NOT NULL,
    supplier     uscc NOT NULL,
    buyer        uscc NOT NULL,
    order_id     text,
    shipped_at   timestamptz NOT NULL,
    delivered_at timestamptz CHECK (delivered_at >= shipped_at),
    n_lines      integer NOT NULL CHECK (n_lines > 0),
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    source       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, shipment_id)
);
CREATE INDEX shipments_shipment_id_idx ON shipments (shipment_id);
CREATE INDEX shipments_supplier_idx ON shipments (supplier, shipped_at);
CREATE INDEX shipments_buyer_idx ON shipments (buyer, shipped_at);
CREATE INDEX shipments_order_idx ON shipments (buyer, order_id);

CREATE TABLE shipment_lines (
    tenant_id     text NOT NULL,
    shipment_id   text NOT NULL,
    line_no       integer NOT NULL CHECK (line_no > 0),
    shipped_at    timestamptz NOT NULL,
    supplier      uscc NOT NULL,
    buyer         uscc NOT NULL,
    order_id      text,
    order_line_no integer,
    sku           text NOT NULL,
    quantity      numeric NOT NULL CHECK (quantity >= 0),
    unit          text NOT NULL,
    batch         text,
    lot           text,
    identifier    text,
    event_id      text NOT NULL,
    event_time    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, shipment_id, line_no, shipped_at)
) PARTITION BY RANGE (shipped_at);
CREATE INDEX shipment_lines_supplier_idx ON shipment_lines (supplier, shipped_at);
CREATE INDEX shipment_lines_buyer_idx ON shipment_lines (buyer, shipped_at);
-- identifier resolution: which batch, made by whom, shipped where
CREATE INDEX shipment_lines_identifier_idx ON shipment_lines (identifier)
    WHERE identifier IS NOT NULL;
CREATE INDEX shipment_lines_batch_idx ON shipment_lines (supplier, batch)
    WHERE batch IS NOT NULL;

CREATE TABLE production (
    tenant_id  text NOT NULL,
    enterprise uscc NOT NULL,
    site       text NOT NULL DEFAULT '',
    sku        text NOT NULL,
    day        date NOT NULL,
    output     numeric NOT NULL CHECK (output >= 0),
    capacity   numeric CHECK (capacity >= 0),
    unit       text NOT NULL,
    event_id   text NOT NULL,
    event_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enterprise, site, sku, day)
) PARTITION BY RANGE (day);
CREATE INDEX production_enterprise_idx ON production (enterprise, day);

CREATE TABLE sales (
    tenant_id    text NOT NULL,
    enterprise   uscc NOT NULL,
    sku          text NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL CHECK (period_end >= period_start),
    quantity     numeric NOT NULL CHECK (quantity >= 0),
    unit         text NOT NULL,
    revenue      numeric CHECK (revenue >= 0),
    currency     char(3) NOT NULL,
    channel      text NOT NULL,
    region_code  region_code,
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enterprise, sku, period_start, period_end, channel)
) PARTITION BY RANGE (period_start);
CREATE INDEX sales_enterprise_idx ON sales (enterprise, period_start);
CREATE INDEX sales_region_idx ON sales (region_code, period_start);

CREATE TABLE inventory (
    tenant_id  text NOT NULL,
    enterprise uscc NOT NULL,
    site       text NOT NULL DEFAULT '',
    sku        text NOT NULL,
    as_of      timestamptz NOT NULL,
    on_hand    numeric NOT NULL CHECK (on_hand >= 0),
    on_order   numeric CHECK (on_order >= 0),
    unit       text NOT NULL,
    event_id   text NOT NULL,
    event_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enterprise, site, sku, as_of)
) PARTITION BY RANGE (as_of);
CREATE INDEX inventory_enterprise_idx ON inventory (enterprise, sku, as_of);

CREATE TABLE risk_events (
    tenant_id    text NOT NULL REFERENCES tenants,
    risk_id      text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('flood', 'fire', 'power_cut',
                     'logistics', 'sanction', 'financial', 'quality', 'labour')),
    severity     smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    regions      text[],
    lat          double precision CHECK (lat BETWEEN -90 AND 90),
    lon          double precision CHECK (lon BETWEEN -180 AND 180),
    radius_km    double precision CHECK (radius_km > 0),
    starts_at    timestamptz NOT NULL,
    expected_end timestamptz CHECK (expected_end >= starts_at),
    description  text,
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, risk_id),
    CHECK (regions IS NOT NULL OR (lat IS NOT NULL AND lon IS NOT NULL
                                   AND radius_km IS NOT NULL))
);
CREATE INDEX risk_events_time_idx ON risk_events (starts_at, expected_end);
CREATE INDEX risk_events_regions_idx ON risk_events USING gin (regions);

SELECT cs_create_month_partitions(t, date '2020-01-01', 144)
FROM unnest(ARRAY['shipment_lines', 'production', 'sales', 'inventory']::regclass[]) AS t;
CREATE TABLE shipment_lines_default PARTITION OF shipment_lines DEFAULT;
CREATE TABLE production_default PARTITION OF production DEFAULT;
CREATE TABLE sales_default PARTITION OF sales DEFAULT;
CREATE TABLE inventory_default PARTITION OF inventory DEFAULT;
