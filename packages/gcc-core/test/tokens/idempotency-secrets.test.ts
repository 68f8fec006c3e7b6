import { pgliteAt, pgliteFactory } from '../helpers/databases';
import { defineIdempotencySecretsSuite } from './idempotency-secrets-suite';

defineIdempotencySecretsSuite('PGlite', pgliteFactory, pgliteAt);
