-- 0041_api_alerts.sql - cs-api may move an alert along its lifecycle
-- (open -> acknowledged -> resolved) for its principal, and nothing else:
-- a column grant limits it to the lifecycle columns (and published_at,
-- cleared so that the analyst's outbox republishes the new status), and
-- the policy keeps the read scope: admin; a bureau an alert whose
-- enterprise, or the one it is about, lies in its regions; an enterprise
-- only the alerts addressed to it (not those merely about it).
GRANT UPDATE (status, acknowledged_at, acknowledged_by, resolved_at,
              published_at) ON alerts TO cs_api;

CREATE POLICY alerts_act ON alerts FOR UPDATE TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(subject)
    OR (about IS NOT NULL AND cs_enterprise_in_scope(about))
    OR (cs_principal_role() = 'enterprise'
        AND subject = cs_principal_enterprise()))
WITH CHECK (
    cs_principal_role() = 'admin'
    OR cs_enterprise_in_scope(subject)
    OR (about IS NOT NULL AND cs_enterprise_in_scope(about))
    OR (cs_principal_role() = 'enterprise'
        AND subject = cs_principal_enterprise()));
