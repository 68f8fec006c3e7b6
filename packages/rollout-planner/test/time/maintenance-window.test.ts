import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../src/clients/client';
import {
  createLocalTimeCache,
  isInMaintenanceWindow,
  localTime,
  nextWindowOpening,
  parseHHMM,
} from '../../src/time/maintenance-window';

const t = (iso: string) => Date.parse(iso);
const kolkataSat: MaintenanceWindow[] = [{ days: ['sat'], start: '01:00', end: '05:00' }];

describe('maintenance windows (Sat 01:00-05:00 Asia/Kolkata = Fri 19:30-23:30 UTC)', () => {
  it.each([
    ['one minute before the window', '2026-11-27T19:29:00Z', false],
    ['at the opening minute', '2026-11-27T19:30:00Z', true],
    ['last minute of the window', '2026-11-27T23:29:59Z', true],
    ['at the closing time (exclusive)', '2026-11-27T23:30:00Z', false],
    ['same UTC time one day earlier (Friday in Kolkata)', '2026-11-26T20:00:00Z', false],
  ])('%s: %s -> %s', (_name, iso, expected) => {
    expect(isInMaintenanceWindow(kolkataSat, 'Asia/Kolkata', t(iso))).toBe(expected);
  });

  it.each([
    ['inside: now', '2026-11-27T20:00:00Z', '2026-11-27T20:00:00Z'],
    ['before: the opening', '2026-11-26T06:10:00Z', '2026-11-27T19:30:00Z'],
    ['just after closing: next week', '2026-11-27T23:30:00Z', '2026-12-04T19:30:00Z'],
    ['mid-minute start rounds to the opening minute', '2026-11-27T19:29:30Z', '2026-11-27T19:30:00Z'],
  ])('next opening %s', (_name, from, expected) => {
    expect(nextWindowOpening(kolkataSat, 'Asia/Kolkata', t(from))).toBe(t(expected));
  });

  it('no windows means any time', () => {
    expect(isInMaintenanceWindow(undefined, 'UTC', 0)).toBe(true);
    expect(isInMaintenanceWindow([], 'UTC', 0)).toBe(true);
  });

  it('a window ending at or before its start runs past midnight', () => {
    const w: MaintenanceWindow[] = [{ days: ['fri'], start: '23:00', end: '02:00' }];
    expect(isInMaintenanceWindow(w, 'UTC', t('2026-11-27T23:30:00Z'))).toBe(true); // Fri 23:30
    expect(isInMaintenanceWindow(w, 'UTC', t('2026-11-28T01:59:00Z'))).toBe(true); // Sat 01:59
    expect(isInMaintenanceWindow(w, 'UTC', t('2026-11-28T02:00:00Z'))).toBe(false);
    expect(isInMaintenanceWindow(w, 'UTC', t('2026-11-27T01:00:00Z'))).toBe(false); // Fri 01:00: Thu not listed
  });

  it('a window starting in a DST gap opens at the first real minute (America/New_York, 2026-03-08)', () => {
    const w: MaintenanceWindow[] = [{ days: ['sun'], start: '02:30', end: '03:30' }];
    expect(nextWindowOpening(w, 'America/New_York', t('2026-03-07T12:00:00Z'))).toBe(
      t('2026-03-08T07:00:00Z'),
    );
  });

  it('follows DST: Europe/London window at 01:00 local is 00:00 UTC in summer, 01:00 UTC in winter', () => {
    const w: MaintenanceWindow[] = [{ days: ['sun'], start: '01:00', end: '02:00' }];
    expect(nextWindowOpening(w, 'Europe/London', t('2026-07-01T00:00:00Z'))).toBe(t('2026-07-05T00:00:00Z'));
    expect(nextWindowOpening(w, 'Europe/London', t('2026-12-01T00:00:00Z'))).toBe(t('2026-12-06T01:00:00Z'));
  });

  it('malformed windows never open (validation reports them)', () => {
    expect(nextWindowOpening([{ days: ['mon'], start: '25:00', end: '26:00' }], 'UTC', 0)).toBeNull();
  });

  it('parses HH:MM strictly', () => {
    expect(parseHHMM('00:00')).toBe(0);
    expect(parseHHMM('23:59')).toBe(1439);
    expect(parseHHMM('24:00')).toBeNull();
    expect(parseHHMM('7:00')).toBeNull();
  });

  it('reads local time in the zone; the cache gives the same answers', () => {
    const at = t('2026-11-27T19:30:00Z');
    expect(localTime(at, 'Asia/Kolkata')).toEqual({ weekday: 5, minuteOfDay: 60 });
    const cached = createLocalTimeCache();
    expect(cached(at, 'Asia/Kolkata')).toEqual(localTime(at, 'Asia/Kolkata'));
    expect(cached(at, 'Asia/Kolkata')).toEqual({ weekday: 5, minuteOfDay: 60 });
  });
});
