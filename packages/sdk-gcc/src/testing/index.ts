/**
 * Test helpers for code that talks to the GCC: an in-memory fake of the whole contract, usable as msw handlers,
 * as a `fetch`, or on a real HTTP port.
 */
export { createFakeGcc, type FakeGcc, type FakeGccOptions, type FakeGccState } from './fake-gcc';
export { FakeProblem } from './problems';
export { type FakeGccServer, type FakeGccServerOptions, startFakeGccServer } from './serve';
