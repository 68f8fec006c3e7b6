import { pgliteFactory } from '../helpers/databases';
import { defineRollbackSuite } from './rollback-suite';

defineRollbackSuite('PGlite', pgliteFactory);
