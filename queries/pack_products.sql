-- pack_products: billing month × product over the 24 months that end with the month
-- variable: cost = Σ charge (exact), seats = Σ current usage on Renewal lines,
-- customers = distinct sub-accounts. The pack draws cost by product for the month
-- and seats per product over time. Variable: month ('YYYY-MM').
SELECT billing_month AS month, product,
       sum(charge) AS cost,
       coalesce(sum(current_usage) FILTER (WHERE type = 'Renewal'), 0) AS seats,
       count(DISTINCT account_no) AS customers
  FROM stg_lines
 WHERE billing_month BETWEEN months_before(getvariable('month'), 23) AND getvariable('month')
 GROUP BY ALL
 ORDER BY month, cost DESC, product;
