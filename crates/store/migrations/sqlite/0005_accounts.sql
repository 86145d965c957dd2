-- Signed-in sessions, failed sign-ins (for throttling) and the audit log. None of these is
-- content: they are not in the change log.

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of the database
-- does not let anyone sign in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed sign-in, keyed by account (`email:…`) and by address (`ip:…`).
CREATE TABLE login_failures (
    key         TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
