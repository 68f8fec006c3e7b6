import { postgresFactory } from '../helpers/databases';
import { defineWhoamiSuite } from './whoami-suite';

defineWhoamiSuite('PostgreSQL', postgresFactory);
