import { pgliteAt } from '../helpers/databases';
import { defineImmediateMigrationSuite } from './immediate-suite';

defineImmediateMigrationSuite('PGlite', pgliteAt);
