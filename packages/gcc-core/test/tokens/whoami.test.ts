import { pgliteFactory } from '../helpers/databases';
import { defineWhoamiSuite } from './whoami-suite';

defineWhoamiSuite('PGlite', pgliteFactory);
