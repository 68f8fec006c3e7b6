import { setTimeout as delay } from 'node:timers/promises';
import type { Deployment, DeploymentStatus, GccClient } from '@wrktalk/sdk-gcc';
import { stagesTable } from './deploy';
import { componentsText, countsText } from './format';

/** Exit code of `deployments watch` when Ctrl-C stops it (the shell's 128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * The exit code a deployment in `status` ends a watch with: 0 completed; 1 failed, aborted or rolled back;
 * undefined while it can still change (created, running, paused, rolling back).
 */
export function exitCodeOf(status: DeploymentStatus): 0 | 1 | undefined {
  switch (status) {
    case 'completed':
      return 0;
    case 'failed':
    case 'aborted':
    case 'rolled_back':
      return 1;
    default:
      return undefined;
  }
}

/** One line of the log view: `key` names what it describes, so that only changed lines are printed. */
export interface ProgressLine {
  key: string;
  text: string;
}

/**
 * The log view of a deployment: one line per stage (task counts by status), then one for the deployment, so that a
 * watch ends on the deployment's final status.
 */
export function progressLines(d: Deployment): ProgressLine[] {
  const reason = d.status_reason ? ` (${d.status_reason})` : '';
  const by = d.rolled_back_by ? `, rolled back by ${d.rolled_back_by}` : '';
  return [
    ...d.stages.map((s) => ({
      key: `stage ${s.index}`,
      text:
        `${d.id} stage ${s.index + 1}/${d.stages.length} ${s.kind} ${s.status}` +
        `${s.reason ? ` (${s.reason})` : ''}: ${s.capacity} client(s), tasks ${countsText(s.task_counts)}`,
    })),
    { key: 'deployment', text: `${d.id} ${d.status}${reason}${by}: tasks ${countsText(d.task_counts)}` },
  ];
}

/** The lines of `next` whose text differs from `seen` (which is updated). */
export function changedLines(seen: Map<string, string>, next: readonly ProgressLine[]): ProgressLine[] {
  const changed = next.filter((l) => seen.get(l.key) !== l.text);
  for (const l of changed) seen.set(l.key, l.text);
  return changed;
}

/** The terminal view: a header, the stages table and the totals, redrawn in place. */
export function progressBlock(d: Deployment, at: Date): string {
  const reason = d.status_reason ? ` (${d.status_reason})` : '';
  return (
    `Deployment ${d.id}: ${d.type} ${componentsText(d)}, ${d.status}${reason}` +
    `${d.rolled_back_by ? `, rolled back by ${d.rolled_back_by}` : ''}   [${clock(at)}]\n` +
    stagesTable(d) +
    `Tasks: ${countsText(d.task_counts)}\n`
  );
}

const clock = (at: Date) => at.toISOString().slice(11, 19);

/** Options of {@link watchDeployment}. */
export interface WatchOptions {
  /** Time between two polls, in ms. */
  intervalMs: number;
  /** Give up (exit 1) after this many ms; undefined: never. */
  timeoutMs: number | undefined;
  /** `json`: the deployment as one JSON line per change; `tty`: redraw in place; `log`: a line per change. */
  mode: 'json' | 'tty' | 'log';
  /** Stops the watch (Ctrl-C). */
  signal: AbortSignal;
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Follows a deployment until it reaches a terminal status, polling `GET /deployments/{id}` with its ETag (a `304`
 * costs the GCC nearly nothing), and prints every change. Resolves with the exit code: {@link exitCodeOf} the final
 * status, 1 on timeout, {@link EXIT_INTERRUPTED} when `signal` aborts. API errors are thrown.
 */
export async function watchDeployment(api: GccClient, id: string, o: WatchOptions): Promise<number> {
  const now = o.now ?? (() => new Date());
  const deadline = o.timeoutMs === undefined ? undefined : now().getTime() + o.timeoutMs;
  const seen = new Map<string, string>();
  let etag: string | undefined;
  let last: Deployment | undefined;
  let drawn = 0;
  const show = (d: Deployment) => {
    if (o.mode === 'json') o.stdout(`${JSON.stringify(d)}\n`);
    else if (o.mode === 'tty') {
      const block = progressBlock(d, now());
      // Cursor up to the first line of the previous block, then clear to the end of the screen.
      o.stdout(`${drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : ''}${block}`);
      drawn = block.split('\n').length - 1;
    } else {
      for (const l of changedLines(seen, progressLines(d))) o.stdout(`${clock(now())} ${l.text}\n`);
    }
  };
  try {
    for (;;) {
      const r = await api.deployments.watch(id, etag, { signal: o.signal });
      etag = r.etag;
      if (!r.notModified) {
        last = r.deployment;
        show(last);
      }
      const code = last && exitCodeOf(last.status);
      if (code !== undefined) return code;
      if (deadline !== undefined && now().getTime() >= deadline) {
        o.stderr(`Gave up after ${Math.round(o.timeoutMs! / 1000)}s: ${id} is still ${last?.status}.\n`);
        return 1;
      }
      await delay(o.intervalMs, undefined, { signal: o.signal });
    }
  } catch (error) {
    if (!o.signal.aborted) throw error;
    o.stderr(`Stopped watching ${id}${last ? ` (${last.status})` : ''}; the deployment itself goes on.\n`);
    return EXIT_INTERRUPTED;
  }
}

/** An abort signal for Ctrl-C while `fn` runs (SIGINT then stops the watch instead of the process). */
export async function untilInterrupted<T>(
  given: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (given) return fn(given);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
  }
}
