import { createHash, randomBytes } from 'node:crypto';

/** A new id: prefix, time in base 36 (roughly sortable), 10 random bytes base64url. */
export function newId(prefix: 'rel' | 'dpl' | 'tsk' | 'tok'): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(10).toString('base64url')}`;
}

/** sha256 hex of a string. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
