/** Limits of the contract's `StatusReport`: `logs` has at most 200 lines of at most 2000 characters. */
export const LOG_LIMITS = { maxLines: 200, maxLineLength: 2000, maxMessageLength: 4000 } as const;

/** Truncates `text` to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A task's log: keeps the LAST 200 lines, each clipped to 2000 characters (the contract's bounds). */
export class TaskLog {
  readonly #lines: string[] = [];
  #dropped = 0;

  /** Appends one line (multi-line text becomes several lines). */
  add(line: string): void {
    for (const l of String(line).split(/\r?\n/)) {
      this.#lines.push(clip(l, LOG_LIMITS.maxLineLength));
      if (this.#lines.length > LOG_LIMITS.maxLines) {
        this.#lines.shift();
        this.#dropped++;
      }
    }
  }

  /** The lines to send; the first says how many were dropped, when some were. */
  lines(): string[] {
    if (this.#dropped === 0) return [...this.#lines];
    return [`… ${this.#dropped + 1} earlier lines dropped`, ...this.#lines.slice(1)];
  }
}
