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

function parseValues(c: Cursor): string[] {
  c.skipSpaces();
  if (c.peek() !== '(')
    throw new SelectorSyntax(`expected '(' to open the value list, found ${describe(c)}`, c.pos);
  c.pos++;
  const values: string[] = [];
  for (;;) {
    c.skipSpaces();
    const at = c.pos;
    const value = c.name();
    if (value === '') throw new SelectorSyntax(`expected a value, found ${describe(c)}`, at);
    values.push(value);
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

function parseRequirement(c: Cursor): LabelRequirement {
  c.skipSpaces();
  if (c.peek() === '!') {
    c.pos++;
    c.skipSpaces();
    const at = c.pos;
    const key = c.name();
    if (key === '') throw new SelectorSyntax(`expected a label key after '!', found ${describe(c)}`, at);
    return { op: 'not_exists', key };
  }
  const at = c.pos;
  const key = c.name();
  if (key === '') throw new SelectorSyntax(`expected a label key, found ${describe(c)}`, at);
  c.skipSpaces();
  if (c.done() || c.peek() === ',') return { op: 'exists', key };
  if (c.startsWith('!=')) {
    c.pos += 2;
    c.skipSpaces();
    return { op: 'neq', key, value: c.name() };
  }
  if (c.startsWith('==') || c.startsWith('=')) {
    c.pos += c.startsWith('==') ? 2 : 1;
    c.skipSpaces();
    return { op: 'eq', key, value: c.name() };
  }
  const opAt = c.pos;
  const word = c.name();
  if (word === 'in') return { op: 'in', key, values: parseValues(c) };
  if (word === 'notin') return { op: 'notin', key, values: parseValues(c) };
  c.pos = opAt;
  throw new SelectorSyntax(
    `expected an operator ('=', '==', '!=', 'in', 'notin') or ',' after '${key}', found ${describe(c)}`,
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
 * `region notin (cn)`, `canary`, `!legacy`; comma = AND). An empty selector matches everything.
 */
export function parseSelector(selector: string): ParseSelectorResult {
  const c = new Cursor(selector);
  const requirements: LabelRequirement[] = [];
  const problems: SelectorProblem[] = [];
  c.skipSpaces();
  if (c.done()) return { ok: true, requirements };
  for (;;) {
    try {
      requirements.push(parseRequirement(c));
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
