import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { StateFileError } from './errors/state-file-error';

/** Step of the task in flight, written BEFORE the side effect it names. */
export type CheckpointStep = 'received' | 'applying' | 'applied' | 'verifying' | 'reporting' | 'done';

/** The outcome to report (kept so that a restarted agent re-sends the same report). */
export interface CheckpointResult {
  status: 'success' | 'failed';
  message: string;
  logs: string[];
}

/**
 * Whose state a file is: the GCC (base URL, normalised; `null` when the agent was given a ready-made GccClient and so
 * cannot know it) and the client id. An agent never uses a file another identity wrote.
 */
export interface StateOwner {
  gccUrl: string | null;
  clientId: string;
}

/** What the agent persists: the task in flight, and the last tasks it finished (to ignore duplicate deliveries). */
export interface AgentStateFile {
  v: 1;
  /** Who wrote the file; absent in files written before agents recorded it (adopted, see {@link ownershipOf}). */
  owner?: StateOwner;
  task: {
    taskId: string;
    attempt: number;
    step: CheckpointStep;
    version: string;
    previousVersion: string | null;
    /** The validated instruction, so a restart can resume without waiting for the GCC. */
    instruction: Record<string, unknown>;
    result?: CheckpointResult;
    updatedAt: string;
  } | null;
  /** `taskId:attempt` of the last tasks reported, newest last (bounded). */
  completed: string[];
}

/** How many finished tasks the state file remembers. */
export const COMPLETED_MEMORY = 50;

const resultSchema = z.object({
  status: z.enum(['success', 'failed']),
  message: z.string(),
  logs: z.array(z.string()),
});

const stateFileSchema = z.object({
  v: z.literal(1),
  owner: z.object({ gccUrl: z.string().min(1).nullable(), clientId: z.string().min(1) }).optional(),
  task: z
    .object({
      taskId: z.string().min(1),
      attempt: z.number().int().min(1),
      step: z.enum(['received', 'applying', 'applied', 'verifying', 'reporting', 'done']),
      version: z.string(),
      previousVersion: z.string().nullable(),
      instruction: z.record(z.string(), z.unknown()),
      result: resultSchema.optional(),
      updatedAt: z.string(),
    })
    .nullable(),
  completed: z.array(z.string()),
});

/** An empty state. */
export function emptyState(): AgentStateFile {
  return { v: 1, task: null, completed: [] };
}

/**
 * The GCC base URL as an identity: scheme and host lower-cased, default port dropped, no trailing slash (the same
 * normalisation the GCC client applies), so `https://GCC.example.com:443/` and `https://gcc.example.com` match.
 */
export function normalizeGccUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}

/** Renders an owner for logs: `acme-prod @ https://gcc.example.com`. */
export function describeOwner(owner: StateOwner | undefined): string {
  if (!owner) return 'an agent that did not record its identity';
  return `${owner.clientId} @ ${owner.gccUrl ?? '(a GCC client given by the caller)'}`;
}

/**
 * Whether `state` may be used by the agent `owner`:
 * - `own`: written by the same GCC URL and client id.
 * - `foreign`: written by another identity; never used (its task is not this agent's to replay).
 * - `legacy`: written before agents recorded their identity. Adopted (its `completed` list only prevents duplicate
 *   applies), but a task in flight in it is NOT resumed on start: the agent resumes it only when the GCC offers that
 *   same task and attempt to this client again, which proves it was this client's.
 */
export function ownershipOf(state: AgentStateFile, owner: StateOwner): 'own' | 'foreign' | 'legacy' {
  if (!state.owner) return 'legacy';
  return state.owner.clientId === owner.clientId && state.owner.gccUrl === owner.gccUrl ? 'own' : 'foreign';
}

/** Result of {@link readStateFile}. */
export type ReadStateResult =
  | { kind: 'missing' }
  | { kind: 'ok'; state: AgentStateFile }
  /** Unreadable (truncated, garbage, wrong shape): `reason` says why; the file was moved aside to `movedTo`. */
  | { kind: 'corrupt'; reason: string; movedTo: string | undefined }
  /** Written by another agent identity (`found`); moved aside to `movedTo` and not used. */
  | { kind: 'foreign'; found: StateOwner; movedTo: string | undefined };

/** Renames `file` to `<file>.<label>-<timestamp>` (kept for a human); `undefined` when that fails. */
async function moveAside(file: string, label: string, now: () => Date): Promise<string | undefined> {
  const movedTo = `${file}.${label}-${now().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, movedTo);
    return movedTo;
  } catch {
    return undefined;
  }
}

/**
 * Reads the state file. A corrupt one is moved aside (kept for a human) rather than crashing the agent. With `owner`,
 * a file another identity wrote is moved aside too (`<file>.foreign-<timestamp>`) and reported as `foreign`.
 */
export async function readStateFile(
  file: string,
  now: () => Date,
  owner?: StateOwner,
): Promise<ReadStateResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  let reason: string;
  try {
    const parsed = stateFileSchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const state = parsed.data as AgentStateFile;
      if (owner && state.owner && ownershipOf(state, owner) === 'foreign') {
        return { kind: 'foreign', found: state.owner, movedTo: await moveAside(file, 'foreign', now) };
      }
      return { kind: 'ok', state };
    }
    reason = `unexpected content: ${parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')}`;
  } catch (error) {
    reason = `not valid JSON (${(error as Error).message}); ${text.length} bytes`;
  }
  return { kind: 'corrupt', reason, movedTo: await moveAside(file, 'corrupt', now) };
}

/**
 * Writes the state file atomically: a temporary file in the same directory, fsync, rename over the old one, then
 * fsync the directory so the rename itself survives a power cut. A reader sees the old or the new file, never half.
 */
export async function writeStateFile(file: string, state: AgentStateFile): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some platforms and filesystems refuse fsync on a directory; the rename is still atomic there.
  }
}

/** `EISDIR: illegal operation on a directory`, from a system error; the message otherwise. */
function describeSystemError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code
    ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`
    : String(error);
}

/**
 * Checks, before an agent takes any task, that `file` can serve as its state file: not a directory or another
 * non-file (`EISDIR` on every write otherwise), readable when it exists, and its directory writable (created when
 * missing; probed with a temporary file that is removed). Throws a {@link StateFileError} saying what is wrong.
 */
export async function checkStateFile(file: string): Promise<void> {
  try {
    const found = await stat(file);
    if (!found.isFile()) {
      const what = found.isDirectory() ? 'a directory' : 'not a regular file';
      throw new StateFileError(
        file,
        `${file} is ${what}: the state file must be a file path (for example ${file.replace(/\/+$/, '')}/state.json)`,
        { code: found.isDirectory() ? 'EISDIR' : 'EINVAL' },
      );
    }
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    // Missing, or a path through a file (ENOTDIR): the directory probe below says what is wrong.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw new StateFileError(file, `${file} cannot be read (${describeSystemError(error)})`, {
        code: (error as NodeJS.ErrnoException).code,
        cause: error,
      });
  }
  const dir = dirname(file);
  const probe = `${file}.probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await unlink(probe);
  } catch (error) {
    await unlink(probe).catch(() => {});
    throw new StateFileError(
      file,
      `the directory of ${file} (${dir}) is not writable (${describeSystemError(error)}): mount a writable volume there or choose another path`,
      { code: (error as NodeJS.ErrnoException).code, cause: error },
    );
  }
}

/** Why a state file write failed, in words, for logs and the `error` event. */
export function stateFileWriteProblem(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const hint =
    code === 'EISDIR'
      ? `${file} is a directory now`
      : code === 'ENOSPC'
        ? 'the disk is full'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `${dirname(file)} is not writable`
          : 'the write failed';
  return `cannot write the state file ${file}: ${hint} (${describeSystemError(error)})`;
}
