-- Two reseller accounts in one file (profiles): every customer and contact row
-- records the reseller account whose list it came from, so a complete list marks
-- deleted only that reseller's sub-accounts. A reseller's own row names itself.
ALTER TABLE customers ADD COLUMN reseller_account VARCHAR;
ALTER TABLE contacts ADD COLUMN reseller_account VARCHAR;

UPDATE customers SET reseller_account = account_number WHERE is_reseller;

-- A sub-account: the reseller whose invoices bill it (of several, the one of its
-- latest such invoice) ...
UPDATE customers SET reseller_account = b.reseller
  FROM (SELECT s.account_no,
               arg_max(i.account_number, (coalesce(i.invoice_date, d.latest_start), i.invoice_id)) AS reseller
          FROM account_sums s
          JOIN invoices i ON i.invoice_id = s.invoice_id
          JOIN invoice_sums d ON d.invoice_id = s.invoice_id
          JOIN customers r ON r.account_number = i.account_number AND r.is_reseller
         GROUP BY s.account_no) b
 WHERE customers.account_number = b.account_no AND NOT customers.is_reseller;

-- ... else the reseller of the last sync (the reseller row it refreshed last).
UPDATE customers
   SET reseller_account = (SELECT account_number FROM customers WHERE is_reseller
                            ORDER BY synced_at DESC, account_number LIMIT 1)
 WHERE reseller_account IS NULL;

UPDATE contacts SET reseller_account = c.reseller_account
  FROM customers c
 WHERE c.account_number = contacts.account_number;
