-- reconcile: one row per finding, with its severity (error / warning / info), the
-- invoice, account and line it concerns, and the evidence. All comparisons are of
-- exact decimals; the swing test compares |change| × 100 with threshold × previous
-- (no division). Each line's checks and the sums per invoice, sub-account and product
-- were computed when the lines were stored (src/summary.rs); only the candidates of
-- duplicate_invoice are read line by line.
-- Settings: report_month() ('YYYY-MM', or 'all'), report_threshold() (percent).
WITH
invoices AS MATERIALIZED (
    SELECT * FROM stg_invoices
     WHERE report_month() = 'all' OR billing_month = report_month()
),
-- The lines the checks have something to say of, and the sums per invoice ×
-- sub-account × product, of the month.
checks AS NOT MATERIALIZED (
    SELECT * FROM stg_line_checks
     WHERE report_month() = 'all' OR billing_month = report_month()
),
accounts AS MATERIALIZED (
    SELECT * FROM stg_account_sums
     WHERE report_month() = 'all' OR billing_month = report_month()
),
-- Per invoice with lines: its line count and two order-free hashes of its lines;
-- pairs that agree on all three are the duplicate_invoice candidates.
invoice_prints AS MATERIALIZED (
    SELECT s.invoice_id, i.billing_month, i.account_number AS owner, s.lines AS n,
           s.print_sum, s.print_xor
      FROM invoice_sums s JOIN invoices i USING (invoice_id)
),
invoice_pairs AS MATERIALIZED (
    SELECT a.invoice_id AS first_id, b.invoice_id, b.billing_month, b.owner, b.n
      FROM invoice_prints a
      JOIN invoice_prints b
        ON a.n = b.n AND a.print_sum = b.print_sum AND a.print_xor = b.print_xor
       AND a.invoice_id < b.invoice_id
),
-- The candidates' lines, each with its rank among its invoice's lines sorted by
-- every field, so two invoices compare line by line whatever their line order.
sorted_lines AS MATERIALIZED (
    SELECT invoice_id, account_no, reference_no, domain, product, type, service_start,
           service_end, term_committed_usage, current_usage, usage_change, months, rate,
           charge,
           row_number() OVER (PARTITION BY invoice_id
                              ORDER BY account_no, reference_no, domain, product, type,
                                       service_start, service_end, term_committed_usage,
                                       current_usage, usage_change, months, rate, charge) AS rank
      FROM line_items
     WHERE invoice_id IN (SELECT first_id FROM invoice_pairs UNION SELECT invoice_id FROM invoice_pairs)
),
-- The provider's invoices of each closed month now, and as they were at the close.
closed_now AS MATERIALIZED (
    SELECT i.billing_month AS month, i.invoice_id, i.total_due,
           coalesce(s.lines, 0) AS line_count, coalesce(s.print_sum, 0) AS lines_print
      FROM invoices i LEFT JOIN invoice_sums s USING (invoice_id)
     WHERE i.billing_month IN (SELECT month FROM bill_closed)
),
closed_then AS MATERIALIZED (
    SELECT c.* FROM closed_invoices c JOIN bill_closed USING (month, revision)
     WHERE report_month() = 'all' OR c.month = report_month()
),
-- Each sub-account's total per month (the month and the one before), and each
-- month's month before (computed once per month, not per row).
month_totals AS MATERIALIZED (
    SELECT billing_month, account_no, sum(charge) AS charge
      FROM stg_account_sums
     WHERE billing_month BETWEEN report_first(1) AND report_last()
     GROUP BY billing_month, account_no
),
month_before AS MATERIALIZED (
    SELECT billing_month, previous_month(billing_month) AS previous
      FROM (SELECT DISTINCT billing_month FROM month_totals)
),
-- The months reported, each total with its month before (materialized first, so
-- the join with the month before is on both keys at once).
reported_totals AS MATERIALIZED (
    SELECT t.*, b.previous FROM month_totals t JOIN month_before b USING (billing_month)
     WHERE report_month() = 'all' OR t.billing_month = report_month()
),
month_changes AS (
    SELECT m.billing_month, m.account_no, m.charge AS total, p.charge AS previous_total
      FROM reported_totals m
      JOIN month_totals p ON p.account_no = m.account_no AND p.billing_month = m.previous
),
findings AS (
    -- The invoice's TotalDue is not the sum of its lines.
    SELECT 'error' AS severity, 'total_mismatch' AS finding, i.billing_month AS month,
           i.invoice_id, i.account_number AS account_no, NULL::INTEGER AS line_no,
           'TotalDue ' || money_text(i.total_due) || ' <> sum of lines ' || money_text(s.total) AS evidence
      FROM invoices i
      JOIN (SELECT invoice_id, charge AS total FROM invoice_sums) s
        USING (invoice_id)
     WHERE i.total_due IS NOT NULL AND i.total_due <> s.total
    UNION ALL
    -- The provider said there is a CSV but answered 404.
    SELECT 'warning', 'csv_missing', billing_month, invoice_id, account_number, NULL,
           'CsvAvailable but the CSV request answered 404' || coalesce(' (' || csv_source || ')', '')
      FROM invoices WHERE csv_status = 'missing'
    UNION ALL
    -- No CSV exists for the invoice (before about July 2017).
    SELECT 'info', 'csv_not_available', billing_month, invoice_id, account_number, NULL,
           'CsvAvailable is false: no line items for TotalDue ' || coalesce(money_text(total_due), 'NULL')
      FROM invoices WHERE csv_status = 'not_available'
    UNION ALL
    -- Charge is not usage change × rate × billed months (to 2 places), with the
    -- months exactly as stored. (A line too large to compute is an implausible_value.)
    SELECT 'error', 'line_arithmetic', billing_month, invoice_id, account_no, line_no,
           'charge ' || money_text(charge) || ' <> ' || qty_text(usage_change) || ' x ' || qty_text(rate)
               || ' x ' || qty_text(months) || ' = ' || money_text(expected_charge)
      FROM checks
     WHERE arithmetic_off       -- not a pure credit, which has no usage to multiply
    UNION ALL
    -- A credit with no usage change: not checked against the arithmetic.
    SELECT 'info', 'credit_line', billing_month, invoice_id, account_no, line_no,
           'credit ' || money_text(charge) || ' with no usage change (' || type || ')'
      FROM checks WHERE credit
    UNION ALL
    -- Billed months differ from the months the service dates give.
    SELECT 'error', 'proration_months', billing_month, invoice_id, account_no, line_no,
           'months ' || qty_text(months) || ' <> ' || qty_text(computed_months)
               || ' for ' || strftime(service_start, '%Y-%m-%d %H:%M:%S') || ' .. '
               || strftime(service_end, '%Y-%m-%d %H:%M:%S')
      FROM checks
     WHERE months_off
    UNION ALL
    -- The same line twice on one invoice (every field equal but the line number),
    -- found when it was stored: compared field by field with the first line of its
    -- group of equal hashes, so a hash collision cannot make a finding.
    SELECT 'error', 'duplicate_line', billing_month, invoice_id, account_no, line_no,
           'same as line ' || duplicate_of::VARCHAR
      FROM checks WHERE duplicate_of IS NOT NULL
    UNION ALL
    -- Two invoices whose lines are the same (the same file loaded under two ids,
    -- whatever its line endings): candidate pairs (invoice_pairs) are then compared
    -- line by line in sorted order, so a hash collision cannot make a finding.
    -- Invoices without lines are not compared. The later id of each pair is named.
    SELECT 'error', 'duplicate_invoice', p.billing_month, p.invoice_id, p.owner, NULL,
           'same ' || p.n::VARCHAR || ' line(s) as invoice ' || p.first_id
      FROM invoice_pairs p
     WHERE p.n = (SELECT count(*)
                    FROM sorted_lines x
                    JOIN sorted_lines y ON x.rank = y.rank
                   WHERE x.invoice_id = p.first_id AND y.invoice_id = p.invoice_id
                     AND (x.account_no, x.reference_no, x.domain, x.product, x.type,
                          x.service_start, x.service_end, x.term_committed_usage,
                          x.current_usage, x.usage_change, x.months, x.rate, x.charge)
                       = (y.account_no, y.reference_no, y.domain, y.product, y.type,
                          y.service_start, y.service_end, y.term_committed_usage,
                          y.current_usage, y.usage_change, y.months, y.rate, y.charge))
    UNION ALL
    -- A stored value no real bill holds (valid to store; the parser's limit is 14
    -- integer digits): named by column, never a failed report.
    SELECT 'warning', 'implausible_value', billing_month, invoice_id, account_no, line_no,
           column_name || ' ' || qty_text(value) || ' is outside the plausible range (|'
               || column_name || '| <= ' || bound::BIGINT::VARCHAR || ')'
      FROM stg_implausible
     WHERE report_month() = 'all' OR billing_month = report_month()
    UNION ALL
    -- A closed month's provider data changed after the close: stored, and said here.
    SELECT 'error', 'closed_month_changed', coalesce(t.month, n.month),
           coalesce(t.invoice_id, n.invoice_id), NULL, NULL,
           'closed revision ' || (SELECT revision FROM bill_closed b
                                   WHERE b.month = coalesce(t.month, n.month))::VARCHAR || ': '
               || CASE WHEN t.invoice_id IS NULL THEN 'invoice added since the close'
                       WHEN n.invoice_id IS NULL THEN 'invoice gone since the close'
                       WHEN t.total_due IS DISTINCT FROM n.total_due
                       THEN 'TotalDue ' || coalesce(money_text(t.total_due), 'NULL') || ' -> '
                            || coalesce(money_text(n.total_due), 'NULL')
                       ELSE 'lines changed (' || t.line_count::VARCHAR || ' -> '
                            || n.line_count::VARCHAR || ' lines)' END
      FROM closed_then t FULL OUTER JOIN closed_now n
        ON t.month = n.month AND t.invoice_id = n.invoice_id
     WHERE t.invoice_id IS NULL OR n.invoice_id IS NULL
        OR t.total_due IS DISTINCT FROM n.total_due
        OR t.line_count <> n.line_count OR t.lines_print <> n.lines_print
    UNION ALL
    -- A customer sold below its cost in the month (only with a price book).
    SELECT 'warning', 'below_cost', month, NULL, account_no, NULL,
           'sells for ' || money_text(sell) || ', below its cost ' || money_text(cost)
      FROM bill_below_cost
     WHERE report_month() = 'all' OR month = report_month()
    UNION ALL
    -- A billed account the customer list does not know (only once a list was synced).
    SELECT 'warning', 'unknown_account', any_value(billing_month), invoice_id, account_no,
           min(first_line), sum(lines)::VARCHAR || ' line(s) bill ' || account_no
               || ', which is not in the customer list'
      FROM accounts
     WHERE account_no NOT IN (SELECT account_number FROM customers)
       AND EXISTS (SELECT 1 FROM customers)
     GROUP BY invoice_id, account_no
    UNION ALL
    -- A current customer nobody receives the bills of (only once contacts were
    -- synced), with the command that fixes it.
    SELECT 'warning', 'no_billing_contact', NULL, NULL, c.account_number, NULL,
           coalesce(c.name, c.account_number) || ' has ' || count(k.contact_id)::VARCHAR
               || ' contact(s), none receiving billing; fix: '
               || CASE WHEN count(k.contact_id) = 0
                       THEN 'tally rackspace contact add ' || c.account_number
                            || ' --name NAME --email EMAIL --phone PHONE --security-question Q --security-answer-env VAR --receives-billing'
                       ELSE 'tally rackspace contact edit ' || c.account_number || ' '
                            || min(k.contact_id) || ' --receives-billing true' END
      FROM customers c
      LEFT JOIN contacts k ON k.account_number = c.account_number AND k.deleted_at IS NULL
     WHERE EXISTS (SELECT 1 FROM contacts) AND c.deleted_at IS NULL
     GROUP BY c.account_number, c.name
    HAVING count(k.contact_id) FILTER (WHERE k.receives_billing) = 0
    UNION ALL
    -- A current MailRoute customer nobody receives the bills of.
    SELECT 'warning', 'mailroute_no_billing_contact', NULL, NULL, c.id::VARCHAR, NULL,
           'MailRoute customer ' || c.name || ' has ' || count(k.id)::VARCHAR
               || ' contact(s), none with is_billing; fix: '
               || CASE WHEN count(k.id) = 0
                       THEN 'tally mailroute contact create --customer ' || c.id::VARCHAR
                            || ' --email EMAIL --billing'
                       ELSE 'tally mailroute contact update ' || min(k.id)::VARCHAR
                            || ' --billing true' END
      FROM mr_customers c
      LEFT JOIN mr_contacts k ON k.customer_id = c.id AND k.deleted_at IS NULL
     WHERE c.deleted_at IS NULL
     GROUP BY c.id, c.name
    HAVING count(k.id) FILTER (WHERE k.is_billing) = 0
    UNION ALL
    -- A billed domain MailRoute does not know (once a MailRoute snapshot exists).
    SELECT 'warning', 'billed_not_in_mailroute', b.billing_month, NULL, b.account_no, NULL,
           'domain ' || b.domain || ' is billed (' || qty_text(b.seats)
               || ' seats) but has no MailRoute customer'
      FROM stg_billed_domains b
     WHERE (report_month() = 'all' OR b.billing_month = report_month())
       AND report_has_mailroute()
       AND b.domain_key NOT IN (SELECT lower(name) FROM mr_customers WHERE deleted_at IS NULL)
    UNION ALL
    -- A MailRoute customer with nothing billed in the month.
    SELECT 'warning', 'mailroute_not_billed',
           CASE WHEN report_month() <> 'all' THEN report_month() END, NULL,
           c.id::VARCHAR, NULL,
           'MailRoute customer ' || c.name || ' has nothing billed'
      FROM mr_customers c
     WHERE report_has_mailroute() AND EXISTS (SELECT 1 FROM accounts) AND c.deleted_at IS NULL
       AND lower(c.name) NOT IN (SELECT domain_key FROM stg_billed_domains
                                  WHERE report_month() = 'all'
                                     OR billing_month = report_month())
    UNION ALL
    -- A customer's month total moved by more than the threshold against the month before.
    SELECT 'warning', 'large_change', month, NULL, account_no, NULL,
           'total ' || money_text(previous_total) || ' -> ' || money_text(total)
               || ' (more than ' || report_threshold()::VARCHAR || '% change)'
      FROM (SELECT billing_month AS month, account_no, total, previous_total FROM month_changes)
     WHERE previous_total > 0
       AND abs(total - previous_total) * 100 > report_threshold()::DECIMAL(38,4) * previous_total
)
SELECT * FROM findings
 ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
          finding, month, invoice_id, account_no, line_no;
