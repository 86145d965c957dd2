-- The breaking-news ticker and the home page's featured stories look for a flag among the
-- newest public items: without these, a site with no flagged story scans every article.
CREATE INDEX articles_breaking ON articles (kind, status, breaking, published_at DESC);
CREATE INDEX articles_featured ON articles (kind, status, featured, published_at DESC);
