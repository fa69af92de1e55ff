-- The on-premises ledger's tables (system `ledger`, /work/specs/ledger.md): one database may hold several
-- legal entities, every row but lines and applications carrying its entity_code. Portable SQL: the same
-- file runs unchanged on SQLite, MariaDB 10.11 and PostgreSQL 15 (statements end at a line ending in a
-- semicolon; no semicolon inside a comment). modified_at is UTC, set on insert and every update; nothing
-- is deleted (a void is status voided, an inactive customer is_active false). No foreign key or CHECK:
-- a row that breaks one is the reader's to quarantine, as a database without them would hand it over.

CREATE TABLE ledger_companies (
    entity_code VARCHAR(8) NOT NULL,
    name VARCHAR(200) NOT NULL,
    home_currency CHAR(3) NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (entity_code)
);

CREATE TABLE ledger_customers (
    customer_id INTEGER NOT NULL,
    entity_code VARCHAR(8) NOT NULL,
    name VARCHAR(200) NOT NULL,
    parent_customer_id INTEGER NULL,
    currency CHAR(3) NULL,
    is_active BOOLEAN NOT NULL,
    tax_id VARCHAR(50) NULL,
    website VARCHAR(200) NULL,
    external_ref VARCHAR(100) NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id)
);

CREATE TABLE ledger_invoices (
    invoice_id INTEGER NOT NULL,
    entity_code VARCHAR(8) NOT NULL,
    customer_id INTEGER NOT NULL,
    invoice_number VARCHAR(50) NOT NULL,
    issue_date DATE NOT NULL,
    due_date DATE NULL,
    currency CHAR(3) NOT NULL,
    lines_total DECIMAL(18,2) NOT NULL,
    discount_total DECIMAL(18,2) NOT NULL,
    tax_total DECIMAL(18,2) NOT NULL,
    total DECIMAL(18,2) NOT NULL,
    amount_due DECIMAL(18,2) NOT NULL,
    status VARCHAR(10) NOT NULL,
    reference VARCHAR(100) NULL,
    exchange_rate DECIMAL(18,6) NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (invoice_id)
);

CREATE TABLE ledger_invoice_lines (
    invoice_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    item VARCHAR(100) NOT NULL,
    description VARCHAR(500) NOT NULL,
    quantity DECIMAL(18,4) NOT NULL,
    unit_price DECIMAL(18,2) NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (invoice_id, line_number)
);

CREATE TABLE ledger_payments (
    payment_id INTEGER NOT NULL,
    entity_code VARCHAR(8) NOT NULL,
    customer_id INTEGER NOT NULL,
    payment_date DATE NOT NULL,
    currency CHAR(3) NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (payment_id)
);

CREATE TABLE ledger_payment_applications (
    application_id INTEGER NOT NULL,
    payment_id INTEGER NULL,
    credit_memo_id INTEGER NULL,
    invoice_id INTEGER NOT NULL,
    applied_on DATE NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id)
);

CREATE TABLE ledger_credit_memos (
    credit_memo_id INTEGER NOT NULL,
    entity_code VARCHAR(8) NOT NULL,
    customer_id INTEGER NOT NULL,
    credit_number VARCHAR(50) NOT NULL,
    issue_date DATE NOT NULL,
    currency CHAR(3) NOT NULL,
    total DECIMAL(18,2) NOT NULL,
    remaining DECIMAL(18,2) NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (credit_memo_id)
);

-- incremental nights read rows with modified_at >= watermark - overlap
CREATE INDEX ledger_companies_modified ON ledger_companies (modified_at);
CREATE INDEX ledger_customers_modified ON ledger_customers (modified_at);
CREATE INDEX ledger_invoices_modified ON ledger_invoices (modified_at);
CREATE INDEX ledger_invoice_lines_modified ON ledger_invoice_lines (modified_at);
CREATE INDEX ledger_payments_modified ON ledger_payments (modified_at);
CREATE INDEX ledger_payment_applications_modified ON ledger_payment_applications (modified_at);
CREATE INDEX ledger_credit_memos_modified ON ledger_credit_memos (modified_at);
