import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { authorizationSuite, badInputSuite, whoamiSuite } from './conformance';
import { type CoreTarget, createTestDatabase, startCoreTarget } from './helpers/core-target';

/** The suites against gcc-core on real PostgreSQL, in a database of its own. */
describe('conformance: gcc-core on PostgreSQL', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let core: CoreTarget;
  beforeAll(async () => {
    testDb = await createTestDatabase('conformance');
    db = await openDatabase({ url: testDb.url, poolSize: 5 });
    core = await startCoreTarget(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.close();
    await testDb?.drop();
  });

  authorizationSuite(() => core.target);
  badInputSuite(() => core.target);
  whoamiSuite(() => core.target);
});
