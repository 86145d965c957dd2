-- The rows whose folded title or word count is still to be filled: the start-up check
-- finds them (almost always none) through this small index instead of a pass over every
-- article.
CREATE INDEX articles_unfilled ON articles (id) WHERE title_key IS NULL OR words IS NULL;
