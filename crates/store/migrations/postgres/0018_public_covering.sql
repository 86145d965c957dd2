-- A month's sitemap reads the slug, image and time of every story of the month (up to
-- 50,000): carried by the public index, they are read by an index-only scan.
DROP INDEX articles_public;
CREATE INDEX articles_public ON articles (kind, status, published_at, id) INCLUDE (slug, image_id, modified_at);
