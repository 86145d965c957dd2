-- Readers' page views per article and site-local day: what "most read" ranks by. Counted
-- without cookies, aggregated in memory and added in batches; not content, so not in the
-- change log.
CREATE TABLE article_views (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    views       INTEGER NOT NULL,
    PRIMARY KEY (article_id, day)
);
CREATE INDEX article_views_day ON article_views (day);
