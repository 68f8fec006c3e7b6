import { TASK_STATUSES, type TaskStatus } from '@wrktalk/rollout-planner';
import { describe, expect, it } from 'vitest';
import { formatSummary, renderChart, renderHtml, type Sample, type SimReport } from '../src/report';

const counts = (c: Partial<Record<TaskStatus, number>>) =>
  Object.fromEntries(TASK_STATUSES.map((s) => [s, c[s] ?? 0])) as Record<TaskStatus, number>;

const samples: Sample[] = [
  { t_ms: 0, deployment: 'update', counts: counts({ pending_approval: 4 }) },
  { t_ms: 1000, deployment: 'update', counts: counts({ queued: 2, approved: 2 }) },
  { t_ms: 2000, deployment: 'update', counts: counts({ success: 3, failed: 1 }) },
  { t_ms: 2000, deployment: 'rollback', counts: counts({ queued: 1 }) },
  { t_ms: 3000, deployment: 'rollback', counts: counts({ success: 1 }) },
];

const report: SimReport = {
  scenario: { name: 'unit', description: 'a <b>bold</b> test', seed: 1, file: null },
  gcc: { mode: 'embedded', url: 'http://127.0.0.1:1' },
  started_at: '2026-12-04T00:00:00.000Z',
  fleet: {
    clients: 4,
    targets: { argocd: 4 },
    argocd_instances: 1,
    approvals: { approve: 4, reject: 0, never: 0, late: 0 },
    offline: 0,
    going_offline: 0,
    canaries: 1,
  },
  release: { component: 'backend', version: '2.5.0', set: null },
  selector: 'env=prod',
  strategy: { stages: [{ kind: 'batch', percent: 100 }] },
  deployment: { id: 'dpl-1', status: 'rolled_back', status_reason: 'stage 1 failed' },
  rollback: { id: 'dpl-2', status: 'completed', status_reason: null },
  end: 'ended',
  stages: [
    {
      deployment: 'update',
      index: 0,
      kind: 'batch',
      size: 4,
      placed: 4,
      succeeded: 3,
      failed: 1,
      overdue: 0,
      rolledBack: 0,
      status: 'failed',
      durationMs: 1500,
      clients: ['a', 'b', 'c', 'd'],
    },
  ],
  rollback_stages: [],
  rollback_tasks: [
    {
      client_id: 'd',
      version: '2.4.0',
      status: 'rolled_back',
      previous_version: '2.4.0',
      running_version: '2.4.0',
      versions: { backend: '2.4.0' },
      previous_versions: { backend: '2.4.0' },
      running_versions: { backend: '2.4.0' },
    },
  ],
  failures: [],
  outcomes: { approve: { success: 3, failed: 1 }, reject: {}, never: {}, late: {} },
  updated: 3,
  rolled_back: 1,
  samples,
  http: { requests: 10, errors: 0, by_status: { 200: 10 } },
  timings_ms: { register: 1, baseline: 2, rollout: 3000, total: 3100 },
};

describe('the HTML report', () => {
  it('is self-contained: no script, no external resource, text escaped', () => {
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!127\.0\.0\.1)/);
    expect(html).toContain('a &lt;b&gt;bold&lt;/b&gt; test');
    expect(html).toContain('<h2>Stages</h2>');
    expect(html).toContain('<td>3</td><td>1</td>'); // succeeded, failed
    expect(html).toContain('Rollback: tasks by status over time');
    expect(html).toContain(
      '<tr><td>d</td><td>2.4.0</td><td>2.4.0</td><td>rolled_back</td><td>2.4.0</td></tr>',
    );
  });

  it('draws one line per status that ever had a task, over the samples of that deployment', () => {
    const svg = renderChart(samples, 'update');
    const titles = [...svg.matchAll(/<title>([a-z_]+)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual(['pending_approval', 'approved', 'queued', 'success', 'failed']);
    // Three samples: three points per line; the highest count (4) is at the top of the plot area.
    const success = svg.match(/points="([^"]+)"><title>success/)![1]!.split(' ');
    expect(success).toHaveLength(3);
    // 3 of a maximum of 4 at the right end: the plot is 256 px high from y = 12, so 12 + 256 / 4.
    expect(success[2]).toBe('848.0,76.0');
    expect(svg.match(/points="([^"]+)"><title>pending_approval/)![1]!.split(' ')[0]).toMatch(/^56\.0,12\.0$/);
    expect(renderChart(samples, 'rollback')).toContain('<title>queued</title>');
    expect(renderChart([], 'update')).toBe('<p>No samples.</p>');
  });

  it('summarises the run in text', () => {
    const text = formatSummary(report);
    expect(text).toContain('rolled_back — stage 1 failed');
    expect(text).toContain('rollback dpl-2 completed, 1 clients returned to their own previous version');
    expect(text).toMatch(/1 batch\s+4\s+3\s+1/);
  });
});

describe('the report of a release set', () => {
  const set = [
    { component: 'backend', version: '5.0.0' },
    { component: 'media', version: '5.0.0' },
    { component: 'ct', version: '5.0.0' },
  ];
  const own = { backend: '4.9.0', media: '4.8.0', ct: '4.9.1' };
  const train: SimReport = {
    ...report,
    release: { component: 'backend', version: '5.0.0', set },
    failures: [
      {
        client_id: 'd',
        stage: 0,
        status: 'rolled_back',
        message:
          'media 5.0.0 did not become healthy (simulated); reverted backend to 4.9.0, media to 4.8.0, ct to 4.9.1 locally.',
      },
    ],
    rollback_tasks: [
      {
        client_id: 'd',
        version: '4.9.0',
        status: 'success',
        previous_version: '4.9.0',
        running_version: '4.9.0',
        versions: own,
        previous_versions: own,
        running_versions: own,
      },
    ],
  };

  it("shows the set, and each rolled-back client's own previous set, returned set and what it runs", () => {
    const html = renderHtml(train);
    expect(html).toContain('<dt>Release set</dt><dd>backend 5.0.0, media 5.0.0, ct 5.0.0 to env=prod</dd>');
    expect(html).toContain('<th>Its previous set</th>');
    const spelled = 'backend 4.9.0, media 4.8.0, ct 4.9.1';
    expect(html).toContain(
      `<tr><td>d</td><td>${spelled}</td><td>${spelled}</td><td>success</td><td>${spelled}</td></tr>`,
    );
    expect(formatSummary(train)).toContain('(backend 5.0.0, media 5.0.0, ct 5.0.0 to env=prod, 4 clients)');
    expect(formatSummary(train)).toContain('1 clients returned to their own previous set');
    expect(html).toContain('<h2>Failed applies</h2>');
    expect(html).toContain('<td>d</td><td>1</td><td>rolled_back</td><td>media 5.0.0 did not become healthy');
    expect(renderHtml(report)).not.toContain('Failed applies');
  });
});
