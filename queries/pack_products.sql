-- pack_products: billing month × product over the 24 months that end with the month
-- variable: cost = Σ charge (exact), seats = Σ current usage on Renewal lines,
-- customers = distinct sub-accounts. The pack draws cost by product for the month
-- and seats per product over time. Setting: report_month() ('YYYY-MM').
SELECT billing_month AS month, product, charge AS cost, seats, accounts AS customers
  FROM month_products(months_before(report_month(), 23), report_month())
 ORDER BY month, cost DESC, product;
