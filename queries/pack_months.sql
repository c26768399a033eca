-- pack_months: the month pack's trend, per billing month of the 24 that end with the
-- report_month() (months with line items only): cost = Σ charge (exact, DECIMAL),
-- sub-accounts billed, seats (Σ current usage on Renewal lines), lines.
-- Setting: report_month() ('YYYY-MM').
SELECT a.billing_month AS month, a.cost, a.sub_accounts, p.seats, a.lines
  FROM (SELECT billing_month, sum(charge) AS cost, count(*) AS sub_accounts,
               sum(lines)::BIGINT AS lines
          FROM month_accounts(months_before(report_month(), 23), report_month())
         GROUP BY billing_month) a
  JOIN (SELECT billing_month, sum(seats) AS seats
          FROM month_products(months_before(report_month(), 23), report_month())
         GROUP BY billing_month) p
    ON p.billing_month = a.billing_month
 ORDER BY month;
