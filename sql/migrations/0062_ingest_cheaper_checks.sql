-- 0062_ingest_cheaper_checks.sql - the same guarantees for less work per
-- row on the tables cs-ingest writes (docs/ingest-performance.md, "Fourth
-- round"; measured with the benchmark's 613,783 rows of 200,000 events
-- COPYed into a fresh database, server CPU of the COPY session).
--
-- 1. The credit-code domain's check without a regular expression. Every
-- uscc value written (two per order, shipment and line, one per fact,
-- score, indicator and alert) ran the regex of 0001: 0.65 s of the 4.7 s
-- the benchmark's COPYs take (about 1.2 µs a value), 0.25 s with the
-- check below. It accepts exactly the strings the regex accepts: 18
-- bytes, each one of the 31 characters of GB 32100-2015 (digits and
-- capitals without I, O, S, V, Z), the 3rd to 8th (the region code)
-- digits. Only ASCII passes, and textsend gives ASCII text's own bytes in
-- every client encoding PostgreSQL supports (it is STABLE for the other
-- characters, which fail either way). test_migrate.sh compares both
-- checks on 20,000 strings. The check character (mod 31) is the
-- services' job (cs_uscc_validate), as before.
--
-- NOT VALID: every stored value passed the regex, which accepts the same
-- strings, so checking them again would only hold a lock on every table
-- with a credit code (all the fact tables) for a scan; PostgreSQL could
-- not check webhooks.enterprises (an array of uscc) anyway. New values
-- are checked as before.
ALTER DOMAIN uscc DROP CONSTRAINT uscc_check;
ALTER DOMAIN uscc ADD CONSTRAINT uscc_check CHECK (
    octet_length(VALUE) = 18
    AND ltrim(textsend(VALUE),
              '\x3031323334353637383941424344454647484a4b4c4d4e5051525455575859'::bytea)
        = ''::bytea
    AND ltrim(substr(textsend(VALUE), 3, 6), '\x30313233343536373839'::bytea)
        = ''::bytea) NOT VALID;

-- 2. No tenant foreign key on the fact headers cs-ingest writes, as 0010
-- did for the ledger: cs-ingest registers a batch's tenants in the same
-- transaction before it writes their rows, and no one deletes a tenant.
-- The key check cost 0.26 s of the benchmark's 4.7 s (about 3 µs per
-- order or shipment header).
ALTER TABLE orders DROP CONSTRAINT orders_tenant_id_fkey;
ALTER TABLE shipments DROP CONSTRAINT shipments_tenant_id_fkey;
ALTER TABLE order_responses DROP CONSTRAINT order_responses_tenant_id_fkey;
ALTER TABLE invoices DROP CONSTRAINT invoices_tenant_id_fkey;
