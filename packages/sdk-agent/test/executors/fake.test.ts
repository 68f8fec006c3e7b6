import { describe, expect, it } from 'vitest';
import { isExecutorError } from '../../src/executor';
import { createFakeExecutor } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction } from '../fakes/context';

describe('fake executor', () => {
  it('applies, verifies and records calls', async () => {
    const fake = createFakeExecutor({ initial: { backend: '2.3.0' } });
    const ctx = testContext();
    const instruction = testInstruction();
    expect(await fake.current(instruction, ctx)).toMatchObject({ version: '2.3.0' });
    await fake.apply(instruction, ctx);
    expect(await fake.verify(instruction, ctx)).toEqual({ healthy: true, message: 'Healthy' });
    expect(fake.calls.map((c) => c.method)).toEqual(['current', 'apply', 'verify']);
    expect(fake.running.get('backend')).toBe('2.4.0');
  });

  it('fails applies and verifications as configured, and reverts', async () => {
    const fake = createFakeExecutor({
      initial: { backend: '2.3.0' },
      failApply: (i) => i.version === '9.9.9',
      unhealthyVersions: ['2.4.0'],
    });
    const ctx = testContext();
    await expect(fake.apply(testInstruction({ version: '9.9.9' }), ctx)).rejects.toMatchObject({
      code: 'command_failed',
    });
    await fake.apply(testInstruction(), ctx);
    expect(await fake.verify(testInstruction(), ctx)).toMatchObject({ healthy: false });
    await fake.revert(testInstruction(), ctx);
    expect(fake.running.get('backend')).toBe('2.3.0');
  });

  it('honours delays and the abort signal', async () => {
    const fake = createFakeExecutor({ delayMs: 5_000 });
    const ctx = testContext({ timeoutMs: 20 });
    const error = await fake.apply(testInstruction(), ctx).catch((e: unknown) => e);
    expect(isExecutorError(error) && error.code).toBe('timeout');
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j', async (version) => {
    const fake = createFakeExecutor();
    await expect(fake.apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(fake.running.size).toBe(0);
  });

  it('rejects bad options at construction', () => {
    expect(() => createFakeExecutor({ delayMs: -1 })).toThrow(/delayMs/);
  });
});
