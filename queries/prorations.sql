-- prorations: every partial-period line (billed months ≠ 1), its billed months and
-- charge beside the months recomputed from the service dates (API-NOTES.md: (end −
-- start + 1 s) ÷ seconds in that month, 2 places) and the charge recomputed from them
-- (usage change × rate × months, 2 places); difference = charge − recomputed_charge.
-- All exact decimals, computed when the line was stored (line_checks holds every line
-- with months <> 1). Setting: report_month() ('YYYY-MM', or 'all').
SELECT billing_month AS month, invoice_id, line_no, account_no, product, type,
       service_start, service_end, usage_change, rate,
       months AS billed_months,
       computed_months AS recomputed_months,
       charge,
       recomputed_charge,
       charge - recomputed_charge AS difference
  FROM stg_line_checks
 WHERE months <> 1
   AND (report_month() = 'all' OR billing_month = report_month())
 ORDER BY billing_month, invoice_id, line_no;
