/** Which state machine an illegal transition was attempted on. */
export type MachineName = 'task' | 'deployment';

/** An event that is not allowed from the current state. Returned (not thrown) by `transition`. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  /** State machine the event was sent to. */
  readonly machine: MachineName;
  /** State the machine was in. */
  readonly from: string;
  /** Event that was rejected. */
  readonly event: string;

  constructor(machine: MachineName, from: string, event: string, allowedFrom: readonly string[]) {
    const allowed = allowedFrom.length > 0 ? allowedFrom.join(', ') : 'no state';
    super(`Illegal ${machine} transition: event '${event}' from '${from}' (allowed from: ${allowed})`);
    this.machine = machine;
    this.from = from;
    this.event = event;
  }
}

/** True when `value` is an `IllegalTransitionError`, also across package copies (checks `name`). */
export function isIllegalTransitionError(value: unknown): value is IllegalTransitionError {
  return (
    value instanceof IllegalTransitionError ||
    (value instanceof Error && value.name === 'IllegalTransitionError')
  );
}
