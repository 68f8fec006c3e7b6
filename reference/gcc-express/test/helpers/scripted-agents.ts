import { type GccClient, isGccHttpError, type Schemas } from '@wrktalk/sdk-gcc';

/** How long a scripted agent "applies" an update by default. */
export const APPLY_MS = 1500;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 30_000,
  every = 50,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** Repeats a call while the GCC is unreachable or answers 5xx (it is being killed and restarted). */
export async function retrying<T>(call: () => Promise<T>, stopped: () => boolean): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (isGccHttpError(error) && error.status < 500) throw error;
      if (stopped()) throw error;
      await sleep(100);
    }
  }
}

/** One application by an agent: which client applied which task at which attempt, and when it reported. */
export interface Applied {
  clientId: string;
  taskId: string;
  attempt: number;
  reportedAt: number;
}

/**
 * Scripted agents over HTTP, one per client, each as a real agent would: poll, report `in_progress`, apply (record
 * the (task, attempt) and wait {@link APPLY_MS}), report `success`; every call is retried while the GCC is down.
 * An agent applies whatever it is offered: it keeps no list of what it did, so an update offered again after it
 * was reported would be applied (and counted) twice.
 */
export function runAgents(agents: Record<string, GccClient>, applyMs = APPLY_MS) {
  const applied: Applied[] = [];
  const refused: string[] = [];
  let stopped = false;
  const isStopped = () => stopped;
  const loops = Object.entries(agents).map(async ([clientId, api]) => {
    while (!stopped) {
      try {
        const u = await retrying(() => api.agent.getUpdates(clientId), isStopped);
        const update = u.notModified ? undefined : u.body.update;
        if (!update) {
          await sleep(100);
          continue;
        }
        const base = { task_id: update.task_id, attempt: update.attempt };
        await retrying(() => api.agent.reportStatus(clientId, { ...base, status: 'in_progress' }), isStopped);
        const a: Applied = { clientId, taskId: update.task_id, attempt: update.attempt, reportedAt: 0 };
        applied.push(a);
        await sleep(applyMs);
        await retrying(() => api.agent.reportStatus(clientId, { ...base, status: 'success' }), isStopped);
        a.reportedAt = Date.now();
      } catch (error) {
        if (stopped) break;
        // A 4xx: the GCC refused something a correct agent sends; recorded and asserted empty.
        refused.push(`${clientId}: ${(error as Error).message}`);
        await sleep(100);
      }
    }
  });
  return {
    applied,
    refused,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * What an operator does through the API before a staged rollout: registers `clients` clients (`<prefix>-00`…, label
 * `suite=<prefix>`) with an agent and an approver token each, has CI register a release, creates a deployment with
 * `stages` and pauses it while every client approves (so the stages have exactly their planned sizes), and leaves it
 * paused: the caller resumes it once its agents run.
 */
export async function approvedRollout(
  admin: GccClient,
  ci: GccClient,
  client: (token: string) => GccClient,
  o: { prefix: string; clients: number; stages: Schemas['StageSpec'][]; leaseSeconds: number },
): Promise<{ deploymentId: string; agents: Record<string, GccClient> }> {
  const agents: Record<string, GccClient> = {};
  const approvers: Record<string, GccClient> = {};
  for (let i = 0; i < o.clients; i++) {
    const id = `${o.prefix}-${String(i).padStart(2, '0')}`;
    await admin.clients.create({ id, name: id, target_kind: 'kubernetes', labels: { suite: o.prefix } });
    agents[id] = client((await admin.clients.createToken(id, { role: 'agent' })).token);
    approvers[id] = client((await admin.clients.createToken(id, { role: 'approver' })).token);
  }
  const release = await ci.releases.create({
    component: 'backend',
    version: `sha-${o.prefix}`,
    image_url: `registry.wrktalk.com/backend:sha-${o.prefix}`,
  });
  const d = await admin.deployments.create({
    release_id: release.id,
    targets: { selector: `suite=${o.prefix}` },
    strategy: {
      stages: o.stages,
      lease_seconds: o.leaseSeconds,
      pickup_timeout_seconds: 120,
      max_concurrency_per_instance: o.clients,
    },
  });
  await admin.deployments.pause(d.id);
  for (const [id, api] of Object.entries(approvers)) {
    const pending = await until(`pending approval of ${id}`, async () => {
      const p = await api.approvals.listPending(id);
      return p.items.length > 0 ? p.items : undefined;
    });
    for (const p of pending) await api.approvals.approve(id, p.task_id, { approved_by: `ct@${id}` });
  }
  return { deploymentId: d.id, agents };
}
