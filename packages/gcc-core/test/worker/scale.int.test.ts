import { postgresFactory } from '../helpers/databases';
import { defineScaleSuite } from './scale-suite';

defineScaleSuite('PostgreSQL', postgresFactory);
