import { describe, expect, it } from 'vitest';
import { autoApprovePolicyProblems, clientSettingsProblems, isEmailAddress } from '../src';

const COMPONENTS = new Set(['backend', 'media', 'ct']);
const paths = (errors: { path: string }[]) => errors.map((e) => e.path);

describe('clientSettingsProblems', () => {
  it.each([
    ['a valid patch', { timezone: 'Europe/Berlin', notification_emails: ['a@b.test'] }, []],
    ['not an object (left to the schema)', 'x', []],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, ['/timezone']],
    ['a time zone of the wrong type (left to the schema)', { timezone: 7 }, []],
    ['an address without a domain', { notification_emails: ['ops@'] }, ['/notification_emails/0']],
    ['an address with a space', { notification_emails: ['a b@c.test'] }, ['/notification_emails/0']],
    [
      'an address with no dot in its domain',
      { notification_emails: ['a@localhost'] },
      ['/notification_emails/0'],
    ],
    [
      'the same address twice, in another case',
      { notification_emails: ['a@b.test', 'A@B.Test'] },
      ['/notification_emails/1'],
    ],
    [
      'more than 20 addresses',
      { notification_emails: Array.from({ length: 21 }, (_, i) => `a${i}@b.test`) },
      ['/notification_emails'],
    ],
    [
      'exactly 20 addresses',
      { notification_emails: Array.from({ length: 20 }, (_, i) => `a${i}@b.test`) },
      [],
    ],
    [
      'an unmanaged component',
      { auto_approve: { all: false, components: ['ct', 'chat'] } },
      ['/auto_approve/components/1'],
    ],
    [
      'every problem at once',
      { timezone: 'X/Y', notification_emails: ['bad'], auto_approve: { all: true, components: ['z'] } },
      ['/timezone', '/notification_emails/0', '/auto_approve/components/0'],
    ],
  ])('%s', (_name, body, expected) => {
    expect(paths(clientSettingsProblems(body, COMPONENTS))).toEqual(expected);
  });

  it('isEmailAddress accepts usual addresses and refuses over-long ones', () => {
    expect(isEmailAddress('priya.sharma+ct@adani.co.in')).toBe(true);
    expect(isEmailAddress(`${'a'.repeat(64)}@${'b'.repeat(60)}.test`)).toBe(true);
    expect(isEmailAddress(`${'a'.repeat(65)}@b.test`)).toBe(false);
    expect(
      isEmailAddress(`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.test`),
    ).toBe(false);
  });
});

describe('autoApprovePolicyProblems', () => {
  it.each([
    ['every component of every client', { id: 'all' }, []],
    [
      'components and a selector',
      { id: 'free-ct', components: ['ct'], label_selector: 'tier in (free,trial)' },
      [],
    ],
    ['null means every', { id: 'p', components: null, label_selector: null }, []],
    ['an id that is not a DNS label', { id: 'Free_CT' }, ['/id']],
    ['an id ending with -', { id: 'free-' }, ['/id']],
    ['an empty components list', { id: 'p', components: [] }, ['/components']],
    ['an unmanaged component', { id: 'p', components: ['ct', 'chat'] }, ['/components/1']],
    ['a selector that does not parse', { id: 'p', label_selector: 'tier in (' }, ['/label_selector']],
    [
      'every problem at once',
      { id: '-', components: [], label_selector: '!' },
      ['/id', '/components', '/label_selector'],
    ],
  ])('%s', (_name, body, expected) => {
    expect(paths(autoApprovePolicyProblems(body, COMPONENTS))).toEqual(expected);
  });
});
