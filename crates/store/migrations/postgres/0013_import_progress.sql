-- How far an import of a file got: written in the same transaction as each batch of its
-- lines, removed when the import is complete. A run of the same file (by fingerprint)
-- after a crash carries on after `line`.
CREATE TABLE import_progress (
    fingerprint TEXT PRIMARY KEY,
    line        BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
