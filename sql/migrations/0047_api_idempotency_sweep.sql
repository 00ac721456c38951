-- 0047_api_idempotency_sweep.sql - expired Idempotency-Keys are deleted.
-- Keys of POST /v1/events live 24 hours (0045); a claim after that takes
-- an old row over, but rows nobody reuses stayed for ever. cs-api calls
-- this at most once a minute per replica, after an accepted POST with a
-- key: it deletes up to max_rows keys of any tenant older than 24 hours,
-- oldest first (api_idempotency_created_idx), and returns how many. As
-- SECURITY DEFINER it sees every tenant's rows, but it only deletes
-- expired ones and reveals nothing but their number.
CREATE FUNCTION cs_api_idempotency_sweep(max_rows integer DEFAULT 1000)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH gone AS (
        DELETE FROM api_idempotency
        WHERE ctid IN (SELECT ctid FROM api_idempotency
                       WHERE created_at < now() - interval '24 hours'
                       ORDER BY created_at
                       LIMIT greatest(max_rows, 0))
        RETURNING 1)
    SELECT count(*)::integer FROM gone
$$;

REVOKE ALL ON FUNCTION cs_api_idempotency_sweep(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_api_idempotency_sweep(integer) TO cs_api;
