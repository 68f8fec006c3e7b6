import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/** Step of the task in flight, written BEFORE the side effect it names. */
export type CheckpointStep = 'received' | 'applying' | 'applied' | 'verifying' | 'reporting' | 'done';

/** The outcome to report (kept so that a restarted agent re-sends the same report). */
export interface CheckpointResult {
  status: 'success' | 'failed';
  message: string;
  logs: string[];
}

/** What the agent persists: the task in flight, and the last tasks it finished (to ignore duplicate deliveries). */
export interface AgentStateFile {
  v: 1;
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

/** Result of {@link readStateFile}. */
export type ReadStateResult =
  | { kind: 'missing' }
  | { kind: 'ok'; state: AgentStateFile }
  /** Unreadable (truncated, garbage, wrong shape): `reason` says why; the file was moved aside to `movedTo`. */
  | { kind: 'corrupt'; reason: string; movedTo: string | undefined };

/** Reads the state file. A corrupt one is moved aside (kept for a human) rather than crashing the agent. */
export async function readStateFile(file: string, now: () => Date): Promise<ReadStateResult> {
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
    if (parsed.success) return { kind: 'ok', state: parsed.data as AgentStateFile };
    reason = `unexpected content: ${parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')}`;
  } catch (error) {
    reason = `not valid JSON (${(error as Error).message}); ${text.length} bytes`;
  }
  const movedTo = `${file}.corrupt-${now().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, movedTo);
    return { kind: 'corrupt', reason, movedTo };
  } catch {
    return { kind: 'corrupt', reason, movedTo: undefined };
  }
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
