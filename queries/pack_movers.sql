-- pack_movers: the 10 sub-accounts whose month total moved most (by |change|) from
-- the month before, including one billed only in either month (its other total 0).
-- total and previous_total are exact sums of charges; change = total − previous.
-- Setting: report_month() ('YYYY-MM').
WITH this_month AS (
    SELECT account_no, customer_name AS name, charge AS total
      FROM month_accounts(report_month(), report_month())
),
month_before AS (
    SELECT account_no, customer_name AS name, charge AS total
      FROM month_accounts(previous_month(report_month()), previous_month(report_month()))
),
moves AS (
    SELECT coalesce(m.account_no, p.account_no) AS account_no,
           coalesce(m.name, p.name) AS name,
           coalesce(p.total, 0) AS previous_total,
           coalesce(m.total, 0) AS total
      FROM this_month m FULL OUTER JOIN month_before p ON p.account_no = m.account_no
)
SELECT account_no, name, previous_total, total, total - previous_total AS change
  FROM moves
 WHERE total <> previous_total
 ORDER BY abs(total - previous_total) DESC, account_no
 LIMIT 10;
