import { describe, expectTypeOf, it } from 'vitest';
import {
  type AutoApprovePolicy,
  type ClientSettings,
  createGccClient,
  type Deployment,
  type DeploymentPreview,
  type DeploymentWatchResult,
  type GccHttpError,
  isGccHttpError,
  type Page,
  type Release,
  type Task,
  type UpdatesResult,
  type Whoami,
} from '../src';

const gcc = createGccClient({ baseUrl: 'http://localhost:8080', token: 't' });

describe('createGccClient types', () => {
  it('returns the contract types, never any', () => {
    expectTypeOf(gcc.releases.create).returns.resolves.toEqualTypeOf<Release>();
    expectTypeOf(gcc.releases.list).returns.resolves.toEqualTypeOf<Page<Release>>();
    expectTypeOf(gcc.deployments.get).returns.resolves.toEqualTypeOf<Deployment>();
    expectTypeOf(gcc.approvals.approve).returns.resolves.toEqualTypeOf<Task>();
    expectTypeOf(gcc.agent.getUpdates).returns.resolves.toEqualTypeOf<UpdatesResult>();
    expectTypeOf<Release['version']>().toEqualTypeOf<string>();
    expectTypeOf<Task['status']>().toEqualTypeOf<
      | 'pending'
      | 'pending_approval'
      | 'approved'
      | 'queued'
      | 'in_progress'
      | 'success'
      | 'failed'
      | 'timed_out'
      | 'overdue'
      | 'rolled_back'
      | 'rejected'
      | 'expired'
      | 'cancelled'
    >();
    expectTypeOf<Deployment>().not.toBeAny();
  });

  it('types whoami: nullable fields where a role has none', () => {
    expectTypeOf(gcc.auth.whoami).returns.resolves.toEqualTypeOf<Whoami>();
    expectTypeOf<Whoami['role']>().toEqualTypeOf<'admin' | 'ci' | 'approver' | 'agent'>();
    expectTypeOf<Whoami['token_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Whoami['client_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Whoami['name']>().toEqualTypeOf<string | null>();
    expectTypeOf<Whoami['expires_at']>().toEqualTypeOf<string | null>();
  });

  it('types the admin console and CT additions', () => {
    expectTypeOf(gcc.clients.getSettings).returns.resolves.toEqualTypeOf<ClientSettings>();
    expectTypeOf(gcc.clients.updateSettings).returns.resolves.toEqualTypeOf<ClientSettings>();
    expectTypeOf(gcc.clients.listTasks).returns.resolves.toEqualTypeOf<Page<Task>>();
    expectTypeOf(gcc.autoApprovePolicies.create).returns.resolves.toEqualTypeOf<AutoApprovePolicy>();
    expectTypeOf(gcc.autoApprovePolicies.list).returns.resolves.toEqualTypeOf<Page<AutoApprovePolicy>>();
    expectTypeOf(gcc.autoApprovePolicies.delete).returns.resolves.toEqualTypeOf<void>();
    expectTypeOf(gcc.deployments.preview).returns.resolves.toEqualTypeOf<DeploymentPreview>();
    expectTypeOf(gcc.deployments.watch).returns.resolves.toEqualTypeOf<DeploymentWatchResult>();
    expectTypeOf(gcc.deployments.watch).parameter(1).toEqualTypeOf<string | undefined>();
    expectTypeOf<ClientSettings['notification_emails']>().toEqualTypeOf<string[]>();
    expectTypeOf<Deployment['approval']['auto_approve_policies'][number]['id']>().toEqualTypeOf<string>();
    // @ts-expect-error a settings patch has no name
    void gcc.clients.updateSettings('a', { name: 'x' });
    // @ts-expect-error stage is a number
    void gcc.deployments.listTasks('dpl-1', { stage: '1' });
  });

  it('narrows an update answer on notModified', async () => {
    const r = await gcc.agent.getUpdates('adani-prod', { etag: '"x"', waitSeconds: 30 });
    if (!r.notModified) {
      expectTypeOf(r.body.available).toEqualTypeOf<boolean>();
      expectTypeOf(r.body.update?.attempt).toEqualTypeOf<number | undefined>();
    } else {
      // @ts-expect-error a 304 has no body
      void r.body;
    }
  });

  it('rejects wrong bodies at compile time', () => {
    // @ts-expect-error component is required
    void gcc.releases.create({ version: 'v1', image_url: 'r/x:v1' });
    // @ts-expect-error target_kind is a closed set
    void gcc.clients.create({ id: 'a', name: 'a', target_kind: 'vm' });
    // @ts-expect-error a status report's status is in_progress | success | failed
    void gcc.agent.reportStatus('a', { task_id: 'tsk-1', attempt: 1, status: 'done' });
    // @ts-expect-error reject needs a reason
    void gcc.approvals.reject('a', 'tsk-1', { rejected_by: 'me' });
    // @ts-expect-error unknown fields are not part of the contract
    void gcc.deployments.create({ release_id: 'rel-1', targets: { selector: 'tier=premium' }, force: true });
  });

  it('narrows errors with the guards', () => {
    const e: unknown = new Error('x');
    if (isGccHttpError(e)) {
      expectTypeOf(e).toEqualTypeOf<GccHttpError>();
      expectTypeOf(e.status).toEqualTypeOf<number>();
      expectTypeOf(e.code).toEqualTypeOf<string | undefined>();
    }
  });
});
