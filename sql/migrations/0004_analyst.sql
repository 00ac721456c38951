-- 0004_analyst.sql - what cs-analyst writes: numbered model versions,
-- per-cycle indicators and risk scores (a history), forecasts with stock
-- recommendations, alerts with a lifecycle, and the cycle ledger, work
-- queue and watermark that make cycles incremental. docs/analyst.md says
-- how each is computed.

-- A model configuration is a numbered, immutable version; exactly one is
-- current. Every result row names the version that made it.
CREATE TABLE model_versions (
    version     integer PRIMARY KEY CHECK (version > 0),
    config      jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    note        text NOT NULL DEFAULT '',
    is_current  boolean NOT NULL DEFAULT false,
    created_by  text NOT NULL DEFAULT current_user,
    created_at  timestamptz NOT NULL DEFAULT now(),
    promoted_at timestamptz
);
CREATE UNIQUE INDEX model_versions_one_current ON model_versions (is_current)
    WHERE is_current;

-- Version 1: the defaults of docs/analyst.md. Weights blend the expert
-- weights below with entropy weights (alpha = share of the expert ones).
INSERT INTO model_versions (version, config, note, is_current, promoted_at)
VALUES (1, $json$
{
  "indicators": ["on_time_rate", "lead_time_mean_days", "lead_time_cv",
                 "fill_rate", "supplier_hhi", "single_source",
                 "customer_hhi", "production_drop_z", "utilisation",
                 "event_exposure", "criticality"],
  "window_days": 90,
  "event_window_days": 14,
  "normalise": "minmax",
  "peer_group": "none",
  "weights": {
    "method": "blend",
    "alpha": 0.5,
    "expert": {"on_time_rate": 0.22, "lead_time_mean_days": 0.04,
               "lead_time_cv": 0.06, "fill_rate": 0.10,
               "supplier_hhi": 0.06, "single_source": 0.06,
               "customer_hhi": 0.04, "production_drop_z": 0.10,
               "utilisation": 0.04, "event_exposure": 0.22,
               "criticality": 0.06}
  },
  "thresholds": {"yellow": 25, "orange": 50, "red": 75},
  "alerts": {"min_level": "orange", "event_min_exposure": 0.05},
  "criticality": {"damping": 0.5, "max_tiers": 6},
  "forecast": {"method": "auto", "period": 12, "horizon": 6,
               "min_points": 8, "n_sims": 500, "seed": 42},
  "stock": {"service_level": 0.95, "default_lead_time_days": 14}
}
$json$::jsonb, 'defaults', true, now());

-- One row per analyst cycle: what it covered and how it ended. Results
-- of a cycle become visible together, when its transaction commits.
CREATE TABLE analyst_cycles (
    cycle_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version integer NOT NULL REFERENCES model_versions,
    is_full       boolean NOT NULL,
    as_of         timestamptz NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    n_enterprises integer,
    n_forecasts   integer,
    n_alerts      integer,
    n_model_errors integer,
    host          text
);

-- Raw indicators per enterprise and cycle (NULL = no data), partitioned
-- by month so old history is dropped a partition at a time.
CREATE TABLE enterprise_indicators (
    cycle_id            bigint NOT NULL,
    uscc                uscc NOT NULL,
    computed_at         timestamptz NOT NULL,
    model_version       integer NOT NULL,
    on_time_rate        double precision,
    lead_time_mean_days double precision,
    lead_time_cv        double precision,
    fill_rate           double precision,
    supplier_hhi        double precision,
    single_source       double precision,
    customer_hhi        double precision,
    production_drop_z   double precision,
    utilisation         double precision,
    event_exposure      double precision,
    criticality         double precision,
    n_deliveries        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (uscc, computed_at, cycle_id)
) PARTITION BY RANGE (computed_at);

-- Risk score history: one row per enterprise per computation.
-- components: [{"indicator", "raw", "normalised", "weight",
-- "contribution"}] ordered by contribution, largest first.
CREATE TABLE risk_scores (
    cycle_id      bigint NOT NULL,
    uscc          uscc NOT NULL,
    computed_at   timestamptz NOT NULL,
    model_version integer NOT NULL,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    level         text NOT NULL CHECK (level IN ('blue', 'yellow', 'orange',
                                                 'red')),
    components    jsonb NOT NULL,
    explanation   text NOT NULL,
    PRIMARY KEY (uscc, computed_at, cycle_id)
) PARTITION BY RANGE (computed_at);
CREATE INDEX risk_scores_cycle_idx ON risk_scores (cycle_id);

SELECT cs_create_month_partitions(t, date '2026-01-01', 72)
FROM unnest(ARRAY['enterprise_indicators', 'risk_scores']::regclass[]) AS t;
CREATE TABLE enterprise_indicators_default PARTITION OF enterprise_indicators
    DEFAULT;
CREATE TABLE risk_scores_default PARTITION OF risk_scores DEFAULT;

-- The newest score of each enterprise. security_invoker: the reader's
-- row-level security applies, not the view owner's.
CREATE VIEW risk_scores_latest WITH (security_invoker = true) AS
    SELECT DISTINCT ON (uscc) uscc, score, level, components, explanation,
           model_version, cycle_id, computed_at
    FROM risk_scores
    ORDER BY uscc, computed_at DESC, cycle_id DESC;

-- Demand forecasts per (enterprise, sku) over monthly sales, with 80/95 %
-- intervals, the backtest on the last `horizon` months, and the stock
-- recommendation where inventory exists. The newest row of a series is
-- its current forecast.
CREATE TABLE forecasts (
    forecast_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cycle_id        bigint NOT NULL REFERENCES analyst_cycles,
    enterprise      uscc NOT NULL,
    sku             text NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    model_version   integer NOT NULL REFERENCES model_versions,
    model           text NOT NULL,          -- e.g. "ETS(M,N,M)", "Theta"
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
    on_hand         double precision,
    safety_stock    double precision,
    reorder_point   double precision,
    days_of_cover   double precision,
    lead_time_days  double precision,
    UNIQUE (cycle_id, enterprise, sku)
);
CREATE INDEX forecasts_series_idx ON forecasts (enterprise, sku, computed_at);

-- Alerts: deduplicated by key while open or acknowledged; open ->
-- acknowledged -> resolved. subject is who the alert is for, about the
-- enterprise it concerns (a supplier, say). published_at is set once
-- cs.alerts acknowledged it (an outbox: unpublished rows are retried).
CREATE TABLE alerts (
    alert_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key       text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('level', 'single_source',
                        'event_near_supplier', 'demand_outside_forecast')),
    level           text NOT NULL CHECK (level IN ('blue', 'yellow',
                                                   'orange', 'red')),
    subject         uscc NOT NULL,
    about           uscc,
    risk_id         text,
    message         text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'acknowledged', 'resolved')),
    cycle_id        bigint NOT NULL REFERENCES analyst_cycles,
    model_version   integer NOT NULL REFERENCES model_versions,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolved_at     timestamptz,
    published_at    timestamptz,
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX alerts_live_key ON alerts (dedup_key)
    WHERE status <> 'resolved';
CREATE INDEX alerts_subject_idx ON alerts (subject, opened_at);
CREATE INDEX alerts_about_idx ON alerts (about, opened_at);
CREATE INDEX alerts_unpublished_idx ON alerts (alert_id)
    WHERE published_at IS NULL;

-- Work queue: a row asks for a recompute (kind 'full', or 'series' for
-- one enterprise's forecasts). Analysts take rows with FOR UPDATE SKIP
-- LOCKED inside their cycle transaction, so a crashed cycle leaves them
-- queued.
CREATE TABLE analyst_requests (
    request_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('full', 'series')),
    enterprise   uscc,
    sku          text,
    requested_by text NOT NULL DEFAULT current_user,
    requested_at timestamptz NOT NULL DEFAULT now(),
    done_cycle   bigint REFERENCES analyst_cycles,
    done_at      timestamptz,
    CHECK (kind <> 'series' OR enterprise IS NOT NULL)
);
CREATE INDEX analyst_requests_pending_idx ON analyst_requests (request_id)
    WHERE done_at IS NULL;

-- Staleness watermark: events ingested after ingested_until are new to
-- the analyst. One row.
CREATE TABLE analyst_state (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    ingested_until timestamptz NOT NULL DEFAULT '-infinity',
    last_cycle_id  bigint
);
INSERT INTO analyst_state DEFAULT VALUES;

-- Finds what was ingested since the watermark without a scan.
CREATE INDEX ingested_events_at_idx ON ingested_events (ingested_at);

-- Row-level security for cs_api, as in 0003: SELECT only, partitions
-- ungranted, no principal -> nothing. Queue and watermark are internal.
GRANT SELECT ON model_versions, analyst_cycles, enterprise_indicators,
    risk_scores, risk_scores_latest, forecasts, alerts TO cs_api;

ALTER TABLE model_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE analyst_cycles ENABLE ROW LEVEL SECURITY;
ALTER TABLE enterprise_indicators ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE forecasts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE analyst_requests ENABLE ROW LEVEL SECURITY;   -- no policy
ALTER TABLE analyst_state ENABLE ROW LEVEL SECURITY;      -- no policy

-- Model configurations and the cycle ledger hold no enterprise data.
CREATE POLICY model_versions_read ON model_versions FOR SELECT TO cs_api
USING (cs_principal_role() IN ('admin', 'bureau', 'enterprise'));
CREATE POLICY analyst_cycles_read ON analyst_cycles FOR SELECT TO cs_api
USING (cs_principal_role() IN ('admin', 'bureau', 'enterprise'));

-- Indicators and scores follow the enterprises policy: admin all; a
-- bureau the enterprises in its regions; an enterprise itself and its
-- counterparties (supply links, orders).
CREATE POLICY enterprise_indicators_read ON enterprise_indicators FOR SELECT
TO cs_api USING (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(uscc)
    OR (cs_principal_role() = 'enterprise' AND (
        uscc = cs_principal_enterprise()
        OR EXISTS (SELECT 1 FROM supply_links l
                   WHERE (l.supplier = enterprise_indicators.uscc
                          AND l.buyer = cs_principal_enterprise())
                      OR (l.buyer = enterprise_indicators.uscc
                          AND l.supplier = cs_principal_enterprise()))
        OR EXISTS (SELECT 1 FROM orders o
                   WHERE (o.supplier = enterprise_indicators.uscc
                          AND o.buyer = cs_principal_enterprise())
                      OR (o.buyer = enterprise_indicators.uscc
                          AND o.supplier = cs_principal_enterprise())))));
CREATE POLICY risk_scores_read ON risk_scores FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(uscc)
    OR (cs_principal_role() = 'enterprise' AND (
        uscc = cs_principal_enterprise()
        OR EXISTS (SELECT 1 FROM supply_links l
                   WHERE (l.supplier = risk_scores.uscc
                          AND l.buyer = cs_principal_enterprise())
                      OR (l.buyer = risk_scores.uscc
                          AND l.supplier = cs_principal_enterprise()))
        OR EXISTS (SELECT 1 FROM orders o
                   WHERE (o.supplier = risk_scores.uscc
                          AND o.buyer = cs_principal_enterprise())
                      OR (o.buyer = risk_scores.uscc
                          AND o.supplier = cs_principal_enterprise())))));

-- Forecasts are derived from sales and inventory rows: like those, admin
-- and the enterprise itself (bureaus get sector aggregates later).
CREATE POLICY forecasts_read ON forecasts FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND enterprise = cs_principal_enterprise()));

-- Alerts: admin; a bureau when the enterprise alerted or the one it is
-- about lies in its regions; an enterprise when it is either.
CREATE POLICY alerts_read ON alerts FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(subject)
    OR (about IS NOT NULL AND cs_enterprise_in_scope(about))
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (subject, about)));
