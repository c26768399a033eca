-- margin: billing month × sub-account: lines, cost (Σ provider charges), sell (Σ sell
-- lines + fees, each already in cents), margin = sell − cost, margin_percent = margin
-- ÷ sell × 100 to 2 places half away from zero (NULL when sell is 0), in integer
-- arithmetic. An account with a fee but no provider lines in the month has a row
-- (cost 0). Reads billing.sql's views. Variable: month ('YYYY-MM', or 'all').
WITH lines AS (
    SELECT month, account_no, count(*) AS lines, sum(cost) AS cost, sum(sell) AS sell
      FROM bill_lines
     WHERE getvariable('month') = 'all' OR month = getvariable('month')
     GROUP BY ALL
),
fees AS (
    SELECT month, account_no, sum(amount) AS fees
      FROM bill_fees
     WHERE getvariable('month') = 'all' OR month = getvariable('month')
     GROUP BY ALL
),
per_account AS (
    SELECT month, account_no, coalesce(l.lines, 0) AS lines,
           coalesce(l.cost, 0)::DECIMAL(38,4) AS cost,
           (coalesce(l.sell, 0) + coalesce(f.fees, 0))::DECIMAL(38,4) AS sell
      FROM lines l FULL OUTER JOIN fees f USING (month, account_no)
)
SELECT a.month, a.account_no, c.name, a.lines, a.cost, a.sell, a.sell - a.cost AS margin,
       CASE WHEN a.sell <> 0
            THEN (div_half_away(units4(a.sell - a.cost) * 10000, units4(a.sell))::DECIMAL(36,0)
                  * 0.01::DECIMAL(3,2))::DECIMAL(38,2) END AS margin_percent
  FROM per_account a
  LEFT JOIN customers c ON c.account_number = a.account_no
 ORDER BY a.month, a.account_no;
