import { postgresFactory } from '../helpers/databases';
import { defineFastPathSuite } from './fastpath-suite';

defineFastPathSuite('PostgreSQL', postgresFactory);
