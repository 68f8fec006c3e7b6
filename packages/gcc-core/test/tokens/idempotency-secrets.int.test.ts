import { postgresAt, postgresFactory } from '../helpers/databases';
import { defineIdempotencySecretsSuite } from './idempotency-secrets-suite';

defineIdempotencySecretsSuite('PostgreSQL', postgresFactory, postgresAt);
