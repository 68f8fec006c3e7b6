-- Signed updates (issue 12, item 4): a release may pin its image's content digest. The GCC offers it with the
-- update (joined from the release by component and version, which releases keep unique and immutable), signs it
-- with the rest of the offer, and agents deploy `repository@sha256:…` where their executor can.

ALTER TABLE releases ADD COLUMN image_digest text
  CONSTRAINT releases_image_digest_format CHECK (image_digest IS NULL OR image_digest ~ '^sha256:[a-f0-9]{64}$');
