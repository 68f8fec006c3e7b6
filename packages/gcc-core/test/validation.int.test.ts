import { postgresFactory } from './helpers/databases';
import { defineValidationSuite } from './validation-suite';

defineValidationSuite('PostgreSQL', postgresFactory);
