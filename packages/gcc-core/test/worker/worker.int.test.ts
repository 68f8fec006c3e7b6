import { postgresFactory } from '../helpers/databases';
import { defineWorkerSuite } from './worker-suite';

defineWorkerSuite('PostgreSQL', postgresFactory);
