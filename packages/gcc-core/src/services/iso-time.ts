/** RFC 3339 of a timestamp column (null stays null). */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** RFC 3339 of a NOT NULL timestamp column. */
export const isoOf = (value: unknown): string => iso(value)!;
