-- Widths of the narrower copies of an image written beside it (`320,640,1024`), for
-- `srcset`; empty when there are none (SVG, GIF, small images, files stored before).
ALTER TABLE media ADD COLUMN variants TEXT NOT NULL DEFAULT '';
