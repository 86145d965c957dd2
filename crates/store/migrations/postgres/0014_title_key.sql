-- The title as the back office's title search compares it: folded the way search folds
-- (hamza forms, ta marbuta, alif maqsura, no diacritics or tatweel, lower case). Written
-- by the store with every article; rows written before this column are filled in once,
-- at start-up.
ALTER TABLE articles ADD COLUMN title_key TEXT;
