-- Lists that cost what they show. A tag's or a byline's page reads its links in publication
-- order straight from an index: each link carries the date its article is listed under
-- (`listed_at`: the publication time of a published article of kind article, else NULL),
-- kept by the store whenever the article is written. Section and site-wide lists page by
-- (published_at, id), which these indexes hold in order.
ALTER TABLE article_tags ADD COLUMN listed_at TIMESTAMPTZ;
ALTER TABLE article_authors ADD COLUMN listed_at TIMESTAMPTZ;
UPDATE article_tags SET listed_at = (
    SELECT a.published_at FROM articles a
    WHERE a.id = article_tags.article_id AND a.kind = 'article' AND a.status = 'published');
UPDATE article_authors SET listed_at = (
    SELECT a.published_at FROM articles a
    WHERE a.id = article_authors.article_id AND a.kind = 'article' AND a.status = 'published');
DROP INDEX article_tags_tag;
DROP INDEX article_authors_author;
CREATE INDEX article_tags_listed ON article_tags (tag_id, listed_at, article_id);
CREATE INDEX article_authors_listed ON article_authors (author_id, listed_at, article_id);
DROP INDEX articles_section;
DROP INDEX articles_public;
CREATE INDEX articles_section ON articles (section_id, kind, status, published_at, id);
CREATE INDEX articles_public ON articles (kind, status, published_at, id);
