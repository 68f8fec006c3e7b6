/**
 * The GCC conformance suites: written once against `openapi/gcc.yaml`, run against any implementation of it (the
 * sdk-gcc fake, gcc-core on PGlite, gcc-core on PostgreSQL).
 */
export { authorizationSuite } from './authorization';
export { badInputSuite, INJECTIONS } from './bad-input';
export { type ConformanceTarget, seed } from './target';
export { whoamiSuite } from './whoami';
