-- customers: billing month × sub-account (the line's Account No), with the name and
-- reference number the customer list gives. Money columns are exact sums of
-- DECIMAL(18,4) charges; renewal + partial + negative = total.
--   renewal   charges of Renewal lines (not negative)
--   partial   charges of every other line that is not negative (upgrades, prorations)
--   negative  every negative line (credits, downgrades, cancellations)
-- previous_total is the same account's total in the month before; change = total − previous.
-- Variable: month ('YYYY-MM', or 'all').
WITH per_month AS (
    SELECT billing_month, account_no,
           any_value(customer_name) AS name,
           any_value(customer_reference) AS reference_number,
           count(*) AS lines,
           coalesce(sum(charge) FILTER (WHERE charge >= 0 AND type = 'Renewal'), 0) AS renewal,
           coalesce(sum(charge) FILTER (WHERE charge >= 0 AND type <> 'Renewal'), 0) AS partial,
           coalesce(sum(charge) FILTER (WHERE charge < 0), 0) AS negative,
           sum(charge) AS total
      FROM stg_lines
     WHERE getvariable('month') = 'all'
        OR billing_month IN (getvariable('month'), previous_month(getvariable('month')))
     GROUP BY ALL
)
SELECT m.billing_month AS month, m.account_no, m.name, m.reference_number, m.lines,
       m.renewal, m.partial, m.negative, m.total,
       p.total AS previous_total,
       m.total - coalesce(p.total, 0) AS change
  FROM per_month m
  LEFT JOIN per_month p
         ON p.account_no = m.account_no AND p.billing_month = previous_month(m.billing_month)
 WHERE getvariable('month') = 'all' OR m.billing_month = getvariable('month')
 ORDER BY m.billing_month, m.total DESC, m.account_no;
