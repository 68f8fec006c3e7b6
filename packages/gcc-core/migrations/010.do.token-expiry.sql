-- Token expiry (issue 12): a token may be issued with an end of validity. NULL keeps the old behaviour (valid until
-- revoked). Authentication refuses a token once `expires_at` is past; cached tokens are dropped by then too.
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
