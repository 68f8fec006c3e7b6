import { GccServiceError, validationFailed } from '../errors/gcc-service-error';

/**
 * How deeply a request body's JSON may nest: objects and arrays, the body itself being level 1 (so
 * `{"metadata":{"a":1}}` is 2 levels deep). A deeper body is refused with 400 `validation_failed` before anything
 * walks it recursively (the schema check, the Idempotency-Key fingerprint, PostgreSQL's jsonb parser): an attacker's
 * 20,000 levels used to overflow a stack and answer 500. No body of the contract needs more than a handful of
 * levels; free-form `metadata` gets the rest.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses a body sent with a `Content-Encoding` other than `identity` (415 `unsupported_media_type`). Compressed
 * bodies are not accepted: the contract's bodies are small, and a body that does not decompress (or a coding the
 * running Node has or lacks, like zstd) must never be a 500.
 */
export function checkContentEncoding(header: string | string[] | undefined): void {
  if (header === undefined) return;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim().toLowerCase() === 'identity' || value.trim() === '') return;
  throw new GccServiceError(
    'unsupported_media_type',
    'Content-Encoding is not supported: send the body uncompressed (identity).',
  );
}

/** Escapes a JSON pointer reference token (RFC 6901). */
const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Refuses (400 `validation_failed`) a parsed body nested deeper than `max` levels. Iterative, so any depth the JSON
 * parser accepted is measured without recursion. The error points at the body's top-level member that holds the
 * deep value (or at the body itself, `""`).
 */
export function checkJsonDepth(value: unknown, max = MAX_JSON_DEPTH): void {
  if (value === null || typeof value !== 'object') return;
  // Each entry: a container, its level, and the top-level member it sits in.
  const stack: [object, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [node, depth, top] = stack.pop()!;
    if (depth > max) {
      throw validationFailed([
        { path: top, message: `must not nest deeper than ${max} levels of objects and arrays` },
      ]);
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object')
          stack.push([child, depth + 1, depth === 1 ? `/${i}` : top]);
      }
    } else {
      for (const key of Object.keys(node)) {
        const child: unknown = (node as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          stack.push([child, depth + 1, depth === 1 ? `/${token(key)}` : top]);
        }
      }
    }
  }
}
