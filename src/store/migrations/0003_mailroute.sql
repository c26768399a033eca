-- MailRoute's objects as of the last successful `tally sync mailroute`: each sync
-- replaces all four tables in one transaction, so deleted objects disappear.
-- Dates come with a zone and are stored as UTC.

CREATE TABLE mr_resellers (
    id        BIGINT PRIMARY KEY,
    name      VARCHAR NOT NULL,
    synced_at TIMESTAMP NOT NULL
);

CREATE TABLE mr_customers (
    id                  BIGINT PRIMARY KEY,
    name                VARCHAR NOT NULL,        -- usually the domain
    reseller_id         BIGINT,
    reported_user_count BIGINT,                  -- MailRoute's one usage figure (users); NULL when not reported
    created_at          TIMESTAMP,               -- UTC
    updated_at          TIMESTAMP,               -- UTC
    synced_at           TIMESTAMP NOT NULL
);

CREATE TABLE mr_contacts (
    id           BIGINT PRIMARY KEY,
    customer_id  BIGINT NOT NULL,
    email        VARCHAR,
    first_name   VARCHAR,
    last_name    VARCHAR,
    phone        VARCHAR,
    is_billing   BOOLEAN NOT NULL,
    is_technical BOOLEAN NOT NULL,
    is_emergency BOOLEAN NOT NULL,
    synced_at    TIMESTAMP NOT NULL
);

CREATE TABLE mr_admins (
    id          BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    username    VARCHAR NOT NULL,
    email       VARCHAR,
    is_active   BOOLEAN NOT NULL,
    date_joined TIMESTAMP,                       -- UTC
    last_login  TIMESTAMP,                       -- UTC
    synced_at   TIMESTAMP NOT NULL
);
