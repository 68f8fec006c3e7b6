import { postgresFactory } from '../helpers/databases';
import { defineConsoleSuite } from './console-suite';

defineConsoleSuite('PostgreSQL', postgresFactory);
