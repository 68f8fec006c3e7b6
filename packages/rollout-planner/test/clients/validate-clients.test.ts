import { describe, expect, it } from 'vitest';
import { validateClients } from '../../src/clients/validate-clients';

describe('validateClients', () => {
  it('accepts a full client and defaults labels', () => {
    const r = validateClients([
      {
        id: 'a',
        targetKind: 'argocd',
        argocdInstance: 'argo-1',
        timezone: 'Asia/Kolkata',
        maintenanceWindows: [{ days: ['sat'], start: '01:00', end: '05:00' }],
        autoApprove: { all: false, components: ['backend'] },
      },
    ]);
    expect(r.ok && r.clients[0]?.labels).toEqual({});
  });
  it('returns every problem with a path', () => {
    const r = validateClients([
      { id: 'a', targetKind: 'vm', labels: { tier: 3 } },
      {
        id: 'a',
        targetKind: 'docker',
        timezone: 'Mars/Base',
        maintenanceWindows: [{ days: ['fri', 'funday'], start: '1:00', end: '05:00' }],
      },
      'x',
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.map((p) => p.path)).toEqual([
        '[0].labels.tier',
        '[0].targetKind',
        '[1].id',
        '[1].timezone',
        '[1].maintenanceWindows[0].days[1]',
        '[1].maintenanceWindows[0].start',
        '[2]',
      ]);
    }
  });
  it('rejects a non-array', () => {
    expect(validateClients({}).ok).toBe(false);
  });
});
