import type { UpdateInstruction, VerifyResult } from '../executor';
import type { AgentState } from './state';

/** Where an `error` event comes from. */
export type AgentErrorPhase =
  | 'poll'
  | 'report'
  | 'instruction'
  /** An offer refused for its signature (pinned keys): unsigned, altered, expired, another client's, or a replay. */
  | 'signature'
  | 'current'
  | 'apply'
  | 'verify'
  | 'revert'
  | 'state-file';

/** Events an agent emits (through mitt), for hooks, metrics and logs. */
export type AgentEvents = {
  /** The agent moved between states. */
  state: { from: AgentState; to: AgentState };
  /** A poll answered: an update, nothing (`none`), or 304 (`not_modified`). */
  poll: { outcome: 'update' | 'none' | 'not_modified'; etag: string | undefined; durationMs: number };
  /** A valid instruction arrived (or was resumed from the state file); `duplicate` ones are not applied. */
  update: { instruction: UpdateInstruction; resumed: boolean; duplicate: boolean };
  /** The executor starts applying (`apply`) or reverting (`revert`). */
  'apply:start': { instruction: UpdateInstruction; kind: 'apply' | 'revert' };
  /** The executor finished; `skipped` when the target already ran the version (resume after a crash). */
  'apply:done': {
    instruction: UpdateInstruction;
    kind: 'apply' | 'revert';
    ok: boolean;
    skipped: boolean;
    durationMs: number;
    error?: unknown;
  };
  /** Verification finished. */
  verify: { instruction: UpdateInstruction; result: VerifyResult; durationMs: number };
  /** The GCC accepted a status report. */
  report: {
    taskId: string;
    attempt: number;
    status: 'in_progress' | 'success' | 'failed';
    duplicate: boolean;
    taskStatus: string;
  };
  /** Something failed; `retryInMs` when the agent will try again after that delay. */
  error: { phase: AgentErrorPhase; error: unknown; taskId?: string; retryInMs?: number };
};
