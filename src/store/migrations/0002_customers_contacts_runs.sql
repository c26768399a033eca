-- Customers and contacts as the provider lists them, and one row per sync run.

CREATE TABLE customers (
    account_number    VARCHAR PRIMARY KEY,   -- the provider's account number
    name              VARCHAR,
    reference_number  VARCHAR,
    is_reseller       BOOLEAN NOT NULL,      -- the account whose keys did the sync ("me")
    address_line1     VARCHAR,               -- the address block: from show (--customer-details)
    address_line2     VARCHAR,
    city              VARCHAR,
    state             VARCHAR,
    zip               VARCHAR,
    country           VARCHAR,
    phone             VARCHAR,
    email             VARCHAR,
    details_synced_at TIMESTAMP,             -- when the address block was last fetched (UTC)
    synced_at         TIMESTAMP NOT NULL     -- when the row was last seen in the list (UTC)
);

-- Security questions and answers are dropped on arrival: there is no column for them.
CREATE TABLE contacts (
    account_number   VARCHAR NOT NULL,       -- the customer the contact belongs to
    contact_id       VARCHAR NOT NULL,
    name             VARCHAR,
    email            VARCHAR,
    phone            VARCHAR,
    receives_alerts  BOOLEAN NOT NULL,
    receives_billing BOOLEAN NOT NULL,
    receives_updates BOOLEAN NOT NULL,
    synced_at        TIMESTAMP NOT NULL
);

CREATE SEQUENCE sync_run_ids START 1;

CREATE TABLE sync_runs (
    run_id         INTEGER PRIMARY KEY DEFAULT nextval('sync_run_ids'),
    provider       VARCHAR NOT NULL,         -- rackspace | mailroute
    base_url       VARCHAR NOT NULL,
    accounts       VARCHAR,                  -- whose invoices were pulled, comma-separated
    started_at     TIMESTAMP NOT NULL,       -- UTC
    finished_at    TIMESTAMP,                -- NULL while running (or if the process died)
    outcome        VARCHAR NOT NULL,         -- running | ok | failed | interrupted
    requests       BIGINT,                   -- HTTP requests sent (retries included)
    retries        BIGINT,
    throttled      BIGINT,                   -- responses saying the request limit was exceeded
    customers      INTEGER,
    contacts       INTEGER,
    invoices       INTEGER,                  -- invoice headers stored or refreshed
    csv_downloaded INTEGER,
    csv_missing    INTEGER,                  -- CsvAvailable but 404
    lines          BIGINT,                   -- line items stored by this run
    sum_charge     DECIMAL(18,4),            -- Σ charge of those lines
    failures       INTEGER,                  -- invoices or lists that could not be synced
    message        VARCHAR,                  -- the first failure, if any
    CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted'))
);
