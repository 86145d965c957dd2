-- Words in an article's body, counted by the store when it writes the body, so that a list
-- shows each card's reading time without reading the body. Rows written before this
-- column are counted once, at start-up.
ALTER TABLE articles ADD COLUMN words BIGINT;
