import { postgresFactory } from '../helpers/databases';
import { defineTokensSuite } from './tokens-suite';

defineTokensSuite('PostgreSQL', postgresFactory);
