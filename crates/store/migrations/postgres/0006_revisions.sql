-- Every save of an article, caricature or page: who, when, and the whole item as it was
-- saved (the JSON of its fields and blocks), so any version can be compared and restored.
CREATE TABLE revisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    data        TEXT NOT NULL,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX revisions_article ON revisions (article_id, version);
