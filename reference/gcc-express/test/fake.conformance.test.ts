import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { authorizationSuite, badInputSuite, type ConformanceTarget, whoamiSuite } from './conformance';

/** The suites against the in-memory fake of `@wrktalk/sdk-gcc/testing`, exactly as against the real service. */
// Many HTTP requests per test against a server in this process: generous timeouts for a busy machine.
describe('conformance: sdk-gcc fake', { timeout: 60_000 }, () => {
  let server: FakeGccServer;
  let target: ConformanceTarget;
  beforeAll(async () => {
    server = await startFakeGccServer();
    target = {
      baseUrl: server.url,
      adminToken: 'admin-token',
      ciToken: 'ci-token',
      issueToken: (clientId, role) => server.fake.issueToken(clientId, role),
    };
  });
  afterAll(() => server.close());

  authorizationSuite(() => target);
  badInputSuite(() => target);
  whoamiSuite(() => target);
});
