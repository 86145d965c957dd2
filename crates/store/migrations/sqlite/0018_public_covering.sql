-- A month's sitemap reads the slug, image and time of every story of the month (up to
-- 50,000): held in the public index, they are read from it alone, instead of from each row,
-- where the columns after the body are reached through the body's overflow pages.
DROP INDEX articles_public;
CREATE INDEX articles_public ON articles (kind, status, published_at, id, slug, image_id, modified_at);
