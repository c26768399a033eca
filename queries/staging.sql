-- Staging: helpers and views every report reads. Created as TEMP objects in the
-- report's own (read-only) session, so reports never write to the database.
-- The reports read the summaries stored with the lines (invoice_sums, account_sums,
-- product_sums, line_checks: migration 0007, computed by src/summary.rs) rather
-- than every line; stg_lines is there for what needs each line (statements, FOCUS).
--
-- Money and quantities are DECIMAL(18,4) in the tables; sums are DECIMAL(38,4), so no
-- sum of valid lines can overflow. No arithmetic here narrows a stored value.
-- The macros (macros.sql) are defined first.

-- Invoices with their billing month: the invoice date's month; for files loaded
-- without a date, the month of the latest service start on the invoice. An invoice
-- is its id (one row each); account_number is its owner (NULL: unknown). A TEMP
-- table, computed once per session (one row per invoice): every report reads it
-- several times, and a view would be planned again at each reference.
-- reseller_account is the reseller account the invoice belongs to: its owner when
-- the owner is a reseller (a reseller's own invoices), else the reseller whose list
-- names the owner; NULL for an invoice without an owner.
CREATE OR REPLACE TEMP TABLE stg_invoices AS
SELECT i.*,
       strftime(coalesce(i.invoice_date, d.latest_start), '%Y-%m') AS billing_month,
       CASE WHEN o.is_reseller THEN o.account_number ELSE o.reseller_account END AS reseller_account
  FROM invoices i
  LEFT JOIN invoice_sums d USING (invoice_id)
  LEFT JOIN customers o ON o.account_number = i.account_number;

-- Per invoice × sub-account (account_sums), with the billing month and the
-- invoice's owner.
CREATE OR REPLACE TEMP VIEW stg_account_sums AS
SELECT i.billing_month, i.account_number, s.*
  FROM account_sums s
  JOIN stg_invoices i ON i.invoice_id = s.invoice_id;

-- The lines the checks have something to say of (line_checks), with the billing
-- month and the invoice's owner.
CREATE OR REPLACE TEMP VIEW stg_line_checks AS
SELECT i.billing_month, i.account_number, l.*
  FROM line_checks l
  JOIN stg_invoices i ON i.invoice_id = l.invoice_id;

-- Every line item with its billing month, its invoice's owner and reseller account,
-- and the customer it bills (when the customer list knows the account).
CREATE OR REPLACE TEMP VIEW stg_lines AS
SELECT i.billing_month, i.account_number, i.reseller_account, l.*,
       c.name AS customer_name, c.reference_number AS customer_reference
  FROM line_items l
  JOIN stg_invoices i ON i.invoice_id = l.invoice_id
  LEFT JOIN customers c ON c.account_number = l.account_no;

-- Stored values no real bill holds (each is valid to store: the parser accepts up
-- to 14 integer digits): one row per line and column, for the implausible_value
-- finding: the lines src/summary.rs flagged implausible, a row per value beyond the
-- same bounds: |months| ≤ 120 (ten years on one line), |usage| ≤ 1,000,000 seats,
-- |rate| ≤ 100,000 per seat and month, |charge| ≤ 100,000,000.
CREATE OR REPLACE TEMP VIEW stg_implausible AS
SELECT billing_month, invoice_id, account_no, line_no, column_name, value, bound
  FROM (
    SELECT billing_month, invoice_id, account_no, line_no,
           unnest([
               {'column_name': 'months', 'value': months, 'bound': 120::DECIMAL(38,4)},
               {'column_name': 'usage_change', 'value': usage_change, 'bound': 1000000},
               {'column_name': 'current_usage', 'value': current_usage, 'bound': 1000000},
               {'column_name': 'term_committed_usage', 'value': term_committed_usage, 'bound': 1000000},
               {'column_name': 'rate', 'value': rate, 'bound': 100000},
               {'column_name': 'charge', 'value': charge, 'bound': 100000000}
           ], recursive := true)
      FROM stg_line_checks
     WHERE implausible)
 WHERE abs(value) > bound;

-- What each sub-account's lines bill per month and domain: seats = Σ current usage on
-- Renewal lines (users at the month's renewal). domain_key is the lowercased domain:
-- the matching rule against MailRoute customers, whose name is their domain
-- (case-insensitive).
CREATE OR REPLACE TEMP VIEW stg_billed_domains AS
SELECT i.billing_month, d.account_no, d.domain_key,
       min(d.domain) AS domain, any_value(c.name) AS customer_name,
       sum(d.seats) AS seats, sum(d.charge) AS charge
  FROM account_sums d
  JOIN stg_invoices i ON i.invoice_id = d.invoice_id
  LEFT JOIN customers c ON c.account_number = d.account_no
 GROUP BY i.billing_month, d.account_no, d.domain_key;

-- What a report reads of its session: the month ('YYYY-MM', 'all' or 'none'),
-- reconcile's threshold, whether a MailRoute snapshot is stored. Constants, defined
-- again by report::settings_sql before a report runs (macros of constants, where
-- they were session variables: see settings_sql).
CREATE OR REPLACE TEMP MACRO report_month() AS 'none';
CREATE OR REPLACE TEMP MACRO report_threshold() AS 25::INTEGER;
CREATE OR REPLACE TEMP MACRO report_has_mailroute() AS false;

-- The months a report covers: from n months before report_month() to it, or
-- every month when it is 'all' (billing months are 'YYYY-MM' text).
CREATE OR REPLACE TEMP MACRO report_first(n) AS
    CASE WHEN report_month() = 'all' THEN '' ELSE months_before(report_month(), n) END;
CREATE OR REPLACE TEMP MACRO report_last() AS
    CASE WHEN report_month() = 'all' THEN '~' ELSE report_month() END;

-- Billing month × sub-account, for the months first_month .. last_month: its lines
-- and sums, and the customer billed. (Table macros, so the months restrict the
-- summaries read before they are grouped.)
CREATE OR REPLACE TEMP MACRO month_accounts(first_month, last_month) AS TABLE
SELECT m.*, c.name AS customer_name, c.reference_number AS customer_reference
  FROM (SELECT i.billing_month, s.account_no, sum(s.lines)::BIGINT AS lines,
               sum(s.charge) AS charge, sum(s.renewal) AS renewal, sum(s.partial) AS partial,
               sum(s.negative) AS negative
          FROM account_sums s JOIN stg_invoices i ON i.invoice_id = s.invoice_id
         WHERE i.billing_month BETWEEN first_month AND last_month
         GROUP BY i.billing_month, s.account_no) m
  LEFT JOIN customers c ON c.account_number = m.account_no;

-- Billing month × product, for the months first_month .. last_month: sub-accounts
-- billed, lines, Σ charge, Σ charge of Renewal lines, seats. Sub-accounts are
-- counted on each invoice when it is stored; a month where the product is on
-- several invoices counts its distinct sub-accounts from those invoices' lines.
CREATE OR REPLACE TEMP MACRO month_products(first_month, last_month) AS TABLE
WITH per_month AS (
    SELECT i.billing_month, s.product, count(*) AS invoices, sum(s.accounts) AS accounts,
           sum(s.lines) AS lines, sum(s.charge) AS charge,
           sum(s.renewal_charge) AS renewal_charge, sum(s.seats) AS seats
      FROM product_sums s JOIN stg_invoices i ON i.invoice_id = s.invoice_id
     WHERE i.billing_month BETWEEN first_month AND last_month
     GROUP BY i.billing_month, s.product
),
shared AS (
    SELECT l.billing_month, l.product, count(DISTINCT l.account_no) AS accounts
      FROM stg_lines l
     WHERE l.invoice_id IN (
               SELECT s.invoice_id
                 FROM product_sums s JOIN stg_invoices i ON i.invoice_id = s.invoice_id
                 JOIN per_month m ON m.billing_month = i.billing_month AND m.product = s.product
                WHERE m.invoices > 1)
     GROUP BY l.billing_month, l.product
)
SELECT m.billing_month, m.product, coalesce(sh.accounts, m.accounts)::BIGINT AS accounts,
       m.lines::BIGINT AS lines, m.charge, m.renewal_charge, m.seats
  FROM per_month m
  LEFT JOIN shared sh ON sh.billing_month = m.billing_month AND sh.product = m.product;
