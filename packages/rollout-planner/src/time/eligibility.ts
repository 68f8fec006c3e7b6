import type { Client } from '../clients/client';
import { type LocalTimeReader, localTime, nextWindowOpening } from './maintenance-window';

/** Whether a task may start now, and if not, the earliest instant it may (null: never, e.g. no valid window). */
export type Eligibility = { eligible: true } | { eligible: false; at: number | null };

/**
 * Time rules of one task: not before its requested start time, and only inside its client's maintenance
 * windows (in the client's time zone). `now` is epoch ms; nothing here reads the clock.
 */
export function eligibility(
  requestedStartTime: number | null | undefined,
  client: Pick<Client, 'maintenanceWindows' | 'timezone'> | undefined,
  now: number,
  read: LocalTimeReader = localTime,
): Eligibility {
  const notBefore = requestedStartTime != null && requestedStartTime > now ? requestedStartTime : now;
  const windows = client?.maintenanceWindows;
  const at =
    windows === undefined || windows.length === 0
      ? notBefore
      : nextWindowOpening(windows, client?.timezone, notBefore, read);
  if (at === now) return { eligible: true };
  return { eligible: false, at };
}
