import type { Executor } from '@wrktalk/sdk-agent';

/**
 * A minimal in-memory executor for `EXECUTOR=fake` (demos, the simulator, smoke tests of a deployment). Replace with
 * `createFakeExecutor` from `@wrktalk/sdk-agent` once the package exports it.
 */
export function createReferenceFakeExecutor(initial: Record<string, string> = {}): Executor {
  const running = new Map(Object.entries(initial));
  return {
    name: 'fake',
    async current(ins) {
      return { version: running.get(ins.component) ?? null, detail: 'in-memory' };
    },
    async apply(ins, ctx) {
      running.set(ins.component, ins.version);
      ctx.log(`fake: ${ins.component} now runs ${ins.version}`);
    },
    async verify(ins) {
      const v = running.get(ins.component);
      return v === ins.version
        ? { healthy: true, message: 'Healthy (fake)' }
        : { healthy: false, message: `${ins.component} runs ${v ?? 'nothing'}` };
    },
    async revert(ins, ctx) {
      if (ins.previousVersion) running.set(ins.component, ins.previousVersion);
      ctx.log(`fake: reverted ${ins.component} to ${ins.previousVersion ?? '(unknown)'}`);
    },
    async doctor() {
      return [{ name: 'executor fake', ok: true, detail: 'in-memory executor, changes nothing' }];
    },
  };
}
