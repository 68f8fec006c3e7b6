import { pgliteFactory } from '../helpers/databases';
import { defineReleaseSetSuite } from './release-sets-suite';

defineReleaseSetSuite('PGlite', pgliteFactory);
