import type { Client } from '../clients/client';
import type { RolloutPlan } from '../plan/plan-rollout';
import { RELEASE_SET_MAX, type ReleaseSetMember, releaseSetProblems } from '../release-set/release-set';
import type { ValidationProblem } from '../strategy/validate-strategy';

/** The components a GCC manages unless configured otherwise (its `components` default). */
export const DEFAULT_COMPONENTS: readonly string[] = ['backend', 'media', 'ct'];

/**
 * Registry every member of an offline set is taken from: `--set` names versions, not images, so the planner's
 * one-registry rule has nothing to compare here (the GCC checks it against the registered releases).
 */
const OFFLINE_REGISTRY = 'offline';

/** One member of a planned set. */
export interface SetMember {
  component: string;
  version: string;
}

/** A client as `wrktalk-plan` reads it: the planner's client and, when the file says, what it runs now. */
export type PlanClient = Client & { currentVersions?: Record<string, string> };

/** One component of a client's change: from the version it runs (null: the file does not say) to the set's. */
export interface ComponentChange {
  component: string;
  from: string | null;
  to: string;
}

/** One planned client's change, in stage order. */
export interface ClientChange {
  clientId: string;
  /** 0-based stage index. */
  stage: number;
  components: ComponentChange[];
}

/** A parsed `--set`, or every problem with its path (`--set[2]`). */
export type ParseSetResult = { ok: true; set: SetMember[] } | { ok: false; problems: ValidationProblem[] };

/**
 * Parses `--set backend=5.0.0,media=5.0.0,ct=5.0.0` and checks it by the planner's set rules
 * (`releaseSetProblems`: each component once, managed by the GCC); every problem at once.
 */
export function parseSetOption(
  text: string,
  managed: readonly string[] = DEFAULT_COMPONENTS,
): ParseSetResult {
  const problems: ValidationProblem[] = [];
  const set: SetMember[] = [];
  const members: ReleaseSetMember[] = [];
  text.split(',').forEach((raw, i) => {
    const entry = raw.trim();
    const eq = entry.indexOf('=');
    const component = eq < 0 ? '' : entry.slice(0, eq).trim();
    const version = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (component === '' || version === '') {
      problems.push({ path: `--set[${i}]`, message: `expected component=version, got '${entry}'` });
      return;
    }
    set.push({ component, version });
    members.push({ component, registry: OFFLINE_REGISTRY, path: `--set[${i}]` });
  });
  if (set.length > RELEASE_SET_MAX)
    problems.push({
      path: '--set',
      message: `a set carries at most ${RELEASE_SET_MAX} components, got ${set.length}`,
    });
  problems.push(
    ...releaseSetProblems(members, new Set(managed)).map((p) => ({ path: p.path, message: p.message })),
  );
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, set };
}

/** Each planned client's change, component by component, from what its `currentVersions` say. */
export function setChanges(
  plan: RolloutPlan,
  clients: readonly PlanClient[],
  set: readonly SetMember[],
): ClientChange[] {
  const byId = new Map(clients.map((c) => [c.id, c]));
  return plan.stages.flatMap((s) =>
    s.clientIds.map((clientId) => ({
      clientId,
      stage: s.index,
      components: set.map((m) => ({
        component: m.component,
        from: byId.get(clientId)?.currentVersions?.[m.component] ?? null,
        to: m.version,
      })),
    })),
  );
}

const spell = (parts: readonly { component: string; version: string | null }[]) =>
  parts.map((p) => `${p.component} ${p.version ?? '(none)'}`).join(', ');

/**
 * The lines printed above the stage table: the set, and when the clients file says what they run, how many
 * clients come from each previous set (most first, at most `limit` lines).
 */
export function formatSetHeader(
  set: readonly SetMember[],
  changes: readonly ClientChange[],
  limit = 10,
): string {
  const lines = [`Release set: ${spell(set)}`];
  if (changes.some((c) => c.components.some((x) => x.from !== null))) {
    const counts = new Map<string, number>();
    for (const c of changes) {
      const key = spell(c.components.map((x) => ({ component: x.component, version: x.from })));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const width = String(sorted[0]![1]).length;
    lines.push(`Clients by previous set (${sorted.length}):`);
    for (const [key, n] of sorted.slice(0, limit)) lines.push(`  ${String(n).padStart(width)}  from ${key}`);
    if (sorted.length > limit) lines.push(`  … ${sorted.length - limit} more (see --json)`);
  }
  return lines.join('\n');
}
