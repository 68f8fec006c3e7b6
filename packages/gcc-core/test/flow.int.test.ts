import { postgresFactory } from './helpers/databases';
import { defineFlowSuite } from './helpers/flow-suite';

defineFlowSuite('PostgreSQL', postgresFactory);
