-- The newsletter: subscribers, what was sent to them, and the durable delivery queue.

-- A subscriber exists from the first sign-up; only `confirmed` ones receive anything.
-- `email_key` (the address in lower case) keeps one row per mailbox however it is typed.
CREATE TABLE subscribers (
    id                    INTEGER PRIMARY KEY,
    email                 TEXT NOT NULL,
    email_key             TEXT NOT NULL UNIQUE,
    status                TEXT NOT NULL,   -- pending, confirmed, unsubscribed, bouncing
    digest                INTEGER NOT NULL DEFAULT 1,
    alerts                INTEGER NOT NULL DEFAULT 0,
    sections              TEXT NOT NULL DEFAULT '[]',  -- section ids; empty = every section
    confirm_nonce         TEXT,            -- in the outstanding confirmation link; cleared when used
    manage_nonce          TEXT NOT NULL,   -- in every preferences and unsubscribe link
    confirmation_sent_at  TEXT,
    created_at            TEXT NOT NULL,
    confirmed_at          TEXT,
    unsubscribed_at       TEXT,
    bounces               INTEGER NOT NULL DEFAULT 0,
    source                TEXT NOT NULL DEFAULT 'form'
);
CREATE INDEX subscribers_status ON subscribers (status);

-- One digest, alert or test: what it carries is fixed when it is queued (`payload`), and
-- every message is rendered from it, so a resumed send says the same thing.
CREATE TABLE newsletter_sends (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,             -- digest, alert, test, confirmation, reset
    subject     TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    article_id  INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX newsletter_sends_kind ON newsletter_sends (kind, created_at);

-- One message to one address. `message_id` is made when the row is queued and kept across
-- retries. `sending` rows were claimed by the sender holding the lock; a sender that
-- takes the lock over puts its predecessor's back in the queue.
CREATE TABLE newsletter_queue (
    id             INTEGER PRIMARY KEY,
    send_id        INTEGER NOT NULL REFERENCES newsletter_sends(id) ON DELETE CASCADE,
    subscriber_id  INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
    email          TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    status         TEXT NOT NULL,          -- queued, sending, sent, failed, bounced
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        TEXT NOT NULL,
    error          TEXT,
    sent_at        TEXT,
    UNIQUE (send_id, email)
);
CREATE INDEX newsletter_queue_due ON newsletter_queue (status, next_at);

-- Leases: one holder at a time however many nodes run (the newsletter sender).
CREATE TABLE locks (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Sign-ups per address and per network address, for their limits.
CREATE TABLE signup_events (
    key  TEXT NOT NULL,
    at   TEXT NOT NULL
);
CREATE INDEX signup_events_key ON signup_events (key, at);

-- Keys the site signs its links with, made on first use.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
