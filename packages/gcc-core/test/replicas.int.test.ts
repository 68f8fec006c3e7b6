import { postgresFactory } from './helpers/databases';
import { defineReplicasSuite } from './helpers/replicas-suite';

// Each replica has its own pg pool and LISTEN connection to one PostgreSQL database.
defineReplicasSuite('PostgreSQL', postgresFactory);
