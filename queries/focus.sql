-- focus: the provider's line items as a FOCUS 1.2 cost-and-usage dataset (README:
-- "FOCUS 1.2", column by column). One row per stored line item, in the order the
-- lines are stored (each invoice's lines together, in line order). `month` (the
-- billing month) is for partitioning only and is not written.
-- Money stays exact: BilledCost and EffectiveCost are the stored charges
-- (DECIMAL(18,4)); PricingQuantity and ContractedCost are exact products
-- (DECIMAL(38,8), DECIMAL(38,12)), never rounded. Times are UTC; every end bound is
-- exclusive (the provider's inclusive 23:59:59 end plus one second; the billing
-- period ends at the next month's first instant).
-- Set up by `export::focus::prepare`: the variable currency (ISO 4217, from the
-- setting) and the view focus_lines, each stored line with `invoice` (a STRUCT of its
-- invoice's billing month, billing account, that account's name and billing period,
-- computed once per invoice) and `customer_name`, in the order the lines are stored.
-- Provider text in FOCUS columns is ASCII (the validator's StringHandling rules):
-- focus_text(x) transliterates, focus_domain(x) gives a domain's IDNA ASCII form
-- (export::ascii; both leave ASCII text as it is); the x_ columns keep the exact text.
-- Columns of a few fixed values are ENUMs: Parquet stores them as plain strings
-- (read back VARCHAR), and DuckDB writes a dictionary of them at a quarter of a
-- string's cost.
WITH lines AS (
    SELECT l.invoice_id, l.line_no, l.account_no, l.reference_no,
           l.domain, l.product, l.type, l.service_start, l.service_end, l.current_usage,
           l.usage_change, l.months, l.rate, l.charge,
           l.invoice, l.customer_name,
           -- A negative line is a credit; any other is usage (README: why not Purchase).
           l.charge < 0 AS credit,
           -- The provider's arithmetic holds: charge = usage change × rate × months,
           -- to cents. Only then is the rate a unit price of seat-months.
           l.charge = line_charge(l.usage_change, l.rate, l.months) AS arithmetic_holds,
           (l.usage_change::DECIMAL(38,4) * l.months::DECIMAL(38,4))::DECIMAL(38,8) AS seat_months
      FROM focus_lines l
),
-- A priced row: seat-months at the rate; any other usage row 1 unit at its charge;
-- a credit has no quantity or price.
priced AS (
    SELECT *,
           CASE WHEN credit THEN NULL WHEN arithmetic_holds THEN seat_months ELSE 1::DECIMAL(38,8) END AS quantity,
           CASE WHEN credit THEN NULL WHEN arithmetic_holds THEN rate ELSE charge END AS unit_price
      FROM lines
)
SELECT l.invoice.billing_month AS month,
       'Rackspace'::ENUM('Rackspace') AS InvoiceIssuerName,
       'Rackspace'::ENUM('Rackspace') AS ProviderName,
       CASE WHEN l.product ILIKE 'Office 365%' OR l.product ILIKE 'Microsoft%'
            THEN 'Microsoft' ELSE 'Rackspace' END::ENUM('Microsoft', 'Rackspace') AS PublisherName,
       l.invoice.billing_account AS BillingAccountId,
       focus_text(l.invoice.billing_account_name) AS BillingAccountName,
       l.account_no AS SubAccountId,
       coalesce(focus_text(l.customer_name), l.account_no) AS SubAccountName,
       l.invoice_id AS InvoiceId,
       l.invoice.period_start AS BillingPeriodStart,
       l.invoice.period_end AS BillingPeriodEnd,
       l.service_start AS ChargePeriodStart,
       l.service_end + INTERVAL 1 SECOND AS ChargePeriodEnd,
       CASE WHEN l.credit THEN 'Credit' ELSE 'Usage' END::ENUM('Credit', 'Usage') AS ChargeCategory,
       NULL::VARCHAR AS ChargeClass,
       CASE WHEN NOT l.credit AND l.type = 'Renewal' THEN 'Recurring' ELSE 'One-Time' END
           ::ENUM('One-Time', 'Recurring') AS ChargeFrequency,
       focus_text(l.product) || ' ' || lower(focus_text(l.type)) || ', ' || focus_domain(l.domain)
           AS ChargeDescription,
       'Business Applications'::ENUM('Business Applications') AS ServiceCategory,
       'Productivity and Collaboration'::ENUM('Productivity and Collaboration') AS ServiceSubcategory,
       focus_text(l.product) AS ServiceName,
       focus_text(l.product) AS SkuId,
       CASE WHEN NOT l.credit THEN 'Standard' END::ENUM('Standard') AS PricingCategory,
       l.quantity AS PricingQuantity,
       CASE WHEN l.credit THEN NULL WHEN l.arithmetic_holds THEN 'Seat-Months' ELSE 'Units' END
           ::ENUM('Seat-Months', 'Units') AS PricingUnit,
       l.unit_price AS ContractedUnitPrice,
       CASE WHEN NOT l.credit THEN l.seat_months END AS ConsumedQuantity,
       CASE WHEN NOT l.credit THEN 'Seat-Months' END::ENUM('Seat-Months') AS ConsumedUnit,
       -- No commitment discounts exist; the column is present (all null) because
       -- the validator's ConsumedQuantity rules read it.
       NULL::VARCHAR AS CommitmentDiscountStatus,
       l.charge AS BilledCost,
       l.charge AS EffectiveCost,
       coalesce((l.quantity * l.unit_price)::DECIMAL(38,12), l.charge) AS ContractedCost,
       coalesce((l.quantity * l.unit_price)::DECIMAL(38,12), l.charge) AS ListCost,
       getvariable('currency') AS BillingCurrency,
       -- tally's own columns.
       l.domain AS x_Domain,
       l.product AS x_ProductName,
       l.customer_name AS x_SubAccountName,
       l.reference_no AS x_ReferenceNumber,
       l.line_no AS x_LineNumber,
       l.type AS x_LineType,
       l.current_usage AS x_CurrentUsage,
       l.usage_change AS x_UsageChange,
       l.months AS x_Months,
       l.rate AS x_Rate
  FROM priced l
