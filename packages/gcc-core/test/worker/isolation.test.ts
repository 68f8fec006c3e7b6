import { pgliteFactory } from '../helpers/databases';
import { defineIsolationSuite } from './isolation-suite';

defineIsolationSuite('PGlite', pgliteFactory);
