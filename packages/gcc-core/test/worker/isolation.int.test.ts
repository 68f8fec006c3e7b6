import { postgresFactory } from '../helpers/databases';
import { defineIsolationSuite } from './isolation-suite';

defineIsolationSuite('PostgreSQL', postgresFactory);
