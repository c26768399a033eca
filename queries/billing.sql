-- Billing: what each provider line sells for under the price book, and the fees of
-- each month. Read after staging.sql and after tally has loaded the price book into
-- TEMP tables (bill_prices, bill_markups, bill_fee_rules; macro markup_percent()).
--
-- The rules (README "Re-billing"), for a line of billing month M:
--   1. the price for (its account, its product), else the price for its product; among
--      prices of equal specificity the latest `from` not after M (no `from`: always);
--   2. a priced line sells at usage change × price × months (its stored months), to
--      cents half away from zero, when its usage change is not 0 and the provider's own
--      arithmetic holds for it (charge = round(usage change × rate × months, 2));
--   3. every other line sells under its account's markup, else the default markup:
--      charge × (100 + percent) / 100, to cents the same way. Negative stays negative.
-- All exact: the markup is a multiplication by (100 + percent) × 0.01, never a division.

-- The price that applies to each line, if any: the key orders account-specific
-- prices first, then the latest `from`.
CREATE OR REPLACE TEMP VIEW bill_line_prices AS
SELECT l.invoice_id, l.line_no,
       arg_max(p.rate, CASE WHEN p.account IS NULL THEN '0' ELSE '1' END
                       || coalesce(p.from_month, '0000-00')) AS price
  FROM stg_lines l
  JOIN bill_prices p
    ON p.product = l.product
   AND (p.account IS NULL OR p.account = l.account_no)
   AND (p.from_month IS NULL OR p.from_month <= l.billing_month)
 GROUP BY l.invoice_id, l.line_no;

CREATE OR REPLACE TEMP VIEW bill_lines_live AS
WITH priced AS (
    SELECT l.billing_month AS month, l.invoice_id, l.line_no, l.account_no, l.product, l.type,
           l.service_start, l.service_end, l.current_usage, l.usage_change, l.months,
           l.rate AS cost_rate, l.charge AS cost, p.price,
           coalesce(m.percent, markup_percent()) AS markup,
           p.price IS NOT NULL AND l.usage_change <> 0
               AND l.charge = line_charge(l.usage_change, l.rate, l.months) AS by_price
      FROM stg_lines l
      LEFT JOIN bill_line_prices p USING (invoice_id, line_no)
      LEFT JOIN bill_markups m ON m.account = l.account_no
)
SELECT month, invoice_id, line_no, account_no, product, type, service_start, service_end,
       current_usage, usage_change, months, cost_rate, cost,
       CASE WHEN by_price THEN 'price' ELSE 'markup' END AS rule,
       -- The rate a statement shows: the price, or (for information) the provider's
       -- rate under the markup, to 4 places.
       CASE WHEN by_price THEN price::DECIMAL(38,4)
            ELSE round(cost_rate::DECIMAL(38,4) * (100 + markup)::DECIMAL(38,4) * 0.01::DECIMAL(3,2), 4)::DECIMAL(38,4)
            END AS sell_rate,
       CASE WHEN by_price THEN line_charge(usage_change, price, months)
            ELSE round(cost::DECIMAL(38,4) * (100 + markup)::DECIMAL(38,4) * 0.01::DECIMAL(3,2), 2)::DECIMAL(38,4)
            END AS sell,
       markup
  FROM priced;

-- Each fee in each billing month of the data that falls in its window.
CREATE OR REPLACE TEMP VIEW bill_fees_live AS
SELECT m.month, f.account AS account_no, f.description, f.amount::DECIMAL(38,4) AS amount
  FROM bill_fee_rules f
  JOIN (SELECT DISTINCT billing_month AS month FROM stg_invoices WHERE billing_month IS NOT NULL) m
    ON (f.from_month IS NULL OR f.from_month <= m.month)
   AND (f.until_month IS NULL OR m.month <= f.until_month);

-- The months frozen by `tally close`: the latest revision of each, while not reopened.
CREATE OR REPLACE TEMP VIEW bill_closed AS
SELECT month, revision
  FROM (SELECT *, row_number() OVER (PARTITION BY month ORDER BY revision DESC) AS nth
          FROM closed_months)
 WHERE nth = 1 AND reopened_at IS NULL;

-- What every line sells for: a closed month's frozen bill, every other month's live one.
CREATE OR REPLACE TEMP VIEW bill_lines AS
SELECT c.month, c.invoice_id, c.line_no, c.account_no, c.product, c.type, c.service_start,
       c.service_end, c.current_usage, c.usage_change, c.months, c.cost_rate, c.cost, c.rule,
       c.sell_rate, c.sell, c.markup
  FROM closed_lines c JOIN bill_closed USING (month, revision)
UNION ALL
SELECT * FROM bill_lines_live WHERE month NOT IN (SELECT month FROM bill_closed);

CREATE OR REPLACE TEMP VIEW bill_fees AS
SELECT c.month, c.account_no, c.description, c.amount
  FROM closed_fees c JOIN bill_closed USING (month, revision)
UNION ALL
SELECT * FROM bill_fees_live WHERE month NOT IN (SELECT month FROM bill_closed);

-- Per billing month × sub-account: provider lines, cost, and sell (sell lines + fees,
-- each already in cents). An account with a fee but no lines has a row (cost 0).
CREATE OR REPLACE TEMP VIEW bill_margin AS
WITH lines AS (
    SELECT month, account_no, count(*) AS lines, sum(cost) AS cost, sum(sell) AS sell
      FROM bill_lines GROUP BY ALL
),
fees AS (SELECT month, account_no, sum(amount) AS fees FROM bill_fees GROUP BY ALL)
SELECT month, account_no, coalesce(l.lines, 0) AS lines,
       coalesce(l.cost, 0)::DECIMAL(38,4) AS cost,
       (coalesce(l.sell, 0) + coalesce(f.fees, 0))::DECIMAL(38,4) AS sell
  FROM lines l FULL OUTER JOIN fees f USING (month, account_no);

-- What reconcile's below_cost finding reads: the months × sub-accounts sold below
-- their cost. Without a price book, billing::load_none replaces it by a view of no
-- rows, so a report without prices does not plan the billing views.
CREATE OR REPLACE TEMP VIEW bill_below_cost AS
SELECT month, account_no, cost, sell FROM bill_margin WHERE sell < cost;
