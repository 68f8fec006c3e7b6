import { postgresAt } from '../helpers/databases';
import { defineImmediateMigrationSuite } from './immediate-suite';

defineImmediateMigrationSuite('PostgreSQL', postgresAt);
