import type { RolloutPlan } from '../plan/plan-rollout';

/** Formats seconds for people: `10 min`, `45 s`, `1 h 30 min`, `-` for none. */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (s > 0) parts.push(`${s} s`);
  return parts.join(' ');
}

/** Summarises a stage's batches per instance: `argocd:a1 3 jobs (10+10+3)` or `docker 400 jobs (max 10)`. */
export function formatBatches(plan: RolloutPlan['stages'][number]): string {
  const byKey = new Map<string, number[]>();
  for (const b of plan.batches) {
    let sizes = byKey.get(b.key);
    if (sizes === undefined) {
      sizes = [];
      byKey.set(b.key, sizes);
    }
    sizes.push(b.clientIds.length);
  }
  return [...byKey]
    .map(([key, sizes]) => {
      const jobs = `${sizes.length} job${sizes.length === 1 ? '' : 's'}`;
      const detail = sizes.length <= 4 ? sizes.join('+') : `max ${Math.max(...sizes)}`;
      return `${key} ${jobs} (${detail})`;
    })
    .join('; ');
}

/** Renders a plan as a plain-text stage table (stage, kind, count, wait, per-instance batches). */
export function formatStageTable(plan: RolloutPlan): string {
  const header = ['Stage', 'Kind', 'Count', 'Wait after', 'Batches per instance'];
  const rows = plan.stages.map((s) => [
    String(s.index + 1),
    s.kind,
    String(s.size),
    formatDuration(s.waitSeconds),
    formatBatches(s),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push(
    '',
    `${plan.total} client${plan.total === 1 ? '' : 's'} in ${plan.stages.length} stage${plan.stages.length === 1 ? '' : 's'}`,
  );
  return out.join('\n');
}
