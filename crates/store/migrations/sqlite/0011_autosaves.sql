-- What the editor saved by itself while someone typed: one per article and person, the
-- form as it was (JSON) and the version it started from. Not a revision: a save removes it.
CREATE TABLE autosaves (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (article_id, user_id)
);
