-- margin --by product: billing month × product: lines, cost, sell, margin and
-- margin_percent as in margin.sql; fees are the product `Fees` (cost 0).
-- Setting: report_month() ('YYYY-MM', or 'all').
WITH rows AS (
    SELECT month, product, 1 AS line, cost, sell
      FROM bill_lines
     WHERE report_month() = 'all' OR month = report_month()
    UNION ALL
    SELECT month, 'Fees', 0, 0, amount
      FROM bill_fees
     WHERE report_month() = 'all' OR month = report_month()
),
per_product AS (
    SELECT month, product, sum(line)::BIGINT AS lines, sum(cost)::DECIMAL(38,4) AS cost,
           sum(sell)::DECIMAL(38,4) AS sell
      FROM rows GROUP BY ALL
)
SELECT month, product, lines, cost, sell, sell - cost AS margin,
       CASE WHEN sell <> 0
            THEN (div_half_away(units4(sell - cost) * 10000, units4(sell))::DECIMAL(36,0)
                  * 0.01::DECIMAL(3,2))::DECIMAL(38,2) END AS margin_percent
  FROM per_product
 ORDER BY month, product;
