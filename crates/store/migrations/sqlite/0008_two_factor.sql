-- Optional two-factor sign-in (TOTP, RFC 6238): the account's secret once confirmed, and
-- one being set up. Sign-ins that passed the password and wait for the code are kept
-- for five minutes in login_challenges (only the hash of their token).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
CREATE TABLE login_challenges (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL
);
