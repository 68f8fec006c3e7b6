/** The port the service was told to listen on is taken by another process. The CLI exits 1. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    /** The address it was to listen on. */
    readonly host: string,
    /** Who listens there (`pid 1234: node …`), when this machine lets us see it. */
    readonly holder: string | undefined,
    /** A port near `port` that was free a moment ago, to suggest. */
    readonly freePort: number | undefined,
    /** How the port is chosen: the variable, then any flags, e.g. `['PORT']` or `['PORT', '--port']`. */
    readonly settings: readonly [string, ...string[]] = ['PORT'],
  ) {
    const [variable, ...flags] = settings;
    const value = freePort === undefined ? '<a free port>' : String(freePort);
    const notes = [
      ...flags.map((f) => `or ${f} ${value}`),
      ...(freePort === undefined ? [] : [`${freePort} was free a moment ago`]),
    ];
    super(
      `port ${port} is in use (${holder ?? `another process listens on ${host}:${port}`}): ` +
        `set ${variable}=${value}${notes.length ? ` (${notes.join('; ')})` : ''}, or stop that process`,
    );
  }
}

/** Whether `error` is a {@link PortInUseError} (also across module copies: checks `name`). */
export function isPortInUseError(error: unknown): error is PortInUseError {
  return error instanceof PortInUseError || (error as { name?: unknown } | null)?.name === 'PortInUseError';
}
