import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { type AgentOptions, createAgent } from '../../src/runtime';
import {
  agentFixtures,
  agentOptions,
  CLIENT,
  type GccFixture,
  killedMidApply as killedAgent,
  memoryLogger,
  record,
  scriptedExecutor,
  startGcc,
  type TempDir,
} from './helpers';

/** The state file is bound to (GCC URL, client id): agents sharing a path never replay each other's task. */

let gcc: GccFixture;
let tmp: TempDir;
const { defer } = agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

const options = (over: Partial<AgentOptions> = {}): AgentOptions =>
  agentOptions(gcc, tmp, scriptedExecutor().executor, over);

/** Every status report the GCC recorded for a task. */
function reportsOf(taskId: string): string[] {
  return gcc.server.fake.state.audit
    .filter((e) => e.subject_id === taskId && e.action.startsWith('task.report_'))
    .map((e) => e.action);
}

/** Agent A (CLIENT on `gcc`) is killed mid-apply: its checkpoint says `applying` v2. Returns the task id. */
async function killedMidApply(running: Map<string, string>): Promise<string> {
  const { taskId, checkpoint } = await killedAgent(gcc, tmp, running, createAgent);
  expect(checkpoint).toMatchObject({
    owner: { gccUrl: gcc.server.url, clientId: CLIENT },
    task: { taskId, step: 'applying', version: 'v2' },
  });
  return taskId;
}

async function movedAside(kind: 'foreign' | 'corrupt'): Promise<string[]> {
  return (await readdir(tmp.dir)).filter((f) => f.startsWith(`state.json.${kind}-`));
}

// Each test talks to a fake GCC on a real port: generous timeouts for a busy machine.
describe('state file bound to (GCC URL, client id)', { timeout: 60_000 }, () => {
  it('another client id sharing the file never resumes, re-applies or reports the first agent’s task', async () => {
    const running = new Map([['backend', 'v1']]);
    const taskId = await killedMidApply(running);
    await gcc.admin.clients.create({ id: 'beta-prod', name: 'Beta', target_kind: 'docker' });

    const other = scriptedExecutor({ running: new Map([['backend', 'v1']]) });
    const { logger, lines } = memoryLogger();
    const agentB = createAgent(
      options({
        clientId: 'beta-prod',
        gcc: { baseUrl: gcc.server.url, token: gcc.server.fake.issueToken('beta-prod', 'agent') },
        executor: other.executor,
        logger,
      }),
    );
    const updates = record(agentB, 'update');
    const reports = record(agentB, 'report');
    const errors = record(agentB, 'error');
    expect(await agentB.runOnce()).toMatchObject({ outcome: 'idle' });

    expect(other.calls).toEqual([]);
    expect(updates).toEqual([]);
    expect(reports).toEqual([]);
    expect((await gcc.task(taskId)).status).toBe('in_progress');
    expect(reportsOf(taskId)).toEqual(['task.report_in_progress']);
    // Set aside, whole, for a human; a warning names both identities.
    const [aside] = await movedAside('foreign');
    expect(JSON.parse(await readFile(`${tmp.dir}/${aside}`, 'utf8'))).toMatchObject({
      owner: { clientId: CLIENT },
      task: { taskId, step: 'applying' },
    });
    const warn = lines.find((l) => l.level === 'warn' && l.msg.includes('belongs to'));
    expect(warn?.msg).toContain(`belongs to ${CLIENT} @ ${gcc.server.url}`);
    expect(warn?.msg).toContain(`(beta-prod @ ${gcc.server.url})`);
    expect(warn?.msg).toContain(`moved it to ${tmp.file}.foreign-`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ phase: 'state-file' });

    // The first agent, restarted, finds no checkpoint of its own (that is the price of sharing a path): the GCC
    // offers its task again and it runs it afresh, an idempotent re-apply of the same version.
    const again = scriptedExecutor({ running });
    const agentA = createAgent(options({ executor: again.executor }));
    expect(await agentA.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect((await gcc.task(taskId)).status).toBe('success');
  });

  it('another GCC URL with the same client id does not use the file either', async () => {
    const running = new Map([['backend', 'v1']]);
    const taskId = await killedMidApply(running);
    const gcc2 = await startGcc();
    defer(() => gcc2.close());

    const other = scriptedExecutor({ running });
    const { logger, lines } = memoryLogger();
    const agentB = createAgent(
      options({
        gcc: { baseUrl: gcc2.server.url, token: gcc2.agentToken },
        executor: other.executor,
        logger,
      }),
    );
    expect(await agentB.runOnce()).toMatchObject({ outcome: 'idle' });
    expect(other.calls).toEqual([]);
    expect(reportsOf(taskId)).toEqual(['task.report_in_progress']);
    expect(await movedAside('foreign')).toHaveLength(1);
    const warn = lines.find((l) => l.level === 'warn' && l.msg.includes('belongs to'));
    expect(warn?.msg).toContain(`belongs to ${CLIENT} @ ${gcc.server.url}`);
    expect(warn?.msg).toContain(`(${CLIENT} @ ${gcc2.server.url})`);
  });

  it('the same identity (URL spelled with a trailing slash) still resumes its task in flight', async () => {
    const running = new Map([['backend', 'v1']]);
    const taskId = await killedMidApply(running);
    const second = scriptedExecutor({ running });
    const agent = createAgent(
      options({ gcc: { baseUrl: `${gcc.server.url}/`, token: gcc.agentToken }, executor: second.executor }),
    );
    const updates = record(agent, 'update');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(updates[0]).toMatchObject({ resumed: true });
    expect(second.calls).toEqual(['current', 'verify']);
    expect(await movedAside('foreign')).toEqual([]);
    expect(JSON.parse(await readFile(tmp.file, 'utf8'))).toMatchObject({
      owner: { gccUrl: gcc.server.url, clientId: CLIENT },
      task: { taskId, step: 'done' },
    });
  });

  it('an old file without identity and no task in flight is adopted (and gets the identity on the next write)', async () => {
    await writeFile(tmp.file, JSON.stringify({ v: 1, task: null, completed: ['tsk-old:1'] }));
    const { logger, lines } = memoryLogger();
    const { executor } = scriptedExecutor({ running: new Map([['backend', 'v1']]) });
    const agent = createAgent(options({ executor, logger }));
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(await movedAside('foreign')).toEqual([]);
    expect(JSON.parse(await readFile(tmp.file, 'utf8'))).toMatchObject({
      owner: { gccUrl: gcc.server.url, clientId: CLIENT },
      completed: ['tsk-old:1', `${taskId}:1`],
    });
  });

  it('an old file’s task in flight is not resumed unless the GCC offers that task to this client', async () => {
    await writeFile(
      tmp.file,
      JSON.stringify({
        v: 1,
        task: {
          taskId: 'tsk-someone-else',
          attempt: 1,
          step: 'applying',
          version: 'v9',
          previousVersion: 'v1',
          instruction: {
            taskId: 'tsk-someone-else',
            deploymentId: 'dpl-x',
            type: 'update',
            component: 'backend',
            version: 'v9',
            imageUrl: 'registry.wrktalk.com/backend:v9',
            previousVersion: 'v1',
            attempt: 1,
            helmParameter: 'backend.image.tag',
            verifyTimeoutSeconds: 600,
          },
          updatedAt: new Date().toISOString(),
        },
        completed: [],
      }),
    );
    const { logger, lines } = memoryLogger();
    const { executor, calls, running } = scriptedExecutor({ running: new Map([['backend', 'v1']]) });
    const agent = createAgent(options({ executor, logger }));
    expect(await agent.runOnce()).toMatchObject({ outcome: 'idle' });
    // Nor on a later cycle (the GCC may answer 304 then).
    expect(['idle', 'not_modified']).toContain((await agent.runOnce()).outcome);
    expect(calls).toEqual([]);
    expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(
      /does not say which agent wrote it; its task tsk-someone-else is resumed only if the GCC offers it/,
    );
    // Its own work goes ahead and replaces the unconfirmed checkpoint.
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(calls).toEqual(['apply', 'verify']);
    expect(running.get('backend')).toBe('v2');
    expect(JSON.parse(await readFile(tmp.file, 'utf8'))).toMatchObject({
      owner: { clientId: CLIENT },
      task: { taskId, step: 'done' },
    });
  });

  it('an old file’s task the GCC offers again is resumed from its checkpoint (a stored outcome is re-sent, not re-applied)', async () => {
    const taskId = await gcc.queueUpdate('backend', 'v2');
    const offer = await createGccClient({ baseUrl: gcc.server.url, token: gcc.agentToken }).agent.getUpdates(
      CLIENT,
    );
    if (offer.notModified || !offer.body.update) throw new Error('expected an offer');
    const u = offer.body.update;
    const instruction = {
      taskId,
      deploymentId: u.deployment_id,
      type: 'update',
      component: 'backend',
      version: 'v2',
      imageUrl: u.image_url,
      previousVersion: null,
      attempt: 1,
      helmParameter: 'backend.image.tag',
      verifyTimeoutSeconds: 600,
    };
    await writeFile(
      tmp.file,
      JSON.stringify({
        v: 1,
        task: {
          taskId,
          attempt: 1,
          step: 'reporting',
          version: 'v2',
          previousVersion: null,
          instruction,
          result: { status: 'failed', message: 'Degraded; reverted to v1', logs: ['verify: Degraded'] },
          updatedAt: new Date().toISOString(),
        },
        completed: [],
      }),
    );
    const { executor, calls } = scriptedExecutor({ running: new Map([['backend', 'v1']]) });
    const agent = createAgent(options({ executor }));
    expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
    expect(calls).toEqual([]);
    expect(await gcc.task(taskId)).toMatchObject({
      status: 'failed',
      last_message: 'Degraded; reverted to v1',
    });
    expect(JSON.parse(await readFile(tmp.file, 'utf8'))).toMatchObject({
      owner: { clientId: CLIENT },
      task: { taskId, step: 'done' },
      completed: [`${taskId}:1`],
    });
  });
});
