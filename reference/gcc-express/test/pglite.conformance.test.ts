import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { authorizationSuite, badInputSuite, whoamiSuite } from './conformance';
import { type CoreTarget, startCoreTarget } from './helpers/core-target';

/** The suites against gcc-core on an in-memory PGlite, served by the reference Express app. */
// Many HTTP requests per test against a server in this process: generous timeouts for a busy machine.
describe('conformance: gcc-core on PGlite (memory)', { timeout: 60_000 }, () => {
  let db: Database;
  let core: CoreTarget;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    core = await startCoreTarget(db);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await db?.close();
  });

  authorizationSuite(() => core.target);
  badInputSuite(() => core.target);
  whoamiSuite(() => core.target);
});
