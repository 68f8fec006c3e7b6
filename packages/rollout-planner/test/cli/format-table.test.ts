import { describe, expect, it } from 'vitest';
import { formatDuration, formatStageTable } from '../../src/cli/format-table';
import { planRollout } from '../../src/plan/plan-rollout';
import { makeClients } from '../helpers';

describe('formatStageTable', () => {
  it('renders the 50-client plan', () => {
    const r = planRollout({ clients: makeClients(50, { instances: 2 }) });
    if (!r.ok) throw new Error('plan failed');
    expect(formatStageTable(r.plan)).toMatchInlineSnapshot(`
      "Stage  Kind    Count  Wait after  Batches per instance
      -----  ------  -----  ----------  -------------------------------------------------
      1      canary      2  10 min      argocd:argo-0 1 job (1); argocd:argo-1 1 job (1)
      2      batch       5  10 min      argocd:argo-0 1 job (3); argocd:argo-1 1 job (2)
      3      batch      10  5 min       argocd:argo-0 1 job (5); argocd:argo-1 1 job (5)
      4      batch      15  5 min       argocd:argo-0 1 job (8); argocd:argo-1 1 job (7)
      5      batch      18  -           argocd:argo-0 1 job (8); argocd:argo-1 1 job (10)

      50 clients in 5 stages"
    `);
  });
  it.each([
    [0, '-'],
    [45, '45 s'],
    [600, '10 min'],
    [5400, '1 h 30 min'],
  ])('formats %i s as %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
