-- 0051_analyst_current_scores.sql - "the current score" of an enterprise
-- is its newest score row, not a row of the newest cycle (issue 6's
-- incremental target; docs/analyst.md, "Scores").
--
-- Until now every cycle rescored every enterprise (scores are
-- peer-relative), so the current picture was the newest cycle and
-- cs-api found it with cs_api_score_cycle (0043). Now only a full cycle
-- scores everyone; an incremental one scores the stale enterprises
-- against the normalisation and weights of the last full cycle (stored
-- below) and writes their rows only. risk_scores stays the history; the
-- analyst keeps risk_scores_current, one row per enterprise, upserted in
-- the cycle's transaction, so a reader finds the current score by one
-- primary-key probe under its own row-level security. It is narrow (the
-- components and explanation stay in risk_scores, found by its primary
-- key from here): a score row with its components takes about 2 kB, so
-- a copy of them cost every full cycle another 200 MB written and made
-- every roll-up over the current scores read them.

CREATE TABLE risk_scores_current (
    uscc          uscc PRIMARY KEY,
    cycle_id      bigint NOT NULL,
    computed_at   timestamptz NOT NULL,
    model_version integer NOT NULL,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    level         text NOT NULL CHECK (level IN ('blue', 'yellow', 'orange',
                                                 'red'))
);

INSERT INTO risk_scores_current
SELECT DISTINCT ON (uscc) uscc, cycle_id, computed_at, model_version, score,
       level
FROM risk_scores
ORDER BY uscc, computed_at DESC, cycle_id DESC;

-- What a full cycle scored with, so that incremental cycles score the
-- stale enterprises on the same scale: the weights (in the order of the
-- version's indicators) and, per peer group ('' without peer groups,
-- else the industry division or province key), each indicator's
-- normalisation parameters (cs_risk_norm_param: min-max lo = min and
-- hi = max, robust z lo = median and hi = scale; NaN when the group had
-- no value; fill = what a missing value becomes).
CREATE TABLE risk_score_bases (
    cycle_id      bigint PRIMARY KEY REFERENCES analyst_cycles,
    model_version integer NOT NULL REFERENCES model_versions,
    indicators    text[] NOT NULL,
    weights       double precision[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE risk_score_norms (
    cycle_id bigint NOT NULL REFERENCES risk_score_bases ON DELETE CASCADE,
    peer_key text NOT NULL,
    lo       double precision[] NOT NULL,
    hi       double precision[] NOT NULL,
    fill     double precision[] NOT NULL,
    PRIMARY KEY (cycle_id, peer_key)
);

-- The newest score of each enterprise, as before (same columns), now
-- through the table. security_invoker: the reader's row-level security.
CREATE OR REPLACE VIEW risk_scores_latest WITH (security_invoker = true) AS
    SELECT c.uscc, c.score, c.level, s.components, s.explanation,
           c.model_version, c.cycle_id, c.computed_at
    FROM risk_scores_current c
    JOIN risk_scores s ON s.uscc = c.uscc AND s.computed_at = c.computed_at
     AND s.cycle_id = c.cycle_id;

-- cs-api reads risk_scores_current now; the newest cycle is no longer
-- the current picture.
DROP FUNCTION cs_api_score_cycle();

-- Row-level security as risk_scores (0044, 0050): admin; a bureau the
-- enterprises in its regions; an enterprise itself, its counterparties
-- and its chain. The bases hold no enterprise data; cs_api needs none.
GRANT SELECT ON risk_scores_current TO cs_api;
ALTER TABLE risk_scores_current ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_scores_current_read ON risk_scores_current FOR SELECT
TO cs_api USING (
    cs_principal_role() = 'admin'
    OR uscc IN (SELECT s.u FROM cs_scope_enterprises() AS s(u)));
ALTER TABLE risk_score_bases ENABLE ROW LEVEL SECURITY;  -- no policy
ALTER TABLE risk_score_norms ENABLE ROW LEVEL SECURITY;  -- no policy
