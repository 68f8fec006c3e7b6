import { pgliteFactory } from './helpers/databases';
import { defineReplicasSuite } from './helpers/replicas-suite';

// PGlite is one in-process database: both replicas share it (and its LISTEN).
defineReplicasSuite('PGlite', pgliteFactory);
