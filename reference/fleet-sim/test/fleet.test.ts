import { describe, expect, it } from 'vitest';
import { applyFails, buildFleet, describeFleet, isOnline, pickWeighted, pollDelayMs } from '../src/fleet';
import { checkScenario, type ScenarioInput } from '../src/scenario';

const STRATEGY = { stages: [{ kind: 'canary', count: 2 }, { kind: 'batch' }] };
const scenario = (extra: Partial<ScenarioInput> = {}) =>
  checkScenario({
    name: 'unit',
    seed: 42,
    clients: {
      count: 10_000,
      labels: { env: 'prod', tier: { premium: 1, standard: 4 }, region: { in: 1, eu: 1 } },
      targets: { argocd: 8, kubernetes: 1, docker: 1 },
      argocd_instances: 5,
      canary: { count: 3, match: { tier: 'premium' } },
    },
    deployment: { strategy: STRATEGY },
    approvals: { approve: 90, reject: 5, never: 3, late: 2 },
    ...extra,
  });

describe('buildFleet', () => {
  it('is the same fleet for the same seed, and another for another seed', async () => {
    const s = await scenario();
    const a = buildFleet(s);
    expect(buildFleet(s)).toEqual(a);
    const other = buildFleet({ ...s, seed: 43 });
    expect(other.map((c) => c.labels.tier)).not.toEqual(a.map((c) => c.labels.tier));
  });

  it('draws labels, targets and approvals by their weights', async () => {
    const fleet = buildFleet(await scenario());
    const share = (f: (c: (typeof fleet)[number]) => boolean) => fleet.filter(f).length / fleet.length;
    expect(share((c) => c.labels.tier === 'premium')).toBeCloseTo(0.2, 1);
    expect(share((c) => c.labels.env === 'prod')).toBe(1);
    expect(share((c) => c.targetKind === 'argocd')).toBeCloseTo(0.8, 1);
    expect(share((c) => c.approval === 'reject')).toBeCloseTo(0.05, 1);
    // Every rejecting client has a reason; nobody else has one.
    expect(fleet.every((c) => (c.approval === 'reject') === (c.rejectReason !== null))).toBe(true);
    const d = describeFleet(fleet);
    expect(d.argocdInstances).toBe(5);
    expect(d.canaries).toBe(3);
    expect(d.approvals.approve + d.approvals.reject + d.approvals.never + d.approvals.late).toBe(10_000);
    // Argo CD clients are spread evenly over the instances.
    const per = new Map<string, number>();
    for (const c of fleet)
      if (c.argocdInstance) per.set(c.argocdInstance, (per.get(c.argocdInstance) ?? 0) + 1);
    expect(Math.max(...per.values()) - Math.min(...per.values())).toBeLessThanOrEqual(1);
  });

  it('labels the first matching clients as canaries, who approve at once and are online', async () => {
    const fleet = buildFleet(await scenario({ agents: { offline_share: 1 } }));
    const canaries = fleet.filter((c) => c.labels.canary === 'true');
    expect(canaries.map((c) => c.id)).toEqual(
      fleet
        .filter((c) => c.labels.tier === 'premium')
        .slice(0, 3)
        .map((c) => c.id),
    );
    for (const c of canaries)
      expect(c).toMatchObject({ approval: 'approve', approvalDelayMs: 0, offline: false });
    // offline_share 1: everyone else is offline.
    expect(fleet.filter((c) => c.offline).length).toBe(fleet.length - 3);
  });

  it('applies the rules in order, by labels, by ids, and by stage', async () => {
    const fleet = buildFleet(
      await scenario({
        rules: [
          { match: { region: 'eu' }, approval: 'never' },
          { match: { region: 'eu', tier: 'premium' }, approval: 'reject' },
          { ids: ['sim-00007'], offline: true },
          { stage: 0, fail: 1 },
          { match: { region: 'in' }, fail: 0.5, slow_factor: 10 },
          { match: { region: 'in' }, offline_from_seconds: 20, offline_until_seconds: 30 },
        ],
      }),
    );
    const eu = fleet.filter((c) => c.labels.region === 'eu' && c.labels.canary !== 'true');
    expect(eu.length).toBeGreaterThan(0);
    for (const c of eu) expect(c.approval).toBe(c.labels.tier === 'premium' ? 'reject' : 'never');
    expect(fleet.find((c) => c.id === 'sim-00007')?.offline).toBe(true);
    expect(fleet.filter((c) => c.offline).map((c) => c.id)).toEqual(['sim-00007']);
    const india = fleet.filter((c) => c.labels.region === 'in');
    for (const c of fleet) expect(c.stageFailRates).toEqual({ 0: 1 });
    for (const c of india)
      expect(c).toMatchObject({ failRate: 0.5, offlineFromMs: 20_000, offlineUntilMs: 30_000 });
    // slow_factor multiplies the drawn apply time (0.2 to 1 s by default).
    for (const c of india) expect(c.applyMs).toBeGreaterThanOrEqual(2000);
    for (const c of eu) expect(c.applyMs).toBeLessThanOrEqual(1000);
  });
});

describe('buildFleet with a release set', () => {
  it("draws each client's previous version of every component, and names the component a rule makes fail", async () => {
    const fleet = buildFleet(
      await scenario({
        release: {
          set: [
            { component: 'backend', version: '5.0.0', previous: { '4.9.0': 1, '4.8.0': 1 } },
            { component: 'media', version: '5.0.0' },
            { component: 'ct', version: '5.0.0', previous: '4.7.0' },
          ],
          previous: { '4.9.0': 3, '4.6.0': 1 },
        },
        rules: [{ stage: 0, fail: { component: 'media' } }],
      }),
    );
    const share = (f: (c: (typeof fleet)[number]) => boolean) => fleet.filter(f).length / fleet.length;
    // Each component by its own weights (media by the release's), the first one also as `previousVersion`.
    expect(share((c) => c.previousVersions.backend === '4.8.0')).toBeCloseTo(0.5, 1);
    expect(share((c) => c.previousVersions.media === '4.6.0')).toBeCloseTo(0.25, 1);
    expect(fleet.every((c) => c.previousVersions.ct === '4.7.0')).toBe(true);
    expect(fleet.every((c) => c.previousVersion === c.previousVersions.backend)).toBe(true);
    expect(new Set(fleet.map((c) => JSON.stringify(c.previousVersions))).size).toBe(4);
    for (const c of fleet) expect(c).toMatchObject({ stageFailRates: { 0: 1 }, failComponent: 'media' });
  });

  it('draws a single release exactly as before sets existed', async () => {
    const s = await scenario();
    const fleet = buildFleet(s);
    expect(fleet.every((c) => Object.keys(c.previousVersions).join() === 'backend')).toBe(true);
    expect(fleet.every((c) => c.previousVersion === '2.4.0' && c.failComponent === null)).toBe(true);
  });
});

describe('the behaviour of one client', () => {
  it('is online outside its outage only', () => {
    const c = { offline: false, offlineFromMs: 20_000, offlineUntilMs: 30_000 };
    expect([0, 19_999, 20_000, 29_999, 30_000].map((t) => isOnline(c, t))).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(isOnline({ ...c, offlineUntilMs: null }, 1e9)).toBe(false);
    expect(isOnline({ offline: true, offlineFromMs: null, offlineUntilMs: null }, 0)).toBe(false);
  });

  it('fails by the stage rate where one is given, by its own rate otherwise', () => {
    const c = { failRate: 0.1, stageFailRates: { 0: 1 } };
    expect(applyFails(c, 0, 0.99)).toBe(true);
    expect(applyFails(c, 1, 0.5)).toBe(false);
    expect(applyFails(c, 1, 0.05)).toBe(true);
    expect(applyFails(c, null, 0.05)).toBe(true);
    expect(applyFails({ failRate: 0, stageFailRates: {} }, 0, 0)).toBe(false);
  });

  it('polls within [1 − jitter, 1 + jitter] of its interval', () => {
    const a = { poll_interval_seconds: 10, poll_jitter: 0.5 };
    expect(pollDelayMs(a, 0)).toBe(5000);
    expect(pollDelayMs(a, 0.5)).toBe(10_000);
    expect(pollDelayMs(a, 0.999_999)).toBe(15_000);
    expect(pollDelayMs({ ...a, poll_jitter: 0 }, 0.9)).toBe(10_000);
  });

  it('picks by weight and never a zero weight', () => {
    const w = { a: 1, b: 0, c: 3 };
    expect(pickWeighted(w, 0)).toBe('a');
    expect(pickWeighted(w, 0.2499)).toBe('a');
    expect(pickWeighted(w, 0.25)).toBe('c');
    expect(pickWeighted(w, 0.999_999)).toBe('c');
  });
});
