import { pgliteFactory } from '../helpers/databases';
import { defineTokensSuite } from './tokens-suite';

defineTokensSuite('PGlite', pgliteFactory);
