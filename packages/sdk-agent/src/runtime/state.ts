import { IllegalStateError } from './errors/illegal-state-error';

/**
 * Where an agent is in its life:
 * - `starting`: created, reading the state file (resumes a task a previous process left mid-flight).
 * - `polling`: asking the GCC for an update (long-poll), or waiting before the next poll or after an error.
 * - `applying`: the executor is making the target run the new version (or reverting it).
 * - `verifying`: the executor is waiting for the target to be healthy on the new version.
 * - `reporting`: sending the task's outcome to the GCC.
 * - `stopping`: `stop()` was called; the current step finishes (or is checkpointed) and nothing new starts.
 * - `stopped`: terminal. An agent is not restarted: create a new one (it resumes from the state file).
 */
export type AgentState =
  | 'starting'
  | 'polling'
  | 'applying'
  | 'verifying'
  | 'reporting'
  | 'stopping'
  | 'stopped';

/** Every legal transition. A state may always "move" to itself (a no-op, not logged). */
export const AGENT_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  // Resuming after a crash can go straight to the step the state file names.
  starting: ['polling', 'applying', 'verifying', 'reporting', 'stopping'],
  // A rejected instruction or a duplicate delivery goes straight to reporting.
  polling: ['applying', 'verifying', 'reporting', 'stopping'],
  // A failed apply is reported without verifying. A task whose checkpoint cannot be written (the state file became
  // unusable) is paused: back to polling, resumed once the file can be written.
  applying: ['verifying', 'reporting', 'polling', 'stopping'],
  // A failed verification may revert (applying again) before reporting.
  verifying: ['applying', 'reporting', 'polling', 'stopping'],
  reporting: ['polling', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** Returns `to` when the transition is legal; throws {@link IllegalStateError} otherwise. */
export function nextState(from: AgentState, to: AgentState): AgentState {
  if (from === to) return to;
  if (!AGENT_TRANSITIONS[from].includes(to)) throw new IllegalStateError(from, to);
  return to;
}
