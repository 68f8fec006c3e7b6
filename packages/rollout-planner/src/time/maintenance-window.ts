import type { MaintenanceWindow, Weekday } from '../clients/client';

/** Weekdays in window order, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A wall-clock reading in some time zone: weekday (0 = Monday) and minute of the day. */
export interface LocalTime {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** 0 … 1439. */
  minuteOfDay: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const parsedTimes = new Map<string, number | null>();

/** Parses `HH:MM` (24 h) to minutes after midnight, or null when malformed. */
export function parseHHMM(text: string): number | null {
  let minutes = parsedTimes.get(text);
  if (minutes === undefined) {
    const m = HHMM.exec(text);
    minutes = m === null ? null : Number(m[1]) * 60 + Number(m[2]);
    // A memo of a pure function; bounded because only the first strings seen are kept.
    if (parsedTimes.size < 10_000) parsedTimes.set(text, minutes);
  }
  return minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const SHORT_DAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Memoised formatters are a cache, not state: same zone, same answers.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Reads the wall clock of `timeZone` at instant `at` (epoch ms); an unknown zone falls back to UTC. */
export function localTime(at: number, timeZone = 'UTC'): LocalTime {
  let f: Intl.DateTimeFormat;
  try {
    f = formatterFor(timeZone);
  } catch {
    f = formatterFor('UTC');
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(at)) {
    if (part.type === 'weekday') weekday = SHORT_DAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minuteOfDay: hour * 60 + minute };
}

/** True when local time `t` falls inside `window`; `end <= start` runs past midnight into the next day. */
export function inWindow(window: MaintenanceWindow, t: LocalTime): boolean {
  const start = parseHHMM(window.start);
  const end = parseHHMM(window.end);
  if (start === null || end === null) return false;
  const today = WEEKDAYS[t.weekday]!;
  if (start < end) return window.days.includes(today) && t.minuteOfDay >= start && t.minuteOfDay < end;
  const yesterday = WEEKDAYS[(t.weekday + 6) % 7]!;
  return (
    (window.days.includes(today) && t.minuteOfDay >= start) ||
    (window.days.includes(yesterday) && t.minuteOfDay < end)
  );
}

/** Reads local time; `localTime` or a memoised version of it from `createLocalTimeCache`. */
export type LocalTimeReader = (at: number, timeZone?: string) => LocalTime;

/** A memoising `localTime` for one decision pass (many clients share a zone and the same `now`). */
export function createLocalTimeCache(): LocalTimeReader {
  const cache = new Map<string, LocalTime>();
  return (at, timeZone = 'UTC') => {
    const key = `${timeZone}|${at}`;
    let t = cache.get(key);
    if (t === undefined) {
      t = localTime(at, timeZone);
      cache.set(key, t);
    }
    return t;
  };
}

/** True when `at` is inside one of the windows (no windows means always). */
export function isInMaintenanceWindow(
  windows: readonly MaintenanceWindow[] | undefined,
  timeZone: string | undefined,
  at: number,
  read: LocalTimeReader = localTime,
): boolean {
  if (windows === undefined || windows.length === 0) return true;
  const t = read(at, timeZone);
  return windows.some((w) => inWindow(w, t));
}

const MINUTE = 60_000;
const WEEK_MINUTES = 7 * 1440;

/**
 * Earliest instant at or after `from` (epoch ms) inside one of the windows, or null when no window can
 * ever open (e.g. malformed times). Handles DST by correcting each candidate against the zone's clock.
 */
export function nextWindowOpening(
  windows: readonly MaintenanceWindow[] | undefined,
  timeZone: string | undefined,
  from: number,
  read: LocalTimeReader = localTime,
): number | null {
  if (isInMaintenanceWindow(windows, timeZone, from, read)) return from;
  if (windows === undefined) return from;
  const now = read(from, timeZone);
  const nowWeekMinute = now.weekday * 1440 + now.minuteOfDay;
  const base = from - (((from % MINUTE) + MINUTE) % MINUTE);
  const deltas: number[] = [];
  for (const w of windows) {
    const start = parseHHMM(w.start);
    if (start === null || parseHHMM(w.end) === null) continue;
    for (const day of w.days) {
      const d = WEEKDAYS.indexOf(day);
      if (d < 0) continue;
      let delta = d * 1440 + start - nowWeekMinute;
      if (delta <= 0) delta += WEEK_MINUTES;
      deltas.push(delta);
    }
  }
  deltas.sort((a, b) => a - b);
  for (const delta of deltas) {
    let t = base + delta * MINUTE;
    const want = (nowWeekMinute + delta) % WEEK_MINUTES;
    const got = read(t, timeZone);
    let diff = want - (got.weekday * 1440 + got.minuteOfDay);
    if (diff > WEEK_MINUTES / 2) diff -= WEEK_MINUTES;
    if (diff < -WEEK_MINUTES / 2) diff += WEEK_MINUTES;
    t += diff * MINUTE;
    if (t >= from && isInMaintenanceWindow(windows, timeZone, t, read)) return t;
    // The wall-clock start fell into a DST gap: the window opens at the first minute after it.
    for (let probe = t; probe < t + 120 * MINUTE; probe += MINUTE) {
      if (probe >= from && isInMaintenanceWindow(windows, timeZone, probe, read)) return probe;
    }
  }
  return null;
}
