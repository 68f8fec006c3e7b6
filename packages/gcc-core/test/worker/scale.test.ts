import { pgliteFactory } from '../helpers/databases';
import { defineScaleSuite } from './scale-suite';

defineScaleSuite('PGlite', pgliteFactory);
