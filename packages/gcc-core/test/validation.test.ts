import { pgliteFactory } from './helpers/databases';
import { defineValidationSuite } from './validation-suite';

defineValidationSuite('PGlite', pgliteFactory);
