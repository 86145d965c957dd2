-- The ticker and the featured stories are read newest first, ties by id: with the id in
-- the flag indexes they give that order themselves, so no planner prefers walking every
-- public article for the few that carry the flag.
DROP INDEX articles_breaking;
DROP INDEX articles_featured;
CREATE INDEX articles_breaking ON articles (kind, status, breaking, published_at, id);
CREATE INDEX articles_featured ON articles (kind, status, featured, published_at, id);
