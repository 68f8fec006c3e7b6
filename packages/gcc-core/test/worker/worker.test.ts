import { pgliteFactory } from '../helpers/databases';
import { defineWorkerSuite } from './worker-suite';

defineWorkerSuite('PGlite', pgliteFactory);
