import { pgliteFactory } from '../helpers/databases';
import { defineFastPathSuite } from './fastpath-suite';

defineFastPathSuite('PGlite', pgliteFactory);
