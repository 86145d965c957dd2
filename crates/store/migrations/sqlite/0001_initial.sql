-- Midad's schema on SQLite. Times are RFC 3339 text in UTC; ids are INTEGER PRIMARY KEY.

CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    mime        TEXT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    size        INTEGER NOT NULL,
    alt         TEXT,
    caption     TEXT,
    credit      TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE sections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    parent_id   INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    description TEXT,
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE
);

CREATE TABLE authors (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    bio         TEXT,
    photo_id    INTEGER REFERENCES media(id) ON DELETE SET NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'author', 'contributor')),
    author_id     INTEGER REFERENCES authors(id) ON DELETE SET NULL,
    password_hash TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('article', 'caricature', 'page')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'archived')),
    title           TEXT NOT NULL,
    slug            TEXT NOT NULL,
    subtitle        TEXT,
    excerpt         TEXT,
    body            TEXT NOT NULL,
    section_id      INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    parent_id       INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    source          TEXT,
    image_id        INTEGER REFERENCES media(id) ON DELETE SET NULL,
    image_caption   TEXT,
    image_alt       TEXT,
    image_credit    TEXT,
    artist          TEXT,
    seo_title       TEXT,
    seo_description TEXT,
    breaking        INTEGER NOT NULL DEFAULT 0,
    featured        INTEGER NOT NULL DEFAULT 0,
    published_at    TEXT,
    updated_at      TEXT,
    external_id     TEXT UNIQUE,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    UNIQUE (kind, slug)
);
CREATE INDEX articles_public ON articles (kind, status, published_at DESC);
CREATE INDEX articles_section ON articles (section_id, status, published_at DESC);

CREATE TABLE article_tags (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id);

CREATE TABLE article_authors (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- The change log: how caches, the search index, the scheduler and other nodes learn of a
-- write. AUTOINCREMENT so a sequence number is never reused, even after the newest row is
-- pruned.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    at          TEXT NOT NULL
);
