-- Macros: the provider's arithmetic and exact ratios, as TEMP macros of the session
-- that runs them. Read by the report staging (staging.sql) and by migration 7's fill
-- (store::summaries). The stored summaries are computed in Rust (src/summary.rs,
-- src/proration.rs); the tests check them against these macros line by line, so a
-- report and a stored summary agree to the last unit.
--
-- DuckDB divides decimals into DOUBLE, so no ratio here divides decimals: they are
-- scaled to integers (HUGEINT) and divided with integer division, rounding half
-- away from zero exactly as the provider rounds.

-- n ÷ d for integers, rounded half away from zero; NULL when d = 0.
CREATE OR REPLACE TEMP MACRO div_half_away(n, d) AS
    CASE WHEN d = 0 THEN NULL
         ELSE sign(n) * sign(d) * ((2 * abs(n) + abs(d)) // (2 * abs(d))) END;

-- a ÷ b for DECIMAL(·,4) values, exact to 4 places (half away from zero): DECIMAL(38,4).
CREATE OR REPLACE TEMP MACRO ratio4(a, b) AS
    div_half_away((a * 10000)::HUGEINT * 10000, (b * 10000)::HUGEINT)::DECIMAL(34,0)
        * 0.0001::DECIMAL(4,4);

-- The provider's billed months for a service period: (end − start + 1 s) ÷ seconds in
-- the start's calendar month, to 2 places, half away from zero (API-NOTES.md), as
-- DECIMAL(18,4) like the stored months.
CREATE OR REPLACE TEMP MACRO billed_months(service_start, service_end) AS
    (div_half_away(
        (date_diff('second', service_start, service_end) + 1)::HUGEINT * 100,
        date_diff('second', date_trunc('month', service_start),
                  date_trunc('month', service_start) + INTERVAL 1 MONTH)::HUGEINT
    )::DECIMAL(16,0) * 0.01::DECIMAL(2,2))::DECIMAL(18,4);

-- The provider's charge: usage change × rate × months, each exactly as stored, to 2
-- places (money, half away from zero), as DECIMAL(38,4). The product is exact in
-- DECIMAL(38,12) (26 integer digits); NULL when a factor is 10^8 or more, where it
-- might not fit (no real line is near that; the implausible_value finding names it).
CREATE OR REPLACE TEMP MACRO line_charge(usage_change, rate, months) AS
    CASE WHEN abs(usage_change) < 100000000 AND abs(rate) < 100000000
              AND abs(months) < 100000000
         THEN round(usage_change::DECIMAL(38,4) * rate::DECIMAL(38,4) * months::DECIMAL(38,4), 2)
         END::DECIMAL(38,4);

-- A DECIMAL(·,4) value as an integer count of 0.0001 (exact; for ratios by div_half_away).
CREATE OR REPLACE TEMP MACRO units4(x) AS (x::DECIMAL(38,4) * 10000)::HUGEINT;

-- 'YYYY-MM' of the month before.
-- Money and quantities in evidence text, as tables show them (render::number):
-- money with 2 places, 4 when the stored value has non-zero third or fourth places;
-- quantities and rates without trailing zeros. Exact: casts only where the value
-- already equals its rounding.
CREATE OR REPLACE TEMP MACRO money_text(x) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN x = round(x, 2) THEN x::DECIMAL(38,2)::VARCHAR
         WHEN x = round(x, 4) THEN x::DECIMAL(38,4)::VARCHAR
         ELSE x::VARCHAR END;
CREATE OR REPLACE TEMP MACRO qty_text(x) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN contains(x::VARCHAR, '.') THEN rtrim(rtrim(x::VARCHAR, '0'), '.')
         ELSE x::VARCHAR END;
CREATE OR REPLACE TEMP MACRO previous_month(month) AS
    strftime(strptime(month || '-01', '%Y-%m-%d') - INTERVAL 1 MONTH, '%Y-%m');

-- 'YYYY-MM' of the month n months before.
CREATE OR REPLACE TEMP MACRO months_before(month, n) AS
    strftime(strptime(month || '-01', '%Y-%m-%d') - to_months(n), '%Y-%m');

-- A hash of every field of a line item but its line number (to find duplicates).
CREATE OR REPLACE TEMP MACRO line_hash(l) AS
    hash(l.account_no, l.reference_no, l.domain, l.product, l.type, l.service_start,
         l.service_end, l.term_committed_usage, l.current_usage, l.usage_change, l.months,
         l.rate, l.charge);

