-- 0021_analyst_rollups.sql - risk rolled up to industry chains and their
-- tiers, and demand forecasts of summed series per industry and region
-- (docs/analyst.md, "Roll-ups").

-- An industry chain is named by the GB/T 4754 division of its final
-- producers (enterprises that buy over active supply links and supply
-- nobody); its members are those producers (tier 0) and every enterprise
-- upstream of them within the model's criticality.max_tiers links, tier
-- = the fewest links to one of them. An enterprise may belong to several
-- chains. Rewritten by each full analyst cycle (the current membership,
-- not a history).
CREATE TABLE chain_members (
    chain      text NOT NULL,      -- C36
    uscc       uscc NOT NULL,
    tier       integer NOT NULL CHECK (tier >= 0),
    cycle_id   bigint NOT NULL,    -- the full cycle that found it
    PRIMARY KEY (chain, uscc)
);
CREATE INDEX chain_members_uscc_idx ON chain_members (uscc);

-- Chains ('C36') and their tiers ('C36/2') in risk_aggregates.
ALTER TABLE risk_aggregates DROP CONSTRAINT risk_aggregates_kind_check;
ALTER TABLE risk_aggregates ADD CONSTRAINT risk_aggregates_kind_check
    CHECK (kind IN ('province', 'city', 'industry_section',
                    'industry_division', 'chain', 'chain_tier'));
DROP POLICY risk_aggregates_read ON risk_aggregates;
CREATE POLICY risk_aggregates_read ON risk_aggregates FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (kind IN ('province', 'city') AND cs_region_in_scope(key))
    OR (kind IN ('industry_section', 'industry_division', 'chain',
                 'chain_tier')
        AND cs_principal_role() IN ('bureau', 'enterprise')));

GRANT SELECT ON chain_members TO cs_api;
ALTER TABLE chain_members ENABLE ROW LEVEL SECURITY;
-- Membership names enterprises: as their scores (admin; bureaus for
-- enterprises in their regions; an enterprise for itself).
CREATE POLICY chain_members_read ON chain_members FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'bureau' AND EXISTS (
        SELECT 1 FROM enterprises e WHERE e.uscc = chain_members.uscc
        AND cs_region_in_scope(e.region_code)))
    OR (cs_principal_role() = 'enterprise'
        AND uscc = cs_principal_enterprise()));

-- Forecasts of summed monthly sales: per province ('330000'), city
-- ('330100') and industry division ('C36') of the selling enterprise,
-- fitted like an enterprise's series (forecasts), with intervals of the
-- sum itself. One set per cycle that recomputed forecasts.
CREATE TABLE forecast_aggregates (
    cycle_id        bigint NOT NULL REFERENCES analyst_cycles,
    kind            text NOT NULL CHECK (kind IN ('province', 'city',
                                                  'industry_division')),
    key             text NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    model_version   integer NOT NULL REFERENCES model_versions,
    n_series        integer NOT NULL CHECK (n_series > 0),
    model           text NOT NULL,
    period          text NOT NULL DEFAULT 'month',
    first_period    date NOT NULL,          -- start of mean[1]
    n_history       integer NOT NULL,
    mean            double precision[] NOT NULL,
    lo80            double precision[],
    hi80            double precision[],
    lo95            double precision[],
    hi95            double precision[],
    backtest_mase   double precision,
    backtest_smape  double precision,
    backtest_coverage95 double precision,
    PRIMARY KEY (cycle_id, kind, key)
);
CREATE INDEX forecast_aggregates_key_idx
    ON forecast_aggregates (kind, key, computed_at);

GRANT SELECT ON forecast_aggregates TO cs_api;
ALTER TABLE forecast_aggregates ENABLE ROW LEVEL SECURITY;
-- As risk_aggregates: regions to admin and the bureaus covering them,
-- industries (sums over many sellers) to every reading role.
CREATE POLICY forecast_aggregates_read ON forecast_aggregates FOR SELECT
TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (kind IN ('province', 'city') AND cs_region_in_scope(key))
    OR (kind = 'industry_division'
        AND cs_principal_role() IN ('bureau', 'enterprise')));
