import type {
  HistoryEntry,
  RollbackPlan,
  RollbackRequest,
  UnresolvedRollback,
} from '../rollback/plan-rollback';
import { cutWaves, planRollback } from '../rollback/plan-rollback';

/**
 * Release sets (release trains): one release per component, approved, applied and rolled back together per client.
 * The one definition of what makes a set acceptable and of how a set is rolled back; the GCC applies these rules,
 * the simulator and `wrktalk-plan` reuse them.
 */

/** Most components one set may carry (the contract's `maxItems`). */
export const RELEASE_SET_MAX = 16;

/** One member of a proposed set, as the caller resolved it. */
export interface ReleaseSetMember {
  /** Component, e.g. `backend`. */
  component: string;
  /**
   * Registry host of the member's image (`registry.wrktalk.com`, `docker.io`), by Docker's reference rules; null when
   * the member has no image (a version named that no release has): it then takes part in the component rules only.
   */
  registry: string | null;
  /** Where the member came from in the request, for the problem's path (e.g. `/release_ids/2`). */
  path: string;
}

/** One reason a set is refused. */
export interface ReleaseSetProblem {
  /** JSON pointer into the request. */
  path: string;
  /** One readable line. */
  message: string;
  /** `duplicate_component`, `unknown_component` or `mixed_registries`. */
  reason: 'duplicate_component' | 'unknown_component' | 'mixed_registries';
}

/**
 * Every problem of a proposed set at once (never only the first): a component named twice, a component the GCC does
 * not manage (when `managed` is given), images from more than one registry (each member outside the first member's
 * registry is listed). An empty list means the set is acceptable.
 */
export function releaseSetProblems(
  members: readonly ReleaseSetMember[],
  managed?: ReadonlySet<string>,
): ReleaseSetProblem[] {
  const problems: ReleaseSetProblem[] = [];
  const first = new Map<string, string>();
  for (const m of members) {
    const seen = first.get(m.component);
    if (seen !== undefined) {
      problems.push({
        path: m.path,
        reason: 'duplicate_component',
        message: `component ${m.component} is already in the set (${seen}); a set carries each component once`,
      });
    } else first.set(m.component, m.path);
    if (managed && !managed.has(m.component)) {
      problems.push({
        path: m.path,
        reason: 'unknown_component',
        message: `component ${m.component} is not managed by this GCC (managed: ${[...managed].join(', ')})`,
      });
    }
  }
  const imaged = members.filter((m) => m.registry !== null);
  const lead = imaged[0];
  if (lead) {
    for (const m of imaged.slice(1)) {
      if (m.registry !== lead.registry) {
        problems.push({
          path: m.path,
          reason: 'mixed_registries',
          message: `${m.component} comes from registry ${m.registry} but ${lead.component} from ${lead.registry}; a set's images come from one registry`,
        });
      }
    }
  }
  return problems;
}

/** What a set rollback returns one client to: per component, from the version the deployment put there to its own previous good one. */
export interface SetRollbackTarget {
  /** Client. */
  clientId: string;
  /** One entry per component of the set, in the set's order. */
  components: { component: string; fromVersion: string; toVersion: string; toDeploymentId: string }[];
}

/** A set rollback plan: clients returned whole, clients skipped (with the first missing component's reason), waves. */
export interface SetRollbackPlan {
  targets: SetRollbackTarget[];
  unresolved: UnresolvedRollback[];
  waves: string[][];
}

/**
 * Plans the rollback of a set deployment with {@link planRollback} per component, and keeps a client only when every
 * component of the set has an earlier good version on it: a set goes back whole or not at all, so a client never
 * ends up on a mix that was never deployed together. A client missing one component's previous version is
 * unresolved (reported, not guessed). Waves as `planRollback`'s, in its client order.
 */
export function planSetRollback(
  history: readonly HistoryEntry[],
  request: Omit<RollbackRequest, 'component'> & { components: readonly string[] },
): SetRollbackPlan {
  const { components, ...rest } = request;
  const plans: RollbackPlan[] = components.map((component) =>
    planRollback(history, { ...rest, component, batchSize: undefined } as RollbackRequest),
  );
  const lead = plans[0];
  if (!lead) return { targets: [], unresolved: [], waves: [] };
  const byComponent = plans.map((p) => new Map(p.targets.map((t) => [t.clientId, t])));
  const unresolved = new Map<string, UnresolvedRollback>();
  for (const p of plans)
    for (const u of p.unresolved) if (!unresolved.has(u.clientId)) unresolved.set(u.clientId, u);
  const targets: SetRollbackTarget[] = [];
  // Every client the lead component's plan considered, in its order, plus clients only another component's plan saw.
  const order = [...lead.targets.map((t) => t.clientId), ...lead.unresolved.map((u) => u.clientId)];
  for (const clientId of order) {
    const parts = byComponent.map((m) => m.get(clientId));
    if (parts.every((t) => t !== undefined)) {
      targets.push({
        clientId,
        components: parts.map((t, i) => ({
          component: components[i]!,
          fromVersion: t!.fromVersion,
          toVersion: t!.toVersion,
          toDeploymentId: t!.toDeploymentId,
        })),
      });
    } else if (!unresolved.has(clientId)) {
      const i = parts.indexOf(undefined);
      unresolved.set(clientId, {
        clientId,
        reason: 'no_previous_success',
        message: `client '${clientId}' has no successful ${components[i]} version before this deployment's`,
      });
    }
  }
  return { targets, unresolved: [...unresolved.values()], waves: cutWaves(targets, request.batchSize) };
}

/**
 * Orders located problems by their JSON pointer, array indexes numerically (`/release_ids/2` before
 * `/release_ids/10`), so every caller lists a set's problems in the request's order.
 */
export function byPointer(a: { path: string }, b: { path: string }): number {
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}
