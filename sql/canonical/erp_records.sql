-- The ERP side of the canonical model in one shape, whichever vendor keeps a legal entity's books:
-- QuickBooks Online (a company per entity) or Xero Accounting (an organisation per entity). Defined
-- for the session before each canonical table's SQL runs, so those read "the ERP" and never ask which
-- vendor an entity runs (docs/decisions.md 29). Ids are `<entity>:<the vendor's id>` either way.
-- Xero specifics, from its Accounting API: dates are `/Date(ms+0000)/`; a voided document keeps its
-- Total but has left the books, so its amounts count as zero, as QuickBooks zeroes a voided invoice;
-- drafts and deleted documents were never posted; CurrencyRate is foreign units per unit of the base
-- currency, the inverse of QuickBooks' ExchangeRate; a contact without DefaultCurrency bills in the
-- organisation's base currency; Xero has no customer hierarchy and no project sub-customers.
-- The on-premises ledger (docs/ledger.md) is tables: ISO dates, amounts as numbers, a `status` column;
-- a draft invoice was never posted and a voided one counts zero, as in the others; its exchange_rate is
-- QuickBooks' direction already; it keeps a customer hierarchy (parent_customer_id) but no project
-- sub-customers, employees or time.

CREATE OR REPLACE TEMP MACRO xero_date(value) AS
    epoch_ms(TRY_CAST(regexp_extract(value, '^/Date\((-?[0-9]+)', 1) AS BIGINT))::DATE;

CREATE OR REPLACE TEMP MACRO xero_amount(document, amount) AS
    CASE WHEN document ->> '$.Status' = 'VOIDED' THEN 0 ELSE amount::DECIMAL(18, 2) END;

-- A Xero payment received on a sales invoice (a deleted one was reversed; a refund, prepayment or
-- overpayment is not an invoice's receipt)
CREATE OR REPLACE TEMP MACRO xero_receipt(payment) AS
    coalesce(payment ->> '$.Status', 'AUTHORISED') <> 'DELETED'
    AND coalesce(payment ->> '$.PaymentType',
                 CASE payment ->> '$.Invoice.Type' WHEN 'ACCREC' THEN 'ACCRECPAYMENT' END) = 'ACCRECPAYMENT';

-- A Xero sales document that is in the books: authorised (or paid), or voided (its amounts zero)
CREATE OR REPLACE TEMP MACRO xero_posted(document) AS
    document ->> '$.Status' IN ('AUTHORISED', 'PAID', 'VOIDED');

CREATE OR REPLACE TEMP MACRO ledger_amount(document, amount) AS
    CASE WHEN document ->> '$.status' = 'voided' THEN 0 ELSE amount::DECIMAL(18, 2) END;

-- Across an ERP cutover (raw.companies: each company's side and the date, docs/decisions.md 33), the
-- ERP that keeps a legal entity's master data (customers, projects, people, time) on the night: the
-- former before the cutover date, the current from it on. An entity with one ERP keeps it.
CREATE OR REPLACE TEMP MACRO erp_of_night(cutover_role, cutover_date, night) AS
    cutover_role IS NULL OR (cutover_role = 'current') = (night >= cutover_date);

CREATE OR REPLACE TEMP MACRO erp_keeps_master(of_vendor, of_entity, night) AS
    NOT EXISTS (SELECT 1 FROM raw.companies AS side_of_cutover
                WHERE side_of_cutover.snapshot_date = night AND side_of_cutover.system = of_vendor
                  AND side_of_cutover.entity = of_entity
                  AND NOT erp_of_night(side_of_cutover.cutover_role, side_of_cutover.cutover_date, night));

-- An opening item migrated at a cutover names the old ERP's invoice: `migrated:<old system>:<old id>`
-- (Xero's Reference, QuickBooks' PrivateNote), here `<entity>:<old system>:<old id>` in lower case (Xero's
-- ids are GUIDs, case-insensitive). invoice.sql resolves it to the old invoice, where a cutover says so.
CREATE OR REPLACE TEMP MACRO erp_migrated_from(entity, note) AS
    entity || ':' || lower(nullif(regexp_extract(note, 'migrated:([a-z]+:[A-Za-z0-9-]+)', 1), ''));

-- Each legal entity's ERP company: its vendor, what that vendor can tell (a customer hierarchy; the
-- employee master and time: a Xero organisation keeps them in Xero Projects when it uses it, the ledger
-- never), name and home currency.
-- A Xero entity is the tenant it was read from (raw.companies), so that a quarantined Organisation
-- record leaves its name and currency unknown but not what its ERP can tell.
CREATE OR REPLACE TEMP MACRO erp_companies(night) AS TABLE
    SELECT 'quickbooks' AS vendor, true AS keeps_hierarchy, true AS keeps_time,
           info.entity AS legal_entity, info.entity || ':' || info.record_id AS source_id,
           company.company_id, coalesce(info.payload ->> '$.CompanyName', info.payload ->> '$.LegalName') AS name,
           prefs.payload ->> '$.CurrencyPrefs.HomeCurrency.value' AS home_currency,
           company.cutover_role, company.cutover_date
    FROM valid.quickbooks__companyinfo AS info
    LEFT JOIN valid.quickbooks__preferences AS prefs
           ON prefs.snapshot_date = info.snapshot_date AND prefs.entity = info.entity
    LEFT JOIN raw.companies AS company
           ON company.snapshot_date = info.snapshot_date AND company.system = 'quickbooks'
          AND company.object = 'CompanyInfo' AND company.entity = info.entity
    WHERE info.snapshot_date = night
    UNION ALL
    SELECT 'xero', false,
           -- an organisation that uses Xero Projects keeps its time there; one that does not keeps none
           EXISTS (SELECT 1 FROM valid.xero__projects AS used
                   WHERE used.snapshot_date = company.snapshot_date AND used.entity = company.entity),
           company.entity, company.entity || ':' || company.company_id, company.company_id,
           coalesce(o.payload ->> '$.Name', o.payload ->> '$.LegalName'), o.payload ->> '$.BaseCurrency',
           company.cutover_role, company.cutover_date
    FROM raw.companies AS company
    LEFT JOIN valid.xero__organisation AS o ON o.snapshot_date = company.snapshot_date AND o.entity = company.entity
    WHERE company.snapshot_date = night AND company.system = 'xero' AND company.object = 'Organisation'
    UNION ALL
    SELECT 'ledger', true, false, company.entity, company.entity || ':' || company.company_id, company.company_id,
           c.payload ->> '$.name', c.payload ->> '$.home_currency', company.cutover_role, company.cutover_date
    FROM raw.companies AS company
    LEFT JOIN valid.ledger__companies AS c ON c.snapshot_date = company.snapshot_date AND c.entity = company.entity
    WHERE company.snapshot_date = night AND company.system = 'ledger' AND company.object = 'companies';

-- Customers (not QuickBooks' project sub-customers, which are engagements). A Xero contact is a
-- customer unless it is only a supplier: Xero sets IsCustomer on a contact's first sales invoice, and
-- a customer the CRM names may not have one yet. Its billing currency is its DefaultCurrency, else the
-- one currency its invoices are in (Xero invoices a contact in any currency), else unknown.
CREATE OR REPLACE TEMP MACRO erp_customer_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, q.entity AS legal_entity, q.entity || ':' || q.record_id AS source_id,
           q.payload ->> '$.DisplayName' AS name,
           q.entity || ':' || (q.payload ->> '$.ParentRef.value') AS parent_source_id,
           q.payload ->> '$.CurrencyRef.value' AS currency,
           (q.payload ->> '$.Active')::BOOLEAN AS is_active,
           q.payload ->> '$.PrimaryTaxIdentifier' AS tax_id,
           q.payload ->> '$.WebAddr.URI' AS website,
           (q.payload ->> '$.Balance')::DECIMAL(18, 2) AS balance,
           (q.payload ->> '$.BalanceWithJobs')::DECIMAL(18, 2) AS balance_with_jobs
    FROM valid.quickbooks__customer AS q
    WHERE q.snapshot_date = night AND NOT coalesce((q.payload ->> '$.IsProject')::BOOLEAN, false)
      AND erp_keeps_master('quickbooks', q.entity, night)
    UNION ALL
    SELECT 'xero', c.entity, c.entity || ':' || c.record_id, c.payload ->> '$.Name', NULL,
           coalesce(nullif(c.payload ->> '$.DefaultCurrency', ''), billed.currency),
           c.payload ->> '$.ContactStatus' = 'ACTIVE',
           nullif(c.payload ->> '$.TaxNumber', ''),
           nullif(c.payload ->> '$.Website', ''),
           (c.payload ->> '$.Balances.AccountsReceivable.Outstanding')::DECIMAL(18, 2),
           (c.payload ->> '$.Balances.AccountsReceivable.Outstanding')::DECIMAL(18, 2)
    FROM valid.xero__contacts AS c
    LEFT JOIN (SELECT entity, payload ->> '$.Contact.ContactID' AS contact_id, min(payload ->> '$.CurrencyCode') AS currency
               FROM valid.xero__invoices
               WHERE snapshot_date = night AND payload ->> '$.Type' = 'ACCREC' AND xero_posted(payload)
               GROUP BY ALL HAVING count(DISTINCT payload ->> '$.CurrencyCode') = 1) AS billed
           ON billed.entity = c.entity AND billed.contact_id = c.record_id
    WHERE c.snapshot_date = night AND erp_keeps_master('xero', c.entity, night)
      AND (coalesce((c.payload ->> '$.IsCustomer')::BOOLEAN, false)
           OR NOT coalesce((c.payload ->> '$.IsSupplier')::BOOLEAN, false))
    UNION ALL
    -- a ledger customer's balance is what its posted invoices leave due less its credit memos' remaining credit
    SELECT 'ledger', c.entity, c.entity || ':' || c.record_id, c.payload ->> '$.name',
           c.entity || ':' || (c.payload ->> '$.parent_customer_id'),
           nullif(c.payload ->> '$.currency', ''),
           (c.payload ->> '$.is_active')::BOOLEAN,
           nullif(c.payload ->> '$.tax_id', ''),
           nullif(c.payload ->> '$.website', ''),
           coalesce(due.amount, 0) - coalesce(credit.amount, 0),
           coalesce(due.amount, 0) - coalesce(credit.amount, 0)
    FROM valid.ledger__customers AS c
    LEFT JOIN (SELECT entity, payload ->> '$.customer_id' AS customer_id,
                      sum(ledger_amount(payload, payload ->> '$.amount_due')) AS amount
               FROM valid.ledger__invoices
               WHERE snapshot_date = night AND payload ->> '$.status' <> 'draft' GROUP BY ALL) AS due
           ON due.entity = c.entity AND due.customer_id = c.record_id
    LEFT JOIN (SELECT entity, payload ->> '$.customer_id' AS customer_id,
                      sum((payload ->> '$.remaining')::DECIMAL(18, 2)) AS amount
               FROM valid.ledger__credit_memos WHERE snapshot_date = night GROUP BY ALL) AS credit
           ON credit.entity = c.entity AND credit.customer_id = c.record_id
    WHERE c.snapshot_date = night AND erp_keeps_master('ledger', c.entity, night);

-- Sales invoices, with the PSA invoice each names (`harvest_invoice:<id>`: QuickBooks' PrivateNote,
-- Xero's Reference). `lines_total` is before discounts and tax: Xero discounts inside each line, so
-- its lines total is its SubTotal (after discounts) plus its TotalDiscount.
CREATE OR REPLACE TEMP MACRO erp_invoice_records(night) AS TABLE
    -- QuickBooks' payloads parsed once each (json_transform), lines included, not once per field; a value
    -- not of its type reads as NULL, as in invoice.sql
    SELECT 'quickbooks' AS vendor, i.entity AS legal_entity, i.record_id, i.entity || ':' || i.record_id AS source_id,
           i.entity || ':' || i.d.CustomerRef.value AS customer_source_id,
           regexp_extract(i.d.PrivateNote, 'harvest_invoice:(\d+)', 1) AS psa_invoice_ref,
           erp_migrated_from(i.entity, i.d.PrivateNote) AS migrated_from,
           'erp.PrivateNote.harvest_invoice' AS psa_link,
           i.d.DocNumber AS document_number,
           i.d.TxnDate AS issue_date,
           i.d.DueDate AS due_date,
           i.d.CurrencyRef.value AS currency,
           i.d.TotalAmt AS total,
           i.d.Balance AS amount_due,
           CASE WHEN regexp_matches(coalesce(i.d.PrivateNote, ''), '\bVoided\b') THEN 'voided'
                WHEN i.d.Balance = 0 THEN 'paid'
                ELSE 'open' END AS status,
           coalesce(list_sum([l.Amount FOR l IN i.d.Line IF l.DetailType = 'SalesItemLineDetail']), 0) AS lines_total,
           coalesce(list_sum([l.Amount FOR l IN i.d.Line IF l.DetailType = 'DiscountLineDetail']), 0) AS discount_total,
           coalesce(i.d.TxnTaxDetail.TotalTax, 0) AS tax_total,
           i.d.ExchangeRate AS exchange_rate
    FROM (
        SELECT entity, record_id, json_transform(payload, '{"CustomerRef": {"value": "VARCHAR"},
                   "PrivateNote": "VARCHAR", "DocNumber": "VARCHAR", "TxnDate": "DATE", "DueDate": "DATE",
                   "CurrencyRef": {"value": "VARCHAR"}, "TotalAmt": "DECIMAL(18, 2)", "Balance": "DECIMAL(18, 2)",
                   "TxnTaxDetail": {"TotalTax": "DECIMAL(18, 2)"}, "ExchangeRate": "DECIMAL(18, 6)",
                   "Line": [{"Amount": "DECIMAL(18, 2)", "DetailType": "VARCHAR"}]}') AS d
        FROM valid.quickbooks__invoice
        WHERE snapshot_date = night
    ) AS i
    UNION ALL
    SELECT 'xero', i.entity, i.record_id, i.entity || ':' || i.record_id,
           i.entity || ':' || (i.payload ->> '$.Contact.ContactID'),
           regexp_extract(i.payload ->> '$.Reference', 'harvest_invoice:(\d+)', 1),
           erp_migrated_from(i.entity, i.payload ->> '$.Reference'),
           'erp.Reference.harvest_invoice',
           i.payload ->> '$.InvoiceNumber',
           xero_date(i.payload ->> '$.Date'),
           xero_date(i.payload ->> '$.DueDate'),
           i.payload ->> '$.CurrencyCode',
           xero_amount(i.payload, i.payload ->> '$.Total'),
           xero_amount(i.payload, i.payload ->> '$.AmountDue'),
           CASE WHEN i.payload ->> '$.Status' = 'VOIDED' THEN 'voided'
                WHEN (i.payload ->> '$.AmountDue')::DECIMAL(18, 2) = 0 THEN 'paid'
                ELSE 'open' END,
           coalesce(xero_amount(i.payload, i.payload ->> '$.SubTotal'), 0)
               + coalesce(xero_amount(i.payload, i.payload ->> '$.TotalDiscount'), 0),
           coalesce(xero_amount(i.payload, i.payload ->> '$.TotalDiscount'), 0),
           coalesce(xero_amount(i.payload, i.payload ->> '$.TotalTax'), 0),
           (1 / nullif((i.payload ->> '$.CurrencyRate')::DOUBLE, 0))::DECIMAL(18, 6)
    FROM valid.xero__invoices AS i
    WHERE i.snapshot_date = night AND i.payload ->> '$.Type' = 'ACCREC' AND xero_posted(i.payload)
    UNION ALL
    SELECT 'ledger', i.entity, i.record_id, i.entity || ':' || i.record_id,
           i.entity || ':' || (i.payload ->> '$.customer_id'),
           regexp_extract(i.payload ->> '$.reference', 'harvest_invoice:(\d+)', 1),
           erp_migrated_from(i.entity, i.payload ->> '$.reference'),
           'erp.reference.harvest_invoice',
           i.payload ->> '$.invoice_number',
           (i.payload ->> '$.issue_date')::DATE,
           (i.payload ->> '$.due_date')::DATE,
           i.payload ->> '$.currency',
           ledger_amount(i.payload, i.payload ->> '$.total'),
           ledger_amount(i.payload, i.payload ->> '$.amount_due'),
           i.payload ->> '$.status',
           ledger_amount(i.payload, i.payload ->> '$.lines_total'),
           ledger_amount(i.payload, i.payload ->> '$.discount_total'),
           ledger_amount(i.payload, i.payload ->> '$.tax_total'),
           (i.payload ->> '$.exchange_rate')::DECIMAL(18, 6)
    FROM valid.ledger__invoices AS i
    WHERE i.snapshot_date = night AND i.payload ->> '$.status' <> 'draft';

-- An invoice's sales lines in document order, without QuickBooks' subtotal and discount lines.
CREATE OR REPLACE TEMP MACRO erp_invoice_line_records(night) AS TABLE
    SELECT source_id, coalesce(line.LineNum, position)::INTEGER AS line_number,
           line.SalesItemLineDetail.ItemRef.name AS kind,
           line.Description AS description,
           line.SalesItemLineDetail.Qty AS quantity,
           line.SalesItemLineDetail.UnitPrice AS unit_price,
           line.Amount AS amount
    FROM (
        -- QuickBooks' lines parsed once each (json_transform), not once per field
        SELECT entity || ':' || record_id AS source_id, unnest(lines) AS line, generate_subscripts(lines, 1) AS position
        FROM (
            SELECT entity, record_id, json_transform(payload -> '$.Line', '[{"LineNum": "INTEGER",
                       "DetailType": "VARCHAR", "Description": "VARCHAR", "Amount": "DECIMAL(18, 2)",
                       "SalesItemLineDetail": {"ItemRef": {"name": "VARCHAR"}, "Qty": "DECIMAL(18, 4)",
                                               "UnitPrice": "DECIMAL(18, 2)"}}]') AS lines
            FROM valid.quickbooks__invoice
            WHERE snapshot_date = night
        )
    )
    WHERE line.DetailType = 'SalesItemLineDetail'
    UNION ALL
    SELECT i.entity || ':' || i.record_id, line.key::INTEGER + 1,
           coalesce(line.value ->> '$.ItemCode', line.value ->> '$.AccountCode'),
           line.value ->> '$.Description',
           (line.value ->> '$.Quantity')::DECIMAL(18, 4),
           (line.value ->> '$.UnitAmount')::DECIMAL(18, 2),
           (line.value ->> '$.LineAmount')::DECIMAL(18, 2)
    FROM valid.xero__invoices AS i, json_each(i.payload -> '$.LineItems') AS line
    WHERE i.snapshot_date = night AND i.payload ->> '$.Type' = 'ACCREC' AND xero_posted(i.payload)
    UNION ALL
    SELECT i.entity || ':' || i.record_id, (l.payload ->> '$.line_number')::INTEGER,
           l.payload ->> '$.item', l.payload ->> '$.description',
           (l.payload ->> '$.quantity')::DECIMAL(18, 4),
           (l.payload ->> '$.unit_price')::DECIMAL(18, 2),
           (l.payload ->> '$.amount')::DECIMAL(18, 2)
    FROM valid.ledger__invoice_lines AS l
    JOIN valid.ledger__invoices AS i
      ON i.snapshot_date = l.snapshot_date AND i.entity = l.entity AND i.record_id = l.payload ->> '$.invoice_id'
    WHERE l.snapshot_date = night AND i.payload ->> '$.status' <> 'draft';

-- Credit memos: QuickBooks CreditMemo, Xero CreditNote of type ACCRECCREDIT.
CREATE OR REPLACE TEMP MACRO erp_credit_memo_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, m.entity AS legal_entity, m.entity || ':' || m.record_id AS source_id,
           m.entity || ':' || (m.payload ->> '$.CustomerRef.value') AS customer_source_id,
           m.payload ->> '$.DocNumber' AS document_number,
           (m.payload ->> '$.TxnDate')::DATE AS issue_date,
           m.payload ->> '$.CurrencyRef.value' AS currency,
           (m.payload ->> '$.TotalAmt')::DECIMAL(18, 2) AS total,
           (m.payload ->> '$.RemainingCredit')::DECIMAL(18, 2) AS remaining
    FROM valid.quickbooks__creditmemo AS m
    WHERE m.snapshot_date = night
    UNION ALL
    SELECT 'xero', m.entity, m.entity || ':' || m.record_id,
           m.entity || ':' || (m.payload ->> '$.Contact.ContactID'),
           m.payload ->> '$.CreditNoteNumber',
           xero_date(m.payload ->> '$.Date'),
           m.payload ->> '$.CurrencyCode',
           xero_amount(m.payload, m.payload ->> '$.Total'),
           xero_amount(m.payload, m.payload ->> '$.RemainingCredit')
    FROM valid.xero__creditnotes AS m
    WHERE m.snapshot_date = night AND m.payload ->> '$.Type' = 'ACCRECCREDIT' AND xero_posted(m.payload)
    UNION ALL
    SELECT 'ledger', m.entity, m.entity || ':' || m.record_id,
           m.entity || ':' || (m.payload ->> '$.customer_id'),
           m.payload ->> '$.credit_number',
           (m.payload ->> '$.issue_date')::DATE,
           m.payload ->> '$.currency',
           (m.payload ->> '$.total')::DECIMAL(18, 2),
           (m.payload ->> '$.remaining')::DECIMAL(18, 2)
    FROM valid.ledger__credit_memos AS m
    WHERE m.snapshot_date = night;

-- Cash received: QuickBooks Payments (a zero one may only apply a credit memo), Xero receipts on sales
-- invoices. A Xero payment's customer is its invoice's. (Xero prepayments and overpayments allocated
-- to invoices are not read yet: their allocations lower AmountDue without a payment row.)
CREATE OR REPLACE TEMP MACRO erp_payment_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, p.entity AS legal_entity, p.entity || ':' || p.record_id AS source_id,
           p.entity || ':' || (p.payload ->> '$.CustomerRef.value') AS customer_source_id,
           (p.payload ->> '$.TxnDate')::DATE AS payment_date,
           p.payload ->> '$.CurrencyRef.value' AS currency,
           (p.payload ->> '$.TotalAmt')::DECIMAL(18, 2) AS amount
    FROM valid.quickbooks__payment AS p
    WHERE p.snapshot_date = night
    UNION ALL
    SELECT 'xero', p.entity, p.entity || ':' || p.record_id,
           p.entity || ':' || coalesce(p.payload ->> '$.Invoice.Contact.ContactID', i.payload ->> '$.Contact.ContactID'),
           xero_date(p.payload ->> '$.Date'),
           coalesce(p.payload ->> '$.Invoice.CurrencyCode', i.payload ->> '$.CurrencyCode'),
           (p.payload ->> '$.Amount')::DECIMAL(18, 2)
    FROM valid.xero__payments AS p
    LEFT JOIN valid.xero__invoices AS i
           ON i.snapshot_date = p.snapshot_date AND i.entity = p.entity
          AND i.record_id = p.payload ->> '$.Invoice.InvoiceID'
    WHERE p.snapshot_date = night AND xero_receipt(p.payload)
    UNION ALL
    SELECT 'ledger', p.entity, p.entity || ':' || p.record_id,
           p.entity || ':' || (p.payload ->> '$.customer_id'),
           (p.payload ->> '$.payment_date')::DATE,
           p.payload ->> '$.currency',
           (p.payload ->> '$.amount')::DECIMAL(18, 2)
    FROM valid.ledger__payments AS p
    WHERE p.snapshot_date = night;

-- What settles each invoice, one row per application: `source_id` is the settling document (a
-- payment, or for a Xero credit note's allocation the credit note itself: Xero applies credit without
-- a payment), with the credit memo it applies where it applies one, and the day it was applied.
CREATE OR REPLACE TEMP MACRO erp_payment_application_records(night) AS TABLE
    WITH lines AS (
        SELECT p.entity, p.entity || ':' || p.record_id AS source_id, line.key AS line_key,
               (p.payload ->> '$.TxnDate')::DATE AS applied_on,
               (line.value ->> '$.Amount')::DECIMAL(18, 2) AS amount, line.value -> '$.LinkedTxn' AS linked
        FROM valid.quickbooks__payment AS p, json_each(p.payload -> '$.Line') AS line
        WHERE p.snapshot_date = night
    ),
    quickbooks_applied AS (
        SELECT l.entity, l.source_id, l.line_key, any_value(l.applied_on) AS applied_on, any_value(l.amount) AS amount,
               min(txn.value ->> '$.TxnId') FILTER (WHERE txn.value ->> '$.TxnType' = 'Invoice') AS invoice_id,
               min(txn.value ->> '$.TxnId') FILTER (WHERE txn.value ->> '$.TxnType' = 'CreditMemo') AS credit_memo_id
        FROM lines AS l LEFT JOIN json_each(l.linked) AS txn ON true
        GROUP BY 1, 2, 3
    )
    SELECT entity AS legal_entity, source_id, line_key, applied_on, amount,
           entity || ':' || invoice_id AS invoice_source_id, entity || ':' || credit_memo_id AS credit_memo_source_id
    FROM quickbooks_applied
    UNION ALL
    SELECT p.entity, p.entity || ':' || p.record_id, '0', xero_date(p.payload ->> '$.Date'),
           (p.payload ->> '$.Amount')::DECIMAL(18, 2),
           p.entity || ':' || (p.payload ->> '$.Invoice.InvoiceID'), NULL
    FROM valid.xero__payments AS p
    WHERE p.snapshot_date = night AND xero_receipt(p.payload)
    UNION ALL
    SELECT m.entity, m.entity || ':' || m.record_id, allocation.key, xero_date(allocation.value ->> '$.Date'),
           (allocation.value ->> '$.Amount')::DECIMAL(18, 2),
           m.entity || ':' || (allocation.value ->> '$.Invoice.InvoiceID'), m.entity || ':' || m.record_id
    FROM valid.xero__creditnotes AS m, json_each(m.payload -> '$.Allocations') AS allocation
    WHERE m.snapshot_date = night AND m.payload ->> '$.Type' = 'ACCRECCREDIT'
      AND m.payload ->> '$.Status' IN ('AUTHORISED', 'PAID')
      AND NOT coalesce((allocation.value ->> '$.IsDeleted')::BOOLEAN, false)
    UNION ALL
    -- a ledger application applies a payment's cash or a credit memo's credit (no payment); the latter's
    -- settling document is named `<entity>:credit_memo:<id>`, since payments and credit memos number apart
    SELECT a.entity,
           a.entity || ':' || coalesce(a.payload ->> '$.payment_id', 'credit_memo:' || (a.payload ->> '$.credit_memo_id')),
           a.record_id, (a.payload ->> '$.applied_on')::DATE,
           (a.payload ->> '$.amount')::DECIMAL(18, 2),
           a.entity || ':' || (a.payload ->> '$.invoice_id'),
           a.entity || ':' || (a.payload ->> '$.credit_memo_id')
    FROM valid.ledger__payment_applications AS a
    WHERE a.snapshot_date = night;

-- ERP engagements: QuickBooks' project sub-customers and Xero Projects, each naming the PSA project it
-- was made for (`harvest_project:<id>`: in a sub-customer's Notes; in brackets ending a Xero project's
-- name) and its customer (a sub-customer's parent; a Xero project's contact). The ledger keeps none.
CREATE OR REPLACE TEMP MACRO erp_project_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, q.entity AS legal_entity, q.entity || ':' || q.record_id AS source_id,
           q.entity || ':' || (q.payload ->> '$.ParentRef.value') AS customer_source_id,
           q.payload ->> '$.DisplayName' AS name,
           q.payload ->> '$.CurrencyRef.value' AS currency,
           (q.payload ->> '$.Active')::BOOLEAN AS is_active,
           regexp_extract(q.payload ->> '$.Notes', 'harvest_project:(\d+)', 1) AS psa_project_id
    FROM valid.quickbooks__customer AS q
    WHERE q.snapshot_date = night AND coalesce((q.payload ->> '$.IsProject')::BOOLEAN, false)
      AND erp_keeps_master('quickbooks', q.entity, night)
    UNION ALL
    SELECT 'xero', p.entity, p.entity || ':' || p.record_id, p.entity || ':' || (p.payload ->> '$.contactId'),
           p.payload ->> '$.name', p.payload ->> '$.currencyCode', p.payload ->> '$.status' = 'INPROGRESS',
           regexp_extract(p.payload ->> '$.name', '\[harvest_project:(\d+)\]\s*$', 1)
    FROM valid.xero__projects AS p
    WHERE p.snapshot_date = night AND erp_keeps_master('xero', p.entity, night);

-- The ERP's people: QuickBooks employees and Xero Projects' users (whom time is logged by), matched to
-- PSA users by e-mail. A Xero user carries no rates and no active flag.
CREATE OR REPLACE TEMP MACRO erp_employee_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, e.entity AS legal_entity, e.entity || ':' || e.record_id AS source_id,
           e.payload ->> '$.PrimaryEmailAddr.Address' AS email,
           e.payload ->> '$.DisplayName' AS name,
           (e.payload ->> '$.CostRate')::DECIMAL(18, 2) AS cost_rate,
           (e.payload ->> '$.BillRate')::DECIMAL(18, 2) AS default_rate,
           (e.payload ->> '$.Active')::BOOLEAN AS is_active
    FROM valid.quickbooks__employee AS e
    WHERE e.snapshot_date = night AND erp_keeps_master('quickbooks', e.entity, night)
    UNION ALL
    SELECT 'xero', u.entity, u.entity || ':' || u.record_id, u.payload ->> '$.email', u.payload ->> '$.name',
           NULL, NULL, NULL
    FROM valid.xero__projectsusers AS u
    WHERE u.snapshot_date = night AND erp_keeps_master('xero', u.entity, night);

-- The ERP's copies of PSA time: QuickBooks TimeActivities (on a project sub-customer or a plain customer)
-- and Xero Projects' time entries, each naming its PSA entry (`harvest_time_entry:<id>` in its
-- description). Billable status in QuickBooks' words: a Xero entry on a NON_CHARGEABLE task is
-- NotBillable, else ACTIVE is Billable and INVOICED HasBeenBilled (a LOCKED one, being invoiced, is
-- neither); its rate is its task's when the task is charged by TIME; its date the UTC day of `dateUtc`.
-- The QuickBooks payloads are parsed once each (json_transform): the biggest ERP table.
CREATE OR REPLACE TEMP MACRO erp_time_records(night) AS TABLE
    SELECT 'quickbooks' AS vendor, t.entity AS legal_entity, t.entity || ':' || t.record_id AS source_id,
           t.entity || ':' || t.a.CustomerRef.value AS project_source_id,
           t.entity || ':' || t.a.EmployeeRef.value AS user_source_id,
           t.a.TxnDate AS spent_date,
           (coalesce(t.a.Hours, 0) + coalesce(t.a.Minutes, 0) / 60)::DECIMAL(12, 4) AS hours,
           t.a.BillableStatus IN ('Billable', 'HasBeenBilled') AS billable,
           t.a.BillableStatus = 'HasBeenBilled' AS is_billed,
           t.a.BillableStatus AS billable_status,
           t.a.HourlyRate AS billable_rate,
           regexp_extract(t.a.Description, 'harvest_time_entry:(\d+)', 1) AS psa_time_entry_id
    FROM (
        SELECT entity, record_id, json_transform(payload, '{"CustomerRef": {"value": "VARCHAR"},
                   "EmployeeRef": {"value": "VARCHAR"}, "TxnDate": "DATE", "Hours": "DECIMAL(12, 4)",
                   "Minutes": "DECIMAL(12, 4)", "BillableStatus": "VARCHAR", "Description": "VARCHAR",
                   "HourlyRate": "DECIMAL(18, 2)"}') AS a
        FROM valid.quickbooks__timeactivity AS activity
        WHERE activity.snapshot_date = night AND erp_keeps_master('quickbooks', activity.entity, night)
    ) AS t
    UNION ALL
    SELECT 'xero', t.entity, t.entity || ':' || t.record_id,
           t.entity || ':' || (t.payload ->> '$.projectId'),
           t.entity || ':' || (t.payload ->> '$.userId'),
           ((t.payload ->> '$.dateUtc')::TIMESTAMPTZ AT TIME ZONE 'UTC')::DATE,
           ((t.payload ->> '$.duration')::DECIMAL(12, 4) / 60)::DECIMAL(12, 4),
           task.payload ->> '$.chargeType' IN ('TIME', 'FIXED'),
           t.payload ->> '$.status' = 'INVOICED',
           CASE WHEN task.payload ->> '$.chargeType' = 'NON_CHARGEABLE' THEN 'NotBillable'
                WHEN t.payload ->> '$.status' = 'ACTIVE' THEN 'Billable'
                WHEN t.payload ->> '$.status' = 'INVOICED' THEN 'HasBeenBilled' END,
           CASE WHEN task.payload ->> '$.chargeType' = 'TIME' THEN (task.payload ->> '$.rate.value')::DECIMAL(18, 2) END,
           regexp_extract(t.payload ->> '$.description', 'harvest_time_entry:(\d+)', 1)
    FROM valid.xero__projecttime AS t
    LEFT JOIN valid.xero__projecttasks AS task
           ON task.snapshot_date = t.snapshot_date AND task.entity = t.entity
          AND task.record_id = t.payload ->> '$.taskId'
    WHERE t.snapshot_date = night AND erp_keeps_master('xero', t.entity, night);
