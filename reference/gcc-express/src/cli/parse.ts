import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { clientIdArg, UsageError } from '../cli';

export { clientIdArg };

const ID = (prefix: string) => new RegExp(`^${prefix}-[A-Za-z0-9_-]{1,64}$`);
const COMPONENT = /^[a-z][a-z0-9-]{0,31}$/;

/** `a,b,c` (repeatable): client ids, each once. */
export function clientListArg(value: string, previous: string[] = []): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) throw new InvalidArgumentError('Give client ids separated by commas.');
  for (const id of ids) clientIdArg(id);
  const all = [...previous, ...ids];
  const twice = all.find((id, i) => all.indexOf(id) !== i);
  if (twice) throw new InvalidArgumentError(`Client ${twice} is given twice.`);
  return all;
}

/** An id with its prefix (`dpl-…`, `rel-…`, `tsk-…`, `tok-…`), as the contract writes them. */
export function idArg(prefix: 'dpl' | 'rel' | 'tsk' | 'tok', what: string) {
  const re = ID(prefix);
  return (value: string): string => {
    if (!re.test(value)) {
      throw new InvalidArgumentError(`A ${what} id is ${prefix}- and 1-64 of letters, digits, "_" and "-".`);
    }
    return value;
  };
}

/** `--release` (repeatable): release ids, each once. */
export function releaseListArg(value: string, previous: string[] = []): string[] {
  const id = idArg('rel', 'release')(value);
  if (previous.includes(id)) throw new InvalidArgumentError(`Release ${id} is given twice.`);
  return [...previous, id];
}

/** A component name (the contract's rule; whether the GCC manages it is its answer). */
export function componentArg(value: string): string {
  if (!COMPONENT.test(value)) {
    throw new InvalidArgumentError('A component is a lowercase letter, then up to 31 of a-z, 0-9 and "-".');
  }
  return value;
}

/** `component=version` (repeatable) into a map, each component once. */
export function versionPairArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError('Write component=version.');
  const component = componentArg(value.slice(0, eq));
  if (component in previous) throw new InvalidArgumentError(`Component ${component} is given twice.`);
  return { ...previous, [component]: value.slice(eq + 1) };
}

/** `key=value` (repeatable) into a map of strings, each key once. */
export function keyValueArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('Write key=value.');
  const key = value.slice(0, eq);
  if (key in previous) throw new InvalidArgumentError(`${key} is given twice.`);
  return { ...previous, [key]: value.slice(eq + 1) };
}

/** An RFC 3339 time, kept as the ISO text the API takes. */
export function timeArg(value: string): string {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError(
      'A time is RFC 3339, like 2026-01-31T18:00:00Z or 2026-01-31T23:30:00+05:30.',
    );
  }
  return d.toISOString();
}

/** Shortest and longest poll interval of `deployments watch`. */
const INTERVAL_MS = { min: 100, max: 3_600_000 } as const;

/** A duration: `500ms`, `2s`, `1m`, or a plain number of seconds; into milliseconds. */
export function durationArg(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = m ? Math.round(Number(m[1]) * unit) : Number.NaN;
  if (!Number.isFinite(ms) || ms < INTERVAL_MS.min) {
    throw new InvalidArgumentError('A duration is like 500ms, 2s or 5m (at least 100ms).');
  }
  return ms;
}

/** A poll interval: a {@link durationArg} of at most an hour. */
export function intervalArg(value: string): number {
  const ms = durationArg(value);
  if (ms > INTERVAL_MS.max) throw new InvalidArgumentError('A poll interval is at most 1h.');
  return ms;
}

/** A positive whole number up to `max`. */
export function countArg(max: number) {
  return (value: string): number => {
    const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`Must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** Free text of 1 to `max` characters. */
export function textArg(max: number) {
  return (value: string): string => {
    if (value.trim() === '' || value.length > max)
      throw new InvalidArgumentError(`Must be 1 to ${max} characters.`);
    return value;
  };
}

/**
 * Reads a JSON or YAML object from `file` (`.json` is parsed as JSON; anything else as YAML, of which JSON is a
 * subset). Only the syntax and the top-level shape are checked here: the GCC validates the content and answers every
 * problem at once. A missing file or bad syntax is a {@link UsageError} naming the flag and the file.
 */
export async function readObjectFile(flag: string, file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error}).`,
    );
  }
  let value: unknown;
  try {
    if (/\.json$/i.test(file)) value = JSON.parse(text);
    else {
      const { parse } = await import('yaml');
      value = parse(text);
    }
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new UsageError(
      `${flag} ${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'} (${reason}).`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${flag} ${file}: must hold an object (a mapping), not ${describe(value)}.`);
  }
  return value as Record<string, unknown>;
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`);
