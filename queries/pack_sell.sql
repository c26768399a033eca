-- pack_sell: what the months of the pack's trend sell for under the price book
-- (billing.sql's bill_margin: the frozen bill of a closed month, the live one
-- otherwise): sell = Σ sell lines + fees, each already in cents. Read only when a
-- price book is loaded. Setting: report_month() ('YYYY-MM').
SELECT month, sum(cost) AS cost, sum(sell) AS sell
  FROM bill_margin
 WHERE month BETWEEN months_before(report_month(), 23) AND report_month()
 GROUP BY month
 ORDER BY month;
