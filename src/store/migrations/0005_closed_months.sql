-- Closed months: `tally close M` freezes month M's bill (every provider line's cost and
-- sell, every fee, the price book as it was) so that neither a later price change nor
-- later provider data rewrites a month already sent to customers. Each close is a
-- revision; `tally reopen` ends one (with a reason), a new close starts the next.

CREATE TABLE closed_months (
    month             VARCHAR NOT NULL,     -- 'YYYY-MM'
    revision          INTEGER NOT NULL,     -- 1, 2, ...: one per close of the month
    closed_at         TIMESTAMP NOT NULL,   -- UTC
    forced            BOOLEAN NOT NULL,     -- closed with --force despite reconcile errors
    price_book_path   VARCHAR,
    price_book_sha256 VARCHAR NOT NULL,
    price_book_text   VARCHAR NOT NULL,     -- the whole file, as read
    reopened_at       TIMESTAMP,            -- NULL while closed
    reopen_reason     VARCHAR,
    PRIMARY KEY (month, revision)
);

-- Every provider line of the month as billed at the close: cost and sell.
CREATE TABLE closed_lines (
    month          VARCHAR NOT NULL,
    revision       INTEGER NOT NULL,
    invoice_id     VARCHAR NOT NULL,
    line_no        INTEGER NOT NULL,
    account_no     VARCHAR NOT NULL,
    product        VARCHAR NOT NULL,
    type           VARCHAR NOT NULL,
    service_start  TIMESTAMP NOT NULL,
    service_end    TIMESTAMP NOT NULL,
    current_usage  DECIMAL(18,4) NOT NULL,
    usage_change   DECIMAL(18,4) NOT NULL,
    months         DECIMAL(18,4) NOT NULL,
    cost_rate      DECIMAL(18,4) NOT NULL,
    cost           DECIMAL(18,4) NOT NULL,   -- the provider's charge
    rule           VARCHAR NOT NULL,         -- price | markup
    sell_rate      DECIMAL(38,4),
    sell           DECIMAL(38,4),            -- money, in cents
    markup         DECIMAL(18,4)
);

-- Every fee of the month at the close.
CREATE TABLE closed_fees (
    month       VARCHAR NOT NULL,
    revision    INTEGER NOT NULL,
    account_no  VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    amount      DECIMAL(38,4) NOT NULL
);

-- The provider's invoices of the month at the close, to notice later changes.
CREATE TABLE closed_invoices (
    month       VARCHAR NOT NULL,
    revision    INTEGER NOT NULL,
    invoice_id  VARCHAR NOT NULL,
    total_due   DECIMAL(18,4),
    line_count  BIGINT NOT NULL,
    lines_print HUGEINT NOT NULL             -- Σ of the lines' field hashes
);
