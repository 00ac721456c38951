-- 0031_demand_plans.sql - the family cs.demand_plan.v1 of docs/events.md
-- (X12 830 planning schedule, EDIFACT DELFOR later): what a buyer plans
-- to need of a supplier's item per period, forecast or firm, the input of
-- the supplier's own production planning. One row per buyer, supplier,
-- item and period; the newest event wins (a new schedule replaces the
-- quantities of the periods it states). Partitioned by month of the
-- period start like the other facts.
CREATE TABLE demand_plans (
    tenant_id     text NOT NULL REFERENCES tenants,
    buyer         uscc NOT NULL,
    supplier      uscc NOT NULL CHECK (supplier <> buyer),
    sku           text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end >= period_start),
    quantity      numeric NOT NULL CHECK (quantity >= 0),
    unit          text NOT NULL,
    firm          boolean NOT NULL,
    forecast_code text,
    schedule_type text,
    schedule_ref  text,
    issued_date   date,
    event_id      text NOT NULL,
    event_time    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, buyer, supplier, sku, period_start, period_end)
) PARTITION BY RANGE (period_start);
CREATE INDEX demand_plans_supplier_idx ON demand_plans (supplier,
                                                        period_start);
CREATE INDEX demand_plans_buyer_idx ON demand_plans (buyer, period_start);

SELECT cs_create_month_partitions('demand_plans', date '2020-01-01', 144);
CREATE TABLE demand_plans_default PARTITION OF demand_plans DEFAULT;

-- What cs_api may do (0003_security.sql): read, rows scoped like orders:
-- admin, and the buyer or the supplier. Bureaus never see them.
GRANT SELECT ON demand_plans TO cs_api;
ALTER TABLE demand_plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY demand_plans_read ON demand_plans FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
