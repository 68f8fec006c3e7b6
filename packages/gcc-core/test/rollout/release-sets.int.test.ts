import { postgresFactory } from '../helpers/databases';
import { defineReleaseSetSuite } from './release-sets-suite';

defineReleaseSetSuite('PostgreSQL', postgresFactory);
