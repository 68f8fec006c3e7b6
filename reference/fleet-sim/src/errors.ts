/** One problem of a scenario file: where (a dotted path, `rules[2].fail`) and what. */
export interface ScenarioProblem {
  path: string;
  message: string;
}

/** A scenario file that cannot be used: every problem, each with its path. Nothing was started. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    /** The file (or `<inline>`). */
    readonly file: string,
    readonly problems: readonly ScenarioProblem[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`}:\n${problems
        .map((p) => `  ${p.path || '(top)'}: ${p.message}`)
        .join('\n')}`,
    );
  }
}

/** Whether `error` is a {@link ScenarioError} (also across module copies: checks `name`). */
export function isScenarioError(error: unknown): error is ScenarioError {
  return error instanceof ScenarioError || (error as { name?: unknown } | null)?.name === 'ScenarioError';
}
