-- Idempotency-Key answers keep no token secret in clear (issue 18). The secret of an answer that carries one
-- (`createClientToken`) is stored apart, sealed (AES-256-GCM under a key derived from the caller's bearer token, which
-- the database never holds), and the stored body is the answer without it. Secrets stored in clear before this
-- migration are dropped: such a key's replay is a 409 naming the token to revoke, as for a caller that cannot open
-- the sealed secret.
ALTER TABLE idempotency_keys ADD COLUMN sealed_secret text;
UPDATE idempotency_keys
SET body = body - 'token', sealed_secret = 'lost'
WHERE jsonb_typeof(body) = 'object' AND body ? 'token';
