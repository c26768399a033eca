-- focus: the provider's line items as a FOCUS 1.2 cost-and-usage dataset (README:
-- "FOCUS 1.2", column by column). One row per stored line item. `month` (the billing
-- month) is for partitioning only and is not written. Money stays exact: BilledCost
-- and EffectiveCost are the stored charges (DECIMAL(18,4)); PricingQuantity and
-- ContractedCost are exact products (DECIMAL(38,8), DECIMAL(38,12)), never rounded.
-- Times are UTC; every end bound is exclusive (the provider's inclusive 23:59:59 end
-- plus one second; the billing period ends at the next month's first instant).
-- Variables: currency (ISO 4217, from the setting), reseller (the reseller's own
-- account number, for invoices loaded without an owner; may be NULL).
WITH lines AS (
    SELECT l.*,
           coalesce(l.account_number, getvariable('reseller')) AS billing_account,
           -- The provider's arithmetic holds: charge = usage change × rate × months,
           -- to cents. Only then is the price a contracted unit price.
           l.charge = line_charge(l.usage_change, l.rate, l.months) AS arithmetic_holds,
           CASE WHEN l.charge < 0 THEN 'Credit' ELSE 'Usage' END AS category
      FROM stg_lines l
)
SELECT l.billing_month AS month,
       -- Who: the invoice issuer, the provider, the publisher of the service.
       'Rackspace' AS InvoiceIssuerName,
       'Rackspace' AS ProviderName,
       CASE WHEN l.product ILIKE 'Office 365%' OR l.product ILIKE 'Microsoft%'
            THEN 'Microsoft' ELSE 'Rackspace' END AS PublisherName,
       -- Accounts: the reseller's account is billed; each line's Account No is the
       -- sub-account it is for.
       l.billing_account AS BillingAccountId,
       coalesce(b.name, l.billing_account) AS BillingAccountName,
       l.account_no AS SubAccountId,
       coalesce(l.customer_name, l.account_no) AS SubAccountName,
       l.invoice_id AS InvoiceId,
       -- Periods (UTC, exclusive ends).
       strptime(l.billing_month || '-01', '%Y-%m-%d') AS BillingPeriodStart,
       strptime(l.billing_month || '-01', '%Y-%m-%d') + INTERVAL 1 MONTH AS BillingPeriodEnd,
       l.service_start AS ChargePeriodStart,
       l.service_end + INTERVAL 1 SECOND AS ChargePeriodEnd,
       -- What kind of charge.
       l.category AS ChargeCategory,
       NULL::VARCHAR AS ChargeClass,
       CASE WHEN l.category = 'Usage' AND l.type = 'Renewal' THEN 'Recurring'
            ELSE 'One-Time' END AS ChargeFrequency,
       l.product || ' ' || lower(l.type) || ', ' || l.domain AS ChargeDescription,
       'Business Applications' AS ServiceCategory,
       'Productivity and Collaboration' AS ServiceSubcategory,
       l.product AS ServiceName,
       l.product AS SkuId,
       -- Pricing: a charge whose arithmetic holds is usage change × months
       -- seat-months at the rate; any other charge is 1 unit at its amount; a
       -- credit has no quantity or price. Usage is the seat-months either way.
       CASE WHEN l.category = 'Usage' THEN 'Standard' END AS PricingCategory,
       CASE WHEN l.category = 'Credit' THEN NULL
            WHEN l.arithmetic_holds THEN (l.usage_change::DECIMAL(38,4) * l.months::DECIMAL(38,4))::DECIMAL(38,8)
            ELSE 1::DECIMAL(38,8) END AS PricingQuantity,
       CASE WHEN l.category = 'Credit' THEN NULL
            WHEN l.arithmetic_holds THEN 'Seat-Months'
            ELSE 'Units' END AS PricingUnit,
       CASE WHEN l.category = 'Credit' THEN NULL
            WHEN l.arithmetic_holds THEN l.rate
            ELSE l.charge END AS ContractedUnitPrice,
       CASE WHEN l.category = 'Usage'
            THEN (l.usage_change::DECIMAL(38,4) * l.months::DECIMAL(38,4))::DECIMAL(38,8)
            END AS ConsumedQuantity,
       CASE WHEN l.category = 'Usage' THEN 'Seat-Months' END AS ConsumedUnit,
       -- No commitment discounts exist here; the column is present (all null)
       -- because the validator's ConsumedQuantity rules read it.
       NULL::VARCHAR AS CommitmentDiscountStatus,
       -- Costs.
       l.charge AS BilledCost,
       l.charge AS EffectiveCost,
       CASE WHEN l.category = 'Usage' AND l.arithmetic_holds
            THEN (l.usage_change::DECIMAL(38,4) * l.months::DECIMAL(38,4) * l.rate::DECIMAL(38,4))::DECIMAL(38,12)
            ELSE l.charge::DECIMAL(38,12) END AS ContractedCost,
       CASE WHEN l.category = 'Usage' AND l.arithmetic_holds
            THEN (l.usage_change::DECIMAL(38,4) * l.months::DECIMAL(38,4) * l.rate::DECIMAL(38,4))::DECIMAL(38,12)
            ELSE l.charge::DECIMAL(38,12) END AS ListCost,
       getvariable('currency') AS BillingCurrency,
       -- tally's own columns.
       l.domain AS x_Domain,
       l.reference_no AS x_ReferenceNumber,
       l.line_no AS x_LineNumber,
       l.type AS x_LineType,
       l.current_usage AS x_CurrentUsage,
       l.usage_change AS x_UsageChange,
       l.months AS x_Months,
       l.rate AS x_Rate
  FROM lines l
  LEFT JOIN customers b ON b.account_number = l.billing_account
 ORDER BY l.billing_month, l.invoice_id, l.line_no
