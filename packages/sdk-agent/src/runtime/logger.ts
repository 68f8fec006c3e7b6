/** The logger the agent writes to: pino's `(object, message)` signature, so a pino logger fits as is. */
export interface AgentLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 } as const;

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      type: value.name,
      message: value.message,
      ...(value.cause ? { cause: serialise(value.cause) } : {}),
    };
  }
  return value;
}

/**
 * A small JSON-lines logger (pino-compatible field names: `level`, `time`, `msg`), used when no logger is given.
 * Writes to stderr by default so stdout stays free for command output.
 */
export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {},
): AgentLogger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.base ?? {};
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (obj: Record<string, unknown>, msg: string): void => {
      if (LEVELS[level] < threshold) return;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) fields[k] = serialise(v);
      write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), ...base, ...fields, msg })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything. */
export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
