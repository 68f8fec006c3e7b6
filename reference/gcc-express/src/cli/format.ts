import type { Deployment, Schemas } from '@wrktalk/sdk-gcc';

/** Task counts by status, as the API returns them. */
export type TaskCounts = Schemas['TaskCounts'];

/**
 * Aligned columns: `rows` under `headers`, each column as wide as its widest cell, two spaces apart, no trailing
 * spaces. Plain padding: the cells are ids, versions and short words, so no terminal-width logic is needed.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** `key: value` lines with the keys aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return `${pairs.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`.trimEnd()).join('\n')}\n`;
}

/** Pretty JSON with a final newline (what `--json` prints). */
export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The statuses with at least one task, in the contract's order: `queued 1, success 2`; `-` when none. */
export function countsText(counts: TaskCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`);
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** Total tasks in `counts`. */
export const totalOf = (counts: TaskCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** `backend 1.4.2` or `backend 1.4.2 + media 2.0.0` for a release set. */
export function componentsText(d: Pick<Deployment, 'components' | 'component' | 'version'>): string {
  return d.components.length > 0
    ? d.components.map((c) => `${c.component} ${c.version}`).join(' + ')
    : `${d.component} ${d.version}`;
}

/** A label map as `k=v,k2=v2`; `-` when empty. */
export function labelsText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length > 0 ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '-';
}

/** An RFC 3339 time shortened to the second, `-` when null. */
export const timeText = (t: string | null | undefined): string =>
  t ? t.replace(/\.\d+Z$/, 'Z').replace('T', ' ') : '-';
