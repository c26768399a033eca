-- months: totals per billing month (level 'month', product NULL) and per month and
-- product (level 'product'), across the whole history. charge is an exact sum.
SELECT billing_month AS month,
       CASE WHEN grouping(product) = 1 THEN 'month' ELSE 'product' END AS level,
       product,
       count(DISTINCT account_no) AS customers,
       count(*) AS lines,
       sum(charge) AS charge
  FROM stg_lines
 GROUP BY GROUPING SETS ((billing_month), (billing_month, product))
 ORDER BY month, level, charge DESC, product;
