-- products: billing month × product. customers = distinct sub-accounts billed;
-- seats = Σ current usage on Renewal lines (seats at the month's renewal);
-- charge = Σ charge of every line (exact); average_rate = Σ renewal charge ÷ seats,
-- exact to 4 places (integer arithmetic, never a float); previous_charge and change
-- against the month before. Read from the summaries (month_products).
-- Setting: report_month() ('YYYY-MM', or 'all').
WITH per_month AS (
    SELECT billing_month, product, accounts AS customers, seats, charge, renewal_charge
      FROM month_products(report_first(1), report_last())
)
SELECT m.billing_month AS month, m.product, m.customers, m.seats, m.charge,
       ratio4(m.renewal_charge, m.seats) AS average_rate,
       p.charge AS previous_charge,
       m.charge - coalesce(p.charge, 0) AS change
  FROM per_month m
  LEFT JOIN per_month p
         ON p.product = m.product AND p.billing_month = previous_month(m.billing_month)
 WHERE report_month() = 'all' OR m.billing_month = report_month()
 ORDER BY m.billing_month, m.charge DESC, m.product;
