-- Every save of an article, caricature or page: who, when, and the whole item as it was
-- saved (the JSON of its fields and blocks), so any version can be compared and restored.
CREATE TABLE revisions (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at          TEXT NOT NULL
);
CREATE INDEX revisions_article ON revisions (article_id, version);
