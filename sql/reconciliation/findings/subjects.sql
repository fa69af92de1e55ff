-- What the finding codes are about, one table macro per subject, defined for the session before they
-- run, so that a code file selects from its subject instead of joining it again. Where a subject fixes
-- the finding's identifying columns, it yields them as the struct `ids` under the contract's names, and
-- the file takes them with `ids.*` (a code grouping several rows per subject: `unnest(any_value(ids))`).
-- A record a LEFT JOIN did not find is a struct of NULLs, not NULL: test one of its fields.

-- The legal entities whose ERP keeps no customer hierarchy, or no employee master and time (a Xero
-- organisation that does not use Xero Projects, the ledger): the codes comparing those are not raised
-- there, where the ERP's silence is no evidence (canonical/erp_records.sql).
CREATE OR REPLACE TEMP MACRO erp_without_hierarchy(night) AS TABLE
    SELECT legal_entity FROM canonical.legal_entity
    WHERE snapshot_date = night AND legal_entity IS NOT NULL AND NOT erp_keeps_hierarchy;

CREATE OR REPLACE TEMP MACRO erp_without_time(night) AS TABLE
    SELECT legal_entity FROM canonical.legal_entity
    WHERE snapshot_date = night AND legal_entity IS NOT NULL AND NOT erp_keeps_time;

-- The night's customer records, every system's.
CREATE OR REPLACE TEMP MACRO customer_records(night) AS TABLE
    SELECT * FROM canonical.customer WHERE snapshot_date = night;

-- A customer's record in each system: one per system. The cross-references give a global id one
-- record per system at most (it is one CRM account's, which names one PSA client and one ERP
-- customer); a duplicate people confirmed in the match review (link `match_review`, docs/decisions.md
-- 25) adds a second, and the customer is then compared through the record it was joined to.
CREATE OR REPLACE TEMP MACRO customer_system_records(night) AS TABLE
    SELECT * FROM customer_records(night)
    QUALIFY row_number() OVER (PARTITION BY global_id, system ORDER BY link = 'match_review', source_id) = 1;

-- A customer by its global id, with its record in each system (`crm`, `psa`, `erp`) and the ids they
-- give a finding about it: one row per customer.
CREATE OR REPLACE TEMP MACRO customer_systems(night) AS TABLE
    SELECT g.global_id, crm, psa, erp,
           {'customer_global_id': g.global_id, 'crm_id': crm.source_id, 'psa_id': psa.source_id,
            'erp_id': erp.source_id} AS ids
    FROM (SELECT DISTINCT global_id FROM customer_records(night)) AS g
    LEFT JOIN customer_system_records(night) AS crm ON crm.global_id = g.global_id AND crm.system = 'crm'
    LEFT JOIN customer_system_records(night) AS psa ON psa.global_id = g.global_id AND psa.system = 'psa'
    LEFT JOIN customer_system_records(night) AS erp ON erp.global_id = g.global_id AND erp.system = 'erp';

-- Two customer records the matching stage scored as one company (`pair_kind` 'duplicate': in one
-- system, 'unlinked': in two), keyed by both records' ids, sorted; a pair people rejected in the
-- match review (its latest decision, workbench.match_decisions) is never suggested again.
CREATE OR REPLACE TEMP MACRO customer_pairs(night, pair_kind) AS TABLE
    SELECT *
    FROM (SELECT *,
                 array_to_string(list_sort([keep_system || ':' || keep_source_id,
                                            other_system || ':' || other_source_id]), '|') AS subject_key
          FROM recon.customer_match
          WHERE snapshot_date = night AND kind = pair_kind)
    WHERE subject_key NOT IN (SELECT pair_key FROM workbench.standing_match_decisions WHERE decision = 'rejected');

-- The customers' closed-won opportunities in the CRM: their value and the first close date.
CREATE OR REPLACE TEMP MACRO won_deals(night) AS TABLE
    SELECT customer_global_id AS global_id, sum(value) AS won_value, min(close_date) AS first_won
    FROM canonical.engagement
    WHERE snapshot_date = night AND system = 'crm' AND is_won
    GROUP BY 1;

-- A CRM opportunity (`opp`) and the PSA project (`project`) of the same engagement.
CREATE OR REPLACE TEMP MACRO opportunity_projects(night) AS TABLE
    SELECT opp, project,
           {'subject_key': 'crm:' || opp.source_id || '|psa:' || project.source_id,
            'legal_entity': opp.legal_entity, 'customer_global_id': opp.customer_global_id,
            'project_global_id': opp.global_id, 'crm_id': opp.source_id, 'psa_id': project.source_id} AS ids
    FROM canonical.engagement AS opp
    JOIN canonical.engagement AS project
      ON project.snapshot_date = opp.snapshot_date AND project.global_id = opp.global_id AND project.system = 'psa'
    WHERE opp.snapshot_date = night AND opp.system = 'crm';

-- A PSA time entry's columns with its ERP TimeActivity's status (`erp_billable_status`), the currency it
-- is billed in (the ERP's when it has a copy) and its finding's ids; a code selects `FROM
-- time_entry_pairs(night) AS t`. Flat columns, not whole-row structs: a code's predicate on them is pushed
-- below the join's projection, so the ids are built for its subjects only (structs made each code 3-5x
-- a bare join of the same tables; benchmarks/finding_queries.py).
CREATE OR REPLACE TEMP MACRO time_entry_pairs(night) AS TABLE
    SELECT t.*, erp.billable_status AS erp_billable_status, coalesce(erp.currency, t.currency) AS billed_currency,
           {'subject_key': t.source_id, 'legal_entity': t.legal_entity, 'customer_global_id': t.customer_global_id,
            'project_global_id': t.engagement_global_id, 'psa_id': t.source_id, 'erp_id': erp.source_id} AS ids
    FROM canonical.time_entry AS t
    LEFT JOIN canonical.time_entry AS erp
           ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
    WHERE t.snapshot_date = night AND t.system = 'psa';

-- A PSA invoice with each of its ERP postings (recon.invoice_match: one row with no ERP side when
-- it has none), the ids of a finding about the PSA invoice, and `amount_due`: the PSA's amount due
-- against the ERP's balance as a finding states them, for receipts one side does not reflect.
CREATE OR REPLACE TEMP MACRO psa_invoice_postings(night) AS TABLE
    SELECT *,
           {'subject_key': psa_invoice_id, 'legal_entity': legal_entity, 'customer_global_id': psa_customer_global_id,
            'project_global_id': erp_engagement_global_id, 'psa_id': psa_invoice_id,
            'document_number': psa_document_number, 'currency': psa_currency} AS ids,
           {'expected_value': format('{:.2f}', erp_amount_due_sum), 'actual_value': format('{:.2f}', psa_amount_due),
            'amount_difference': (psa_amount_due - erp_amount_due_sum)::DECIMAL(18, 2)} AS amount_due
    FROM recon.invoice_match
    WHERE snapshot_date = night AND psa_invoice_id IS NOT NULL;
