/** `createAgent` was given options that cannot work. Lists every problem, each with the option's path. */
export class AgentOptionsError extends TypeError {
  /** Every problem found, as `path: message`. */
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`Invalid agent options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AgentOptionsError';
    this.problems = problems;
  }
}

/** True when `value` is an {@link AgentOptionsError}. */
export function isAgentOptionsError(value: unknown): value is AgentOptionsError {
  return value instanceof AgentOptionsError || (value instanceof Error && value.name === 'AgentOptionsError');
}
