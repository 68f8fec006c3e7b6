import {
  createGcc,
  type Database,
  type Gcc,
  type GccOptions,
  migrate,
  openDatabase,
} from '@wrktalk/gcc-core';
import { createGccClient, type GccClient, type Task } from '@wrktalk/sdk-gcc';
import { pino } from 'pino';

/**
 * A real GCC for the browser tests: gcc-core on in-memory PGlite, the rollout worker ticked by hand (so nothing
 * moves behind a test's back), and helpers to seed releases, clients and decisions through the API.
 */

export const ADMIN = 'admin-secret-0123456789';
export const CI = 'ci-secret-0123456789';

const img = (component: string, v: string) => `registry.wrktalk.com/${component}:${v}`;

export interface TestGcc {
  db: Database;
  gcc: Gcc;
  /** Admin API client; set by {@link TestGcc.connect}. */
  admin: GccClient;
  ci: GccClient;
  /** Points the API clients at the URL the router is served on. */
  connect(url: string): void;
  /** Registers a release (notes in its metadata) and returns its id. */
  release(component: string, version: string, notes?: string): Promise<string>;
  /** Registers clients `[id, name]` (docker). */
  clients(...list: [string, string][]): Promise<void>;
  /**
   * Installs a release (or a release set: several ids, one per component) on `clientId` without approval, as if
   * its agent applied it.
   */
  install(clientId: string, releaseId: string | string[]): Promise<void>;
  /** A deployment waiting for approval by `clientIds`; returns its id. */
  awaitingApproval(
    releaseId: string,
    clientIds: string[],
    onDeadline?: 'expire' | 'auto_approve',
  ): Promise<string>;
  /** The task of `clientId` in deployment `deploymentId`. */
  taskOf(deploymentId: string, clientId: string): Promise<Task>;
  /** A new approver token of `clientId`. */
  approverToken(clientId: string): Promise<string>;
  close(): Promise<void>;
}

/** Options a test may add to the GCC's (e.g. `orchestration`, `runNotifier`); the worker stays ticked by hand. */
export type TestGccOptions = Omit<GccOptions, 'database' | 'adminToken' | 'ciToken' | 'logger' | 'worker'>;

export async function openTestGcc(options: TestGccOptions = {}): Promise<TestGcc> {
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  const gcc = await createGcc({
    ...options,
    database: db,
    adminToken: ADMIN,
    ciToken: CI,
    logger: pino({ level: 'silent' }),
    worker: false,
  });
  let url = '';
  const t: TestGcc = {
    db,
    gcc,
    admin: undefined as unknown as GccClient,
    ci: undefined as unknown as GccClient,
    connect(served) {
      url = served;
      t.admin = createGccClient({ baseUrl: url, token: ADMIN, retry: false });
      t.ci = createGccClient({ baseUrl: url, token: CI, retry: false });
    },
    async release(component, version, notes) {
      const r = await t.ci.releases.create({
        component,
        version,
        image_url: img(component, version),
        metadata: notes ? { notes } : {},
      });
      return r.id;
    },
    async clients(...list) {
      for (const [id, name] of list) await t.admin.clients.create({ id, name, target_kind: 'docker' });
    },
    async install(clientId, releaseId) {
      const agent = createGccClient({
        baseUrl: url,
        token: (await t.admin.clients.createToken(clientId, { role: 'agent' })).token,
        retry: false,
      });
      await t.admin.deployments.create({
        ...(typeof releaseId === 'string' ? { release_id: releaseId } : { release_ids: releaseId }),
        targets: { client_ids: [clientId] },
        approval: { required: false },
      });
      await gcc.worker.tick();
      const offer = await agent.agent.getUpdates(clientId);
      if (offer.notModified || !offer.body.update) throw new Error(`expected an update for ${clientId}`);
      await agent.agent.reportStatus(clientId, {
        task_id: offer.body.update.task_id,
        attempt: 1,
        status: 'success',
      });
      await gcc.worker.tick();
    },
    async awaitingApproval(releaseId, clientIds, onDeadline = 'expire') {
      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const d = await t.admin.deployments.create({
        release_id: releaseId,
        targets: { client_ids: clientIds },
        approval: { deadline, on_deadline: onDeadline },
      });
      return d.id;
    },
    async taskOf(deploymentId, clientId) {
      return (await t.admin.deployments.listTasks(deploymentId, { client_id: clientId })).items[0]!;
    },
    async approverToken(clientId) {
      return (await gcc.issueToken({ role: 'approver', clientId })).token;
    },
    async close() {
      await gcc.close();
      await db.close();
    },
  };
  return t;
}
