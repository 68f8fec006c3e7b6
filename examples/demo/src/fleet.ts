import type { TargetKind } from '@wrktalk/rollout-planner';

/** What a simulated client's administrator does with the update, and whether its agent runs. */
export type Behaviour = 'approve' | 'reject' | 'silent' | 'offline';

/** One simulated client. */
export interface FleetClient {
  id: string;
  name: string;
  labels: Record<string, string>;
  targetKind: TargetKind;
  argocdInstance: string | null;
  behaviour: Behaviour;
  /** The version it runs before the demo's release (its own previous version; `null` for the offline client). */
  baselineVersion: string | null;
  /** Why it rejects (for `reject`). */
  rejectReason?: string;
}

/** The versions of the demo: two baselines (so that clients have different previous versions) and the new one. */
export const VERSIONS = { oldBaseline: '2.3.0', baseline: '2.4.0', release: '2.5.0' } as const;

/** The component the demo updates. */
export const COMPONENT = 'backend';

const TIERS = ['premium', 'standard', 'standard', 'free', 'free'] as const;
const REGIONS = ['in', 'eu', 'us'] as const;
const REJECT_REASONS = [
  'Quarter-end freeze: no changes until the 5th.',
  'Our own release goes out this week; please retry next week.',
  'Waiting for our security team to review 2.5.0.',
];

/**
 * The demo fleet, the same for the same size: labels `env=prod`, `tier` (premium / standard / free) and `region`
 * (in / eu / us); four in five on Argo CD (one instance per region and tier group, so several instances), the rest
 * plain Kubernetes and Docker hosts; the first two premium clients are the canaries (`canary=true`). About one in
 * nine rejects, one in eleven never answers, and one approves but is offline (its agent never starts).
 */
export function buildFleet(size: number): FleetClient[] {
  const clients: FleetClient[] = [];
  for (let i = 0; i < size; i++) {
    const n = i + 1;
    const id = `client-${String(n).padStart(3, '0')}`;
    const tier = TIERS[i % TIERS.length]!;
    const region = REGIONS[Math.floor(i / TIERS.length) % REGIONS.length]!;
    const slot = i % 5;
    const targetKind: TargetKind = slot === 3 ? 'kubernetes' : slot === 4 ? 'docker' : 'argocd';
    const behaviour: Behaviour =
      i === size - 2 ? 'offline' : i % 9 === 4 ? 'reject' : i % 11 === 7 ? 'silent' : 'approve';
    clients.push({
      id,
      name: `Customer ${n} (${region}, ${tier})`,
      labels: { env: 'prod', tier, region },
      targetKind,
      argocdInstance: targetKind === 'argocd' ? `argocd-${region}-${tier === 'premium' ? 'a' : 'b'}` : null,
      behaviour,
      baselineVersion:
        behaviour === 'offline' ? null : i % 2 === 0 ? VERSIONS.oldBaseline : VERSIONS.baseline,
      ...(behaviour === 'reject' && {
        rejectReason: REJECT_REASONS[Math.floor(i / 9) % REJECT_REASONS.length]!,
      }),
    });
  }
  // Canaries: the first two premium clients that approve.
  for (const c of clients
    .filter((c) => c.labels.tier === 'premium' && c.behaviour === 'approve')
    .slice(0, 2)) {
    c.labels.canary = 'true';
  }
  return clients;
}
