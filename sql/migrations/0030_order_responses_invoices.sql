-- 0030_order_responses_invoices.sql - the families cs.order_response.v1
-- (X12 855, EDIFACT ORDRSP) and cs.invoice.v1 (X12 810, EDIFACT INVOIC)
-- of docs/events.md: what the supplier confirmed and what it billed,
-- beside the buyer's order, for delivery and price performance. Same
-- shape as orders and shipments: a header per key (the newest event
-- wins, a revision replaces all lines) and lines partitioned by month.

-- The supplier's newest answer to one of the buyer's orders. Lines are
-- optional: a response may accept or reject the whole order.
CREATE TABLE order_responses (
    tenant_id    text NOT NULL REFERENCES tenants,
    buyer        uscc NOT NULL,
    order_id     text NOT NULL,
    supplier     uscc NOT NULL CHECK (supplier <> buyer),
    responded_at timestamptz NOT NULL,
    status       text NOT NULL CHECK (status IN ('accepted', 'changed',
                                                 'rejected')),
    status_code  text,
    response_id  text,
    order_time   timestamptz,
    currency     char(3) NOT NULL,
    n_lines      integer NOT NULL CHECK (n_lines >= 0),
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    source       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, buyer, order_id)
);
-- joins to orders (buyer, order_id) and the supplier's answer times
CREATE INDEX order_responses_order_idx ON order_responses (buyer, order_id);
CREATE INDEX order_responses_supplier_idx ON order_responses (supplier,
                                                              responded_at);

CREATE TABLE order_response_lines (
    tenant_id     text NOT NULL,
    buyer         uscc NOT NULL,
    order_id      text NOT NULL,
    line_no       integer NOT NULL CHECK (line_no > 0),
    responded_at  timestamptz NOT NULL,
    supplier      uscc NOT NULL,
    sku           text NOT NULL,
    quantity      numeric NOT NULL CHECK (quantity >= 0),
    unit          text NOT NULL,
    unit_price    numeric CHECK (unit_price >= 0),
    currency      char(3) NOT NULL,
    promised_time timestamptz,
    status        text CHECK (status IN ('accepted', 'changed', 'rejected')),
    status_code   text,
    event_id      text NOT NULL,
    event_time    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, buyer, order_id, line_no, responded_at)
) PARTITION BY RANGE (responded_at);
CREATE INDEX order_response_lines_order_idx ON order_response_lines (buyer,
                                                                     order_id);
CREATE INDEX order_response_lines_supplier_idx ON order_response_lines
    (supplier, responded_at);

-- An invoice as the supplier issued it (key: the issuing tenant and its
-- invoice number).
CREATE TABLE invoices (
    tenant_id    text NOT NULL REFERENCES tenants,
    invoice_id   text NOT NULL,
    supplier     uscc NOT NULL,
    buyer        uscc NOT NULL CHECK (buyer <> supplier),
    invoice_time timestamptz NOT NULL,
    order_id     text,
    order_time   timestamptz,
    currency     char(3) NOT NULL,
    total_amount numeric CHECK (total_amount >= 0),
    n_lines      integer NOT NULL CHECK (n_lines > 0),
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    source       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, invoice_id)
);
CREATE INDEX invoices_supplier_idx ON invoices (supplier, invoice_time);
CREATE INDEX invoices_buyer_idx ON invoices (buyer, invoice_time);
CREATE INDEX invoices_order_idx ON invoices (buyer, order_id);

CREATE TABLE invoice_lines (
    tenant_id    text NOT NULL,
    invoice_id   text NOT NULL,
    line_no      integer NOT NULL CHECK (line_no > 0),
    invoice_time timestamptz NOT NULL,
    supplier     uscc NOT NULL,
    buyer        uscc NOT NULL,
    order_id     text,
    sku          text NOT NULL,
    quantity     numeric NOT NULL CHECK (quantity >= 0),
    unit         text NOT NULL,
    unit_price   numeric CHECK (unit_price >= 0),
    amount       numeric CHECK (amount >= 0),
    currency     char(3) NOT NULL,
    event_id     text NOT NULL,
    event_time   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, line_no, invoice_time)
) PARTITION BY RANGE (invoice_time);
CREATE INDEX invoice_lines_supplier_idx ON invoice_lines (supplier,
                                                          invoice_time);
CREATE INDEX invoice_lines_buyer_idx ON invoice_lines (buyer, invoice_time);

SELECT cs_create_month_partitions(t, date '2020-01-01', 144)
FROM unnest(ARRAY['order_response_lines',
                  'invoice_lines']::regclass[]) AS t;
CREATE TABLE order_response_lines_default PARTITION OF order_response_lines
    DEFAULT;
CREATE TABLE invoice_lines_default PARTITION OF invoice_lines DEFAULT;

-- What cs_api may do (0003_security.sql): read the parents only, rows
-- scoped like orders and shipments: admin, and the buyer or the
-- supplier. Bureaus never see them (prices and line items stay private).
GRANT SELECT ON order_responses, order_response_lines, invoices,
    invoice_lines TO cs_api;
ALTER TABLE order_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_response_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY order_responses_read ON order_responses FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY order_response_lines_read ON order_response_lines FOR SELECT
TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY invoices_read ON invoices FOR SELECT TO cs_api USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
CREATE POLICY invoice_lines_read ON invoice_lines FOR SELECT TO cs_api
USING (
    cs_principal_role() = 'admin'
    OR (cs_principal_role() = 'enterprise'
        AND cs_principal_enterprise() IN (buyer, supplier)));
