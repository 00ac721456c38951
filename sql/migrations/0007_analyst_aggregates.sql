-- 0007_analyst_aggregates.sql - risk rolled up from enterprises to regions
-- and industries (cs_risk_aggregate), one set per cycle, for the bureau's
-- situation view; and the time-to-survive alert kind.

CREATE TABLE risk_aggregates (
    cycle_id      bigint NOT NULL REFERENCES analyst_cycles,
    kind          text NOT NULL CHECK (kind IN ('province', 'city',
                      'industry_section', 'industry_division')),
    key           text NOT NULL,   -- 330000, 330100, C, C36
    n_members     integer NOT NULL CHECK (n_members > 0),
    score_mean    double precision NOT NULL,
    score_max     double precision NOT NULL,
    level         text NOT NULL CHECK (level IN ('blue', 'yellow', 'orange',
                                                 'red')),  -- of the mean
    n_orange_or_worse integer NOT NULL,
    model_version integer NOT NULL REFERENCES model_versions,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, kind, key)
);
CREATE INDEX risk_aggregates_key_idx ON risk_aggregates (kind, key, computed_at);

GRANT SELECT ON risk_aggregates TO cs_api;
ALTER TABLE risk_aggregates ENABLE ROW LEVEL SECURITY;

-- Regions: admin and bureaus whose regions cover the key. Industries
-- (aggregates over every region): every reading role, as benchmarks.
CREATE POLICY risk_aggregates_read ON risk_aggregates FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (kind IN ('province', 'city') AND cs_region_in_scope(key))
    OR (kind IN ('industry_section', 'industry_division')
        AND cs_principal_role() IN ('bureau', 'enterprise')));

-- A buyer that a risk event's standing propagation run shows falling
-- below plan before its shocked supplier recovers (TTS < TTR).
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (
    'level', 'single_source', 'event_near_supplier',
    'demand_outside_forecast', 'tts_below_ttr'));
