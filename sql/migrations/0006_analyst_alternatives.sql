-- 0006_analyst_alternatives.sql - alternative suppliers (补链): for each
-- buyer and item that is single-sourced or whose supplier is at or above
-- the alert level, cs-analyst ranks other enterprises that could supply
-- it, with the reason for each rank. One set per cycle; the newest cycle
-- is current. docs/analyst.md gives the ranking.

CREATE TABLE alternative_suppliers (
    cycle_id         bigint NOT NULL REFERENCES analyst_cycles,
    buyer            uscc NOT NULL,
    sku              text NOT NULL,
    current_supplier uscc NOT NULL,
    candidate        uscc NOT NULL,
    rank             integer NOT NULL CHECK (rank > 0),
    score            double precision NOT NULL,   -- 0-1, higher is better
    why              text NOT NULL,                -- 'single_source' | 'supplier_at_risk'
    reason           text NOT NULL,                -- one sentence
    spare_share      double precision,             -- spare / capacity
    risk_score       double precision,
    distance_km      double precision,
    on_time_rate     double precision,
    model_version    integer NOT NULL REFERENCES model_versions,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, buyer, sku, candidate)
);
CREATE INDEX alternative_suppliers_buyer_idx
    ON alternative_suppliers (buyer, sku, computed_at);

GRANT SELECT ON alternative_suppliers TO cs_api;
ALTER TABLE alternative_suppliers ENABLE ROW LEVEL SECURITY;

-- Admin; a bureau when the buyer lies in its regions (filling weak
-- links); an enterprise for its own purchases.
CREATE POLICY alternative_suppliers_read ON alternative_suppliers
FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(buyer)
    OR (cs_principal_role() = 'enterprise'
        AND buyer = cs_principal_enterprise()));
