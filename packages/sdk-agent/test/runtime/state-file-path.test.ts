/**
 * A state file path that is (or becomes) a directory: a configuration error before the first poll, never a crash
 * mid-run. While running, a state file that cannot be written pauses the task (the step that needed the checkpoint is
 * not taken), says so (an `error` event with phase `state-file` and an error log naming the file) and the agent keeps
 * polling; once the file can be written again the task goes on.
 */
import { mkdir, readFile, rmdir, unlink } from 'node:fs/promises';
import { createFakeExecutor } from '@wrktalk/sdk-agent';
import { describe, expect, it } from 'vitest';
import { createAgent, isStateFileError, StateFileError } from '../../src/runtime';
import {
  agentFixtures,
  agentOptions,
  type GccFixture,
  memoryLogger,
  record,
  recordingSleep,
  scriptedExecutor,
  type TempDir,
  until,
} from './helpers';

let gcc: GccFixture;
let tmp: TempDir;
agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

describe('a state file path that is a directory', { timeout: 60_000 }, () => {
  it('start() refuses it before polling, with a StateFileError naming the path', async () => {
    await mkdir(tmp.file);
    const polls = gcc.server.fake.state.audit.length;
    const agent = createAgent(agentOptions(gcc, tmp, createFakeExecutor({ initial: { backend: 'v1' } })));
    const seen = record(agent, 'poll');
    const error = await agent.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStateFileError(error)).toBe(true);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as StateFileError).path).toBe(tmp.file);
    expect((error as StateFileError).code).toBe('EISDIR');
    expect((error as Error).message).toContain(`${tmp.file} is a directory`);
    expect(agent.state).toBe('stopped');
    expect(seen).toEqual([]);
    expect(gcc.server.fake.state.audit.length).toBe(polls);
  });

  it('runOnce() refuses it too, and works once the path is fixed', async () => {
    await mkdir(tmp.file);
    const agent = createAgent(agentOptions(gcc, tmp, createFakeExecutor({ initial: { backend: 'v1' } })));
    await expect(agent.runOnce()).rejects.toMatchObject({ name: 'StateFileError', path: tmp.file });
    await rmdir(tmp.file);
    expect(await agent.runOnce()).toMatchObject({ outcome: 'idle' });
  });

  it('becoming a directory while running: the agent keeps polling, applies nothing, says so, and goes on once fixed', async () => {
    const executor = createFakeExecutor({ initial: { backend: 'v1' } });
    const { logger, lines } = memoryLogger();
    const { sleep, delays } = recordingSleep();
    const agent = createAgent(agentOptions(gcc, tmp, executor, { logger, sleep }));
    const errors = record(agent, 'error');
    const running = agent.start();
    let ended = false;
    void running.finally(() => {
      ended = true;
    });
    // Start with a good file, then the path turns into a directory (a volume mounted over it, a bad edit).
    await until(() => agent.state === 'polling', 30_000, 'polling');
    await mkdir(tmp.file);
    const taskId = await gcc.queueUpdate('backend', 'v2');
    await until(
      () => errors.filter((e) => e.phase === 'state-file').length >= 3,
      30_000,
      'state-file errors',
    );

    expect(ended).toBe(false);
    expect(agent.state).not.toBe('stopped');
    expect(executor.callsOf('apply')).toHaveLength(0);
    // Not even the in_progress report: the `received` checkpoint comes first.
    expect(gcc.auditCount(taskId, 'task.report_in_progress')).toBe(0);
    const error = errors.find((e) => e.phase === 'state-file')!;
    expect(error.taskId).toBe(taskId);
    expect(error.retryInMs).toBeGreaterThan(0);
    expect(String((error.error as Error).message)).toContain(
      `cannot write the state file ${tmp.file}: ${tmp.file} is a directory now (EISDIR`,
    );
    const logged = lines.find((l) => l.level === 'error' && l.msg.startsWith('cannot write the state file'));
    expect(logged?.msg).toContain(`task ${taskId} is paused`);
    expect(logged?.msg).toContain('the agent keeps polling');
    // Its own backoff grows while the file stays unusable (a successful poll in between does not reset it).
    const retries = errors.filter((e) => e.phase === 'state-file').map((e) => e.retryInMs!);
    expect(delays).toEqual(expect.arrayContaining(retries));

    await rmdir(tmp.file);
    await until(async () => (await gcc.task(taskId)).status === 'success', 30_000, 'task success');
    expect(executor.running.get('backend')).toBe('v2');
    expect(executor.callsOf('apply')).toHaveLength(1);
    await agent.stop();
    await running;
    expect(JSON.parse(await readFile(tmp.file, 'utf8'))).toMatchObject({ task: { taskId, step: 'done' } });
  });

  it('becoming a directory mid-task (after the apply): no second apply, no crash; verified and reported once fixed', async () => {
    let turned = false;
    const scripted = scriptedExecutor({
      running: new Map([['backend', 'v1']]),
      // The apply happens, then the state file is replaced by a directory before the `applied` checkpoint.
      afterSet: async () => {
        if (turned) return;
        turned = true;
        await unlink(tmp.file);
        await mkdir(tmp.file);
      },
    });
    const agent = createAgent(agentOptions(gcc, tmp, scripted.executor));
    const errors = record(agent, 'error');
    const running = agent.start();
    const taskId = await gcc.queueUpdate('backend', 'v2');
    await until(
      () => errors.filter((e) => e.phase === 'state-file').length >= 3,
      30_000,
      'state-file errors',
    );
    expect(agent.state).not.toBe('stopped');
    expect(scripted.count('apply')).toBe(1);
    expect(scripted.count('verify')).toBe(0);
    expect((await gcc.task(taskId)).status).toBe('in_progress');

    await rmdir(tmp.file);
    await until(async () => (await gcc.task(taskId)).status === 'success', 30_000, 'task success');
    expect(scripted.count('apply')).toBe(1);
    await agent.stop();
    await running;
  });
});
