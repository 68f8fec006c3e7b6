import type { TargetKind } from '@wrktalk/rollout-planner';
import { seededRandom } from '../../../examples/demo/src/random';
import { membersOf, type Scenario } from './scenario';

/** What a simulated client's approver does with the update. */
export type Approval = 'approve' | 'reject' | 'never' | 'late';

/** One simulated client: who it is, and everything random about it drawn once, from the scenario's seed. */
export interface SimClient {
  id: string;
  name: string;
  labels: Record<string, string>;
  targetKind: TargetKind;
  argocdInstance: string | null;
  /** The version it runs before the release (of a set, its first component's). */
  previousVersion: string;
  /** What it runs of each component of the release before it (one entry for a single release). */
  previousVersions: Record<string, string>;
  approval: Approval;
  /** When its approver answers, in ms after the deployment's creation (`never`: unused). */
  approvalDelayMs: number;
  rejectReason: string | null;
  /** Its agent never runs. */
  offline: boolean;
  /** Its agent stops answering at this ms of the rollout (and returns at `offlineUntilMs`, if set). */
  offlineFromMs: number | null;
  offlineUntilMs: number | null;
  /** Time an apply takes on this client (slow factor included), in ms. */
  applyMs: number;
  /** Probability that an apply of the release fails, in any stage. */
  failRate: number;
  /** Probabilities by stage index, overriding `failRate` for tasks placed in that stage. */
  stageFailRates: Record<number, number>;
  /** The component of the set whose apply fails (a rule's `fail: { component }`); null: the release as a whole. */
  failComponent: string | null;
}

/** A value drawn by weight: `{ a: 1, b: 3 }` gives `b` three times in four. */
export function pickWeighted(weights: Readonly<Record<string, number>>, r: number): string {
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [v, w] of entries) {
    if (x < w) return v;
    x -= w;
  }
  return entries[entries.length - 1]![0];
}

const draw = (v: string | Readonly<Record<string, number>>, r: number) =>
  typeof v === 'string' ? v : pickWeighted(v, r);

const matches = (
  labels: Readonly<Record<string, string>>,
  match: Readonly<Record<string, string>> | undefined,
) => Object.entries(match ?? {}).every(([k, v]) => labels[k] === v);

const between = (r: number, range: { min: number; max: number }) => range.min + r * (range.max - range.min);

/**
 * The scenario's fleet, the same for the same scenario and seed: labels and targets drawn by their weights (Argo
 * CD clients spread round-robin over the instances), the canaries labelled `canary=true` (they approve at once),
 * then the approvers' and agents' behaviour, then the rules in order.
 */
export function buildFleet(s: Scenario): SimClient[] {
  const random = seededRandom(s.seed);
  const width = String(s.clients.count).length;
  const clients: SimClient[] = [];
  let argocd = 0;
  const a = s.approvals;
  const approvalWeights = { approve: a.approve, reject: a.reject, never: a.never, late: a.late };
  const members = membersOf(s.release);
  for (let i = 0; i < s.clients.count; i++) {
    const n = i + 1;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.clients.labels)) labels[k] = draw(v, random());
    const targetKind = pickWeighted(s.clients.targets, random()) as TargetKind;
    const approval = pickWeighted(approvalWeights, random()) as Approval;
    const delay = between(random(), approval === 'late' ? a.late_seconds : a.delay_seconds);
    const slow = random() < s.agents.slow_share;
    // One draw per component, in the set's order (a single release: one draw, as before sets existed).
    const previousVersions = Object.fromEntries(
      members.map((m) => [m.component, draw(m.previous, random())]),
    );
    clients.push({
      id: `${s.clients.id_prefix}${String(n).padStart(width, '0')}`,
      name: `Simulated client ${n}`,
      labels,
      targetKind,
      argocdInstance:
        targetKind === 'argocd' ? `argocd-${(argocd++ % s.clients.argocd_instances) + 1}` : null,
      previousVersion: previousVersions[members[0]!.component]!,
      previousVersions,
      approval,
      approvalDelayMs: Math.round(delay * 1000),
      rejectReason:
        approval === 'reject' ? a.reject_reasons[Math.floor(random() * a.reject_reasons.length)]! : null,
      offline: random() < s.agents.offline_share,
      offlineFromMs: null,
      offlineUntilMs: null,
      applyMs: Math.round(
        between(random(), s.agents.apply_seconds) * 1000 * (slow ? s.agents.slow_factor : 1),
      ),
      failRate: s.agents.failure_rate,
      stageFailRates: {},
      failComponent: null,
    });
  }
  if (s.clients.canary) {
    let left = s.clients.canary.count;
    for (const c of clients) {
      if (left === 0) break;
      if (!matches(c.labels, s.clients.canary.match)) continue;
      c.labels.canary = 'true';
      c.approval = 'approve';
      c.approvalDelayMs = 0;
      c.rejectReason = null;
      c.offline = false;
      left--;
    }
  }
  for (const rule of s.rules) {
    for (const c of clients) {
      if (!matches(c.labels, rule.match) || (rule.ids && !rule.ids.includes(c.id))) continue;
      if (rule.approval !== undefined) {
        c.approval = rule.approval;
        c.rejectReason =
          rule.approval === 'reject' ? (c.rejectReason ?? a.reject_reasons[0] ?? 'Not now.') : null;
        if (rule.approval === 'late' && c.approvalDelayMs < a.late_seconds.min * 1000)
          c.approvalDelayMs = Math.round(a.late_seconds.min * 1000);
      }
      if (rule.fail !== undefined) {
        const rate = typeof rule.fail === 'number' ? rule.fail : rule.fail.rate;
        if (rule.stage === undefined) c.failRate = rate;
        else c.stageFailRates[rule.stage] = rate;
        if (typeof rule.fail === 'object') c.failComponent = rule.fail.component;
      }
      if (rule.offline !== undefined) c.offline = rule.offline;
      if (rule.offline_from_seconds !== undefined) {
        c.offlineFromMs = Math.round(rule.offline_from_seconds * 1000);
        c.offlineUntilMs =
          rule.offline_until_seconds === undefined ? null : Math.round(rule.offline_until_seconds * 1000);
      }
      if (rule.slow_factor !== undefined) c.applyMs = Math.round(c.applyMs * rule.slow_factor);
    }
  }
  return clients;
}

/** Whether the client's agent answers at `atMs` of the rollout. */
export function isOnline(
  c: Pick<SimClient, 'offline' | 'offlineFromMs' | 'offlineUntilMs'>,
  atMs: number,
): boolean {
  if (c.offline) return false;
  if (c.offlineFromMs === null || atMs < c.offlineFromMs) return true;
  return c.offlineUntilMs !== null && atMs >= c.offlineUntilMs;
}

/** Whether an apply of the release fails, for a task placed in `stage` (`null`: not known), given a draw `r`. */
export function applyFails(
  c: Pick<SimClient, 'failRate' | 'stageFailRates'>,
  stage: number | null,
  r: number,
): boolean {
  const rate =
    stage !== null && c.stageFailRates[stage] !== undefined ? c.stageFailRates[stage]! : c.failRate;
  return r < rate;
}

/** The next poll's delay: the interval scaled by a factor in [1 − jitter, 1 + jitter], from a draw `r`. */
export function pollDelayMs(
  agents: Pick<Scenario['agents'], 'poll_interval_seconds' | 'poll_jitter'>,
  r: number,
): number {
  return Math.round(
    agents.poll_interval_seconds * 1000 * (1 - agents.poll_jitter + 2 * agents.poll_jitter * r),
  );
}

/** Counts of the fleet by approval, target kind, and offline. */
export function describeFleet(clients: readonly SimClient[]): {
  approvals: Record<Approval, number>;
  targets: Record<string, number>;
  argocdInstances: number;
  offline: number;
  goingOffline: number;
  canaries: number;
} {
  const approvals: Record<Approval, number> = { approve: 0, reject: 0, never: 0, late: 0 };
  const targets: Record<string, number> = {};
  const instances = new Set<string>();
  let offline = 0;
  let goingOffline = 0;
  let canaries = 0;
  for (const c of clients) {
    approvals[c.approval]++;
    targets[c.targetKind] = (targets[c.targetKind] ?? 0) + 1;
    if (c.argocdInstance) instances.add(c.argocdInstance);
    if (c.offline) offline++;
    else if (c.offlineFromMs !== null) goingOffline++;
    if (c.labels.canary === 'true') canaries++;
  }
  return { approvals, targets, argocdInstances: instances.size, offline, goingOffline, canaries };
}
