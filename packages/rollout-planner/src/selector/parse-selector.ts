/** One requirement of a label selector; all requirements of a selector must hold (comma = AND). */
export type LabelRequirement =
  | { op: 'exists'; key: string }
  | { op: 'not_exists'; key: string }
  | { op: 'eq'; key: string; value: string }
  | { op: 'neq'; key: string; value: string }
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] };

/** A selector syntax problem; `position` is the 0-based character offset in the selector string. */
export interface SelectorProblem {
  /** Human-readable description, e.g. "expected ')' to close the value list". */
  message: string;
  /** 0-based character offset where the problem was found. */
  position: number;
}

/** Result of parsing a selector: the requirements, or every syntax problem found. */
export type ParseSelectorResult =
  | { ok: true; requirements: LabelRequirement[] }
  | { ok: false; problems: SelectorProblem[] };

const NAME_CHAR = /[A-Za-z0-9._/-]/;

/** A label name, and a non-empty label value: alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric. */
const LABEL_NAME = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_NAME_MAX = 63;
/** A DNS subdomain (RFC 1123): dot-separated lowercase labels, as in `app.kubernetes.io`. */
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const DNS_SUBDOMAIN_MAX = 253;

/** Shows a token in a message, shortened so a 2 kB key does not make a 2 kB message. */
function quote(text: string): string {
  return `'${text.length > 40 ? `${text.slice(0, 37)}...` : text}'`;
}

/** Why a label name (or the name part of a key) is not one, if it is not. */
function nameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > LABEL_NAME_MAX) return `must be at most ${LABEL_NAME_MAX} characters`;
  if (!LABEL_NAME.test(name)) {
    return "must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  }
  return undefined;
}

/** Why the prefix of a key is not a DNS subdomain, if it is not. */
function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return 'must not be empty';
  if (prefix.length > DNS_SUBDOMAIN_MAX) return `must be at most ${DNS_SUBDOMAIN_MAX} characters`;
  if (!DNS_SUBDOMAIN.test(prefix)) return "must be a DNS subdomain (lowercase alphanumerics, '-' and '.')";
  return undefined;
}

/**
 * Checks a label key the Kubernetes way: an optional DNS-subdomain prefix (at most 253 characters) and `/`, then a
 * name of at most 63 characters. Returns the problem, located at the offending part of the key when the key starts
 * at `at`, or `undefined` for a valid key.
 */
export function labelKeyProblem(key: string, at = 0): SelectorProblem | undefined {
  const problem = (part: string, why: string, position: number) => ({
    message: `invalid label key ${quote(key)}: ${part} ${why}`,
    position: at + position,
  });
  const slash = key.indexOf('/');
  const second = slash === -1 ? -1 : key.indexOf('/', slash + 1);
  if (second !== -1) return problem('it', "may have only one '/' (between prefix and name)", second);
  if (slash !== -1) {
    const why = prefixProblem(key.slice(0, slash));
    if (why) return problem('the prefix', why, 0);
  }
  const why = nameProblem(key.slice(slash + 1));
  return why ? problem('the name', why, slash + 1) : undefined;
}

/** Checks a label value: empty, or at most 63 characters of a label name. */
export function labelValueProblem(value: string, at = 0): SelectorProblem | undefined {
  if (value === '') return undefined;
  const why = nameProblem(value);
  return why ? { message: `invalid label value ${quote(value)}: ${why}`, position: at } : undefined;
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  name(): string {
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHAR.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
}

class SelectorSyntax {
  constructor(
    readonly message: string,
    readonly position: number,
  ) {}
}

function describe(c: Cursor): string {
  const ch = c.peek();
  return ch === undefined ? 'end of selector' : `'${ch}'`;
}

/** Reads a label key at the cursor; a token that is no valid key is recorded in `problems` (parsing goes on). */
function readKey(c: Cursor, problems: SelectorProblem[], missing: string): string {
  const at = c.pos;
  const key = c.name();
  if (key === '') throw new SelectorSyntax(`${missing}, found ${describe(c)}`, at);
  const problem = labelKeyProblem(key, at);
  if (problem) problems.push(problem);
  return key;
}

/** Reads a label value (possibly empty) at the cursor; an invalid one is recorded in `problems`. */
function readValue(c: Cursor, problems: SelectorProblem[]): string {
  const at = c.pos;
  const value = c.name();
  const problem = labelValueProblem(value, at);
  if (problem) problems.push(problem);
  return value;
}

function parseValues(c: Cursor, problems: SelectorProblem[]): string[] {
  c.skipSpaces();
  if (c.peek() !== '(')
    throw new SelectorSyntax(`expected '(' to open the value list, found ${describe(c)}`, c.pos);
  c.pos++;
  const values: string[] = [];
  for (;;) {
    c.skipSpaces();
    if (!NAME_CHAR.test(c.peek() ?? ''))
      throw new SelectorSyntax(`expected a value, found ${describe(c)}`, c.pos);
    values.push(readValue(c, problems));
    c.skipSpaces();
    const ch = c.peek();
    if (ch === ',') {
      c.pos++;
      continue;
    }
    if (ch === ')') {
      c.pos++;
      return values;
    }
    throw new SelectorSyntax(`expected ',' or ')' in the value list, found ${describe(c)}`, c.pos);
  }
}

/**
 * Parses one requirement. Syntax errors are thrown (the caller skips to the next requirement); keys and values
 * that are not valid labels are pushed to `problems` and parsing goes on, so later problems are found too.
 */
function parseRequirement(c: Cursor, problems: SelectorProblem[]): LabelRequirement {
  c.skipSpaces();
  if (c.peek() === '!') {
    c.pos++;
    c.skipSpaces();
    return { op: 'not_exists', key: readKey(c, problems, "expected a label key after '!'") };
  }
  const key = readKey(c, problems, 'expected a label key');
  c.skipSpaces();
  if (c.done() || c.peek() === ',') return { op: 'exists', key };
  if (c.startsWith('!=')) {
    c.pos += 2;
    c.skipSpaces();
    return { op: 'neq', key, value: readValue(c, problems) };
  }
  if (c.startsWith('==') || c.startsWith('=')) {
    c.pos += c.startsWith('==') ? 2 : 1;
    c.skipSpaces();
    return { op: 'eq', key, value: readValue(c, problems) };
  }
  const opAt = c.pos;
  const word = c.name();
  if (word === 'in') return { op: 'in', key, values: parseValues(c, problems) };
  if (word === 'notin') return { op: 'notin', key, values: parseValues(c, problems) };
  c.pos = opAt;
  throw new SelectorSyntax(
    `expected an operator ('=', '==', '!=', 'in', 'notin') or ',' after ${quote(key)}, found ${describe(c)}`,
    opAt,
  );
}

/** Moves past the current requirement to the next top-level comma, so later problems are found too. */
function recover(c: Cursor): void {
  let depth = 0;
  while (!c.done()) {
    const ch = c.peek();
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) return;
    c.pos++;
  }
}

/**
 * Parses a Kubernetes-style label selector (`tier=premium`, `tier!=free`, `region in (eu,us)`,
 * `region notin (cn)`, `canary`, `!legacy`; comma = AND). An empty selector matches everything. Keys and values
 * must be Kubernetes label keys and values (see {@link labelKeyProblem}, {@link labelValueProblem}); those that are
 * not are problems like syntax errors, located at the offending token.
 */
export function parseSelector(selector: string): ParseSelectorResult {
  const c = new Cursor(selector);
  const requirements: LabelRequirement[] = [];
  const problems: SelectorProblem[] = [];
  c.skipSpaces();
  if (c.done()) return { ok: true, requirements };
  for (;;) {
    try {
      requirements.push(parseRequirement(c, problems));
      c.skipSpaces();
      if (!c.done() && c.peek() !== ',') {
        throw new SelectorSyntax(`expected ',' between requirements, found ${describe(c)}`, c.pos);
      }
    } catch (error) {
      if (!(error instanceof SelectorSyntax)) throw error;
      problems.push({ message: error.message, position: error.position });
      recover(c);
    }
    if (c.done()) break;
    c.pos++; // the comma
    c.skipSpaces();
    if (c.done()) {
      problems.push({ message: "expected a requirement after trailing ','", position: c.pos });
      break;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, requirements };
}

/** True when `labels` satisfy every requirement (Kubernetes semantics: `!=` and `notin` match a missing key). */
export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  requirements: readonly LabelRequirement[],
): boolean {
  for (const r of requirements) {
    const has = Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'not_exists':
        if (has) return false;
        break;
      case 'eq':
        if (value !== r.value) return false;
        break;
      case 'neq':
        if (value === r.value) return false;
        break;
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
    }
  }
  return true;
}

/** Renders requirements back to selector text (canonical spacing). */
export function formatSelector(requirements: readonly LabelRequirement[]): string {
  return requirements
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case 'not_exists':
          return `!${r.key}`;
        case 'eq':
          return `${r.key}=${r.value}`;
        case 'neq':
          return `${r.key}!=${r.value}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
      }
      return '';
    })
    .join(',');
}
