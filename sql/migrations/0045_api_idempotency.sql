-- 0045_api_idempotency.sql - Idempotency-Key of POST /v1/events in cs-api.
--
-- A connector names a request with Idempotency-Key; the key is claimed
-- ('pending') before the events are produced and completed ('done', with
-- the answer) once the broker acknowledged them. The same key with the
-- same body gets the stored answer and writes nothing; with another body
-- it is refused (422). A 503 releases the claim, so a retry goes through.
-- Keys are scoped to the connector's tenant and live 24 hours; a pending
-- claim older than the request timeout (a crashed replica) may be taken
-- over. cs-api is stateless: every replica sees the same keys.
CREATE TABLE api_idempotency (
    tenant_id   text NOT NULL,
    idem_key    text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    body_sha256 bytea NOT NULL CHECK (length(body_sha256) = 32),
    token_id    bigint NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'done')),
    status      integer,
    response    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idem_key),
    CHECK ((state = 'done') = (status IS NOT NULL))
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- A connector reads and writes its own tenant's keys only.
GRANT SELECT, INSERT, UPDATE, DELETE ON api_idempotency TO cs_api;
ALTER TABLE api_idempotency ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_idempotency_own ON api_idempotency FOR ALL TO cs_api
USING (cs_principal_role() = 'connector'
       AND tenant_id = cs_principal_tenant())
WITH CHECK (cs_principal_role() = 'connector'
            AND tenant_id = cs_principal_tenant());
