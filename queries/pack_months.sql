-- pack_months: the month pack's trend, per billing month of the 24 that end with the
-- month variable (months with line items only): cost = Σ charge (exact, DECIMAL),
-- sub-accounts billed, seats (Σ current usage on Renewal lines), lines.
-- Variable: month ('YYYY-MM').
SELECT billing_month AS month,
       sum(charge) AS cost,
       count(DISTINCT account_no) AS sub_accounts,
       coalesce(sum(current_usage) FILTER (WHERE type = 'Renewal'), 0) AS seats,
       count(*) AS lines
  FROM stg_lines
 WHERE billing_month BETWEEN months_before(getvariable('month'), 23) AND getvariable('month')
 GROUP BY billing_month
 ORDER BY month;
