-- 0042_api_scenarios.sql - a bureau may queue disruption scenarios only
-- over its own regions: every region and enterprise a scenario names
-- must lie in them (RESTRICTIVE: this narrows the insert policy of 0005,
-- it never widens it). Enterprises are checked by the API against what
-- the principal may see; an enterprise may name regions anywhere (its
-- results only show itself and its counterparties).
CREATE POLICY propagation_runs_insert_scope ON propagation_runs
AS RESTRICTIVE FOR INSERT TO cs_api WITH CHECK (
    cs_principal_role() <> 'bureau'
    OR (NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(
                coalesce(scenario->'regions', '[]')) AS g(c)
            WHERE NOT cs_region_in_scope(g.c))
        AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(
                coalesce(scenario->'enterprises', '[]')) AS u(c)
            WHERE NOT cs_enterprise_in_scope(u.c))));
