-- The write side: every write tally sends to a provider is recorded in `actions`
-- before it is sent (outcome `pending`) and finished with what came back, and
-- customers, contacts and admins deleted at a provider stay in the store marked
-- deleted (with when), so past reports keep their names while reports of current
-- data leave them out.

CREATE SEQUENCE action_ids START 1;

CREATE TABLE actions (
    action_id    INTEGER PRIMARY KEY DEFAULT nextval('action_ids'),
    started_at   TIMESTAMP NOT NULL,      -- UTC, when it was recorded (before sending)
    finished_at  TIMESTAMP,               -- UTC; NULL while pending
    provider     VARCHAR NOT NULL,        -- rackspace | mailroute
    operation    VARCHAR NOT NULL,        -- e.g. customer add, contact edit, login-token
    target       VARCHAR,                 -- the account / id acted on (NULL for a create until known)
    method       VARCHAR NOT NULL,        -- POST | PUT | DELETE
    url          VARCHAR NOT NULL,
    request      VARCHAR,                 -- the JSON body sent, secrets as ***
    lookup_key   VARCHAR,                 -- what finds a created object again (reference number, name, e-mail)
    http_status  INTEGER,                 -- NULL when no answer came
    outcome      VARCHAR NOT NULL,        -- pending | ok | refused | unknown | failed
    message      VARCHAR,                 -- the server's message, or what went wrong
    result_id    VARCHAR,                 -- the id of the object created or written
    base_url     VARCHAR NOT NULL,
    is_sandbox   BOOLEAN NOT NULL,        -- sent to tally's own sandbox (loopback)
    CHECK (outcome IN ('pending', 'ok', 'refused', 'unknown', 'failed'))
);

ALTER TABLE customers ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE contacts ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE mr_customers ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE mr_contacts ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE mr_admins ADD COLUMN deleted_at TIMESTAMP;

-- Lineage of a row written back after an action (as run_id is for a sync).
ALTER TABLE customers ADD COLUMN action_id INTEGER;
ALTER TABLE contacts ADD COLUMN action_id INTEGER;
ALTER TABLE mr_customers ADD COLUMN action_id INTEGER;
ALTER TABLE mr_contacts ADD COLUMN action_id INTEGER;
ALTER TABLE mr_admins ADD COLUMN action_id INTEGER;
