-- 0005_analyst_propagation.sql - disruption scenarios on the stored supply
-- graph (风险传导分析): the API or an operator queues a run, cs-analyst
-- picks it up (FOR UPDATE SKIP LOCKED) in its next cycle and writes the
-- impacted enterprises; each active risk event also gets one standing run
-- per day. docs/analyst.md describes the scenario JSON.

-- scenario: {"enterprises": [uscc, ...], "regions": [code, ...],
--            "capacity_loss": 0..1, "start_day": n, "duration_days": n,
--            "horizon_days": n, "production": "linear" | "leontief"}
CREATE TABLE propagation_runs (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scenario      jsonb NOT NULL CHECK (jsonb_typeof(scenario) = 'object'),
    requested_for uscc,          -- the enterprise that asked, if any
    risk_tenant   text,          -- standing runs: the risk event
    risk_id       text,
    run_day       date,          -- standing runs: one per event and day
    requested_by  text NOT NULL DEFAULT current_user,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'done', 'failed')),
    error         text,
    cycle_id      bigint REFERENCES analyst_cycles,
    model_version integer REFERENCES model_versions,
    finished_at   timestamptz,
    n_impacted    integer,
    total_lost_units double precision,
    total_lost_value double precision,
    UNIQUE (risk_tenant, risk_id, run_day)
);
CREATE INDEX propagation_runs_queued_idx ON propagation_runs (run_id)
    WHERE status = 'queued';

-- One row per enterprise whose output fell below plan.
CREATE TABLE propagation_impacts (
    run_id     bigint NOT NULL REFERENCES propagation_runs ON DELETE CASCADE,
    uscc       uscc NOT NULL,
    tier       integer NOT NULL,   -- 0 = shocked, -1 = not downstream
    tts_day    integer NOT NULL,   -- first day below plan
    ttr_day    integer,            -- first day back at plan; NULL: later
    min_level  double precision NOT NULL,
    lost_units double precision NOT NULL,
    lost_value double precision NOT NULL,
    PRIMARY KEY (run_id, uscc)
);

GRANT SELECT ON propagation_runs, propagation_impacts TO cs_api;
-- The API queues scenarios for its principal (cs-api sets requested_for).
GRANT INSERT (scenario, requested_for, requested_by) ON propagation_runs
    TO cs_api;
ALTER TABLE propagation_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE propagation_impacts ENABLE ROW LEVEL SECURITY;

-- Runs: admin; an enterprise its own; a bureau the standing runs and
-- those asked for by enterprises in its regions.
CREATE POLICY propagation_runs_read ON propagation_runs FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND requested_for = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau'
        AND (requested_for IS NULL OR cs_enterprise_in_scope(requested_for))));
CREATE POLICY propagation_runs_insert ON propagation_runs FOR INSERT
TO cs_api WITH CHECK (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND requested_for = cs_principal_enterprise())
    OR (cs_principal_role() = 'bureau' AND requested_for IS NULL));

-- Impacts: the run must be visible, and the impacted enterprise too (as
-- in the enterprises policy: a bureau its regions, an enterprise itself
-- and its counterparties).
CREATE POLICY propagation_impacts_read ON propagation_impacts FOR SELECT
TO cs_api USING (
    EXISTS (SELECT 1 FROM propagation_runs r
            WHERE r.run_id = propagation_impacts.run_id)
    AND (cs_principal_role() = 'admin'
         OR cs_enterprise_in_scope(uscc)
         OR (cs_principal_role() = 'enterprise' AND (
             uscc = cs_principal_enterprise()
             OR EXISTS (SELECT 1 FROM supply_links l
                        WHERE (l.supplier = propagation_impacts.uscc
                               AND l.buyer = cs_principal_enterprise())
                           OR (l.buyer = propagation_impacts.uscc
                               AND l.supplier = cs_principal_enterprise()))))));
