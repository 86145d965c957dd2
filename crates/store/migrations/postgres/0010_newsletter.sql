-- The newsletter: subscribers, what was sent to them, and the durable delivery queue.

-- A subscriber exists from the first sign-up; only `confirmed` ones receive anything.
-- `email_key` (the address in lower case) keeps one row per mailbox however it is typed.
CREATE TABLE subscribers (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                 TEXT NOT NULL,
    email_key             TEXT NOT NULL UNIQUE,
    status                TEXT NOT NULL,   -- pending, confirmed, unsubscribed, bouncing
    digest                BOOLEAN NOT NULL DEFAULT TRUE,
    alerts                BOOLEAN NOT NULL DEFAULT FALSE,
    sections              TEXT NOT NULL DEFAULT '[]',  -- section ids; empty = every section
    confirm_nonce         TEXT,            -- in the outstanding confirmation link; cleared when used
    manage_nonce          TEXT NOT NULL,   -- in every preferences and unsubscribe link
    confirmation_sent_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    confirmed_at          TIMESTAMPTZ,
    unsubscribed_at       TIMESTAMPTZ,
    bounces               BIGINT NOT NULL DEFAULT 0,
    source                TEXT NOT NULL DEFAULT 'form'
);
CREATE INDEX subscribers_status ON subscribers (status);

-- One digest, alert or test: what it carries is fixed when it is queued (`payload`), and
-- every message is rendered from it, so a resumed send says the same thing.
CREATE TABLE newsletter_sends (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL,             -- digest, alert, test, confirmation, reset
    subject     TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    article_id  BIGINT REFERENCES articles(id) ON DELETE SET NULL,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX newsletter_sends_kind ON newsletter_sends (kind, created_at);

-- One message to one address. `message_id` is made when the row is queued and kept across
-- retries. `sending` rows were claimed by the sender holding the lock; a sender that
-- takes the lock over puts its predecessor's back in the queue.
CREATE TABLE newsletter_queue (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    send_id        BIGINT NOT NULL REFERENCES newsletter_sends(id) ON DELETE CASCADE,
    subscriber_id  BIGINT REFERENCES subscribers(id) ON DELETE SET NULL,
    email          TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    status         TEXT NOT NULL,          -- queued, sending, sent, failed, bounced
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_at        TIMESTAMPTZ NOT NULL,
    error          TEXT,
    sent_at        TIMESTAMPTZ,
    UNIQUE (send_id, email)
);
CREATE INDEX newsletter_queue_due ON newsletter_queue (status, next_at);

-- Leases: one holder at a time however many nodes run (the newsletter sender).
CREATE TABLE locks (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- Sign-ups per address and per network address, for their limits.
CREATE TABLE signup_events (
    key  TEXT NOT NULL,
    at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX signup_events_key ON signup_events (key, at);

-- Keys the site signs its links with, made on first use.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
