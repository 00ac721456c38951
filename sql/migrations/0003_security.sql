-- 0003_security.sql - API principals (bearer tokens, stored only as keyed
-- hashes), the audit log, the database role cs-api runs as, and the
-- row-level-security policies that scope every row it reads.
--
-- The API sets its principal per transaction (SET LOCAL semantics):
--   SELECT set_config('cs.principal_role', 'bureau', true), ...
-- and the policies below do the filtering. The role cs_api is neither
-- superuser nor owner of any table, so the policies bind it; without a
-- principal it sees nothing. Every new table a later migration adds must
-- say what cs_api may do with it (grants and policies are never implied).

-- Roles are cluster-wide: another database of the cluster may have made
-- them already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cs_api') THEN
        CREATE ROLE cs_api NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
            NOBYPASSRLS;
    END IF;
    -- The login cs-api uses (CS_PG_DSN user=cs_api_app). It has no
    -- password: under password authentication set one
    -- (ALTER ROLE cs_api_app PASSWORD '...') or make your own LOGIN role
    -- IN ROLE cs_api.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cs_api_app') THEN
        CREATE ROLE cs_api_app LOGIN INHERIT NOSUPERUSER NOCREATEDB
            NOCREATEROLE NOBYPASSRLS IN ROLE cs_api;
    END IF;
END $$;

CREATE TYPE principal_role AS ENUM ('admin', 'bureau', 'enterprise',
                                    'connector');

-- One row per bearer token; each token is its own principal with a role
-- and a scope. Only BLAKE2b(key = pepper, token) is kept: the token text
-- is shown once by `cs-admin token create` and never stored.
CREATE TABLE api_tokens (
    token_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role       principal_role NOT NULL,
    regions    region_code[],
    enterprise uscc,
    tenant_id  text CHECK (tenant_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK (role <> 'bureau' OR cardinality(regions) > 0),
    CHECK (role <> 'enterprise' OR enterprise IS NOT NULL),
    CHECK (role <> 'connector' OR tenant_id IS NOT NULL)
);

-- Who did what, when, from where, and how it ended: every write, every
-- denied request, every token created or revoked. cs_api may only append.
CREATE TABLE audit_log (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    token_id bigint,          -- NULL: no valid token was presented
    role     text,
    actor    text NOT NULL,   -- token name, 'anonymous', or 'cli:USER'
    action   text NOT NULL,   -- 'GET /v1/orders/X', 'token.create', ...
    target   text,
    client   text,            -- remote address, or 'local' for the CLI
    outcome  text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    status   integer,         -- HTTP status for API requests
    detail   text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_token_idx ON audit_log (token_id, at);

-- The principal of the current transaction. Empty when unset, which no
-- policy accepts.
CREATE FUNCTION cs_principal_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('cs.principal_role', true), '')
$$;

CREATE FUNCTION cs_principal_enterprise() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('cs.principal_enterprise', true), '')
$$;

CREATE FUNCTION cs_principal_tenant() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('cs.principal_tenant', true), '')
$$;

-- The prefix a GB/T 2260 code covers: trailing "00" pairs trimmed, so
-- 330000 (Zhejiang) covers 33xxxx, 330100 (Hangzhou) covers 3301xx and
-- 330106 only itself. Pairs, not single zeros: 330110 must not cover
-- 330111.
CREATE FUNCTION cs_region_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(code, '(00)+$', '')
$$;

-- True when the principal is a bureau whose regions cover code.
CREATE FUNCTION cs_region_in_scope(code text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cs_principal_role() = 'bureau' AND EXISTS (
        SELECT 1
        FROM unnest(string_to_array(
                 current_setting('cs.principal_regions', true), ',')) AS r(c)
        WHERE r.c ~ '^[1-8][0-9]{5}$'
          AND left(code, length(cs_region_prefix(r.c))) = cs_region_prefix(r.c))
$$;

-- Whether an enterprise lies in the bureau's regions. SECURITY DEFINER so
-- that policies on other tables can ask without recursing into the
-- enterprises policy; it reveals one boolean about one enterprise.
CREATE FUNCTION cs_enterprise_in_scope(e text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT coalesce((SELECT cs_region_in_scope(region_code)
                     FROM enterprises WHERE uscc = e), false)
$$;

-- Token lookup for cs-api: the principal of a live token by its hash (hex).
-- cs_api cannot read api_tokens itself.
CREATE FUNCTION cs_token_principal(hash_hex text)
RETURNS TABLE (token_id bigint, name text, role text, regions text,
               enterprise text, tenant_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT t.token_id, t.name, t.role::text, array_to_string(t.regions, ','),
           t.enterprise, t.tenant_id
    FROM api_tokens t
    WHERE t.token_hash = decode(hash_hex, 'hex') AND t.revoked_at IS NULL
$$;

REVOKE ALL ON FUNCTION cs_enterprise_in_scope(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cs_token_principal(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cs_enterprise_in_scope(text) TO cs_api;
GRANT EXECUTE ON FUNCTION cs_token_principal(text) TO cs_api;

-- What cs_api may touch: the parents of partitioned tables only (a
-- partition read directly would skip the parent's policies, so it gets
-- no grant), read-only, plus appending to the audit log.
GRANT SELECT ON enterprises, products, supply_links, orders, order_lines,
    shipments, shipment_lines, production, sales, inventory, risk_events
    TO cs_api;
GRANT INSERT ON audit_log TO cs_api;

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;     -- no policy: nobody
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingested_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE enterprises ENABLE ROW LEVEL SECURITY;
ALTER TABLE products ENABLE ROW LEVEL SECURITY;
ALTER TABLE supply_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipment_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE production ENABLE ROW LEVEL SECURITY;
ALTER TABLE sales ENABLE ROW LEVEL SECURITY;
ALTER TABLE inventory ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_events ENABLE ROW LEVEL SECURITY;

-- Enterprises: admin all; a bureau those in its regions; an enterprise
-- itself and its counterparties (supply links, orders).
CREATE POLICY enterprises_read ON enterprises FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR cs_region_in_scope(region_code)
    OR (cs_principal_role() = 'enterprise' AND (
        uscc = cs_principal_enterprise()
        OR EXISTS (SELECT 1 FROM supply_links l
                   WHERE (l.supplier = enterprises.uscc
                          AND l.buyer = cs_principal_enterprise())
                      OR (l.buyer = enterprises.uscc
                          AND l.supplier = cs_principal_enterprise()))
        OR EXISTS (SELECT 1 FROM orders o
                   WHERE (o.supplier = enterprises.uscc
                          AND o.buyer = cs_principal_enterprise())
                      OR (o.buyer = enterprises.uscc
                          AND o.supplier = cs_principal_enterprise())))));

-- Products: admin, and the owning tenant's enterprise.
CREATE POLICY products_read ON products FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND tenant_id IN (cs_principal_tenant(), cs_principal_enterprise())));

-- Supply links: admin; an enterprise at either end; a bureau when either
-- end lies in its regions (the chain graph, no prices).
CREATE POLICY supply_links_read ON supply_links FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (supplier, buyer))
    OR (cs_principal_role() = 'bureau'
        AND (cs_enterprise_in_scope(supplier)
             OR cs_enterprise_in_scope(buyer))));

-- Orders, shipments and their lines: admin, and the buyer or the supplier.
-- Bureaus never see them (prices and line items stay private).
CREATE POLICY orders_read ON orders FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY order_lines_read ON order_lines FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY shipments_read ON shipments FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY shipment_lines_read ON shipment_lines FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));

-- Daily facts: admin and the enterprise itself. Bureaus will read them
-- as aggregates through views of a later migration, never row by row.
CREATE POLICY production_read ON production FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND enterprise = cs_principal_enterprise()));
CREATE POLICY sales_read ON sales FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND enterprise = cs_principal_enterprise()));
CREATE POLICY inventory_read ON inventory FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND enterprise = cs_principal_enterprise()));

-- Disruptions (floods, power cuts, ...) concern everyone who reads.
CREATE POLICY risk_events_read ON risk_events FOR SELECT TO cs_api USING (
    cs_principal_role() IN ('admin', 'bureau', 'enterprise'));
