-- margin: billing month × sub-account: lines, cost (Σ provider charges), sell (Σ sell
-- lines + fees, each already in cents), margin = sell − cost, margin_percent = margin
-- ÷ sell × 100 to 2 places half away from zero (NULL when sell is 0), in integer
-- arithmetic. An account with a fee but no provider lines in the month has a row
-- (cost 0). Reads billing.sql's views. Setting: report_month() ('YYYY-MM', or 'all').
SELECT a.month, a.account_no, c.name, a.lines, a.cost, a.sell, a.sell - a.cost AS margin,
       CASE WHEN a.sell <> 0
            THEN (div_half_away(units4(a.sell - a.cost) * 10000, units4(a.sell))::DECIMAL(36,0)
                  * 0.01::DECIMAL(3,2))::DECIMAL(38,2) END AS margin_percent
  FROM bill_margin a
  LEFT JOIN customers c ON c.account_number = a.account_no
 WHERE report_month() = 'all' OR a.month = report_month()
 ORDER BY a.month, a.account_no;
