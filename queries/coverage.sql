-- coverage: each billed Rackspace sub-account and domain of the month beside the
-- MailRoute customer of the same domain (MailRoute customer name = the line's
-- Domain, compared case-insensitively), the seats billed (Σ current usage on
-- Renewal lines) against MailRoute's reported_user_count, and every mismatch or
-- missing side. difference = reported_user_count − seats. MailRoute customers with
-- nothing billed in the month are listed too (account_no NULL).
-- status: ok | seats_mismatch | no_user_count | missing_in_mailroute | not_billed.
-- Setting: report_month() ('YYYY-MM', or 'all').
WITH billed AS (
    SELECT * FROM stg_billed_domains
     WHERE report_month() = 'all' OR billing_month = report_month()
),
mailroute AS (
    SELECT id, name, lower(name) AS domain_key, reported_user_count FROM mr_customers
     WHERE deleted_at IS NULL
)
SELECT coalesce(b.billing_month,
                CASE WHEN report_month() <> 'all' THEN report_month() END) AS month,
       b.account_no, b.domain, b.customer_name AS rackspace_name, b.seats,
       m.id AS mailroute_id, m.name AS mailroute_name, m.reported_user_count,
       m.reported_user_count - b.seats AS difference,
       CASE WHEN m.id IS NULL THEN 'missing_in_mailroute'
            WHEN b.account_no IS NULL THEN 'not_billed'
            WHEN m.reported_user_count IS NULL THEN 'no_user_count'
            WHEN m.reported_user_count <> b.seats THEN 'seats_mismatch'
            ELSE 'ok' END AS status
  FROM billed b
  FULL OUTER JOIN mailroute m ON m.domain_key = b.domain_key
 ORDER BY CASE status WHEN 'ok' THEN 1 ELSE 0 END, status, month, b.account_no, m.name;
