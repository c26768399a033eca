-- One invoice per id, whatever path brought it in; lineage of every synced row.
--
-- Before: invoices were keyed by (owner account, id), so the same invoice synced with
-- `--account me`, synced again under its number and loaded from a file was stored up
-- to three times. Now the id alone is the key and the owner may be unknown (NULL:
-- a file loaded without --account; the old sentinel 'local' becomes NULL).
-- Duplicates are merged: per id the synced row (a provider header) is kept, else the
-- most recently loaded one, with its lines; an owner stored as `me` (a sync with
-- `--account me`) becomes the reseller's account number. tally copies the file beside itself
-- (tally.duckdb.bak-4) before this runs and prints what it merged.

CREATE TEMP TABLE invoices_kept AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
               PARTITION BY invoice_id
               ORDER BY (header_synced_at IS NOT NULL) DESC, lower(account_number) = 'me',
                        csv_loaded_at DESC NULLS LAST, account_number) AS rn
      FROM invoices)
 WHERE rn = 1;

CREATE TEMP TABLE line_items_kept AS
SELECT l.* EXCLUDE (account_number)
  FROM line_items l
  SEMI JOIN invoices_kept k ON k.invoice_id = l.invoice_id AND k.account_number = l.account_number;

DROP TABLE line_items;
DROP TABLE invoices;

CREATE TABLE invoices (
    invoice_id     VARCHAR PRIMARY KEY,       -- the provider's invoice id: one row per invoice
    account_number VARCHAR,                   -- the owner; NULL when unknown (a file loaded without --account)
    invoice_date   TIMESTAMP,                 -- from the provider's invoice list; NULL for loaded files
    invoice_type   VARCHAR,                   -- e.g. 'Billing'
    total_due      DECIMAL(18,4),             -- the provider's TotalDue, in the invoice currency
    is_paid        BOOLEAN,                   -- changes after issue; refreshed on every sync
    csv_available  BOOLEAN,                   -- the provider's CsvAvailable flag
    csv_status     VARCHAR,                   -- loaded | not_available | missing (404) | NULL (not yet fetched)
    csv_origin     VARCHAR,                   -- where the stored lines came from: provider | file
    csv_sha256     VARCHAR,                   -- hex SHA-256 of the CSV bytes as received
    csv_source     VARCHAR,                   -- lineage: the file path or URL the lines came from
    line_count     INTEGER,                   -- number of rows stored in line_items
    csv_loaded_at  TIMESTAMP,                 -- when the lines were stored (UTC)
    header_synced_at TIMESTAMP,               -- when the header was last refreshed from the provider (UTC)
    run_id         INTEGER,                   -- the sync run that last refreshed the header (sync_runs)
    CHECK (csv_status IN ('loaded', 'not_available', 'missing')),
    CHECK (csv_origin IN ('provider', 'file'))
);

INSERT INTO invoices
SELECT invoice_id,
       CASE WHEN account_number = 'local' THEN NULL
            WHEN lower(account_number) = 'me'
            THEN coalesce((SELECT min(account_number) FROM customers WHERE is_reseller), account_number)
            ELSE account_number END,
       invoice_date, invoice_type, total_due,
       is_paid, csv_available, csv_status,
       CASE WHEN csv_status = 'loaded'
            THEN CASE WHEN csv_source LIKE 'http://%' OR csv_source LIKE 'https://%'
                      THEN 'provider' ELSE 'file' END END,
       csv_sha256, csv_source, line_count, csv_loaded_at, header_synced_at, NULL
  FROM invoices_kept;

CREATE TABLE line_items (
    invoice_id           VARCHAR NOT NULL,    -- invoices.invoice_id (the owner is on the invoice)
    line_no              INTEGER NOT NULL,    -- 1-based row order in the CSV
    account_no           VARCHAR NOT NULL,    -- the row's "Account No": the sub-account billed
    reference_no         VARCHAR NOT NULL,
    domain               VARCHAR NOT NULL,
    product              VARCHAR NOT NULL,
    type                 VARCHAR NOT NULL,    -- Renewal, Upgrade, or any other value as written
    service_start        TIMESTAMP NOT NULL,
    service_end          TIMESTAMP NOT NULL,
    term_committed_usage DECIMAL(18,4) NOT NULL,  -- seats / units
    current_usage        DECIMAL(18,4) NOT NULL,  -- seats / units
    usage_change         DECIMAL(18,4) NOT NULL,  -- seats / units billed on this line
    months               DECIMAL(18,4) NOT NULL,  -- billed months, as the provider rounded them
    rate                 DECIMAL(18,4) NOT NULL,  -- money per unit per month
    charge               DECIMAL(18,4) NOT NULL   -- money: usage_change × rate × months
);

INSERT INTO line_items SELECT * FROM line_items_kept ORDER BY invoice_id, line_no;

DROP TABLE invoices_kept;
DROP TABLE line_items_kept;

-- Lineage: the run each synced row came from, and whether a run was against the
-- sandbox (a plain-http loopback base URL: real providers are only reached over https).
ALTER TABLE sync_runs ADD COLUMN is_sandbox BOOLEAN;
UPDATE sync_runs
   SET is_sandbox = base_url LIKE 'http://127.%' OR base_url LIKE 'http://localhost%'
                    OR base_url LIKE 'http://[::1]%';
-- A run's Σ charge is a sum of lines: it gets a sum's width.
ALTER TABLE sync_runs ALTER COLUMN sum_charge TYPE DECIMAL(38,4);

ALTER TABLE customers ADD COLUMN run_id INTEGER;
ALTER TABLE contacts ADD COLUMN run_id INTEGER;
ALTER TABLE mr_resellers ADD COLUMN run_id INTEGER;
ALTER TABLE mr_customers ADD COLUMN run_id INTEGER;
ALTER TABLE mr_contacts ADD COLUMN run_id INTEGER;
ALTER TABLE mr_admins ADD COLUMN run_id INTEGER;
