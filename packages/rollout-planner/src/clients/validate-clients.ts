import { TARGET_KINDS } from '../statuses';
import { Problems, type ValidationProblem } from '../strategy/validate-strategy';
import { isValidTimeZone, parseHHMM, WEEKDAYS } from '../time/maintenance-window';
import type { Client } from './client';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Result of validating a client list: the typed clients, or every problem with its path (`[3].labels.tier`). */
export type ValidateClientsResult =
  | { ok: true; clients: Client[] }
  | { ok: false; problems: ValidationProblem[] };

/** Validates a client list (typically parsed JSON or CSV) and returns every problem with its path. */
export function validateClients(input: unknown): ValidateClientsResult {
  const p = new Problems();
  if (!Array.isArray(input)) {
    p.add('', 'clients must be an array');
    return { ok: false, problems: p.list };
  }
  const seen = new Map<string, number>();
  input.forEach((c: unknown, i) => {
    const at = `[${i}]`;
    if (!isObject(c)) {
      p.add(at, 'must be an object');
      return;
    }
    if (typeof c.id !== 'string' || c.id === '') p.add(`${at}.id`, 'is required (a non-empty string)');
    else if (seen.has(c.id))
      p.add(`${at}.id`, `duplicate client id '${c.id}' (first at [${seen.get(c.id)}])`);
    else seen.set(c.id, i);
    if (c.labels !== undefined) {
      if (!isObject(c.labels)) p.add(`${at}.labels`, 'must be an object of string values');
      else {
        for (const [k, v] of Object.entries(c.labels)) {
          if (typeof v !== 'string') p.add(`${at}.labels.${k}`, `must be a string, got ${JSON.stringify(v)}`);
        }
      }
    }
    if (typeof c.targetKind !== 'string' || !(TARGET_KINDS as readonly string[]).includes(c.targetKind)) {
      p.add(
        `${at}.targetKind`,
        `must be one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(c.targetKind)}`,
      );
    }
    if (c.argocdInstance !== undefined && c.argocdInstance !== null && typeof c.argocdInstance !== 'string') {
      p.add(`${at}.argocdInstance`, 'must be a string or null');
    }
    if (c.timezone !== undefined && (typeof c.timezone !== 'string' || !isValidTimeZone(c.timezone))) {
      p.add(`${at}.timezone`, `unknown IANA time zone ${JSON.stringify(c.timezone)}`);
    }
    if (c.maintenanceWindows !== undefined) {
      if (!Array.isArray(c.maintenanceWindows)) p.add(`${at}.maintenanceWindows`, 'must be an array');
      else {
        c.maintenanceWindows.forEach((w: unknown, j) => {
          const wat = `${at}.maintenanceWindows[${j}]`;
          if (!isObject(w)) {
            p.add(wat, 'must be an object');
            return;
          }
          if (!Array.isArray(w.days) || w.days.length === 0)
            p.add(`${wat}.days`, 'must list at least one day');
          else {
            w.days.forEach((d: unknown, k) => {
              if (typeof d !== 'string' || !(WEEKDAYS as readonly string[]).includes(d)) {
                p.add(`${wat}.days[${k}]`, `must be one of ${WEEKDAYS.join(', ')}, got ${JSON.stringify(d)}`);
              }
            });
          }
          for (const key of ['start', 'end'] as const) {
            if (typeof w[key] !== 'string' || parseHHMM(w[key]) === null) {
              p.add(`${wat}.${key}`, `must be a 24-hour time HH:MM, got ${JSON.stringify(w[key])}`);
            }
          }
        });
      }
    }
    if (c.autoApprove !== undefined) {
      const a = c.autoApprove;
      if (!isObject(a) || typeof a.all !== 'boolean' || !Array.isArray(a.components)) {
        p.add(`${at}.autoApprove`, 'must be { all: boolean, components: string[] }');
      }
    }
  });
  if (p.list.length > 0) return { ok: false, problems: p.list };
  const clients = (input as Record<string, unknown>[]).map(
    (c) => ({ ...c, labels: c.labels ?? {} }) as Client,
  );
  return { ok: true, clients };
}
