import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  auditText,
  canForceApprove,
  changeText,
  DEFAULT_STAGE_DRAFTS,
  type DeploymentForm,
  deploymentBody,
  durationText,
  emptyDeploymentForm,
  FIRST_PAGE,
  labelsText,
  nextSetRelease,
  nonZeroCounts,
  pagerCursor,
  pagerLoaded,
  pagerNext,
  pagerPrev,
  pagerText,
  parseClientIds,
  parseRoute,
  policyBody,
  progressOf,
  progressText,
  relativeTime,
  releaseProblems,
  releaseRowOf,
  routeHash,
  routeSection,
  type StageDraft,
  setOf,
  setText,
  stagesFromDrafts,
  statusLabel,
  statusTone,
  versionsText,
} from '../../src/admin/format';

describe('statusLabel and statusTone', () => {
  it.each([
    { s: 'pending_approval', label: 'Pending approval', tone: 'wait' },
    { s: 'success', label: 'Success', tone: 'ok' },
    { s: 'timed_out', label: 'Timed out', tone: 'bad' },
    { s: 'rolling_back', label: 'Rolling back', tone: 'busy' },
    { s: 'holding', label: 'Holding', tone: 'wait' },
    { s: 'cancelled', label: 'Cancelled', tone: 'off' },
  ])('$s', ({ s, label, tone }) => {
    expect(statusLabel(s)).toBe(label);
    expect(statusTone(s)).toBe(tone);
  });
});

describe('counts and progress', () => {
  it.each([
    { name: 'nothing', counts: {}, text: 'No clients', open: 0 },
    {
      name: 'half done',
      counts: { success: 2, queued: 1, pending_approval: 1 },
      text: '2 of 4 updated',
      open: 2,
    },
    {
      name: 'failures and skips',
      counts: { success: 5, failed: 1, timed_out: 1, rejected: 2, cancelled: 1 },
      text: '5 of 10 updated, 2 failed, 3 not updated',
      open: 0,
    },
  ])('$name', ({ counts, text, open }) => {
    expect(progressText(counts)).toBe(text);
    expect(progressOf(counts).open).toBe(open);
  });

  it('lists non-zero counts in rollout order', () => {
    expect(nonZeroCounts({ success: 2, pending: 0, pending_approval: 3, failed: 1 })).toEqual([
      { status: 'pending_approval', n: 3 },
      { status: 'success', n: 2 },
      { status: 'failed', n: 1 },
    ]);
  });
});

describe('durationText and relativeTime', () => {
  it.each([
    { s: 0, out: 'none' },
    { s: 45, out: '45 s' },
    { s: 90, out: '1 min 30 s' },
    { s: 600, out: '10 min' },
    { s: 7200, out: '2 h' },
    { s: 90_061, out: '1 d 1 h' },
    { s: Number.NaN, out: 'none' },
  ])('$s s → $out', ({ s, out }) => {
    expect(durationText(s)).toBe(out);
  });

  const now = new Date('2026-12-03T12:00:00Z');
  it.each([
    { iso: null, out: 'never' },
    { iso: 'nonsense', out: 'unknown' },
    { iso: '2026-12-03T11:59:55Z', out: 'just now' },
    { iso: '2026-12-03T11:55:00Z', out: '5 min ago' },
    { iso: '2026-12-03T09:30:00Z', out: '2 h ago' },
    { iso: '2026-12-03T13:00:00Z', out: 'in 1 h' },
  ])('$iso → $out', ({ iso, out }) => {
    expect(relativeTime(iso, now)).toBe(out);
  });
});

describe('versionsText, labelsText, parseClientIds', () => {
  it('sorts components and labels', () => {
    expect(versionsText({ ct: '3.9.0', backend: 'sha1' })).toBe('backend sha1 · ct 3.9.0');
    expect(versionsText({})).toBe('none reported');
    expect(labelsText({ tier: 'premium', region: 'in' })).toBe('region=in, tier=premium');
    expect(labelsText(undefined)).toBe('');
  });

  it.each([
    { text: 'a, b\nc  a', ids: ['a', 'b', 'c'] },
    { text: '  ', ids: [] },
    { text: 'x;y', ids: ['x', 'y'] },
  ])('$text', ({ text, ids }) => {
    expect(parseClientIds(text)).toEqual(ids);
  });
});

describe('stagesFromDrafts', () => {
  const d = (kind: StageDraft['kind'], size: StageDraft['size'], amount = '', wait = '0'): StageDraft => ({
    kind,
    size,
    amount,
    wait,
  });

  it('turns the default rows into the contract default', () => {
    expect(stagesFromDrafts(DEFAULT_STAGE_DRAFTS)).toEqual({
      stages: [
        { kind: 'canary', percent: 4, wait_seconds: 600 },
        { kind: 'batch', percent: 10, wait_seconds: 600 },
        { kind: 'batch', percent: 20, wait_seconds: 300 },
        { kind: 'batch', percent: 30, wait_seconds: 300 },
        { kind: 'batch', wait_seconds: 0 },
      ],
      problems: [],
    });
  });

  it.each([
    { name: 'no stage', drafts: [], fields: ['stages'] },
    {
      name: 'rest before the end',
      drafts: [d('batch', 'rest'), d('batch', 'count', '2')],
      fields: ['stage-0-size'],
    },
    { name: 'count not whole', drafts: [d('canary', 'count', '1.5')], fields: ['stage-0-amount'] },
    { name: 'count zero', drafts: [d('canary', 'count', '0')], fields: ['stage-0-amount'] },
    { name: 'percent over 100', drafts: [d('batch', 'percent', '101')], fields: ['stage-0-amount'] },
    { name: 'empty amount', drafts: [d('batch', 'percent', ' ')], fields: ['stage-0-amount'] },
    {
      name: 'every problem at once',
      drafts: [d('canary', 'count', 'x', '-1'), d('batch', 'percent', '0', '999999999')],
      fields: ['stage-0-amount', 'stage-0-wait', 'stage-1-amount', 'stage-1-wait'],
    },
  ])('reports $name', ({ drafts, fields }) => {
    expect(stagesFromDrafts(drafts).problems.map((p) => p.field)).toEqual(fields);
  });

  it('takes an empty wait as 0', () => {
    expect(stagesFromDrafts([d('batch', 'count', '3', '')]).stages).toEqual([
      { kind: 'batch', count: 3, wait_seconds: 0 },
    ]);
  });
});

describe('deploymentBody', () => {
  const form = (patch: Partial<DeploymentForm>): DeploymentForm => ({
    ...emptyDeploymentForm(),
    releaseIds: ['rel-1'],
    selector: 'tier=premium',
    ...patch,
  });

  it('sends the selector, approval and no strategy by default', () => {
    expect(deploymentBody(form({}))).toEqual({
      body: { release_id: 'rel-1', targets: { selector: 'tier=premium' }, approval: { required: true } },
      problems: [],
    });
  });

  it('sends client ids, custom stages, thresholds, deadline and description', () => {
    const r = deploymentBody(
      form({
        targetMode: 'ids',
        clientIds: 'a, b',
        strategyMode: 'custom',
        stages: [
          { kind: 'canary', size: 'count', amount: '1', wait: '0' },
          { kind: 'batch', size: 'rest', amount: '', wait: '0' },
        ],
        maxFailurePercent: '12.5',
        minFinished: '4',
        canaryMaxFailures: '0',
        onFailure: 'pause',
        deadline: '2030-01-01T00:00:00.000Z',
        onDeadline: 'auto_approve',
        description: '  Premium first  ',
      }),
    );
    expect(r).toEqual({
      body: {
        release_id: 'rel-1',
        targets: { client_ids: ['a', 'b'] },
        strategy: {
          stages: [
            { kind: 'canary', count: 1, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
          failure_threshold: { max_failure_ratio: 0.125, min_finished: 4 },
          canary_failure_threshold: { max_failures: 0 },
          on_failure: 'pause',
        },
        approval: { required: true, deadline: '2030-01-01T00:00:00.000Z', on_deadline: 'auto_approve' },
        description: 'Premium first',
      },
      problems: [],
    });
  });

  it("sends a set as release_ids, in the rows' order", () => {
    expect(deploymentBody(form({ releaseIds: ['rel-b', 'rel-m', 'rel-c'] })).body).toEqual({
      release_ids: ['rel-b', 'rel-m', 'rel-c'],
      targets: { selector: 'tier=premium' },
      approval: { required: true },
    });
  });

  it('leaves the set rules (one release per component, …) to the GCC: two releases of one component are sent', () => {
    expect(
      deploymentBody(form({ releaseIds: ['rel-backend-1', 'rel-backend-2'] })).body?.release_ids,
    ).toEqual(['rel-backend-1', 'rel-backend-2']);
  });

  it('drops the deadline when approval is not required', () => {
    const r = deploymentBody(form({ approvalRequired: false, deadline: '2030-01-01T00:00:00.000Z' }));
    expect(r.body?.approval).toEqual({ required: false });
  });

  it.each([
    { name: 'no release', patch: { releaseIds: [''] }, fields: ['release-0'] },
    { name: 'no row at all', patch: { releaseIds: [] }, fields: ['release-0'] },
    { name: 'a set row not chosen', patch: { releaseIds: ['rel-1', '', 'rel-3'] }, fields: ['release-1'] },
    {
      name: 'the same release twice',
      patch: { releaseIds: ['rel-1', 'rel-2', 'rel-1'] },
      fields: ['release-2'],
    },
    {
      name: 'more than 16 releases',
      patch: { releaseIds: Array.from({ length: 17 }, (_, i) => `rel-${i}`) },
      fields: ['release-0'],
    },
    { name: 'blank selector', patch: { selector: '  ' }, fields: ['selector'] },
    { name: 'no ids', patch: { targetMode: 'ids' as const, clientIds: ' , ' }, fields: ['client-ids'] },
    {
      name: 'bad thresholds',
      patch: {
        strategyMode: 'custom' as const,
        maxFailurePercent: '150',
        minFinished: '-1',
        canaryMaxFailures: '0.5',
      },
      fields: ['max-failure-percent', 'min-finished', 'canary-max-failures'],
    },
  ])('reports $name', ({ patch, fields }) => {
    const r = deploymentBody(form(patch));
    expect(r.body).toBeUndefined();
    expect(r.problems.map((p) => p.field)).toEqual(fields);
  });
});

describe('allowedActions, canForceApprove', () => {
  it.each([
    { status: 'created', type: 'update', on: ['abort'] },
    { status: 'running', type: 'update', on: ['pause', 'abort', 'rollback'] },
    { status: 'paused', type: 'update', on: ['resume', 'abort', 'rollback'] },
    { status: 'completed', type: 'update', on: ['rollback'] },
    { status: 'failed', type: 'update', on: ['rollback'] },
    { status: 'running', type: 'rollback', on: ['pause', 'abort'] },
    { status: 'rolling_back', type: 'update', on: [] },
    { status: 'aborted', type: 'update', on: [] },
  ] as const)('$type $status', ({ status, type, on }) => {
    const a = allowedActions({ status, type });
    expect(Object.entries(a).flatMap(([k, v]) => (v ? [k] : []))).toEqual(on);
  });

  it('force-approves only a task that waits for its approval', () => {
    expect(canForceApprove('pending_approval')).toBe(true);
    expect(canForceApprove('pending')).toBe(true);
    expect(canForceApprove('queued')).toBe(false);
  });
});

describe('pager', () => {
  it('walks forward and back with remembered cursors', () => {
    let p = pagerLoaded(FIRST_PAGE, 'c2');
    expect(pagerCursor(p)).toBeUndefined();
    expect(pagerPrev(p)).toBe(p);
    p = pagerNext(p);
    expect(pagerCursor(p)).toBe('c2');
    expect(pagerText(p)).toBe('Page 2');
    p = pagerLoaded(p, null);
    expect(pagerNext(p)).toBe(p);
    p = pagerPrev(p);
    expect(pagerCursor(p)).toBeUndefined();
    p = pagerNext(pagerLoaded(p, 'c2b'));
    expect(p.cursors).toEqual([undefined, 'c2b']);
  });
});

describe('routes', () => {
  it.each([
    { hash: '', route: { page: 'deployments' }, back: '#/deployments' },
    { hash: '#/deployments', route: { page: 'deployments' }, back: '#/deployments' },
    { hash: '#/deployments/dpl-1', route: { page: 'deployment', id: 'dpl-1' }, back: '#/deployments/dpl-1' },
    { hash: '#/new', route: { page: 'new' }, back: '#/new' },
    { hash: '#/new?release=rel-9', route: { page: 'new', releaseId: 'rel-9' }, back: '#/new?release=rel-9' },
    { hash: '#/releases', route: { page: 'releases' }, back: '#/releases' },
    { hash: '#clients', route: { page: 'clients' }, back: '#/clients' },
    { hash: '#/policies', route: { page: 'policies' }, back: '#/policies' },
    { hash: '#/nope', route: { page: 'deployments' }, back: '#/deployments' },
  ] as const)('$hash', ({ hash, route, back }) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(routeHash(route)).toBe(back);
  });

  it('puts a deployment under Deployments', () => {
    expect(routeSection({ page: 'deployment', id: 'x' })).toBe('deployments');
    expect(routeSection({ page: 'clients' })).toBe('clients');
  });
});

describe('changeText and auditText', () => {
  const counts = (success: number) => ({ success, queued: 2 - success });
  it.each([
    {
      name: 'nothing',
      before: { status: 'running', stages: [{ index: 0, status: 'running' }], task_counts: counts(0) },
      after: { status: 'running', stages: [{ index: 0, status: 'running' }], task_counts: counts(0) },
      out: '',
    },
    {
      name: 'a stage finishes and the next opens',
      before: { status: 'running', stages: [{ index: 0, status: 'running' }], task_counts: counts(0) },
      after: {
        status: 'running',
        stages: [
          { index: 0, status: 'succeeded' },
          { index: 1, status: 'running' },
        ],
        task_counts: counts(1),
      },
      out: 'Stage 1 succeeded. Stage 2 running. 1 of 2 updated.',
    },
    {
      name: 'paused',
      before: { status: 'running', stages: [], task_counts: counts(0) },
      after: { status: 'paused', stages: [], task_counts: counts(0) },
      out: 'Deployment paused.',
    },
  ] as const)('$name', ({ before, after, out }) => {
    expect(changeText(before as never, after as never)).toBe(out);
  });

  it('reads an audit entry', () => {
    expect(
      auditText({
        actor: 'admin:admin',
        action: 'task.force_approve',
        subject_type: 'task',
        subject_id: 'tsk-1',
        client_id: 'a',
      }),
    ).toBe('Force approve: task of a');
    expect(
      auditText({
        actor: 'system',
        action: 'deployment.pause',
        subject_type: 'deployment',
        subject_id: 'dpl-1',
        client_id: null,
      }),
    ).toBe('Pause: deployment dpl-1');
  });
});

describe('policyBody', () => {
  it.each([
    {
      name: 'everything',
      form: { id: ' free-ct ', components: 'ct, media', selector: ' tier=free ', description: ' x ' },
      body: { id: 'free-ct', components: ['ct', 'media'], label_selector: 'tier=free', description: 'x' },
    },
    {
      name: 'only an id',
      form: { id: 'all', components: ' ', selector: '', description: '' },
      body: { id: 'all' },
    },
  ])('$name', ({ form, body }) => {
    expect(policyBody(form)).toEqual(body);
  });
});

describe('release sets', () => {
  it.each([
    { pointer: '/release_id', row: 0 },
    { pointer: '/release_ids/0', row: 0 },
    { pointer: '/release_ids/12', row: 12 },
    { pointer: '/release_ids/2/x', row: 2 },
    { pointer: '/release_ids', row: undefined },
    { pointer: '/versions/backend', row: undefined },
    { pointer: '/targets/selector', row: undefined },
    { pointer: '', row: undefined },
  ])('releaseRowOf($pointer) is $row', ({ pointer, row }) => {
    expect(releaseRowOf(pointer)).toBe(row);
  });

  it('groups the GCC problems by picker row, every one kept, others left out', () => {
    const m = releaseProblems([
      { path: '/release_ids/1', message: 'component backend is already in the set (/release_ids/0)' },
      { path: '/release_ids/1', message: 'from another registry' },
      { path: '/release_ids/2', message: 'no release rel-x' },
      { path: '/targets/selector', message: 'bad' },
    ]);
    expect(Object.fromEntries(m)).toEqual({
      1: ['component backend is already in the set (/release_ids/0)', 'from another registry'],
      2: ['no release rel-x'],
    });
    expect(releaseProblems(undefined).size).toBe(0);
  });

  const releases = [
    { id: 'b5', component: 'backend' },
    { id: 'm5', component: 'media' },
    { id: 'b4', component: 'backend' },
    { id: 'c5', component: 'ct' },
  ];
  it.each([
    { name: 'nothing chosen: the newest', chosen: [], next: 'b5' },
    { name: 'skips chosen components', chosen: ['b4'], next: 'm5' },
    { name: 'the next missing component', chosen: ['b5', 'm5'], next: 'c5' },
    { name: 'every component in', chosen: ['b4', 'm5', 'c5'], next: undefined },
  ])('nextSetRelease: $name', ({ chosen, next }) => {
    expect(nextSetRelease(releases, chosen)).toBe(next);
  });

  it('setText and setOf: the set in order, or the lead alone from an older GCC', () => {
    const d = {
      component: 'backend',
      version: '5.0.0',
      components: [
        { component: 'backend', version: '5.0.0' },
        { component: 'media', version: '5.0.0' },
        { component: 'ct', version: '5.0.1' },
      ],
    };
    expect(setText(d)).toBe('backend 5.0.0 · media 5.0.0 · ct 5.0.1');
    expect(setOf({ component: 'ct', version: '3.9.0' })).toEqual([{ component: 'ct', version: '3.9.0' }]);
    expect(setText({ component: 'ct', version: '3.9.0', components: [] })).toBe('ct 3.9.0');
  });
});
