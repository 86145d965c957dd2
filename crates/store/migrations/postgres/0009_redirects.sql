-- Old addresses that answer 301: a site moved from another system keeps its links. A row
-- points at an article (resolved to its current address when asked, and only while it is
-- public) or at a fixed path. `from_path` is stored percent-decoded, without a trailing
-- slash; `/?p=123`-style addresses keep their one query parameter.
CREATE TABLE redirects (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_path   TEXT NOT NULL UNIQUE,
    to_path     TEXT,
    article_id  BIGINT REFERENCES articles(id) ON DELETE CASCADE,
    origin      TEXT NOT NULL DEFAULT 'manual',
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((to_path IS NULL) <> (article_id IS NULL))
);
CREATE INDEX redirects_article ON redirects (article_id);
