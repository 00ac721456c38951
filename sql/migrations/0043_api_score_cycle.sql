-- 0043_api_score_cycle.sql - the analyst's newest scoring cycle, for
-- cs-api's "current score" joins. Every cycle rescores every enterprise
-- (scores are peer-relative), so a current score is a row of that cycle.
-- Read under row-level security, finding it costs a policy check per
-- score row until one in scope turns up; as the owner it is one index
-- descent per partition. The cycle id and time reveal nothing that
-- analyst_cycles does not already show every reading role.
CREATE FUNCTION cs_api_score_cycle(OUT cycle_id bigint,
                                   OUT computed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT s.cycle_id, s.computed_at FROM risk_scores s
    ORDER BY s.cycle_id DESC LIMIT 1
$$;

REVOKE ALL ON FUNCTION cs_api_score_cycle() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_api_score_cycle() TO cs_api;
