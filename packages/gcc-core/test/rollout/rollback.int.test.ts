import { postgresFactory } from '../helpers/databases';
import { defineRollbackSuite } from './rollback-suite';

defineRollbackSuite('PostgreSQL', postgresFactory);
