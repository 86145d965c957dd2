-- One-time password-reset links: only the hash of the link's token is kept, with its
-- expiry; a used link is deleted.
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL
);
