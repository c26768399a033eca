-- Summaries of the stored lines, written in the same transaction as the lines they
-- summarise (src/summary.rs computes them from each invoice's parsed lines;
-- src/store/invoice_write.rs appends them with the lines), so the reports read a few
-- rows per invoice instead of every line, and a crash can never leave a summary out
-- of step with its lines. Sums are DECIMAL(38,4): no sum of valid lines overflows.
-- No keys: an invoice's rows are deleted with its lines and written again with them.
-- After these tables, tally fills them from the lines already stored
-- (store::summaries::fill), in this migration's transaction.

-- Per invoice with lines: how many, their Σ charge, the latest service start (the
-- billing month of an invoice loaded without a date), and two order-free prints of
-- its lines (Σ and XOR of each line's 64-bit FNV-1a print, summary::line_print) that
-- find duplicate invoices and lines changed after a month's close.
CREATE TABLE invoice_sums (
    invoice_id   VARCHAR NOT NULL,
    lines        BIGINT NOT NULL,
    charge       DECIMAL(38,4) NOT NULL,
    latest_start TIMESTAMP NOT NULL,
    print_sum    DECIMAL(38,0) NOT NULL,
    print_xor    UBIGINT NOT NULL
);

-- Per invoice × sub-account (the line's Account No) × domain (lowercased: how
-- MailRoute names match; a sub-account usually bills one domain).
CREATE TABLE account_sums (
    invoice_id VARCHAR NOT NULL,
    account_no VARCHAR NOT NULL,
    domain_key VARCHAR NOT NULL,             -- lower(domain)
    domain     VARCHAR NOT NULL,             -- the domain as written (the least, if several)
    lines      BIGINT NOT NULL,
    first_line INTEGER NOT NULL,             -- the lowest line number
    charge     DECIMAL(38,4) NOT NULL,       -- Σ charge
    renewal    DECIMAL(38,4) NOT NULL,       -- Σ charge of Renewal lines not negative
    partial    DECIMAL(38,4) NOT NULL,       -- Σ charge of other lines not negative
    negative   DECIMAL(38,4) NOT NULL,       -- Σ charge of negative lines
    seats      DECIMAL(38,4) NOT NULL        -- Σ current usage of Renewal lines
);

-- Per invoice × product.
CREATE TABLE product_sums (
    invoice_id     VARCHAR NOT NULL,
    product        VARCHAR NOT NULL,
    accounts       BIGINT NOT NULL,          -- distinct sub-accounts billed for it on the invoice
    lines          BIGINT NOT NULL,
    charge         DECIMAL(38,4) NOT NULL,   -- Σ charge
    renewal_charge DECIMAL(38,4) NOT NULL,   -- Σ charge of Renewal lines
    seats          DECIMAL(38,4) NOT NULL    -- Σ current usage of Renewal lines
);

-- Each line the checks have something to say of, whole, with what was computed
-- for it: a partial period (months <> 1), months that differ from the service
-- dates, a charge that is not usage change × rate × months, a credit without usage,
-- the same line twice on its invoice, or a value outside the plausible range.
CREATE TABLE line_checks (
    invoice_id           VARCHAR NOT NULL,
    line_no              INTEGER NOT NULL,
    account_no           VARCHAR NOT NULL,
    reference_no         VARCHAR NOT NULL,
    domain               VARCHAR NOT NULL,
    product              VARCHAR NOT NULL,
    type                 VARCHAR NOT NULL,
    service_start        TIMESTAMP NOT NULL,
    service_end          TIMESTAMP NOT NULL,
    term_committed_usage DECIMAL(18,4) NOT NULL,
    current_usage        DECIMAL(18,4) NOT NULL,
    usage_change         DECIMAL(18,4) NOT NULL,
    months               DECIMAL(18,4) NOT NULL,
    rate                 DECIMAL(18,4) NOT NULL,
    charge               DECIMAL(18,4) NOT NULL,
    computed_months      DECIMAL(18,4) NOT NULL,  -- billed months from the service dates (macros.sql billed_months)
    expected_charge      DECIMAL(38,4),           -- usage_change × rate × months to the cent (line_charge); NULL: a factor ≥ 10^8
    recomputed_charge    DECIMAL(38,4),           -- usage_change × rate × computed_months to the cent
    duplicate_of         INTEGER,                 -- the first line on the invoice with every field equal
    -- What the checks found (so a report reads only the row groups that hold it):
    arithmetic_off       BOOLEAN NOT NULL,        -- charge <> expected_charge, and not a credit
    months_off           BOOLEAN NOT NULL,        -- months <> computed_months
    credit               BOOLEAN NOT NULL,        -- usage_change = 0 and a negative charge
    implausible          BOOLEAN NOT NULL         -- a value outside the plausible range (summary.rs, staging.sql)
);
