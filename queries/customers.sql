-- customers: billing month × sub-account (the line's Account No), with the name and
-- reference number the customer list gives. Money columns are exact sums of
-- DECIMAL(18,4) charges; renewal + partial + negative = total.
--   renewal   charges of Renewal lines (not negative)
--   partial   charges of every other line that is not negative (upgrades, prorations)
--   negative  every negative line (credits, downgrades, cancellations)
-- previous_total is the same account's total in the month before; change = total − previous.
-- Read from the summaries (month_accounts). Setting: report_month() ('YYYY-MM', or 'all').
WITH per_month AS (
    SELECT billing_month, account_no, customer_name AS name,
           customer_reference AS reference_number, lines, renewal, partial, negative,
           charge AS total
      FROM month_accounts(report_first(1), report_last())
),
-- Each month's month before, computed once per month.
month_before AS (
    SELECT billing_month, previous_month(billing_month) AS previous
      FROM (SELECT DISTINCT billing_month FROM per_month)
)
SELECT m.billing_month AS month, m.account_no, m.name, m.reference_number, m.lines,
       m.renewal, m.partial, m.negative, m.total,
       p.total AS previous_total,
       m.total - coalesce(p.total, 0) AS change
  FROM (SELECT r.*, b.previous FROM per_month r JOIN month_before b USING (billing_month)
         WHERE report_month() = 'all' OR r.billing_month = report_month()) m
  LEFT JOIN per_month p ON p.account_no = m.account_no AND p.billing_month = m.previous
 ORDER BY m.billing_month, m.total DESC, m.account_no;
