import type { ExecutorContext, UpdateInstruction } from '../../src/executor';

/** An {@link ExecutorContext} that collects log lines, with a signal that aborts after `timeoutMs`. */
export function testContext(
  overrides: Partial<ExecutorContext> & { timeoutMs?: number } = {},
): ExecutorContext & { lines: string[] } {
  const lines: string[] = [];
  const { timeoutMs = 30_000, ...rest } = overrides;
  return {
    signal: AbortSignal.timeout(timeoutMs),
    clientId: 'acme',
    log: (line: string) => lines.push(line),
    lines,
    ...rest,
  };
}

/** A valid update instruction for `backend`, with overrides; `components` is its one component unless given. */
export function testInstruction(overrides: Partial<UpdateInstruction> = {}): UpdateInstruction {
  const version = overrides.version ?? '2.4.0';
  const base = {
    taskId: 'task-1',
    deploymentId: 'dep-1',
    type: 'update' as const,
    component: 'backend',
    version,
    imageUrl: `registry.wrktalk.com/wrktalk/backend:${version}`,
    previousVersion: '2.3.0',
    attempt: 1,
    helmParameter: 'backend.image.tag',
    verifyTimeoutSeconds: 30,
    ...overrides,
  };
  return {
    ...base,
    components: overrides.components ?? [
      {
        component: base.component,
        version: base.version,
        imageUrl: base.imageUrl,
        ...(base.imageDigest ? { imageDigest: base.imageDigest } : {}),
        previousVersion: base.previousVersion,
        helmParameter: base.helmParameter,
      },
    ],
  };
}

/** The release set of the tests: backend, media and ct, each from `previous` to `version`. */
export const SET_COMPONENTS = ['backend', 'media', 'ct'] as const;

/**
 * A three-component set instruction (backend, media, ct) moving every component from `previous` to `version`; the
 * top-level fields are backend's, as the GCC sends them.
 */
export function testSetInstruction(
  version = '5.0.0',
  previous: string | null = '4.9.0',
  overrides: Partial<UpdateInstruction> = {},
): UpdateInstruction {
  const components = SET_COMPONENTS.map((component) => ({
    component,
    version,
    imageUrl: `registry.wrktalk.com/wrktalk/${component}:${version}`,
    previousVersion: previous,
    helmParameter: `${component}.image.tag`,
  }));
  return testInstruction({
    version,
    imageUrl: components[0]!.imageUrl,
    previousVersion: previous,
    components,
    ...overrides,
  });
}

/** Versions every executor must refuse before they reach a command, request or file. */
export const INJECTION_ATTEMPTS = [
  'v1,image.repository=evil',
  '$(reboot)',
  '`reboot`',
  '1.0; rm -rf /',
  '--grpc-web',
  '-v',
  'a b',
  '',
  'sha256:XYZ',
  'x'.repeat(129),
] as const;
