/** An agent was asked to move between two states that have no transition (a bug in the caller or the runtime). */
export class IllegalStateError extends Error {
  /** State the agent was in. */
  readonly from: string;
  /** State that was asked for. */
  readonly to: string;

  constructor(from: string, to: string, message?: string) {
    super(message ?? `Illegal agent state transition: ${from} → ${to}`);
    this.name = 'IllegalStateError';
    this.from = from;
    this.to = to;
  }
}

/** True when `value` is an {@link IllegalStateError}. */
export function isIllegalStateError(value: unknown): value is IllegalStateError {
  return value instanceof IllegalStateError || (value instanceof Error && value.name === 'IllegalStateError');
}
