import { pgliteFactory } from '../helpers/databases';
import { defineConsoleSuite } from './console-suite';

defineConsoleSuite('PGlite', pgliteFactory);
