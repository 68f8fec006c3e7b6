import { pgliteFactory } from './helpers/databases';
import { defineFlowSuite } from './helpers/flow-suite';

defineFlowSuite('PGlite', pgliteFactory);
