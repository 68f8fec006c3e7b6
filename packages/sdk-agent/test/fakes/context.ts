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

/** A valid update instruction for `backend`, with overrides. */
export function testInstruction(overrides: Partial<UpdateInstruction> = {}): UpdateInstruction {
  const version = overrides.version ?? '2.4.0';
  return {
    taskId: 'task-1',
    deploymentId: 'dep-1',
    type: 'update',
    component: 'backend',
    version,
    imageUrl: `registry.wrktalk.com/wrktalk/backend:${version}`,
    previousVersion: '2.3.0',
    attempt: 1,
    helmParameter: 'backend.image.tag',
    verifyTimeoutSeconds: 30,
    ...overrides,
  };
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
