-- Midad's schema on PostgreSQL. Times are timestamptz; ids are identity columns; slugs use
-- the "C" collation: they are identifiers, compared and range-scanned byte by byte.

CREATE TABLE media (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    mime        TEXT NOT NULL,
    width       BIGINT,
    height      BIGINT,
    size        BIGINT NOT NULL,
    alt         TEXT,
    caption     TEXT,
    credit      TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE sections (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL UNIQUE,
    parent_id   BIGINT REFERENCES sections(id) ON DELETE SET NULL,
    description TEXT,
    position    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE authors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL UNIQUE,
    bio         TEXT,
    photo_id    BIGINT REFERENCES media(id) ON DELETE SET NULL
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'author', 'contributor')),
    author_id     BIGINT REFERENCES authors(id) ON DELETE SET NULL,
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('article', 'caricature', 'page')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'archived')),
    title           TEXT NOT NULL,
    slug            TEXT COLLATE "C" NOT NULL,
    subtitle        TEXT,
    excerpt         TEXT,
    body            TEXT NOT NULL,
    section_id      BIGINT REFERENCES sections(id) ON DELETE SET NULL,
    parent_id       BIGINT REFERENCES articles(id) ON DELETE SET NULL,
    source          TEXT,
    image_id        BIGINT REFERENCES media(id) ON DELETE SET NULL,
    image_caption   TEXT,
    image_alt       TEXT,
    image_credit    TEXT,
    artist          TEXT,
    seo_title       TEXT,
    seo_description TEXT,
    breaking        BOOLEAN NOT NULL DEFAULT FALSE,
    featured        BOOLEAN NOT NULL DEFAULT FALSE,
    published_at    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ,
    external_id     TEXT UNIQUE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    modified_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, slug)
);
CREATE INDEX articles_public ON articles (kind, status, published_at DESC);
CREATE INDEX articles_section ON articles (section_id, status, published_at DESC);

CREATE TABLE article_tags (
    article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id      BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id);

CREATE TABLE article_authors (
    article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id   BIGINT NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- The change log: how caches, the search index, the scheduler and other nodes learn of a
-- write. Commits append here in sequence order: writers take an advisory lock just before
-- they insert, so a follower never sees sequence N+1 before N has committed.
CREATE TABLE changes (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
