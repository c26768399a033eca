-- status: what the file holds, one row per fact: what, value, detail, and problem
-- (true where `tally status --check` fails: a provider's last run did not end ok and
-- is not a sync running now, or its last successful sync is older than 35 days).
-- Reads the staging views and `status_syncing` (the process id of the sync holding
-- the database's sync lock, NULL when none does): a run marked running is running
-- while that process holds the lock and has written within the hour; otherwise it
-- was interrupted.
WITH
now_utc AS (SELECT now()::TIMESTAMP AS t),  -- UTC, as every stored time
runs AS (
    SELECT s.* REPLACE (
               CASE WHEN s.outcome = 'running'
                         AND NOT coalesce(s.pid::VARCHAR = l.pid
                                          AND s.last_write_at >= n.t - INTERVAL 1 HOUR, false)
                    THEN 'interrupted' ELSE s.outcome END AS outcome),
           row_number() OVER (PARTITION BY s.provider ORDER BY s.run_id DESC) AS nth
      FROM sync_runs s, status_syncing l, now_utc n
),
last_ok AS (
    SELECT provider, max(coalesce(finished_at, started_at)) AS at
      FROM sync_runs WHERE outcome = 'ok' GROUP BY provider
),
providers AS (SELECT DISTINCT provider FROM sync_runs),
lines AS (SELECT count(*) AS n, coalesce(sum(charge), 0) AS charge FROM line_items),
sums AS (SELECT s.*, s.n = l.n AND s.charge = l.charge AS in_step, l.n AS line_n, l.charge AS lines_charge
           FROM (SELECT coalesce(sum(lines), 0) AS n, coalesce(sum(charge), 0) AS charge FROM invoice_sums) s,
                lines l),
facts AS (
    SELECT 1 AS ord, 'schema version' AS what, max(version)::VARCHAR AS value,
           NULL::VARCHAR AS detail, false AS problem
      FROM schema_migrations
    UNION ALL
    SELECT 2, r.provider || ' last run', r.outcome,
           'run ' || r.run_id::VARCHAR || ' started ' || strftime(r.started_at, '%Y-%m-%d %H:%M UTC')
               || ' (' || date_diff('day', r.started_at, n.t)::VARCHAR || ' days ago) against '
               || r.base_url || CASE WHEN r.is_sandbox THEN ' (sandbox)' ELSE '' END
               || CASE WHEN r.outcome IN ('running', 'interrupted') AND r.pid IS NOT NULL
                       THEN '; PID ' || r.pid::VARCHAR || ', last wrote '
                            || strftime(r.last_write_at, '%H:%M:%S UTC') || ' ('
                            || date_diff('second', r.last_write_at, n.t)::VARCHAR || ' s ago)'
                            || CASE WHEN r.outcome = 'interrupted'
                                    THEN CASE WHEN l.pid IS NULL OR l.pid <> r.pid::VARCHAR
                                              THEN ', its process is gone'
                                              ELSE ', nothing written for over an hour' END
                                    ELSE '' END
                            || '; stored so far: ' || coalesce(r.customers, 0)::VARCHAR || ' customers, '
                            || coalesce(r.invoices, 0)::VARCHAR || ' invoice headers, '
                            || coalesce(r.csv_downloaded, 0)::VARCHAR || ' CSVs ('
                            || coalesce(r.lines, 0)::VARCHAR || ' lines)'
                       ELSE '' END
               || coalesce('; ' || r.message, ''),
           r.outcome NOT IN ('ok', 'running')
      FROM runs r, now_utc n, status_syncing l WHERE r.nth = 1
    UNION ALL
    SELECT 3, p.provider || ' last successful sync',
           coalesce(strftime(o.at, '%Y-%m-%d %H:%M UTC'), 'never'),
           CASE WHEN o.at IS NULL THEN 'no run has ended ok'
                ELSE date_diff('day', o.at, n.t)::VARCHAR || ' days ago'
                     || CASE WHEN date_diff('day', o.at, n.t) > 35
                             THEN ': stale (older than 35 days)' ELSE '' END END,
           o.at IS NULL OR date_diff('day', o.at, n.t) > 35
      FROM providers p LEFT JOIN last_ok o USING (provider), now_utc n
    UNION ALL
    -- Each reseller account synced (one per profile), with its last sync (its own
    -- row is refreshed by every sync of it) and what its list names.
    SELECT 3, 'rackspace reseller ' || r.account_number, coalesce(r.name, r.account_number),
           'last synced ' || strftime(r.synced_at, '%Y-%m-%d %H:%M UTC') || '; '
               || (SELECT count(*) FROM customers c
                    WHERE c.reseller_account = r.account_number AND NOT c.is_reseller
                      AND c.deleted_at IS NULL)::VARCHAR || ' sub-accounts listed, '
               || (SELECT count(*) FROM stg_invoices i
                    WHERE i.reseller_account = r.account_number)::VARCHAR || ' invoices',
           false
      FROM customers r WHERE r.is_reseller
    UNION ALL
    SELECT 4, 'billing months', coalesce(min(billing_month) || ' .. ' || max(billing_month), 'none'),
           count(DISTINCT billing_month)::VARCHAR || ' months with invoices', false
      FROM stg_invoices
    UNION ALL
    SELECT 4, 'closed months', count(*) FILTER (WHERE reopened_at IS NULL)::VARCHAR,
           coalesce(string_agg(month || ' (r' || revision::VARCHAR || ')', ', ' ORDER BY month)
                        FILTER (WHERE reopened_at IS NULL), 'none'),
           false
      FROM (SELECT *, row_number() OVER (PARTITION BY month ORDER BY revision DESC) AS nth
              FROM closed_months)
     WHERE nth = 1
    UNION ALL
    SELECT 5, 'invoices', count(*)::VARCHAR,
           count(*) FILTER (WHERE csv_status = 'loaded')::VARCHAR || ' with lines ('
               || count(*) FILTER (WHERE csv_origin = 'file')::VARCHAR || ' from files), '
               || count(*) FILTER (WHERE csv_status = 'not_available')::VARCHAR || ' without a CSV, '
               || count(*) FILTER (WHERE csv_status = 'missing')::VARCHAR || ' missing (404), '
               || count(*) FILTER (WHERE csv_status IS NULL AND csv_available)::VARCHAR
               || ' not yet downloaded, '
               || count(*) FILTER (WHERE account_number IS NULL)::VARCHAR || ' without an owner',
           false
      FROM invoices
    UNION ALL
    SELECT 6, 'line items', n::VARCHAR, 'charge ' || charge::VARCHAR, false FROM lines
    UNION ALL
    -- The summaries the reports read hold every stored line once (a cheap check of
    -- their totals; the summaries are written in the transaction of their lines).
    SELECT 6, 'summaries', CASE WHEN in_step THEN 'in step' ELSE 'out of step' END,
           n::VARCHAR || ' lines, charge ' || charge::VARCHAR
               || CASE WHEN in_step THEN ''
                       ELSE ' (the lines: ' || line_n::VARCHAR || ', ' || lines_charge::VARCHAR || ')' END,
           NOT in_step
      FROM sums
    UNION ALL
    SELECT 7, 'customers', count(*) FILTER (WHERE deleted_at IS NULL)::VARCHAR,
           CASE WHEN count(*) FILTER (WHERE deleted_at IS NOT NULL) > 0
                THEN count(*) FILTER (WHERE deleted_at IS NOT NULL)::VARCHAR || ' deleted (kept for past reports)' END,
           false FROM customers
    UNION ALL
    SELECT 8, 'mailroute customers', count(*) FILTER (WHERE deleted_at IS NULL)::VARCHAR,
           CASE WHEN count(*) FILTER (WHERE deleted_at IS NOT NULL) > 0
                THEN count(*) FILTER (WHERE deleted_at IS NOT NULL)::VARCHAR || ' deleted (kept for past reports)' END,
           false FROM mr_customers
    UNION ALL
    SELECT 9, 'writes', count(*)::VARCHAR,
           count(*) FILTER (WHERE outcome = 'ok')::VARCHAR || ' ok, '
               || count(*) FILTER (WHERE outcome = 'refused')::VARCHAR || ' refused, '
               || count(*) FILTER (WHERE outcome IN ('unknown', 'pending'))::VARCHAR || ' outcome unknown',
           count(*) FILTER (WHERE outcome IN ('unknown', 'pending')) > 0
      FROM actions HAVING count(*) > 0
)
SELECT what, value, detail, problem FROM facts ORDER BY ord, what;
