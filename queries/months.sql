-- months: totals per billing month (level 'month', product NULL) and per month and
-- product (level 'product'), across the whole history: sub-accounts billed, lines,
-- and Σ charge (exact). Read from the summaries (month_accounts, month_products).
SELECT billing_month AS month, 'month' AS level, NULL::VARCHAR AS product,
       count(*) AS customers, sum(lines)::BIGINT AS lines, sum(charge) AS charge
  FROM month_accounts('', '~')
 GROUP BY billing_month
UNION ALL
SELECT billing_month, 'product', product, accounts, lines, charge
  FROM month_products('', '~')
 ORDER BY month, level, charge DESC, product;
