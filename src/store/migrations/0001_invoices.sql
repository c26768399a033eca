-- Invoices and their line items.
-- Money and quantities: DECIMAL(18,4), exact; 18 digits keep DuckDB's decimals in 64 bits.
-- Dates: TIMESTAMP without zone (the provider gives none).

CREATE TABLE invoices (
    account_number VARCHAR NOT NULL,          -- the invoice owner ('local' for files loaded without --account)
    invoice_id     VARCHAR NOT NULL,
    invoice_date   TIMESTAMP,                 -- from the provider's invoice list; NULL for local files
    invoice_type   VARCHAR,                   -- e.g. 'Billing'
    total_due      DECIMAL(18,4),             -- the provider's TotalDue, in the invoice currency
    is_paid        BOOLEAN,                   -- changes after issue; refreshed on every sync
    csv_available  BOOLEAN,                   -- the provider's CsvAvailable flag
    csv_status     VARCHAR,                   -- loaded | not_available | missing (404) | NULL (not yet fetched)
    csv_sha256     VARCHAR,                   -- hex SHA-256 of the CSV bytes as received
    csv_source     VARCHAR,                   -- lineage: the file path or URL the lines came from
    line_count     INTEGER,                   -- number of rows stored in line_items
    csv_loaded_at  TIMESTAMP,                 -- when the lines were stored (UTC)
    header_synced_at TIMESTAMP,               -- when the header was last refreshed from the provider (UTC)
    PRIMARY KEY (account_number, invoice_id),
    CHECK (csv_status IN ('loaded', 'not_available', 'missing'))
);

CREATE TABLE line_items (
    account_number       VARCHAR NOT NULL,    -- the invoice owner (invoices.account_number)
    invoice_id           VARCHAR NOT NULL,
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
