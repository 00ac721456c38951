-- 0046_webhooks.sql - webhook subscriptions for alerts, their deliveries
-- and the log of every attempt. docs/api.md (Webhooks) describes the flow:
-- cs-api consumes cs.alerts, fans each alert out to the subscriptions
-- whose owner may see it and whose filter it passes (one delivery per
-- webhook, alert and status), and a worker POSTs the deliveries, signed,
-- retrying with exponential backoff.
--
-- A subscription belongs to the token that created it and carries a
-- copy of that token's scope (role, regions, enterprise): the fan-out
-- checks the alert against that scope, so a subscription never delivers
-- what its owner could not read through GET /v1/alerts. Revoking the
-- token stops its deliveries.
CREATE TABLE webhooks (
    webhook_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_token_id   bigint NOT NULL,
    owner_role       text NOT NULL
                     CHECK (owner_role IN ('admin', 'bureau', 'enterprise')),
    owner_regions    region_code[],
    owner_enterprise uscc,
    url              text NOT NULL
                     CHECK (url ~ '^https?://' AND length(url) <= 2000),
    -- HMAC-SHA256 key, hex; shown once when created, never read back
    secret           text NOT NULL CHECK (secret ~ '^[0-9a-f]{64}$'),
    levels           text[] CHECK (levels <@ ARRAY['blue', 'yellow',
                                                   'orange', 'red']),
    regions          region_code[],
    enterprises      uscc[],
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CHECK (owner_role <> 'bureau' OR cardinality(owner_regions) > 0),
    CHECK (owner_role <> 'enterprise' OR owner_enterprise IS NOT NULL)
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_token_id);

-- One delivery per webhook, alert and status (an alert is sent when it
-- opens and again when it is resolved).
CREATE TABLE webhook_deliveries (
    delivery_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks,
    alert_id        bigint NOT NULL,
    alert_status    text NOT NULL,
    payload         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, alert_id, alert_status)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries
    (next_attempt_at) WHERE state = 'pending';

-- Every attempt: when, what the receiver answered (or why none), how long.
CREATE TABLE webhook_attempts (
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    status      integer,
    error       text,
    duration_ms integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- Does a list of region codes (a province covers its cities and
-- districts, as in cs_region_in_scope) cover code?
CREATE FUNCTION cs_regions_cover(regions text[], code text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT code IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(regions) AS r(c)
        WHERE left(code, length(cs_region_prefix(r.c))) = cs_region_prefix(r.c))
$$;

-- Fan-out of one alert (from cs.alerts): a delivery for every live
-- webhook whose owner's scope covers the alert and whose filter it
-- passes. Idempotent (a replayed message adds nothing). Returns the number
-- of deliveries added.
CREATE FUNCTION cs_webhook_fanout(p_alert_id bigint, p_status text,
                                  p_payload text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    WITH a AS (
        SELECT al.alert_id, al.level, al.subject, al.about,
               es.region_code AS subject_region,
               ea.region_code AS about_region
        FROM alerts al
        LEFT JOIN enterprises es ON es.uscc = al.subject
        LEFT JOIN enterprises ea ON ea.uscc = al.about
        WHERE al.alert_id = p_alert_id
    ), ins AS (
        INSERT INTO webhook_deliveries (webhook_id, alert_id, alert_status,
                                        payload)
        SELECT w.webhook_id, a.alert_id, p_status, p_payload
        FROM a, webhooks w
        JOIN api_tokens t ON t.token_id = w.owner_token_id
        WHERE w.deleted_at IS NULL AND t.revoked_at IS NULL
          AND (w.owner_role = 'admin'
               OR (w.owner_role = 'bureau'
                   AND (cs_regions_cover(w.owner_regions, a.subject_region)
                        OR cs_regions_cover(w.owner_regions, a.about_region)))
               OR (w.owner_role = 'enterprise'
                   AND w.owner_enterprise IN (a.subject, a.about)))
          AND (w.levels IS NULL OR a.level = ANY (w.levels))
          AND (w.regions IS NULL
               OR cs_regions_cover(w.regions, a.subject_region)
               OR cs_regions_cover(w.regions, a.about_region))
          AND (w.enterprises IS NULL
               OR a.subject = ANY (w.enterprises)
               OR a.about = ANY (w.enterprises))
        ON CONFLICT (webhook_id, alert_id, alert_status) DO NOTHING
        RETURNING 1
    )
    SELECT count(*) INTO n FROM ins;
    RETURN n;
END $$;

-- The worker takes up to p_limit due deliveries of live webhooks and
-- leases them for p_lease_s seconds (another replica skips them; a
-- crashed worker's lease runs out and the delivery is tried again).
CREATE FUNCTION cs_webhook_claim(p_limit integer, p_lease_s integer)
RETURNS TABLE (delivery_id bigint, attempt integer, url text, secret text,
               payload text)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
    WITH due AS (
        SELECT d.delivery_id
        FROM webhook_deliveries d
        JOIN webhooks w ON w.webhook_id = d.webhook_id
        WHERE d.state = 'pending' AND d.next_attempt_at <= now()
          AND w.deleted_at IS NULL
        ORDER BY d.next_attempt_at
        LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1,
        next_attempt_at = now() + make_interval(secs => p_lease_s)
    FROM due, webhooks w
    WHERE d.delivery_id = due.delivery_id AND w.webhook_id = d.webhook_id
    RETURNING d.delivery_id, d.attempts, w.url, w.secret, d.payload
$$;

-- The outcome of one attempt: 2xx delivers; otherwise the next attempt
-- waits p_backoff_ms * 2^(attempt-1), at most an hour, until
-- p_max_attempts have failed. Every attempt is logged.
CREATE FUNCTION cs_webhook_report(p_delivery_id bigint, p_attempt integer,
                                  p_status integer, p_error text,
                                  p_duration_ms integer,
                                  p_max_attempts integer,
                                  p_backoff_ms integer)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    ok boolean := p_status BETWEEN 200 AND 299;
    st text;
BEGIN
    INSERT INTO webhook_attempts (delivery_id, attempt, status, error,
                                  duration_ms)
    VALUES (p_delivery_id, p_attempt, p_status, p_error, p_duration_ms)
    ON CONFLICT DO NOTHING;
    UPDATE webhook_deliveries
    SET state = CASE WHEN ok THEN 'delivered'
                     WHEN p_attempt >= p_max_attempts THEN 'failed'
                     ELSE 'pending' END,
        delivered_at = CASE WHEN ok THEN now() END,
        last_status = p_status,
        last_error = p_error,
        next_attempt_at = now() + least(
            make_interval(secs => p_backoff_ms / 1000.0
                                  * power(2, least(p_attempt - 1, 30))),
            interval '1 hour')
    WHERE delivery_id = p_delivery_id AND attempts = p_attempt
    RETURNING state INTO st;
    RETURN st;
END $$;

REVOKE ALL ON FUNCTION cs_webhook_fanout(bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cs_webhook_claim(integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION cs_webhook_report(bigint, integer, integer, text,
                                         integer, integer, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_webhook_fanout(bigint, text, text) TO cs_api;
GRANT EXECUTE ON FUNCTION cs_webhook_claim(integer, integer) TO cs_api;
GRANT EXECUTE ON FUNCTION cs_webhook_report(bigint, integer, integer, text,
                                            integer, integer, integer)
    TO cs_api;

-- The API reads its own subscriptions (admin: all) without their secret,
-- creates them with its principal's scope, and deletes them (soft).
GRANT SELECT (webhook_id, owner_token_id, owner_role, owner_regions,
              owner_enterprise, url, levels, regions, enterprises,
              description, created_at, deleted_at) ON webhooks TO cs_api;
GRANT INSERT (owner_token_id, owner_role, owner_regions, owner_enterprise,
              url, secret, levels, regions, enterprises, description)
    ON webhooks TO cs_api;
GRANT UPDATE (deleted_at) ON webhooks TO cs_api;
GRANT SELECT ON webhook_deliveries, webhook_attempts TO cs_api;

CREATE FUNCTION cs_principal_token() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('cs.principal_id', true), '')::bigint
$$;

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhooks_read ON webhooks FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin' OR owner_token_id = cs_principal_token());
CREATE POLICY webhooks_delete ON webhooks FOR UPDATE TO cs_api
USING (cs_principal_role() = 'admin' OR owner_token_id = cs_principal_token());
-- A new subscription carries exactly its creator's scope.
CREATE POLICY webhooks_create ON webhooks FOR INSERT TO cs_api WITH CHECK (
    cs_principal_role() IN ('admin', 'bureau', 'enterprise')
    AND owner_token_id = cs_principal_token()
    AND owner_role = cs_principal_role()
    AND owner_enterprise IS NOT DISTINCT FROM cs_principal_enterprise()
    AND coalesce(array_to_string(owner_regions, ','), '')
        = coalesce(current_setting('cs.principal_regions', true), ''));
CREATE POLICY webhook_deliveries_read ON webhook_deliveries FOR SELECT
TO cs_api USING (EXISTS (SELECT 1 FROM webhooks w
                         WHERE w.webhook_id = webhook_deliveries.webhook_id));
CREATE POLICY webhook_attempts_read ON webhook_attempts FOR SELECT TO cs_api
USING (EXISTS (SELECT 1 FROM webhook_deliveries d
               WHERE d.delivery_id = webhook_attempts.delivery_id));
